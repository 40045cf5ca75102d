/* Store tests, the same code for both backends: `test_store URI` (sqlite:PATH or mongodb://...).
 * The harness (store_harness.py) prepares a fresh database and passes its URI.
 * `test_store --sqn-worker URI IMPI COUNT` is the child process of the two-process SQN test:
 * it advances the SQN COUNT times and prints each value on its own line.
 * `test_store --probe URI IMPI` keeps one store open and answers each "get" line on stdin with
 * the status name of a lookup of IMPI (test_reconnect.py restarts the server under it). */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/codec.h"
#include "core/log.h"
#include "store/store.h"

extern char **environ;

static const char *store_uri;
static struct mcx_store *store;

#define THREADS             6
#define ADVANCES_PER_THREAD 150
#define PROCESS_ADVANCES    150

/* Fills a valid subscriber impi with count IMPUs named sip:<user>-<i>@<realm>. */
static void make_subscriber(struct mcx_subscriber *sub, const char *impi, size_t impus)
{
    memset(sub, 0, sizeof *sub);
    snprintf(sub->impi, sizeof sub->impi, "%s", impi);
    for (size_t i = 0; i < impus; i++)
        snprintf(sub->impu[i], sizeof sub->impu[i], "sip:%zu-%s", i, impi);
    sub->impu_count = impus;
    for (size_t i = 0; i < sizeof sub->k; i++)
        sub->k[i] = (uint8_t)(0x46 + i);
    sub->has_opc = true;
    for (size_t i = 0; i < sizeof sub->opc; i++)
        sub->opc[i] = (uint8_t)(0xcd - i);
    sub->amf[0] = 0x80;
    snprintf(sub->schemes[0], sizeof sub->schemes[0], "Digest-AKAv1-MD5");
    snprintf(sub->schemes[1], sizeof sub->schemes[1], "SIP Digest");
    sub->scheme_count = 2;
}

static int setup(void **state)
{
    (void)state;
    char err[256];
    int rc = mcx_store_open(store_uri, &store, err, sizeof err);
    if (rc != MCX_STORE_OK)
        fprintf(stderr, "open %s: %s\n", store_uri, err);
    return rc == MCX_STORE_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    mcx_store_close(store);
    store = NULL;
    return 0;
}

static void test_crud(void **state)
{
    (void)state;
    struct mcx_subscriber sub, got;
    make_subscriber(&sub, "crud@primary.mcx.lab", 2);
    snprintf(sub.imsi, sizeof sub.imsi, "001010000000001");
    snprintf(sub.msisdn[0], sizeof sub.msisdn[0], "4670001");
    sub.msisdn_count = 1;
    snprintf(sub.ha1, sizeof sub.ha1, "0123456789ABCDEF0123456789abcdef");
    snprintf(sub.allowed_partners[0], sizeof sub.allowed_partners[0], "partner.mcx.lab");
    sub.partner_count = 1;
    sub.sqn = 0x20;
    assert_int_equal(mcx_store_subscriber_add(store, &sub), MCX_STORE_OK);

    assert_int_equal(mcx_store_subscriber_get_by_impi(store, sub.impi, &got), MCX_STORE_OK);
    assert_string_equal(got.impi, sub.impi);
    assert_string_equal(got.imsi, "001010000000001");
    assert_int_equal(got.msisdn_count, 1);
    assert_string_equal(got.msisdn[0], "4670001");
    assert_memory_equal(got.k, sub.k, 16);
    assert_true(got.has_opc);
    assert_false(got.has_op);
    assert_memory_equal(got.opc, sub.opc, 16);
    assert_memory_equal(got.amf, sub.amf, 2);
    assert_int_equal(got.sqn, 0x20);
    assert_int_equal(got.impu_count, 2);
    assert_string_equal(got.impu[0], sub.impu[0]);
    assert_string_equal(got.impu[1], sub.impu[1]);
    assert_int_equal(got.scheme_count, 2);
    assert_string_equal(got.schemes[1], "SIP Digest");
    assert_string_equal(got.ha1, "0123456789abcdef0123456789abcdef"); /* stored lowercase */
    assert_int_equal(got.partner_count, 1);
    assert_string_equal(got.allowed_partners[0], "partner.mcx.lab");
    assert_string_equal(got.server_name, "");

    assert_int_equal(mcx_store_subscriber_get_by_impu(store, sub.impu[1], &got), MCX_STORE_OK);
    assert_string_equal(got.impi, sub.impi);

    /* Update: new IMPU list, OP instead of OPc, no HA1; SQN is not touched by update. */
    assert_int_equal(mcx_store_sqn_set(store, sub.impi, 0x1000), MCX_STORE_OK);
    struct mcx_subscriber changed = sub;
    snprintf(changed.impu[0], sizeof changed.impu[0], "sip:renamed@primary.mcx.lab");
    changed.impu_count = 1;
    changed.has_opc = false;
    changed.has_op = true;
    memset(changed.op, 0x11, sizeof changed.op);
    changed.ha1[0] = '\0';
    changed.sqn = 5;
    assert_int_equal(mcx_store_subscriber_update(store, &changed), MCX_STORE_OK);
    assert_int_equal(mcx_store_subscriber_get_by_impi(store, sub.impi, &got), MCX_STORE_OK);
    assert_int_equal(got.impu_count, 1);
    assert_string_equal(got.impu[0], "sip:renamed@primary.mcx.lab");
    assert_true(got.has_op);
    assert_false(got.has_opc);
    assert_memory_equal(got.op, changed.op, 16);
    assert_string_equal(got.ha1, "");
    assert_int_equal(got.sqn, 0x1000);
    assert_int_equal(mcx_store_subscriber_get_by_impu(store, sub.impu[1], &got),
                     MCX_STORE_NOT_FOUND);
    assert_int_equal(mcx_store_subscriber_get_by_impu(store, "sip:renamed@primary.mcx.lab", &got),
                     MCX_STORE_OK);

    struct mcx_subscriber ghost;
    make_subscriber(&ghost, "ghost@primary.mcx.lab", 1);
    assert_int_equal(mcx_store_subscriber_update(store, &ghost), MCX_STORE_NOT_FOUND);

    assert_int_equal(mcx_store_subscriber_remove(store, sub.impi), MCX_STORE_OK);
    assert_int_equal(mcx_store_subscriber_get_by_impi(store, sub.impi, &got), MCX_STORE_NOT_FOUND);
    assert_int_equal(mcx_store_subscriber_get_by_impu(store, "sip:renamed@primary.mcx.lab", &got),
                     MCX_STORE_NOT_FOUND);
    assert_int_equal(mcx_store_subscriber_remove(store, sub.impi), MCX_STORE_NOT_FOUND);
    /* Removing freed the IMPU for someone else. */
    struct mcx_subscriber reuse;
    make_subscriber(&reuse, "reuse@primary.mcx.lab", 1);
    snprintf(reuse.impu[0], sizeof reuse.impu[0], "sip:renamed@primary.mcx.lab");
    assert_int_equal(mcx_store_subscriber_add(store, &reuse), MCX_STORE_OK);
}

