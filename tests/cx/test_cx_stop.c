/* Clean stop of embedded freeDiameter cores on a loaded machine with requests in flight.
 *
 * Regression test for daemons aborting on SIGTERM inside freeDiameter 1.2.1's shutdown
 * ("fd_fifo_del: Assertion `++loops < 20' failed", SIGABRT): see mcx_diameter_shutdown() in
 * lib/cx/diameter.c for the cause. Each round forks
 *  - CPU burners (one more than there are CPUs, for the length of the round),
 *  - a Cx server ("hss.stop.lab" on 127.0.0.1) that answers half of the MARs in its handler and
 *    the other half a few milliseconds later from its own thread,
 *  - a Cx client ("client.stop.lab" on 127.0.0.2) that keeps WINDOW MARs in flight,
 * waits until answers flow, then sends SIGTERM to both, as a service manager would. Each
 * process stops the way our daemons do (stop its own work, answer what it still holds, then
 * mcx_diameter_shutdown()) and must exit with status 0. Every round must be clean.
 *
 * Usage: test_cx_stop [ROUNDS]   (default 24; environment MCX_CX_STOP_ROUNDS overrides) */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/log.h"
#include "cx/cx_client.h"
#include "cx/cx_server.h"
#include "cx/diameter.h"

#define SERVER_ID   "hss.stop.lab"
#define SERVER_ADDR "127.0.0.1"
#define CLIENT_ID   "client.stop.lab"
#define CLIENT_ADDR "127.0.0.2"
#define REALM       "stop.lab"

#define WINDOW_SMALL     16  /* MARs the client keeps in flight, odd rounds */
#define WINDOW_LARGE     64  /* even rounds: more than the core's incoming queue holds */
#define ANSWERS_BEFORE   300 /* answers the client has before it reports "flowing" */
#define DEFER_MS         4   /* how long the server holds a deferred MAR */
#define CHILD_STOP_LIMIT 60  /* seconds before a child that does not stop is killed */
#define MAX_BURNERS      16
#define DEFAULT_ROUNDS   24

static int rounds;
static unsigned window; /* MARs the client keeps in flight this round */

/* ------------------------------------------------------------------ shared helpers ---- */

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static long ms_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - start->tv_sec) * 1000L + (now.tv_nsec - start->tv_nsec) / 1000000L;
}

static void base_config(struct mcx_diameter_config *cfg, const char *id, const char *addr,
                        uint16_t port, const char *dir)
{
    mcx_diameter_config_defaults(cfg);
    snprintf(cfg->identity, sizeof cfg->identity, "%s", id);
    snprintf(cfg->realm, sizeof cfg->realm, REALM);
    snprintf(cfg->listen_address, sizeof cfg->listen_address, "%s", addr);
    cfg->listen_port = port;
    cfg->reconnect_seconds = 1;
    snprintf(cfg->state_dir, sizeof cfg->state_dir, "%s", dir);
}

/* Child start: dies with the parent, stderr into dir/stderr.log (the assertion text lands
 * there), SIGTERM blocked so that every freeDiameter thread inherits the mask. */
static void child_prepare(const char *dir, const char *name, sigset_t *term)
{
    char path[600];
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    snprintf(path, sizeof path, "%s/stderr.log", dir);
    if (!freopen(path, "w", stderr))
        _exit(2);
    setvbuf(stderr, NULL, _IOLBF, 0);
    sigemptyset(term);
    sigaddset(term, SIGTERM);
    pthread_sigmask(SIG_BLOCK, term, NULL);
    mcx_log_init(name, MCX_LOG_WARN, stderr);
}

static void child_ready(int fd)
{
    char c = 'r';
    if (write(fd, &c, 1) != 1)
        _exit(3);
    close(fd);
}

/* ----------------------------------------------------------------- server (child) ---- */

struct held {
    struct mcx_cx_txn *txn;
    struct mcx_cx_mar mar;
    struct timespec since;
    struct held *next;
};

static pthread_mutex_t held_lock = PTHREAD_MUTEX_INITIALIZER;
static struct held *held_head, *held_tail;
static atomic_bool server_stopping;
static atomic_uint server_seen;

static void fill_maa(struct mcx_cx_maa *maa, const struct mcx_cx_mar *mar)
{
    memset(maa, 0, sizeof *maa);
    mcx_cx_result_set_success(&maa->result);
    maa->item_count = 1;
    maa->number_auth_items = 1;
    struct mcx_cx_auth_item *it = &maa->items[0];
    it->item_number = 1;
    snprintf(it->scheme, sizeof it->scheme, "%s", mar->scheme);
    memset(it->authenticate, 0x5a, 32);
    it->authenticate_len = 32;
    memset(it->authorization, 0x21, 8);
    it->authorization_len = 8;
    it->has_ck = it->has_ik = true;
    memset(it->ck, 0xcc, 16);
    memset(it->ik, 0x11, 16);
}

