/* mcx-ctl subscriber add|update|remove|show|list|import|export: subscriber provisioning, like
 * open5gs-dbctl. Secrets are printed only by `show --secrets` and `export` (a backup). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "ctl.h"
#include "ctl_csv.h"
#include "ctl_db.h"
#include "ctl_fields.h"
#include "ctl_import.h"
#include "ctl_options.h"

static void subscriber_usage(FILE *out)
{
    fprintf(out,
            "usage: mcx-ctl --db URI subscriber COMMAND ...\n"
            "  add    --impi I --impu U [--impu U2 ...] --k HEX (--op HEX | --opc HEX)\n"
            "         [--amf HEX] [--sqn N] [--scheme S ...] [--password P]\n"
            "         [--allow-partner SYSTEM ...] [--imsi D] [--msisdn D ...]\n"
            "  update --impi I [any option of add; a list option replaces the whole list]\n"
            "  remove --impi I\n"
            "  show   (--impi I | --impu U) [--secrets]\n"
            "  list   [--after IMPI] [--limit N]\n"
            "  import FILE.csv   (header impi,impu,k,op,opc,amf,sqn,schemes,allowed_partners;\n"
            "                     see db/README.md)\n"
            "  export            (CSV to stdout, secrets included: it is a backup)\n");
}

/* Options of add and update. */
static struct ctl_option subscriber_options[] = {
    {.name = "impi"},     {.name = "impu", .repeatable = true},
    {.name = "k"},        {.name = "op"},
    {.name = "opc"},      {.name = "amf"},
    {.name = "sqn"},      {.name = "scheme", .repeatable = true},
    {.name = "password"}, {.name = "allow-partner", .repeatable = true},
    {.name = "imsi"},     {.name = "msisdn", .repeatable = true},
};
#define N_SUBSCRIBER_OPTIONS (sizeof subscriber_options / sizeof subscriber_options[0])

/* Applies the given options to *sub (for update: only those given). Returns 0 or -1 after a
 * one-line error. */
static int apply_options(const char *cmd, struct ctl_option *opts, size_t n,
                         struct mcx_subscriber *sub, bool *sqn_given)
{
    char err[CTL_ERR_MAX];
    struct ctl_option *o;
    const char *value;
    if ((o = ctl_option_find(opts, n, "impu"))->count &&
        ctl_field_list_set("--impu", o->values, o->count, &sub->impu[0][0], MCX_STORE_IDENTITY_MAX,
                           MCX_STORE_MAX_IMPUS, &sub->impu_count, err))
        goto fail;
    if ((value = ctl_option_value(opts, n, "k")) &&
        ctl_field_hex("--k", value, sub->k, sizeof sub->k, err))
        goto fail;
    const char *op = ctl_option_value(opts, n, "op");
    const char *opc = ctl_option_value(opts, n, "opc");
    if (op && opc) {
        snprintf(err, sizeof err, "give --op or --opc, not both");
        goto fail;
    }
    if (op) {
        if (ctl_field_hex("--op", op, sub->op, sizeof sub->op, err))
            goto fail;
        sub->has_op = true;
        sub->has_opc = false;
    }
    if (opc) {
        if (ctl_field_hex("--opc", opc, sub->opc, sizeof sub->opc, err))
            goto fail;
        sub->has_opc = true;
        sub->has_op = false;
    }
    if ((value = ctl_option_value(opts, n, "amf")) &&
        ctl_field_hex("--amf", value, sub->amf, sizeof sub->amf, err))
        goto fail;
    if ((value = ctl_option_value(opts, n, "sqn"))) {
        if (ctl_field_sqn(value, &sub->sqn, err))
            goto fail;
        *sqn_given = true;
    }
    if ((o = ctl_option_find(opts, n, "scheme"))->count &&
        ctl_field_list_set("--scheme", o->values, o->count, &sub->schemes[0][0],
                           MCX_STORE_SCHEME_MAX, MCX_STORE_MAX_SCHEMES, &sub->scheme_count, err))
        goto fail;
    if ((o = ctl_option_find(opts, n, "allow-partner"))->count &&
        ctl_field_list_set("--allow-partner", o->values, o->count, &sub->allowed_partners[0][0],
                           MCX_STORE_IDENTITY_MAX, MCX_STORE_MAX_PARTNERS, &sub->partner_count,
                           err))
        goto fail;
    if ((o = ctl_option_find(opts, n, "msisdn"))->count &&
        ctl_field_list_set("--msisdn", o->values, o->count, &sub->msisdn[0][0],
                           MCX_STORE_DIGITS_MAX, MCX_STORE_MAX_MSISDNS, &sub->msisdn_count, err))
        goto fail;
    if ((value = ctl_option_value(opts, n, "imsi")) &&
        ctl_field_string("--imsi", value, sub->imsi, sizeof sub->imsi, err))
        goto fail;
    if ((value = ctl_option_value(opts, n, "password")) && ctl_field_password(sub, value, err))
        goto fail;
    return 0;
fail:
    fprintf(stderr, "mcx-ctl %s: %s\n", cmd, err);
    return -1;
}