static void test_unique_identities(void **state)
{
    (void)state;
    struct mcx_subscriber a, b, got;
    make_subscriber(&a, "uniq-a@primary.mcx.lab", 2);
    assert_int_equal(mcx_store_subscriber_add(store, &a), MCX_STORE_OK);
    assert_int_equal(mcx_store_subscriber_add(store, &a), MCX_STORE_DUPLICATE);

    /* Another IMPI claiming a's second IMPU (arrays differ): refused, nothing stored. */
    make_subscriber(&b, "uniq-b@primary.mcx.lab", 2);
    snprintf(b.impu[1], sizeof b.impu[1], "%s", a.impu[1]);
    assert_int_equal(mcx_store_subscriber_add(store, &b), MCX_STORE_DUPLICATE);
    assert_int_equal(mcx_store_subscriber_get_by_impi(store, b.impi, &got), MCX_STORE_NOT_FOUND);
    assert_int_equal(mcx_store_subscriber_get_by_impu(store, b.impu[0], &got), MCX_STORE_NOT_FOUND);

    /* b without the shared IMPU is fine; then an update stealing a's IMPU is refused. */
    b.impu_count = 1;
    assert_int_equal(mcx_store_subscriber_add(store, &b), MCX_STORE_OK);
    b.impu_count = 2;
    assert_int_equal(mcx_store_subscriber_update(store, &b), MCX_STORE_DUPLICATE);
    assert_int_equal(mcx_store_subscriber_get_by_impu(store, a.impu[1], &got), MCX_STORE_OK);
    assert_string_equal(got.impi, a.impi);
    assert_int_equal(mcx_store_subscriber_get_by_impi(store, b.impi, &got), MCX_STORE_OK);
    assert_int_equal(got.impu_count, 1);
}