static void answer_unable(struct mcx_cx_txn *txn)
{
    struct mcx_cx_result r;
    mcx_cx_result_set_base(&r, MCX_DIAMETER_UNABLE_TO_COMPLY);
    mcx_cx_answer_result(txn, &r);
}

static void on_mar(void *ctx, struct mcx_cx_txn *txn, const struct mcx_cx_mar *mar)
{
    (void)ctx;
    unsigned n = atomic_fetch_add(&server_seen, 1);
    if (atomic_load(&server_stopping)) {
        answer_unable(txn);
        return;
    }
    if (n % 2 == 0) {
        struct mcx_cx_maa maa;
        fill_maa(&maa, mar);
        mcx_cx_answer_maa(txn, &maa);
        return;
    }
    struct held *h = malloc(sizeof *h);
    if (!h) {
        answer_unable(txn);
        return;
    }
    h->txn = txn;
    h->mar = *mar;
    h->next = NULL;
    clock_gettime(CLOCK_MONOTONIC, &h->since);
    pthread_mutex_lock(&held_lock);
    if (held_tail)
        held_tail->next = h;
    else
        held_head = h;
    held_tail = h;
    pthread_mutex_unlock(&held_lock);
}

/* Takes the oldest held MAR if it is older than DEFER_MS (or any, when all is set). */
static struct held *take_held(bool all)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    pthread_mutex_lock(&held_lock);
    struct held *h = held_head;
    if (h && !all) {
        long age_ms =
            (now.tv_sec - h->since.tv_sec) * 1000L + (now.tv_nsec - h->since.tv_nsec) / 1000000L;
        if (age_ms < DEFER_MS)
            h = NULL;
    }
    if (h) {
        held_head = h->next;
        if (!held_head)
            held_tail = NULL;
    }
    pthread_mutex_unlock(&held_lock);
    return h;
}

static void *answer_deferred(void *arg)
{
    (void)arg;
    while (!atomic_load(&server_stopping)) {
        struct held *h = take_held(false);
        if (!h) {
            sleep_ms(1);
            continue;
        }
        struct mcx_cx_maa maa;
        fill_maa(&maa, &h->mar);
        mcx_cx_answer_maa(h->txn, &maa);
        free(h);
    }
    return NULL;
}

static void run_server(const char *dir, uint16_t port, int ready_fd)
{
    struct mcx_diameter_config cfg;
    char err[256];
    sigset_t term;
    int sig;
    pthread_t answerer;
    child_prepare(dir, "cx_stop_server", &term);
    base_config(&cfg, SERVER_ID, SERVER_ADDR, port, dir);
    mcx_diameter_config_add_accept(&cfg, CLIENT_ID);
    if (mcx_diameter_init(&cfg, err, sizeof err) != 0 || mcx_cx_serve_mar(on_mar, NULL) != 0 ||
        mcx_diameter_start(err, sizeof err) != 0) {
        fprintf(stderr, "server: %s\n", err);
        _exit(1);
    }
    if (pthread_create(&answerer, NULL, answer_deferred, NULL) != 0)
        _exit(1);
    child_ready(ready_fd);
    sigwait(&term, &sig);
    /* As the daemons do: stop our own work, answer what we still hold, stop the core. */
    atomic_store(&server_stopping, true);
    pthread_join(answerer, NULL);
    for (struct held *h; (h = take_held(true)) != NULL; free(h))
        answer_unable(h->txn);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    mcx_diameter_shutdown();
    fprintf(stderr, "server: stopped after %u MARs, core stop %ld ms\n", atomic_load(&server_seen),
            ms_since(&t0));
    _exit(0);
}

/* ----------------------------------------------------------------- client (child) ---- */

static pthread_mutex_t flight_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t flight_cv = PTHREAD_COND_INITIALIZER;
static unsigned in_flight;
static unsigned long answered, not_answered;
static atomic_bool client_stopping;

static void got_maa(void *ctx, enum mcx_cx_outcome outcome, const struct mcx_cx_maa *maa)
{
    (void)ctx;
    (void)maa;
    pthread_mutex_lock(&flight_lock);
    in_flight--;
    if (outcome == MCX_CX_ANSWERED)
        answered++;
    else
        not_answered++;
    pthread_cond_signal(&flight_cv);
    pthread_mutex_unlock(&flight_lock);
}