static int subscriber_add(int argc, char **argv)
{
    const char *cmd = "subscriber add";
    if (ctl_parse_options(cmd, argc, argv, subscriber_options, N_SUBSCRIBER_OPTIONS, NULL, 0, NULL))
        return CTL_EXIT_USAGE;
    const char *missing =
        !ctl_option_value(subscriber_options, N_SUBSCRIBER_OPTIONS, "impi")         ? "--impi"
        : !ctl_option_find(subscriber_options, N_SUBSCRIBER_OPTIONS, "impu")->count ? "--impu"
        : !ctl_option_value(subscriber_options, N_SUBSCRIBER_OPTIONS, "k")          ? "--k"
        : (!ctl_option_value(subscriber_options, N_SUBSCRIBER_OPTIONS, "op") &&
           !ctl_option_value(subscriber_options, N_SUBSCRIBER_OPTIONS, "opc"))
            ? "--op or --opc"
            : NULL;
    if (missing) {
        fprintf(stderr, "mcx-ctl %s: missing %s\n", cmd, missing);
        return CTL_EXIT_USAGE;
    }
    static struct mcx_subscriber sub;
    memset(&sub, 0, sizeof sub);
    sub.amf[0] = 0x80;
    if (ctl_copy_value(cmd, "impi",
                       ctl_option_value(subscriber_options, N_SUBSCRIBER_OPTIONS, "impi"), sub.impi,
                       sizeof sub.impi))
        return CTL_EXIT_USAGE;
    bool sqn_given = false;
    if (apply_options(cmd, subscriber_options, N_SUBSCRIBER_OPTIONS, &sub, &sqn_given))
        return CTL_EXIT_USAGE;
    if (sub.scheme_count == 0) {
        snprintf(sub.schemes[sub.scheme_count++], MCX_STORE_SCHEME_MAX, "Digest-AKAv1-MD5");
        if (sub.ha1[0])
            snprintf(sub.schemes[sub.scheme_count++], MCX_STORE_SCHEME_MAX, "SIP Digest");
    }
    CTL_OPEN_STORE(cmd);
    int rc = mcx_store_subscriber_add(store, &sub);
    if (rc != MCX_STORE_OK)
        return ctl_db_fail(cmd, rc);
    printf("added %s\n", sub.impi);
    return CTL_EXIT_OK;
}