static void test_validation(void **state)
{
    (void)state;
    struct mcx_subscriber sub, got;
    make_subscriber(&sub, "valid@primary.mcx.lab", 1);
    sub.has_op = true; /* both OP and OPc */
    assert_int_equal(mcx_store_subscriber_add(store, &sub), MCX_STORE_INVALID);
    assert_non_null(strstr(mcx_store_last_error(), "OP"));
    make_subscriber(&sub, "valid@primary.mcx.lab", 1);
    sub.impu_count = 0;
    assert_int_equal(mcx_store_subscriber_add(store, &sub), MCX_STORE_INVALID);
    make_subscriber(&sub, "", 1);
    assert_int_equal(mcx_store_subscriber_add(store, &sub), MCX_STORE_INVALID);
    make_subscriber(&sub, "with space@primary.mcx.lab", 1);
    assert_int_equal(mcx_store_subscriber_add(store, &sub), MCX_STORE_INVALID);
    make_subscriber(&sub, "valid@primary.mcx.lab", 1);
    snprintf(sub.ha1, sizeof sub.ha1, "xyz");
    assert_int_equal(mcx_store_subscriber_add(store, &sub), MCX_STORE_INVALID);
    make_subscriber(&sub, "valid@primary.mcx.lab", 1);
    snprintf(sub.imsi, sizeof sub.imsi, "00101abc");
    assert_int_equal(mcx_store_subscriber_add(store, &sub), MCX_STORE_INVALID);
    make_subscriber(&sub, "valid@primary.mcx.lab", 2);
    snprintf(sub.impu[1], sizeof sub.impu[1], "%s", sub.impu[0]);
    assert_int_equal(mcx_store_subscriber_add(store, &sub), MCX_STORE_INVALID);
    make_subscriber(&sub, "valid@primary.mcx.lab", 1);
    sub.sqn = MCX_STORE_SQN_MAX + 1;
    assert_int_equal(mcx_store_subscriber_add(store, &sub), MCX_STORE_INVALID);
    assert_int_equal(mcx_store_subscriber_get_by_impi(store, "valid@primary.mcx.lab", &got),
                     MCX_STORE_NOT_FOUND);
    assert_int_equal(mcx_store_subscriber_get_by_impi(store, "", &got), MCX_STORE_INVALID);
    assert_int_equal(mcx_store_sqn_set(store, "x@y", -1), MCX_STORE_INVALID);
}

static void test_identity_check_and_server_name(void **state)
{
    (void)state;
    struct mcx_subscriber a, b, got;
    make_subscriber(&a, "idc-a@primary.mcx.lab", 1);
    make_subscriber(&b, "idc-b@primary.mcx.lab", 1);
    assert_int_equal(mcx_store_subscriber_add(store, &a), MCX_STORE_OK);
    assert_int_equal(mcx_store_subscriber_add(store, &b), MCX_STORE_OK);
    assert_int_equal(mcx_store_identity_check(store, a.impi, a.impu[0]), MCX_STORE_OK);
    assert_int_equal(mcx_store_identity_check(store, a.impi, b.impu[0]), MCX_STORE_MISMATCH);
    assert_int_equal(mcx_store_identity_check(store, a.impi, "sip:nobody@x"), MCX_STORE_NOT_FOUND);
    assert_int_equal(mcx_store_identity_check(store, "nobody@x", a.impu[0]), MCX_STORE_NOT_FOUND);

    assert_int_equal(mcx_store_server_name_set(store, a.impi, "sip:scscf.primary.mcx.lab:5060"),
                     MCX_STORE_OK);
    /* The name survives closing and reopening the store (a restart). */
    mcx_store_close(store);
    char err[256];
    assert_int_equal(mcx_store_open(store_uri, &store, err, sizeof err), MCX_STORE_OK);
    assert_int_equal(mcx_store_subscriber_get_by_impi(store, a.impi, &got), MCX_STORE_OK);
    assert_string_equal(got.server_name, "sip:scscf.primary.mcx.lab:5060");
    assert_int_equal(mcx_store_server_name_clear(store, a.impi), MCX_STORE_OK);
    assert_int_equal(mcx_store_subscriber_get_by_impi(store, a.impi, &got), MCX_STORE_OK);
    assert_string_equal(got.server_name, "");
    assert_int_equal(mcx_store_server_name_set(store, "nobody@x", "sip:s"), MCX_STORE_NOT_FOUND);
}

struct collect {
    char last[MCX_STORE_IDENTITY_MAX];
    size_t count;
    size_t stop_after;
    size_t pages; /* entries of the paging test seen */
    int sorted;
};

static int collect_subscriber(void *ctx, const struct mcx_subscriber *sub)
{
    struct collect *c = ctx;
    if (c->count && strcmp(c->last, sub->impi) >= 0)
        c->sorted = 0;
    snprintf(c->last, sizeof c->last, "%s", sub->impi);
    c->count++;
    if (strncmp(sub->impi, "page", 4) == 0 && strstr(sub->impi, "@list.mcx.lab"))
        c->pages++;
    return c->stop_after && c->count >= c->stop_after;
}

