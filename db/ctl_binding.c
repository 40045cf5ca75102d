/* mcx-ctl binding add|remove|show|list|import|export: migration bindings of the partner MMS
 * (partner IMPI/IMPUs <-> primary IMPI/IMPUs, primary system id, primary MMS address). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "ctl_csv.h"
#include "ctl_db.h"
#include "ctl_fields.h"
#include "ctl_import.h"
#include "ctl_options.h"

static void binding_usage(FILE *out)
{
    fprintf(out, "usage: mcx-ctl --db URI binding COMMAND ...\n"
                 "  add    --partner-impi I --partner-impu U [--partner-impu U2 ...]\n"
                 "         --primary-impi I --primary-impu U [--primary-impu U2 ...]\n"
                 "         --primary-system ID --primary-mms URL\n"
                 "  remove --partner-impi I\n"
                 "  show   (--partner-impi I | --partner-impu U | --primary-impi I "
                 "[--primary-system ID])\n"
                 "  list   [--after PARTNER-IMPI] [--limit N]\n"
                 "  import FILE.csv   (header partner_impi,partner_impus,primary_impi,\n"
                 "                     primary_impus,primary_system,primary_mms; - for stdin;\n"
                 "                     see db/README.md)\n"
                 "  export            (CSV to stdout)\n");
}

/* Sets an IMPU list from every value of a repeatable option; -1 after a one-line error. */
static int add_all(const char *cmd, const struct ctl_option *opt, char *items, size_t *count)
{
    char name[48], err[CTL_ERR_MAX];
    snprintf(name, sizeof name, "--%s", opt->name);
    if (ctl_field_list_set(name, opt->values, opt->count, items, MCX_STORE_IDENTITY_MAX,
                           MCX_STORE_MAX_IMPUS, count, err)) {
        fprintf(stderr, "mcx-ctl %s: %s\n", cmd, err);
        return -1;
    }
    return 0;
}

static int binding_add(int argc, char **argv)
{
    const char *cmd = "binding add";
    struct ctl_option opts[] = {
        {.name = "partner-impi"},   {.name = "partner-impu", .repeatable = true},
        {.name = "primary-impi"},   {.name = "primary-impu", .repeatable = true},
        {.name = "primary-system"}, {.name = "primary-mms"},
    };
    size_t n = sizeof opts / sizeof opts[0];
    if (ctl_parse_options(cmd, argc, argv, opts, n, NULL, 0, NULL))
        return CTL_EXIT_USAGE;
    for (size_t i = 0; i < n; i++) {
        if (!opts[i].count) {
            fprintf(stderr, "mcx-ctl %s: missing --%s\n", cmd, opts[i].name);
            return CTL_EXIT_USAGE;
        }
    }
    static struct mcx_binding b;
    memset(&b, 0, sizeof b);
    if (ctl_copy_value(cmd, "partner-impi", opts[0].values[0], b.partner_impi,
                       sizeof b.partner_impi) ||
        ctl_copy_value(cmd, "primary-impi", opts[2].values[0], b.primary_impi,
                       sizeof b.primary_impi) ||
        ctl_copy_value(cmd, "primary-system", opts[4].values[0], b.primary_system,
                       sizeof b.primary_system) ||
        ctl_copy_value(cmd, "primary-mms", opts[5].values[0], b.primary_mms,
                       sizeof b.primary_mms) ||
        add_all(cmd, &opts[1], &b.partner_impu[0][0], &b.partner_impu_count) ||
        add_all(cmd, &opts[3], &b.primary_impu[0][0], &b.primary_impu_count))
        return CTL_EXIT_USAGE;
    CTL_OPEN_STORE(cmd);
    int rc = mcx_store_binding_add(store, &b);
    if (rc != MCX_STORE_OK)
        return ctl_db_fail(cmd, rc);
    printf("added binding %s -> %s (%s)\n", b.partner_impi, b.primary_impi, b.primary_system);
    return CTL_EXIT_OK;
}

static int binding_remove(int argc, char **argv)
{
    const char *cmd = "binding remove";
    const char *partner_impi = ctl_parse_required(cmd, argc, argv, "partner-impi");
    if (!partner_impi)
        return CTL_EXIT_USAGE;
    CTL_OPEN_STORE(cmd);
    int rc = mcx_store_binding_remove(store, partner_impi);
    if (rc != MCX_STORE_OK)
        return ctl_db_fail(cmd, rc);
    printf("removed binding %s\n", partner_impi);
    return CTL_EXIT_OK;
}

static void print_binding(const struct mcx_binding *b)
{
    printf("partner_impi=%s\n", b->partner_impi);
    for (size_t i = 0; i < b->partner_impu_count; i++)
        printf("partner_impu=%s\n", b->partner_impu[i]);
    printf("primary_system=%s\n", b->primary_system);
    printf("primary_impi=%s\n", b->primary_impi);
    for (size_t i = 0; i < b->primary_impu_count; i++)
        printf("primary_impu=%s\n", b->primary_impu[i]);
    printf("primary_mms=%s\n", b->primary_mms);
}