static void *send_mars(void *arg)
{
    int ready_fd = *(int *)arg;
    static const struct mcx_cx_route route = {.realm = REALM, .host = SERVER_ID};
    unsigned long sent = 0;
    bool reported = false;
    while (!atomic_load(&client_stopping)) {
        pthread_mutex_lock(&flight_lock);
        while (in_flight >= window && !atomic_load(&client_stopping)) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += 20 * 1000000L;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&flight_cv, &flight_lock, &until);
        }
        bool report = !reported && answered >= ANSWERS_BEFORE;
        in_flight++;
        pthread_mutex_unlock(&flight_lock);
        if (report) {
            child_ready(ready_fd);
            reported = true;
        }
        struct mcx_cx_mar mar;
        struct mcx_cx_error err;
        memset(&mar, 0, sizeof mar);
        snprintf(mar.user_name, sizeof mar.user_name, "user%lu@" REALM, sent % 1000);
        snprintf(mar.public_identity, sizeof mar.public_identity, "sip:user%lu@" REALM,
                 sent % 1000);
        snprintf(mar.server_name, sizeof mar.server_name, "sip:scscf." REALM);
        snprintf(mar.scheme, sizeof mar.scheme, MCX_CX_SCHEME_AKAV1);
        mar.number_auth_items = 1;
        if (mcx_cx_send_mar(&route, &mar, 5000, got_maa, NULL, &err) != 0) {
            pthread_mutex_lock(&flight_lock);
            in_flight--;
            pthread_mutex_unlock(&flight_lock);
            sleep_ms(1);
        } else {
            sent++;
        }
    }
    return NULL;
}

static void run_client(const char *dir, uint16_t port, uint16_t server_port, int ready_fd)
{
    struct mcx_diameter_config cfg;
    char err[256];
    sigset_t term;
    int sig;
    pthread_t sender;
    child_prepare(dir, "cx_stop_client", &term);
    base_config(&cfg, CLIENT_ID, CLIENT_ADDR, port, dir);
    mcx_diameter_config_add_peer(&cfg, SERVER_ID, SERVER_ADDR, server_port);
    if (mcx_diameter_init(&cfg, err, sizeof err) != 0 || mcx_diameter_start(err, sizeof err) != 0) {
        fprintf(stderr, "client: %s\n", err);
        _exit(1);
    }
    if (mcx_diameter_wait_peer(SERVER_ID, 30000) != 0) {
        fprintf(stderr, "client: peer %s never opened\n", SERVER_ID);
        _exit(1);
    }
    if (pthread_create(&sender, NULL, send_mars, &ready_fd) != 0)
        _exit(1);
    sigwait(&term, &sig);
    /* As the daemons do: stop making new requests, then stop the core (MARs in flight). */
    atomic_store(&client_stopping, true);
    pthread_join(sender, NULL);
    pthread_mutex_lock(&flight_lock);
    unsigned left = in_flight;
    pthread_mutex_unlock(&flight_lock);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    mcx_diameter_shutdown();
    fprintf(stderr,
            "client: stopped with %u MARs in flight (%lu answered, %lu not), core stop %ld ms\n",
            left, answered, not_answered, ms_since(&t0));
    _exit(0);
}

/* ----------------------------------------------------------------- parent ------------ */

static void burn(void)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    alarm(5 * CHILD_STOP_LIMIT); /* never outlives a stuck round by much */
    volatile unsigned long spin = 0;
    for (;;)
        spin++;
}

static uint16_t free_port(const char *addr)
{
    struct sockaddr_in sin = {.sin_family = AF_INET};
    socklen_t len = sizeof sin;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    inet_pton(AF_INET, addr, &sin.sin_addr);
    if (s < 0 || bind(s, (struct sockaddr *)&sin, sizeof sin) != 0 ||
        getsockname(s, (struct sockaddr *)&sin, &len) != 0) {
        if (s >= 0)
            close(s);
        return 0;
    }
    close(s);
    return ntohs(sin.sin_port);
}

static pid_t spawn(void (*fn)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        fn();
    return pid;
}

/* Waits for one byte on fd (the child's "ready"), at most limit_s seconds. */
static bool wait_ready(int fd, int limit_s)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    char c;
    return poll(&p, 1, limit_s * 1000) == 1 && read(fd, &c, 1) == 1;
}

/* Waits for pid to exit (SIGKILL after CHILD_STOP_LIMIT s); returns its wait status. */
static int reap(pid_t pid)
{
    int status = 0;
    for (int waited_ms = 0;; waited_ms += 10) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return status;
        if (r < 0)
            return -1;
        if (waited_ms >= CHILD_STOP_LIMIT * 1000) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return status;
        }
        sleep_ms(10);
    }
}

/* Prints the last TAIL_LINES lines of path (a stuck or aborted child's stderr can be long). */
#define TAIL_LINES 30
static void print_tail(const char *path)
{
    static char lines[TAIL_LINES][512];
    size_t n = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    while (fgets(lines[n % TAIL_LINES], sizeof lines[0], f))
        n++;
    fclose(f);
    for (size_t i = n > TAIL_LINES ? n - TAIL_LINES : 0; i < n; i++)
        printf("#   %s", lines[i % TAIL_LINES]);
}