static void test_list_paging(void **state)
{
    (void)state;
    struct mcx_subscriber sub;
    for (int i = 0; i < 25; i++) {
        char impi[64];
        snprintf(impi, sizeof impi, "page%02d@list.mcx.lab", 24 - i);
        make_subscriber(&sub, impi, 1);
        assert_int_equal(mcx_store_subscriber_add(store, &sub), MCX_STORE_OK);
    }
    /* Pages of 10 starting at "page": 10 + 10 + 5, in order, no overlap. */
    struct collect c = {.sorted = 1};
    char after[MCX_STORE_IDENTITY_MAX] = "page";
    size_t total = 0;
    for (int page = 0; page < 4; page++) {
        struct collect p = {.sorted = 1};
        assert_int_equal(mcx_store_subscriber_list(store, after, 10, collect_subscriber, &p),
                         MCX_STORE_OK);
        assert_true(p.sorted);
        assert_true(p.count <= 10);
        total += p.pages;
        if (p.count < 10)
            break;
        assert_true(strcmp(p.last, after) > 0);
        snprintf(after, sizeof after, "%s", p.last);
    }
    assert_int_equal(total, 25);
    /* The callback can stop the listing. */
    c.stop_after = 3;
    assert_int_equal(mcx_store_subscriber_list(store, NULL, 0, collect_subscriber, &c),
                     MCX_STORE_OK);
    assert_int_equal(c.count, 3);
}

struct import_source {
    size_t next, total, duplicate_at;
};

static int import_next(void *ctx, struct mcx_subscriber *sub)
{
    struct import_source *src = ctx;
    if (src->next >= src->total)
        return 0;
    char impi[64];
    size_t n = src->next == src->duplicate_at ? 0 : src->next;
    snprintf(impi, sizeof impi, "bulk%06zu@import.mcx.lab", n);
    make_subscriber(sub, impi, 1);
    src->next++;
    return 1;
}

static void test_import(void **state)
{
    (void)state;
    struct import_source src = {.total = 1500, .duplicate_at = SIZE_MAX};
    size_t imported = 0;
    assert_int_equal(mcx_store_subscriber_import(store, import_next, &src, &imported),
                     MCX_STORE_OK);
    assert_int_equal(imported, 1500);
    struct mcx_subscriber got;
    assert_int_equal(
        mcx_store_subscriber_get_by_impu(store, "sip:0-bulk001499@import.mcx.lab", &got),
        MCX_STORE_OK);
    assert_string_equal(got.impi, "bulk001499@import.mcx.lab");

    /* A duplicate in the middle stops the import there; earlier rows stay. */
    struct import_source dup = {.next = 1500, .total = 1600, .duplicate_at = 1550};
    assert_int_equal(mcx_store_subscriber_import(store, import_next, &dup, &imported),
                     MCX_STORE_DUPLICATE);
    assert_int_equal(imported, 50);
    assert_int_equal(mcx_store_subscriber_get_by_impi(store, "bulk001549@import.mcx.lab", &got),
                     MCX_STORE_OK);
    assert_int_equal(mcx_store_subscriber_get_by_impi(store, "bulk001551@import.mcx.lab", &got),
                     MCX_STORE_NOT_FOUND);
}

static void test_sqn(void **state)
{
    (void)state;
    struct mcx_subscriber sub, got;
    int64_t sqn = -1;
    make_subscriber(&sub, "sqn@primary.mcx.lab", 1);
    sub.sqn = 0x21; /* SEQ 1, IND 1 */
    assert_int_equal(mcx_store_subscriber_add(store, &sub), MCX_STORE_OK);
    assert_int_equal(mcx_store_sqn_advance(store, sub.impi, 1, &sqn), MCX_STORE_OK);
    assert_int_equal(sqn, 0x21 + 32);
    assert_int_equal(mcx_store_sqn_advance(store, sub.impi, 3, &sqn), MCX_STORE_OK);
    assert_int_equal(sqn, 0x21 + 4 * 32); /* IND bits untouched */
    assert_int_equal(mcx_store_subscriber_get_by_impi(store, sub.impi, &got), MCX_STORE_OK);
    assert_int_equal(got.sqn, sqn);
    assert_int_equal(mcx_store_sqn_set(store, sub.impi, 0x7000000000), MCX_STORE_OK);
    assert_int_equal(mcx_store_sqn_advance(store, sub.impi, 1, &sqn), MCX_STORE_OK);
    assert_int_equal(sqn, 0x7000000000 + 32);
    /* Near the 48-bit end: refused and unchanged. */
    assert_int_equal(mcx_store_sqn_set(store, sub.impi, MCX_STORE_SQN_MAX - 40), MCX_STORE_OK);
    assert_int_equal(mcx_store_sqn_advance(store, sub.impi, 2, &sqn), MCX_STORE_SQN_EXHAUSTED);
    assert_int_equal(mcx_store_subscriber_get_by_impi(store, sub.impi, &got), MCX_STORE_OK);
    assert_int_equal(got.sqn, MCX_STORE_SQN_MAX - 40);
    assert_int_equal(mcx_store_sqn_advance(store, "nobody@x", 1, &sqn), MCX_STORE_NOT_FOUND);
    assert_int_equal(mcx_store_sqn_set(store, "nobody@x", 1), MCX_STORE_NOT_FOUND);
    assert_int_equal(mcx_store_sqn_advance(store, sub.impi, 0, &sqn), MCX_STORE_INVALID);
}

struct sqn_thread {
    const char *impi;
    int64_t values[ADVANCES_PER_THREAD];
    int failures;
};