static int binding_show(int argc, char **argv)
{
    const char *cmd = "binding show";
    struct ctl_option opts[] = {
        {.name = "partner-impi"},
        {.name = "partner-impu"},
        {.name = "primary-impi"},
        {.name = "primary-system"},
    };
    if (ctl_parse_options(cmd, argc, argv, opts, 4, NULL, 0, NULL))
        return CTL_EXIT_USAGE;
    size_t keys = opts[0].count + opts[1].count + opts[2].count;
    if (keys != 1 || (opts[3].count && !opts[2].count)) {
        fprintf(stderr,
                "mcx-ctl %s: give exactly one of --partner-impi, --partner-impu and "
                "--primary-impi (--primary-system only with --primary-impi)\n",
                cmd);
        return CTL_EXIT_USAGE;
    }
    CTL_OPEN_STORE(cmd);
    static struct mcx_binding b;
    int rc;
    if (opts[0].count)
        rc = mcx_store_binding_get_by_partner_impi(store, opts[0].values[0], &b);
    else if (opts[1].count)
        rc = mcx_store_binding_get_by_partner_impu(store, opts[1].values[0], &b);
    else
        rc = mcx_store_binding_get_by_primary_impi(store, opts[3].count ? opts[3].values[0] : NULL,
                                                   opts[2].values[0], &b);
    if (rc != MCX_STORE_OK)
        return ctl_db_fail(cmd, rc);
    print_binding(&b);
    return CTL_EXIT_OK;
}

static int list_line(void *ctx, const struct mcx_binding *b)
{
    (void)ctx;
    printf("partner_impi=%s partner_impu=", b->partner_impi);
    for (size_t i = 0; i < b->partner_impu_count; i++)
        printf("%s%s", i ? "," : "", b->partner_impu[i]);
    printf(" primary_system=%s primary_impi=%s primary_impu=", b->primary_system, b->primary_impi);
    for (size_t i = 0; i < b->primary_impu_count; i++)
        printf("%s%s", i ? "," : "", b->primary_impu[i]);
    printf(" primary_mms=%s\n", b->primary_mms);
    return 0;
}

static int binding_list(int argc, char **argv)
{
    const char *cmd = "binding list";
    const char *after;
    size_t limit;
    if (ctl_parse_list_options(cmd, argc, argv, &after, &limit))
        return CTL_EXIT_USAGE;
    CTL_OPEN_STORE(cmd);
    int rc = mcx_store_binding_list(store, after, limit, list_line, NULL);
    return rc == MCX_STORE_OK ? CTL_EXIT_OK : ctl_db_fail(cmd, rc);
}

/* Import source over a binding CSV stream. */
struct binding_csv_source {
    struct ctl_import import;
    struct mcx_binding_csv_layout layout;
};

static int binding_csv_next(void *ctx, struct mcx_binding *b)
{
    struct binding_csv_source *src = ctx;
    const char *values[MCX_BINDING_CSV_COLUMNS];
    char err[CTL_ERR_MAX];
    int rc = ctl_import_row_read(
        &src->import,
        mcx_binding_csv_next(&src->import.reader, &src->layout, values, err, sizeof err), err);
    if (rc != 1)
        return rc;
    if (ctl_csv_binding(values, b, err) != 0)
        return ctl_import_row_fail(&src->import, err);
    return 1;
}

static int binding_csv_header(struct ctl_import *imp, char *err, size_t err_len)
{
    struct binding_csv_source *src = (struct binding_csv_source *)imp;
    return mcx_binding_csv_header(&imp->reader, &src->layout, err, err_len);
}

static int binding_store_import(struct mcx_store *store, struct ctl_import *imp, size_t *imported)
{
    return mcx_store_binding_import(store, binding_csv_next, imp, imported);
}

static int binding_import(int argc, char **argv)
{
    static const struct ctl_import_kind kind = {
        .noun = "bindings", .header = binding_csv_header, .store_import = binding_store_import};
    static struct binding_csv_source src;
    return ctl_import_command("binding import", argc, argv, &kind, &src.import);
}

static int export_line(void *ctx, const struct mcx_binding *b)
{
    char err[CTL_ERR_MAX];
    if (mcx_binding_csv_write(stdout, b, err, sizeof err) != 0)
        return ctl_export_row_fail("binding export", b->partner_impi, err, ctx);
    return 0;
}

static int binding_export(int argc, char **argv)
{
    const char *cmd = "binding export";
    if (ctl_parse_options(cmd, argc, argv, NULL, 0, NULL, 0, NULL))
        return CTL_EXIT_USAGE;
    CTL_OPEN_STORE(cmd);
    if (mcx_binding_csv_write_header(stdout) != 0) {
        fprintf(stderr, "mcx-ctl %s: write error on stdout\n", cmd);
        return CTL_EXIT_FAILED;
    }
    int failed = 0;
    int rc = mcx_store_binding_list(store, NULL, 0, export_line, &failed);
    return ctl_export_finish(cmd, rc, failed);
}

int ctl_binding(const char *db_uri, int argc, char **argv)
{
    static const struct ctl_command commands[] = {
        {"add", binding_add},   {"remove", binding_remove}, {"show", binding_show},
        {"list", binding_list}, {"import", binding_import}, {"export", binding_export},
    };
    return ctl_run_command("binding", db_uri, commands, sizeof commands / sizeof commands[0],
                           binding_usage, argc, argv);
}