static void remove_state_dir(const char *dir)
{
    static const char *const files[] = {"freeDiameter.conf", "throwaway-cert.pem",
                                        "throwaway-key.pem", "dh-ffdhe2048.pem", "stderr.log"};
    char path[600];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

/* Describes a child's end for the report; returns whether it was a clean exit 0. */
static bool clean_exit(const char *who, int round, int status, const char *dir)
{
    char path[600];
    snprintf(path, sizeof path, "%s/stderr.log", dir);
    if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        FILE *f = fopen(path, "r");
        char line[256] = "";
        while (f && fgets(line, sizeof line, f))
            ; /* last line: the child's own summary */
        if (f)
            fclose(f);
        printf("# round %d: %s exit 0: %s", round, who, line[0] ? line : "\n");
        return true;
    }
    if (status != -1 && WIFSIGNALED(status))
        printf("# round %d: %s killed by signal %d; the end of its stderr:\n", round, who,
               WTERMSIG(status));
    else
        printf("# round %d: %s exit status %d; the end of its stderr:\n", round, who,
               status == -1 ? -1 : WEXITSTATUS(status));
    print_tail(path);
    return false;
}

static char server_dir[64], client_dir[64];
static uint16_t server_port, client_port;
static int server_ready[2], client_ready[2];

static void server_main(void)
{
    close(server_ready[0]);
    run_server(server_dir, server_port, server_ready[1]);
}

static void client_main(void)
{
    close(client_ready[0]);
    run_client(client_dir, client_port, server_port, client_ready[1]);
}

/* One round; returns whether both processes stopped cleanly. */
static bool one_round(int round, int burners)
{
    pid_t burner_pids[MAX_BURNERS];
    bool ok = true;
    window = round % 2 ? WINDOW_SMALL : WINDOW_LARGE;
    snprintf(server_dir, sizeof server_dir, "/tmp/mcx-cx-stop-srv-XXXXXX");
    snprintf(client_dir, sizeof client_dir, "/tmp/mcx-cx-stop-cli-XXXXXX");
    server_port = free_port(SERVER_ADDR);
    client_port = free_port(CLIENT_ADDR);
    if (!server_port || !client_port || !mkdtemp(server_dir) || !mkdtemp(client_dir) ||
        pipe(server_ready) != 0 || pipe(client_ready) != 0) {
        printf("# round %d: cannot prepare (ports, directories, pipes)\n", round);
        return false;
    }
    for (int i = 0; i < burners; i++)
        burner_pids[i] = spawn(burn);
    pid_t server = spawn(server_main);
    close(server_ready[1]);
    if (!wait_ready(server_ready[0], CHILD_STOP_LIMIT)) {
        printf("# round %d: server did not start\n", round);
        ok = false;
    }
    pid_t client = ok ? spawn(client_main) : -1;
    close(client_ready[1]);
    if (ok && !wait_ready(client_ready[0], CHILD_STOP_LIMIT)) {
        printf("# round %d: client did not get answers flowing\n", round);
        ok = false;
    }
    /* A service manager stopping everything: both at once, with MARs in flight. */
    if (client > 0)
        kill(client, SIGTERM);
    kill(server, SIGTERM);
    if (client > 0)
        ok = clean_exit("client", round, reap(client), client_dir) && ok;
    ok = clean_exit("server", round, reap(server), server_dir) && ok;
    for (int i = 0; i < burners; i++) {
        kill(burner_pids[i], SIGKILL);
        waitpid(burner_pids[i], NULL, 0);
    }
    close(server_ready[0]);
    close(client_ready[0]);
    remove_state_dir(server_dir);
    remove_state_dir(client_dir);
    return ok;
}

static void stop_under_load_with_mars_in_flight(void **state)
{
    (void)state;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int burners = cpus > 0 && 2 * cpus + 1 < MAX_BURNERS ? 2 * (int)cpus + 1 : MAX_BURNERS;
    int failed = 0;
    for (int r = 1; r <= rounds; r++)
        if (!one_round(r, burners))
            failed++;
    printf("# %d rounds, %d with a process that did not exit 0\n", rounds, failed);
    assert_int_equal(failed, 0);
}

int main(int argc, char **argv)
{
    const char *env = getenv("MCX_CX_STOP_ROUNDS");
    rounds = DEFAULT_ROUNDS;
    if (argc > 1)
        rounds = atoi(argv[1]);
    if (env && *env)
        rounds = atoi(env);
    if (rounds < 1)
        rounds = 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stop_under_load_with_mars_in_flight),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
