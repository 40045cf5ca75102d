/* Regression test: several processes opening a SQLite database that does not exist yet, all at
 * once (schema creation and the switch to WAL racing), must all succeed; before the fix one of
 * them could fail with "database is locked".
 *
 * `test_sqlite_open_race sqlite:DIR/NAME.db [ROUNDS]` (store_harness.py passes a fresh
 * temporary directory): each round makes a new file in DIR, forks CHILDREN
 * processes that wait on one pipe so that they start together, and each opens the store on the
 * path and adds one subscriber. Every child must succeed and the database must then hold one
 * subscriber per child. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/store.h"

#define CHILDREN       8
#define DEFAULT_ROUNDS 60

static char work_dir[400];
static int rounds = DEFAULT_ROUNDS;

/* A valid subscriber named u<n>@race.mcx.lab. */
static void make_subscriber(struct mcx_subscriber *sub, int n)
{
    memset(sub, 0, sizeof *sub);
    snprintf(sub->impi, sizeof sub->impi, "u%d@race.mcx.lab", n);
    snprintf(sub->impu[0], sizeof sub->impu[0], "sip:u%d@race.mcx.lab", n);
    sub->impu_count = 1;
    for (size_t i = 0; i < sizeof sub->k; i++)
        sub->k[i] = (uint8_t)(0x46 + i);
    sub->has_opc = true;
    for (size_t i = 0; i < sizeof sub->opc; i++)
        sub->opc[i] = (uint8_t)(0xcd - i);
    sub->amf[0] = 0x80;
    snprintf(sub->schemes[0], sizeof sub->schemes[0], "Digest-AKAv1-MD5");
    sub->scheme_count = 1;
}

/* The child: waits for the start signal (EOF on start_fd), opens uri, adds subscriber n. */
static int child_main(int start_fd, const char *uri, int n)
{
    char byte;
    while (read(start_fd, &byte, 1) > 0) {
    }
    struct mcx_store *store = NULL;
    char err[256];
    int rc = mcx_store_open(uri, &store, err, sizeof err);
    if (rc != MCX_STORE_OK) {
        fprintf(stderr, "child %d: open %s: %s: %s\n", n, uri, mcx_store_status_name(rc), err);
        return 1;
    }
    struct mcx_subscriber sub;
    make_subscriber(&sub, n);
    rc = mcx_store_subscriber_add(store, &sub);
    if (rc != MCX_STORE_OK)
        fprintf(stderr, "child %d: add: %s: %s\n", n, mcx_store_status_name(rc),
                mcx_store_last_error());
    mcx_store_close(store);
    return rc == MCX_STORE_OK ? 0 : 1;
}

static int count_one(void *ctx, const struct mcx_subscriber *sub)
{
    (void)sub;
    (*(int *)ctx)++;
    return 0;
}

static void test_parallel_first_open(void **state)
{
    (void)state;
    int failed_children = 0;
    for (int round = 0; round < rounds; round++) {
        char uri[512];
        snprintf(uri, sizeof uri, "sqlite:%s/race-%d.db", work_dir, round);
        unlink(uri + 7);
        int start[2];
        assert_int_equal(pipe(start), 0);
        pid_t pids[CHILDREN];
        for (int c = 0; c < CHILDREN; c++) {
            pids[c] = fork();
            assert_true(pids[c] >= 0);
            if (pids[c] == 0) {
                close(start[1]);
                _exit(child_main(start[0], uri, c));
            }
        }
        close(start[0]);
        close(start[1]); /* all children start now */
        for (int c = 0; c < CHILDREN; c++) {
            int status = 0;
            assert_int_equal(waitpid(pids[c], &status, 0), pids[c]);
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                failed_children++;
        }
        struct mcx_store *store = NULL;
        char err[256];
        assert_int_equal(mcx_store_open(uri, &store, err, sizeof err), MCX_STORE_OK);
        int count = 0;
        assert_int_equal(mcx_store_subscriber_list(store, NULL, 0, count_one, &count),
                         MCX_STORE_OK);
        mcx_store_close(store);
        if (failed_children || count != CHILDREN)
            fprintf(stderr, "round %d: %d children failed, %d subscribers stored\n", round,
                    failed_children, count);
        assert_int_equal(failed_children, 0);
        assert_int_equal(count, CHILDREN);
    }
    printf("%d rounds of %d processes opening a new SQLite file together: all succeeded\n", rounds,
           CHILDREN);
}

int main(int argc, char **argv)
{
    const char *slash = argc >= 2 ? strrchr(argv[1], '/') : NULL;
    if (argc < 2 || argc > 3 || strncmp(argv[1], "sqlite:", 7) != 0 || !slash ||
        slash == argv[1] + 7 || (size_t)(slash - argv[1] - 7) >= sizeof work_dir) {
        fprintf(stderr, "usage: %s sqlite:DIR/NAME.db [ROUNDS]\n", argv[0]);
        return 2;
    }
    memcpy(work_dir, argv[1] + 7, (size_t)(slash - argv[1] - 7));
    work_dir[slash - argv[1] - 7] = '\0';
    if (argc == 3 && (rounds = atoi(argv[2])) <= 0) {
        fprintf(stderr, "ROUNDS must be a positive number\n");
        return 2;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parallel_first_open),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