static int subscriber_update(int argc, char **argv)
{
    const char *cmd = "subscriber update";
    if (ctl_parse_options(cmd, argc, argv, subscriber_options, N_SUBSCRIBER_OPTIONS, NULL, 0, NULL))
        return CTL_EXIT_USAGE;
    const char *impi = ctl_option_value(subscriber_options, N_SUBSCRIBER_OPTIONS, "impi");
    if (!impi) {
        fprintf(stderr, "mcx-ctl %s: missing --impi\n", cmd);
        return CTL_EXIT_USAGE;
    }
    static struct mcx_subscriber sub;
    CTL_OPEN_STORE(cmd);
    int rc = mcx_store_subscriber_get_by_impi(store, impi, &sub);
    if (rc != MCX_STORE_OK)
        return ctl_db_fail(cmd, rc);
    bool sqn_given = false;
    if (apply_options(cmd, subscriber_options, N_SUBSCRIBER_OPTIONS, &sub, &sqn_given))
        return CTL_EXIT_USAGE;
    if ((rc = mcx_store_subscriber_update(store, &sub)) != MCX_STORE_OK)
        return ctl_db_fail(cmd, rc);
    if (sqn_given && (rc = mcx_store_sqn_set(store, impi, sub.sqn)) != MCX_STORE_OK)
        return ctl_db_fail(cmd, rc);
    printf("updated %s\n", impi);
    return CTL_EXIT_OK;
}

static int subscriber_remove(int argc, char **argv)
{
    const char *cmd = "subscriber remove";
    const char *impi = ctl_parse_required(cmd, argc, argv, "impi");
    if (!impi)
        return CTL_EXIT_USAGE;
    CTL_OPEN_STORE(cmd);
    int rc = mcx_store_subscriber_remove(store, impi);
    if (rc != MCX_STORE_OK)
        return ctl_db_fail(cmd, rc);
    printf("removed %s\n", impi);
    return CTL_EXIT_OK;
}

static void print_hex_line(const char *name, const uint8_t *bytes, size_t len)
{
    char hex[40];
    mcx_hex_encode(bytes, len, hex, sizeof hex);
    printf("%s=%s\n", name, hex);
}

/* `show` output: one name=value per line, lists as one line per item. */
static void print_subscriber(const struct mcx_subscriber *sub, bool secrets)
{
    printf("impi=%s\n", sub->impi);
    for (size_t i = 0; i < sub->impu_count; i++)
        printf("impu=%s\n", sub->impu[i]);
    if (sub->imsi[0])
        printf("imsi=%s\n", sub->imsi);
    for (size_t i = 0; i < sub->msisdn_count; i++)
        printf("msisdn=%s\n", sub->msisdn[i]);
    if (secrets) {
        print_hex_line("k", sub->k, sizeof sub->k);
        if (sub->has_op)
            print_hex_line("op", sub->op, sizeof sub->op);
        if (sub->has_opc)
            print_hex_line("opc", sub->opc, sizeof sub->opc);
    } else {
        printf("k=<hidden>\n%s=<hidden>\n", sub->has_op ? "op" : "opc");
    }
    print_hex_line("amf", sub->amf, sizeof sub->amf);
    printf("sqn=%lld\n", (long long)sub->sqn);
    printf("sqn_hex=%012llx\n", (unsigned long long)sub->sqn);
    for (size_t i = 0; i < sub->scheme_count; i++)
        printf("scheme=%s\n", sub->schemes[i]);
    if (sub->ha1[0])
        printf("ha1=%s\n", secrets ? sub->ha1 : "<hidden>");
    for (size_t i = 0; i < sub->partner_count; i++)
        printf("allowed_partner=%s\n", sub->allowed_partners[i]);
    printf("server_name=%s\n", sub->server_name);
}

static int subscriber_show(int argc, char **argv)
{
    const char *cmd = "subscriber show";
    struct ctl_option opts[] = {
        {.name = "impi"}, {.name = "impu"}, {.name = "secrets", .flag = true}};
    if (ctl_parse_options(cmd, argc, argv, opts, 3, NULL, 0, NULL))
        return CTL_EXIT_USAGE;
    if (!!opts[0].count == !!opts[1].count) {
        fprintf(stderr, "mcx-ctl %s: give exactly one of --impi and --impu\n", cmd);
        return CTL_EXIT_USAGE;
    }
    static struct mcx_subscriber sub;
    CTL_OPEN_STORE(cmd);
    int rc = opts[0].count ? mcx_store_subscriber_get_by_impi(store, opts[0].values[0], &sub)
                           : mcx_store_subscriber_get_by_impu(store, opts[1].values[0], &sub);
    if (rc != MCX_STORE_OK)
        return ctl_db_fail(cmd, rc);
    print_subscriber(&sub, opts[2].count > 0);
    return CTL_EXIT_OK;
}