static void *advance_thread(void *arg)
{
    struct sqn_thread *t = arg;
    for (int i = 0; i < ADVANCES_PER_THREAD; i++) {
        if (mcx_store_sqn_advance(store, t->impi, 1, &t->values[i]) != MCX_STORE_OK) {
            fprintf(stderr, "advance: %s\n", mcx_store_last_error());
            t->failures++;
            t->values[i] = -1;
        }
    }
    return NULL;
}

static int compare_int64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Sorted values must be start+32, start+64, ... with no value twice and none missing. */
static void assert_consecutive(int64_t *values, size_t count, int64_t start)
{
    qsort(values, count, sizeof values[0], compare_int64);
    for (size_t i = 0; i < count; i++)
        assert_int_equal(values[i], start + (int64_t)(i + 1) * MCX_STORE_SQN_STEP);
}

static void test_sqn_threads(void **state)
{
    (void)state;
    struct mcx_subscriber sub;
    make_subscriber(&sub, "sqn-threads@primary.mcx.lab", 1);
    sub.sqn = 7;
    assert_int_equal(mcx_store_subscriber_add(store, &sub), MCX_STORE_OK);
    static struct sqn_thread threads[THREADS];
    pthread_t ids[THREADS];
    for (int i = 0; i < THREADS; i++) {
        threads[i] = (struct sqn_thread){.impi = sub.impi};
        assert_int_equal(pthread_create(&ids[i], NULL, advance_thread, &threads[i]), 0);
    }
    static int64_t all[THREADS * ADVANCES_PER_THREAD];
    for (int i = 0; i < THREADS; i++) {
        pthread_join(ids[i], NULL);
        assert_int_equal(threads[i].failures, 0);
        memcpy(all + i * ADVANCES_PER_THREAD, threads[i].values, sizeof threads[i].values);
    }
    assert_consecutive(all, THREADS * ADVANCES_PER_THREAD, 7);
}

/* Starts `self --sqn-worker URI IMPI COUNT` with stdout to a pipe; returns the read end. */
static FILE *spawn_worker(const char *impi, pid_t *pid)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    posix_spawn_file_actions_addclose(&actions, fds[1]);
    char count[16];
    snprintf(count, sizeof count, "%d", PROCESS_ADVANCES);
    char *argv[] = {"test_store", "--sqn-worker", (char *)store_uri, (char *)impi, count, NULL};
    assert_int_equal(posix_spawn(pid, "/proc/self/exe", &actions, NULL, argv, environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    return fdopen(fds[0], "r");
}

static void test_sqn_two_processes(void **state)
{
    (void)state;
    struct mcx_subscriber sub;
    make_subscriber(&sub, "sqn-procs@primary.mcx.lab", 1);
    sub.sqn = 0x40;
    assert_int_equal(mcx_store_subscriber_add(store, &sub), MCX_STORE_OK);
    pid_t pids[2];
    FILE *outs[2];
    for (int i = 0; i < 2; i++)
        outs[i] = spawn_worker(sub.impi, &pids[i]);
    static int64_t all[2 * PROCESS_ADVANCES];
    size_t count = 0;
    for (int i = 0; i < 2; i++) {
        long long value;
        while (fscanf(outs[i], "%lld", &value) == 1 && count < 2 * PROCESS_ADVANCES)
            all[count++] = value;
        fclose(outs[i]);
        int status = 0;
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    assert_int_equal(count, 2 * PROCESS_ADVANCES);
    assert_consecutive(all, count, 0x40);
}

static int sqn_worker(const char *uri, const char *impi, int count)
{
    struct mcx_store *own;
    char err[256];
    if (mcx_store_open(uri, &own, err, sizeof err) != MCX_STORE_OK) {
        fprintf(stderr, "worker open: %s\n", err);
        return 1;
    }
    int rc = 0;
    for (int i = 0; i < count; i++) {
        int64_t value;
        if (mcx_store_sqn_advance(own, impi, 1, &value) != MCX_STORE_OK) {
            fprintf(stderr, "worker advance: %s\n", mcx_store_last_error());
            rc = 1;
            break;
        }
        printf("%lld\n", (long long)value);
    }
    mcx_store_close(own);
    return rc;
}

static int probe(const char *uri, const char *impi)
{
    struct mcx_store *own;
    char err[256], line[64];
    if (mcx_store_open(uri, &own, err, sizeof err) != MCX_STORE_OK) {
        fprintf(stderr, "probe open: %s\n", err);
        return 1;
    }
    static struct mcx_subscriber sub;
    while (fgets(line, sizeof line, stdin) && strncmp(line, "get", 3) == 0) {
        int rc = mcx_store_subscriber_get_by_impi(own, impi, &sub);
        printf("%s\n", mcx_store_status_name(rc));
        fflush(stdout);
    }
    mcx_store_close(own);
    return 0;
}

static void make_binding(struct mcx_binding *b, const char *user, const char *system)
{
    memset(b, 0, sizeof *b);
    snprintf(b->partner_impi, sizeof b->partner_impi, "%s@partner.mcx.lab", user);
    snprintf(b->partner_impu[0], sizeof b->partner_impu[0], "sip:%s@partner.mcx.lab", user);
    snprintf(b->partner_impu[1], sizeof b->partner_impu[1], "tel:+4670%zu", strlen(user));
    b->partner_impu_count = 2;
    snprintf(b->primary_impi, sizeof b->primary_impi, "%s@primary.mcx.lab", user);
    snprintf(b->primary_impu[0], sizeof b->primary_impu[0], "sip:%s@primary.mcx.lab", user);
    b->primary_impu_count = 1;
    snprintf(b->primary_system, sizeof b->primary_system, "%s", system);
    snprintf(b->primary_mms, sizeof b->primary_mms, "tcp://127.0.10.1:7300");
}

static int count_binding(void *ctx, const struct mcx_binding *b)
{
    (void)b;
    (*(size_t *)ctx)++;
    return 0;
}

static void test_bindings(void **state)
{
    (void)state;
    struct mcx_binding b, got;
    make_binding(&b, "alice", "primary.mcx.lab");
    assert_int_equal(mcx_store_binding_add(store, &b), MCX_STORE_OK);
    assert_int_equal(mcx_store_binding_get_by_partner_impi(store, "alice@partner.mcx.lab", &got),
                     MCX_STORE_OK);
    assert_string_equal(got.primary_impi, "alice@primary.mcx.lab");
    assert_string_equal(got.primary_system, "primary.mcx.lab");
    assert_string_equal(got.primary_mms, "tcp://127.0.10.1:7300");
    assert_int_equal(got.partner_impu_count, 2);
    assert_string_equal(got.partner_impu[1], b.partner_impu[1]);
    assert_int_equal(got.primary_impu_count, 1);
    assert_string_equal(got.primary_impu[0], "sip:alice@primary.mcx.lab");
    assert_int_equal(mcx_store_binding_get_by_partner_impu(store, b.partner_impu[1], &got),
                     MCX_STORE_OK);
    assert_string_equal(got.partner_impi, b.partner_impi);
    assert_int_equal(mcx_store_binding_get_by_primary_impi(store, "primary.mcx.lab",
                                                           "alice@primary.mcx.lab", &got),
                     MCX_STORE_OK);
    assert_string_equal(got.partner_impi, b.partner_impi);
    assert_int_equal(
        mcx_store_binding_get_by_primary_impi(store, NULL, "alice@primary.mcx.lab", &got),
        MCX_STORE_OK);
    assert_int_equal(mcx_store_binding_get_by_primary_impi(store, "other.mcx.lab",
                                                           "alice@primary.mcx.lab", &got),
                     MCX_STORE_NOT_FOUND);

    /* Unique both ways. */
    assert_int_equal(mcx_store_binding_add(store, &b), MCX_STORE_DUPLICATE);
    struct mcx_binding same_primary;
    make_binding(&same_primary, "alice", "primary.mcx.lab");
    snprintf(same_primary.partner_impi, sizeof same_primary.partner_impi, "alice2@partner");
    snprintf(same_primary.partner_impu[0], sizeof same_primary.partner_impu[0], "sip:a2@p");
    snprintf(same_primary.partner_impu[1], sizeof same_primary.partner_impu[1], "sip:a3@p");
    assert_int_equal(mcx_store_binding_add(store, &same_primary), MCX_STORE_DUPLICATE);
    struct mcx_binding same_impu;
    make_binding(&same_impu, "bob", "primary.mcx.lab");
    snprintf(same_impu.partner_impu[1], sizeof same_impu.partner_impu[1], "%s", b.partner_impu[0]);
    assert_int_equal(mcx_store_binding_add(store, &same_impu), MCX_STORE_DUPLICATE);
    assert_int_equal(mcx_store_binding_get_by_partner_impi(store, same_impu.partner_impi, &got),
                     MCX_STORE_NOT_FOUND);

    /* The same primary IMPI in another primary system is another binding. */
    snprintf(same_primary.primary_system, sizeof same_primary.primary_system, "other.mcx.lab");
    assert_int_equal(mcx_store_binding_add(store, &same_primary), MCX_STORE_OK);
    assert_int_equal(
        mcx_store_binding_get_by_primary_impi(store, NULL, "alice@primary.mcx.lab", &got),
        MCX_STORE_AMBIGUOUS);
    assert_int_equal(mcx_store_binding_get_by_primary_impi(store, "other.mcx.lab",
                                                           "alice@primary.mcx.lab", &got),
                     MCX_STORE_OK);
    assert_string_equal(got.partner_impi, "alice2@partner");

    size_t count = 0;
    assert_int_equal(mcx_store_binding_list(store, NULL, 0, count_binding, &count), MCX_STORE_OK);
    assert_int_equal(count, 2);

    struct mcx_binding bad = b;
    snprintf(bad.primary_mms, sizeof bad.primary_mms, "not-a-url");
    snprintf(bad.partner_impi, sizeof bad.partner_impi, "bad@partner");
    assert_int_equal(mcx_store_binding_add(store, &bad), MCX_STORE_INVALID);

    assert_int_equal(mcx_store_binding_remove(store, b.partner_impi), MCX_STORE_OK);
    assert_int_equal(mcx_store_binding_remove(store, b.partner_impi), MCX_STORE_NOT_FOUND);
    assert_int_equal(mcx_store_binding_get_by_partner_impu(store, b.partner_impu[0], &got),
                     MCX_STORE_NOT_FOUND);
    /* The removed binding's IMPUs can be bound again. */
    assert_int_equal(mcx_store_binding_add(store, &b), MCX_STORE_OK);
}

/* Logging at debug level while subscribers with secrets are added, read, duplicated and
 * rejected: neither K, OPc nor HA1 (hex) reaches the log. */
static void test_no_secrets_in_logs(void **state)
{
    (void)state;
    char *log_text = NULL;
    size_t log_len = 0;
    FILE *log = open_memstream(&log_text, &log_len);
    assert_non_null(log);
    mcx_log_init("test_store", MCX_LOG_DEBUG, log);
    struct mcx_store *own;
    char err[256];
    assert_int_equal(mcx_store_open(store_uri, &own, err, sizeof err), MCX_STORE_OK);
    struct mcx_subscriber sub, got;
    make_subscriber(&sub, "secret@primary.mcx.lab", 1);
    snprintf(sub.ha1, sizeof sub.ha1, "a1b2c3d4e5f60718293a4b5c6d7e8f90");
    assert_int_equal(mcx_store_subscriber_add(own, &sub), MCX_STORE_OK);
    assert_int_equal(mcx_store_subscriber_add(own, &sub), MCX_STORE_DUPLICATE);
    assert_int_equal(mcx_store_subscriber_get_by_impi(own, sub.impi, &got), MCX_STORE_OK);
    sub.has_op = true; /* invalid: both OP and OPc */
    assert_int_equal(mcx_store_subscriber_update(own, &sub), MCX_STORE_INVALID);
    mcx_store_close(own);
    mcx_log_init("test_store", MCX_LOG_INFO, NULL);
    fclose(log);
    char k_hex[33], opc_hex[33];
    mcx_hex_encode(sub.k, sizeof sub.k, k_hex, sizeof k_hex);
    mcx_hex_encode(sub.opc, sizeof sub.opc, opc_hex, sizeof opc_hex);
    assert_null(strstr(log_text, k_hex));
    assert_null(strstr(log_text, opc_hex));
    assert_null(strstr(log_text, sub.ha1));
    assert_null(strstr(mcx_store_last_error(), k_hex));
    free(log_text);
}

/* A database that cannot be reached gives MCX_STORE_UNAVAILABLE, not a crash or a hang. */
static void test_unavailable(void **state)
{
    (void)state;
    struct mcx_store *down = NULL;
    struct mcx_subscriber got;
    char err[256];
    if (strncmp(store_uri, "mongodb://", 10) == 0) {
        /* Port 1 on loopback: nothing listens there. */
        assert_int_equal(mcx_store_open("mongodb://127.0.0.1:1/mcx?serverSelectionTimeoutMS=300",
                                        &down, err, sizeof err),
                         MCX_STORE_OK);
        assert_int_equal(mcx_store_subscriber_get_by_impi(down, "a@b", &got),
                         MCX_STORE_UNAVAILABLE);
        int64_t sqn;
        assert_int_equal(mcx_store_sqn_advance(down, "a@b", 1, &sqn), MCX_STORE_UNAVAILABLE);
        mcx_store_close(down);
    } else {
        assert_int_equal(
            mcx_store_open("sqlite:/nonexistent-dir/x/store.db", &down, err, sizeof err),
            MCX_STORE_UNAVAILABLE);
        assert_non_null(strstr(err, "/nonexistent-dir/x/store.db"));
    }
    assert_int_equal(mcx_store_open("postgres://127.0.0.1/x", &down, err, sizeof err),
                     MCX_STORE_INVALID);
    assert_int_equal(mcx_store_open("mongodb://", &down, err, sizeof err), MCX_STORE_INVALID);
}

struct binding_source {
    size_t next, total, duplicate_at, invalid_at, abort_at;
};

static int binding_next(void *ctx, struct mcx_binding *b)
{
    struct binding_source *src = ctx;
    if (src->next >= src->total)
        return 0;
    if (src->next == src->abort_at)
        return MCX_STORE_UNAVAILABLE;
    char user[32];
    size_t n = src->next == src->duplicate_at ? 0 : src->next;
    snprintf(user, sizeof user, "bimp%06zu", n);
    make_binding(b, user, "import.mcx.lab");
    snprintf(b->partner_impu[1], sizeof b->partner_impu[1], "tel:+4699%06zu", n);
    if (src->next == src->invalid_at)
        snprintf(b->primary_mms, sizeof b->primary_mms, "127.0.10.1");
    src->next++;
    return 1;
}

static void test_binding_import(void **state)
{
    (void)state;
    struct binding_source src = {
        .total = 1500, .duplicate_at = SIZE_MAX, .invalid_at = SIZE_MAX, .abort_at = SIZE_MAX};
    size_t imported = 0;
    assert_int_equal(mcx_store_binding_import(store, binding_next, &src, &imported), MCX_STORE_OK);
    assert_int_equal(imported, 1500);
    struct mcx_binding got;
    assert_int_equal(mcx_store_binding_get_by_partner_impu(store, "tel:+4699001499", &got),
                     MCX_STORE_OK);
    assert_string_equal(got.partner_impi, "bimp001499@partner.mcx.lab");
    assert_int_equal(mcx_store_binding_get_by_primary_impi(store, "import.mcx.lab",
                                                           "bimp001499@primary.mcx.lab", &got),
                     MCX_STORE_OK);
    size_t count = 0;
    assert_int_equal(mcx_store_binding_list(store, "bimp", 0, count_binding, &count), MCX_STORE_OK);
    assert_int_equal(count, 1500);

    /* A duplicate after a batch boundary stops the import there; earlier rows stay. */
    struct binding_source dup = {.next = 1500,
                                 .total = 2700,
                                 .duplicate_at = 2550,
                                 .invalid_at = SIZE_MAX,
                                 .abort_at = SIZE_MAX};
    assert_int_equal(mcx_store_binding_import(store, binding_next, &dup, &imported),
                     MCX_STORE_DUPLICATE);
    assert_int_equal(imported, 1050);
    assert_int_equal(
        mcx_store_binding_get_by_partner_impi(store, "bimp002549@partner.mcx.lab", &got),
        MCX_STORE_OK);
    assert_int_equal(
        mcx_store_binding_get_by_partner_impi(store, "bimp002551@partner.mcx.lab", &got),
        MCX_STORE_NOT_FOUND);

    /* An invalid row: MCX_STORE_INVALID, the rows before it stay. */
    struct binding_source bad = {.next = 3000,
                                 .total = 3100,
                                 .duplicate_at = SIZE_MAX,
                                 .invalid_at = 3020,
                                 .abort_at = SIZE_MAX};
    assert_int_equal(mcx_store_binding_import(store, binding_next, &bad, &imported),
                     MCX_STORE_INVALID);
    assert_int_equal(imported, 20);
    assert_int_equal(
        mcx_store_binding_get_by_partner_impi(store, "bimp003019@partner.mcx.lab", &got),
        MCX_STORE_OK);
    assert_int_equal(
        mcx_store_binding_get_by_partner_impi(store, "bimp003020@partner.mcx.lab", &got),
        MCX_STORE_NOT_FOUND);

    /* A duplicate before an invalid row in the same batch: the duplicate (first) is reported. */
    struct binding_source both = {.next = 4000,
                                  .total = 4100,
                                  .duplicate_at = 4010,
                                  .invalid_at = 4050,
                                  .abort_at = SIZE_MAX};
    assert_int_equal(mcx_store_binding_import(store, binding_next, &both, &imported),
                     MCX_STORE_DUPLICATE);
    assert_int_equal(imported, 10);

    /* The source's own failure status is returned. */
    struct binding_source aborted = {.next = 5000,
                                     .total = 5100,
                                     .duplicate_at = SIZE_MAX,
                                     .invalid_at = SIZE_MAX,
                                     .abort_at = 5005};
    assert_int_equal(mcx_store_binding_import(store, binding_next, &aborted, &imported),
                     MCX_STORE_UNAVAILABLE);
    assert_int_equal(imported, 5);
    assert_int_equal(mcx_store_binding_import(store, NULL, NULL, &imported), MCX_STORE_INVALID);
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "--sqn-worker") == 0)
        return sqn_worker(argv[2], argv[3], atoi(argv[4]));
    if (argc == 4 && strcmp(argv[1], "--probe") == 0)
        return probe(argv[2], argv[3]);
    if (argc != 2) {
        fprintf(stderr, "usage: test_store URI (sqlite:PATH or mongodb://...)\n");
        return 2;
    }
    store_uri = argv[1];
    printf("# store backend under test: %s\n",
           strncmp(store_uri, "mongodb://", 10) == 0 ? "mongodb" : "sqlite");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_crud, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unique_identities, setup, teardown),
        cmocka_unit_test_setup_teardown(test_validation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_identity_check_and_server_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_paging, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sqn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sqn_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sqn_two_processes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bindings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_binding_import, setup, teardown),
        cmocka_unit_test(test_no_secrets_in_logs),
        cmocka_unit_test(test_unavailable),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