static int list_line(void *ctx, const struct mcx_subscriber *sub)
{
    (void)ctx;
    printf("impi=%s impu=", sub->impi);
    for (size_t i = 0; i < sub->impu_count; i++)
        printf("%s%s", i ? "," : "", sub->impu[i]);
    printf(" sqn=%lld server_name=%s\n", (long long)sub->sqn,
           sub->server_name[0] ? sub->server_name : "-");
    return 0;
}

static int subscriber_list(int argc, char **argv)
{
    const char *cmd = "subscriber list";
    const char *after;
    size_t limit;
    if (ctl_parse_list_options(cmd, argc, argv, &after, &limit))
        return CTL_EXIT_USAGE;
    CTL_OPEN_STORE(cmd);
    int rc = mcx_store_subscriber_list(store, after, limit, list_line, NULL);
    return rc == MCX_STORE_OK ? CTL_EXIT_OK : ctl_db_fail(cmd, rc);
}

/* Import source over a CSV stream. */
struct csv_source {
    struct ctl_import import;
    struct mcx_csv_layout layout;
};

static int csv_next(void *ctx, struct mcx_subscriber *sub)
{
    struct csv_source *src = ctx;
    const char *values[MCX_CSV_COLUMNS];
    char err[CTL_ERR_MAX];
    int rc = ctl_import_row_read(
        &src->import,
        mcx_subscriber_csv_next(&src->import.reader, &src->layout, values, err, sizeof err), err);
    if (rc != 1)
        return rc;
    if (ctl_csv_subscriber(values, sub, err) != 0)
        return ctl_import_row_fail(&src->import, err);
    return 1;
}

static int csv_header(struct ctl_import *imp, char *err, size_t err_len)
{
    struct csv_source *src = (struct csv_source *)imp;
    return mcx_subscriber_csv_header(&imp->reader, MCX_CSV_STRICT, &src->layout, err, err_len);
}

static int csv_store_import(struct mcx_store *store, struct ctl_import *imp, size_t *imported)
{
    return mcx_store_subscriber_import(store, csv_next, imp, imported);
}

static int subscriber_import(int argc, char **argv)
{
    static const struct ctl_import_kind kind = {
        .noun = "subscribers", .header = csv_header, .store_import = csv_store_import};
    static struct csv_source src;
    return ctl_import_command("subscriber import", argc, argv, &kind, &src.import);
}

static int export_line(void *ctx, const struct mcx_subscriber *sub)
{
    char err[CTL_ERR_MAX];
    if (mcx_subscriber_csv_write(stdout, sub, err, sizeof err) != 0)
        return ctl_export_row_fail("subscriber export", sub->impi, err, ctx);
    return 0;
}

static int subscriber_export(int argc, char **argv)
{
    const char *cmd = "subscriber export";
    if (ctl_parse_options(cmd, argc, argv, NULL, 0, NULL, 0, NULL))
        return CTL_EXIT_USAGE;
    CTL_OPEN_STORE(cmd);
    fprintf(stderr,
            "mcx-ctl %s: the CSV holds secrets (K, OP/OPc, HA1): it is a backup, keep it safe\n",
            cmd);
    mcx_subscriber_csv_write_header(stdout);
    int failed = 0;
    int rc = mcx_store_subscriber_list(store, NULL, 0, export_line, &failed);
    return ctl_export_finish(cmd, rc, failed);
}

int ctl_subscriber(const char *db_uri, int argc, char **argv)
{
    static const struct ctl_command commands[] = {
        {"add", subscriber_add},       {"update", subscriber_update}, {"remove", subscriber_remove},
        {"show", subscriber_show},     {"list", subscriber_list},     {"import", subscriber_import},
        {"export", subscriber_export},
    };
    return ctl_run_command("subscriber", db_uri, commands, sizeof commands / sizeof commands[0],
                           subscriber_usage, argc, argv);
}
