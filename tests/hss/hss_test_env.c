/* Test environment for the mcx-hss Diameter tests; see hss_test_env.h. */
#include "hss_test_env.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <freeDiameter/freeDiameter-host.h>
#include <freeDiameter/libfdcore.h>

#include "core/log.h"
#include "cx/cx_mar.h"
#include "cx/diameter.h"

#include "cx_test_pki.h" /* tests/cx: throw-away CA and certificates */

struct env env;

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

uint16_t env_free_port(const char *addr)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = 0};
    socklen_t len = sizeof sin;
    uint16_t port = 0;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    inet_pton(AF_INET, addr, &sin.sin_addr);
    if (s >= 0 && bind(s, (struct sockaddr *)&sin, sizeof sin) == 0 &&
        getsockname(s, (struct sockaddr *)&sin, &len) == 0)
        port = ntohs(sin.sin_port);
    if (s >= 0)
        close(s);
    return port;
}

/* ---------------------------------------------------------------- processes ---------- */

static void kill_all_at_exit(void)
{
    if (env.mongo_pid > 0) {
        kill(env.mongo_pid, SIGKILL);
        waitpid(env.mongo_pid, NULL, 0);
        env.mongo_pid = -1;
    }
    struct env_hss *all[] = {&env.hss, &env.hss2, &env.hss3};
    for (int i = 0; i < 3; i++) {
        if (all[i]->pid > 0) {
            kill(all[i]->pid, SIGKILL);
            waitpid(all[i]->pid, NULL, 0);
            all[i]->pid = -1;
        }
    }
}

static int slot_init(struct env_hss *h, const char *identity, const char *name,
                     const char *database, uint16_t port)
{
    memset(h, 0, sizeof *h);
    h->identity = identity;
    h->pid = -1;
    h->port = port ? port : env_free_port(ENV_HSS_ADDR);
    snprintf(h->database, sizeof h->database, "%s", database);
    snprintf(h->dir, sizeof h->dir, "%s/%s", env.dir, name);
    snprintf(h->log, sizeof h->log, "%s/hss.log", h->dir);
    if (h->port == 0 || mkdir(h->dir, 0700) != 0) {
        fprintf(stderr, "env: cannot prepare %s\n", h->dir);
        return -1;
    }
    return 0;
}

int env_setup(const char *hss_binary, const char *db_uri, uint16_t hss_port, bool tls)
{
    char err[256];
    memset(&env, 0, sizeof env);
    env.hss.pid = env.hss2.pid = env.hss3.pid = env.mongo_pid = -1;
    env.hss_binary = hss_binary;
    snprintf(env.dir, sizeof env.dir, "/tmp/mcx-hss-test-XXXXXX");
    if (!mkdtemp(env.dir)) {
        perror("mkdtemp");
        return -1;
    }
    atexit(kill_all_at_exit);
    env.tls = tls;
    if (tls) {
        static const char *const ids[] = {ENV_HSS_ID, ENV_HSS2_ID, ENV_HSS3_ID, ENV_CLIENT_ID};
        char pki[300];
        snprintf(pki, sizeof pki, "%s/pki", env.dir);
        if (mkdir(pki, 0700) != 0 || pki_make(pki, ids, 4) != 0) {
            fprintf(stderr, "env: cannot make the test PKI\n");
            return -1;
        }
    }
    /* hss2's database: MongoDB on a loopback port where nothing listens (short timeouts). */
    env.hss2_db_port = env_free_port("127.0.0.1");
    snprintf(env.hss2_db_uri, sizeof env.hss2_db_uri,
             "mongodb://127.0.0.1:%u/mcx_unreachable?serverSelectionTimeoutMS=1000&"
             "connectTimeoutMS=500&heartbeatFrequencyMS=500",
             env.hss2_db_port);
    if (slot_init(&env.hss, ENV_HSS_ID, "hss", db_uri, hss_port) != 0 ||
        slot_init(&env.hss2, ENV_HSS2_ID, "hss2", env.hss2_db_uri, 0) != 0 ||
        slot_init(&env.hss3, ENV_HSS3_ID, "hss3", db_uri, 0) != 0)
        return -1;
    if (mcx_store_open(db_uri, &env.store, err, sizeof err) != MCX_STORE_OK) {
        fprintf(stderr, "env: store %s: %s\n", db_uri, err);
        return -1;
    }
    env.client_port = env_free_port(ENV_CLIENT_ADDR);
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int env_teardown(bool keep)
{
    int rc = 0;
    env_mongo_stop();
    if (env_client_stop() != 0)
        rc = -1;
    struct env_hss *all[] = {&env.hss, &env.hss2, &env.hss3};
    for (int i = 0; i < 3; i++) {
        if (all[i]->pid > 0 && !env_hss_stop_clean(all[i])) {
            fprintf(stderr, "env: %s did not exit cleanly\n", all[i]->identity);
            rc = -1;
        }
    }
    keep = keep || rc != 0 || getenv("MCX_TEST_KEEP") != NULL;
    mcx_store_close(env.store);
    env.store = NULL;
    if (keep)
        fprintf(stderr, "env: work directory kept: %s\n", env.dir);
    else if (env.dir[0])
        nftw(env.dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}

static int write_config(const struct env_hss *h, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f,
            "hss:\n"
            "  database: '%s'\n"
            "  max_auth_items: %d\n"
            "  log_level: info\n"
            "diameter:\n"
            "  identity: %s\n"
            "  realm: %s\n"
            "  address: %s\n"
            "  port: %u\n"
            "  state_dir: %s/state\n"
            "  reconnect: 1s\n"
            "  accept: [%s, %s, %s]\n",
            h->database, ENV_MAX_ITEMS, h->identity, ENV_REALM, ENV_HSS_ADDR, h->port, h->dir,
            ENV_CLIENT_ID, ENV_RAW1_ID, ENV_RAW2_ID);
    if (env.tls)
        fprintf(f,
                "  tls:\n"
                "    enabled: true\n"
                "    cert: %s/pki/%s-cert.pem\n"
                "    key: %s/pki/%s-key.pem\n"
                "    ca: %s/pki/ca.pem\n",
                env.dir, h->identity, env.dir, h->identity, env.dir);
    else
        fprintf(f, "  tls: {enabled: false}\n");
    return fclose(f);
}

static void print_log(const struct env_hss *h)
{
    FILE *f = fopen(h->log, "r");
    char line[1024];
    if (!f)
        return;
    fprintf(stderr, "---- %s ----\n", h->log);
    while (fgets(line, sizeof line, f))
        fputs(line, stderr);
    fclose(f);
}

int env_hss_start(struct env_hss *h)
{
    char config[700], pidfile[700], port[16];
    snprintf(config, sizeof config, "%s/hss.yaml", h->dir);
    snprintf(pidfile, sizeof pidfile, "%s/hss.pid", h->dir);
    snprintf(port, sizeof port, "%u", h->port);
    unlink(pidfile);
    if (write_config(h, config) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int fd = open(h->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            dup2(fd, STDERR_FILENO);
            dup2(fd, STDOUT_FILENO);
            close(fd);
        }
        execl(env.hss_binary, env.hss_binary, "--config", config, "--pidfile", pidfile,
              (char *)NULL);
        _exit(127);
    }
    h->pid = pid;
    long deadline = now_ms() + 30000; /* hang guard only */
    while (now_ms() < deadline) {
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            h->pid = -1;
            h->last_status = status;
            fprintf(stderr, "env: %s exited during start-up (status %d)\n", h->identity, status);
            print_log(h);
            return -1;
        }
        if (access(pidfile, F_OK) == 0)
            return 0;
        sleep_ms(20);
    }
    fprintf(stderr, "env: %s did not become ready\n", h->identity);
    print_log(h);
    env_hss_stop(h);
    return -1;
}

int env_hss_stop(struct env_hss *h)
{
    if (h->pid <= 0)
        return -1;
    int status = 0;
    kill(h->pid, SIGTERM);
    long deadline = now_ms() + 30000; /* hang guard only */
    while (waitpid(h->pid, &status, WNOHANG) == 0) {
        if (now_ms() > deadline) {
            fprintf(stderr, "env: %s ignored SIGTERM; killing it\n", h->identity);
            kill(h->pid, SIGKILL);
            waitpid(h->pid, &status, 0);
            h->pid = -1;
            h->last_status = status;
            print_log(h);
            return -1;
        }
        sleep_ms(20);
    }
    h->pid = -1;
    h->last_status = status;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        print_log(h);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool env_hss_stop_clean(struct env_hss *h)
{
    if (env_hss_stop(h) == 0)
        return true;
    if (WIFSIGNALED(h->last_status))
        fprintf(stderr, "env: %s stopped by signal %d (%s)\n", h->identity,
                WTERMSIG(h->last_status), strsignal(WTERMSIG(h->last_status)));
    else if (WIFEXITED(h->last_status))
        fprintf(stderr, "env: %s exited with status %d\n", h->identity,
                WEXITSTATUS(h->last_status));
    return false;
}

bool env_hss_alive(struct env_hss *h)
{
    int status;
    if (h->pid <= 0)
        return false;
    if (waitpid(h->pid, &status, WNOHANG) == h->pid) {
        h->pid = -1;
        h->last_status = status;
        print_log(h);
        return false;
    }
    return true;
}

bool env_log_contains(const struct env_hss *h, const char *text)
{
    FILE *f = fopen(h->log, "r");
    char line[4200];
    bool found = false;
    if (!f)
        return false;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, text) != NULL;
    fclose(f);
    return found;
}

bool env_log_wait(const struct env_hss *h, const char *text)
{
    long deadline = now_ms() + 10000;
    while (!env_log_contains(h, text)) {
        if (now_ms() > deadline)
            return false;
        sleep_ms(20);
    }
    return true;
}

int env_mongo_start(void)
{
    char port[16], log[300];
    if (!env.mongo_mock)
        return -1;
    snprintf(port, sizeof port, "%u", env.hss2_db_port);
    snprintf(log, sizeof log, "%s/mongo.log", env.dir);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            dup2(fd, STDERR_FILENO);
            dup2(fd, STDOUT_FILENO);
            close(fd);
        }
        execl("/usr/bin/python3", "python3", env.mongo_mock, "--port", port, (char *)NULL);
        _exit(127);
    }
    env.mongo_pid = pid;
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(env.hss2_db_port)};
    inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
    long deadline = now_ms() + 30000; /* hang guard only */
    while (now_ms() < deadline) {
        if (waitpid(pid, NULL, WNOHANG) == pid) {
            env.mongo_pid = -1;
            fprintf(stderr, "env: the MongoDB test server exited (see %s)\n", log);
            return -1;
        }
        int s = socket(AF_INET, SOCK_STREAM, 0);
        int ok = s >= 0 && connect(s, (struct sockaddr *)&sin, sizeof sin) == 0;
        if (s >= 0)
            close(s);
        if (ok)
            return 0;
        sleep_ms(50);
    }
    env_mongo_stop();
    return -1;
}

void env_mongo_stop(void)
{
    if (env.mongo_pid <= 0)
        return;
    kill(env.mongo_pid, SIGTERM);
    long deadline = now_ms() + 15000;
    while (waitpid(env.mongo_pid, NULL, WNOHANG) == 0) {
        if (now_ms() > deadline) {
            kill(env.mongo_pid, SIGKILL);
            waitpid(env.mongo_pid, NULL, 0);
            break;
        }
        sleep_ms(20);
    }
    env.mongo_pid = -1;
}

/* ---------------------------------------------------------------- Cx client ---------- */

int env_client_start(void)
{
    struct mcx_diameter_config cfg;
    char err[256];
    mcx_diameter_config_defaults(&cfg);
    snprintf(cfg.identity, sizeof cfg.identity, ENV_CLIENT_ID);
    snprintf(cfg.realm, sizeof cfg.realm, ENV_REALM);
    snprintf(cfg.listen_address, sizeof cfg.listen_address, ENV_CLIENT_ADDR);
    cfg.listen_port = env.client_port;
    cfg.reconnect_seconds = 1;
    snprintf(cfg.state_dir, sizeof cfg.state_dir, "%s/client", env.dir);
    if (env.tls) {
        cfg.tls = true;
        snprintf(cfg.tls_cert, sizeof cfg.tls_cert, "%s/pki/%s-cert.pem", env.dir, ENV_CLIENT_ID);
        snprintf(cfg.tls_key, sizeof cfg.tls_key, "%s/pki/%s-key.pem", env.dir, ENV_CLIENT_ID);
        snprintf(cfg.tls_ca, sizeof cfg.tls_ca, "%s/pki/ca.pem", env.dir);
    }
    if (mcx_diameter_config_add_peer(&cfg, ENV_HSS_ID, ENV_HSS_ADDR, env.hss.port) != 0 ||
        mcx_diameter_config_add_peer(&cfg, ENV_HSS2_ID, ENV_HSS_ADDR, env.hss2.port) != 0 ||
        mcx_diameter_config_add_peer(&cfg, ENV_HSS3_ID, ENV_HSS_ADDR, env.hss3.port) != 0 ||
        mcx_diameter_init(&cfg, err, sizeof err) != 0 || mcx_diameter_start(err, sizeof err) != 0) {
        fprintf(stderr, "env: client core: %s\n", err);
        return -1;
    }
    return 0;
}

int env_client_wait(const char *identity)
{
    return mcx_diameter_wait_peer(identity, 30000);
}

/* Requests sent by this process whose callback has not run yet. */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned count;
} in_flight = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

void env_request_begin(void)
{
    pthread_mutex_lock(&in_flight.mu);
    in_flight.count++;
    pthread_mutex_unlock(&in_flight.mu);
}

void env_request_end(void)
{
    pthread_mutex_lock(&in_flight.mu);
    if (in_flight.count > 0)
        in_flight.count--;
    pthread_cond_broadcast(&in_flight.cv);
    pthread_mutex_unlock(&in_flight.mu);
}

int env_client_stop(void)
{
    int rc = 0;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 60; /* hang guard only: every request expires after at most 30 s */
    pthread_mutex_lock(&in_flight.mu);
    while (in_flight.count > 0)
        if (pthread_cond_timedwait(&in_flight.cv, &in_flight.mu, &until) == ETIMEDOUT)
            break;
    if (in_flight.count > 0) {
        fprintf(stderr, "env: %u client request(s) still without answer or expiry\n",
                in_flight.count);
        rc = -1;
    }
    pthread_mutex_unlock(&in_flight.mu);
    mcx_diameter_shutdown(); /* no-op when the core was never initialised or already stopped */
    return rc;
}

/* One request in flight at a time: the tests are sequential. */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
    enum mcx_cx_outcome outcome;
    void *out;
    size_t out_size;
} waiter = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static void waiter_arm(void *out, size_t size)
{
    pthread_mutex_lock(&waiter.mu);
    waiter.done = false;
    waiter.out = out;
    waiter.out_size = size;
    memset(out, 0, size);
    pthread_mutex_unlock(&waiter.mu);
}

static void waiter_deliver(enum mcx_cx_outcome outcome, const void *answer)
{
    pthread_mutex_lock(&waiter.mu);
    if (answer)
        memcpy(waiter.out, answer, waiter.out_size);
    waiter.outcome = outcome;
    waiter.done = true;
    pthread_cond_signal(&waiter.cv);
    pthread_mutex_unlock(&waiter.mu);
    env_request_end();
}

/* Waits for the callback; MCX_CX_TIMEOUT after 30 s (a hang guard only). */
static enum mcx_cx_outcome waiter_wait(void)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 30;
    pthread_mutex_lock(&waiter.mu);
    while (!waiter.done)
        if (pthread_cond_timedwait(&waiter.cv, &waiter.mu, &until) == ETIMEDOUT)
            break;
    enum mcx_cx_outcome outcome = waiter.done ? waiter.outcome : MCX_CX_TIMEOUT;
    pthread_mutex_unlock(&waiter.mu);
    return outcome;
}

static void got_maa(void *ctx, enum mcx_cx_outcome o, const struct mcx_cx_maa *a)
{
    (void)ctx;
    waiter_deliver(o, a);
}
static void got_uaa(void *ctx, enum mcx_cx_outcome o, const struct mcx_cx_uaa *a)
{
    (void)ctx;
    waiter_deliver(o, a);
}
static void got_saa(void *ctx, enum mcx_cx_outcome o, const struct mcx_cx_saa *a)
{
    (void)ctx;
    waiter_deliver(o, a);
}
static void got_lia(void *ctx, enum mcx_cx_outcome o, const struct mcx_cx_lia *a)
{
    (void)ctx;
    waiter_deliver(o, a);
}

static struct mcx_cx_route route_to(const char *identity)
{
    struct mcx_cx_route r;
    memset(&r, 0, sizeof r);
    snprintf(r.realm, sizeof r.realm, ENV_REALM);
    snprintf(r.host, sizeof r.host, "%s", identity);
    return r;
}

#define TIMEOUT_MS 20000

enum mcx_cx_outcome env_mar(const char *identity, const struct mcx_cx_mar *mar,
                            struct mcx_cx_maa *out)
{
    struct mcx_cx_error err;
    struct mcx_cx_route r = route_to(identity);
    waiter_arm(out, sizeof *out);
    env_request_begin();
    if (mcx_cx_send_mar(&r, mar, TIMEOUT_MS, got_maa, NULL, &err) != 0) {
        env_request_end();
        fprintf(stderr, "send MAR: %s\n", err.text);
        return MCX_CX_BAD_ANSWER;
    }
    return waiter_wait();
}

enum mcx_cx_outcome env_uar(const char *identity, const struct mcx_cx_uar *uar,
                            struct mcx_cx_uaa *out)
{
    struct mcx_cx_error err;
    struct mcx_cx_route r = route_to(identity);
    waiter_arm(out, sizeof *out);
    env_request_begin();
    if (mcx_cx_send_uar(&r, uar, TIMEOUT_MS, got_uaa, NULL, &err) != 0) {
        env_request_end();
        fprintf(stderr, "send UAR: %s\n", err.text);
        return MCX_CX_BAD_ANSWER;
    }
    return waiter_wait();
}

enum mcx_cx_outcome env_sar(const char *identity, const struct mcx_cx_sar *sar,
                            struct mcx_cx_saa *out)
{
    struct mcx_cx_error err;
    struct mcx_cx_route r = route_to(identity);
    waiter_arm(out, sizeof *out);
    env_request_begin();
    if (mcx_cx_send_sar(&r, sar, TIMEOUT_MS, got_saa, NULL, &err) != 0) {
        env_request_end();
        fprintf(stderr, "send SAR: %s\n", err.text);
        return MCX_CX_BAD_ANSWER;
    }
    return waiter_wait();
}

enum mcx_cx_outcome env_lir(const char *identity, const struct mcx_cx_lir *lir,
                            struct mcx_cx_lia *out)
{
    struct mcx_cx_error err;
    struct mcx_cx_route r = route_to(identity);
    waiter_arm(out, sizeof *out);
    env_request_begin();
    if (mcx_cx_send_lir(&r, lir, TIMEOUT_MS, got_lia, NULL, &err) != 0) {
        env_request_end();
        fprintf(stderr, "send LIR: %s\n", err.text);
        return MCX_CX_BAD_ANSWER;
    }
    return waiter_wait();
}

static void raw_answer(void *data, struct msg **answer)
{
    struct mcx_cx_error err;
    struct mcx_cx_maa *maa = malloc(sizeof *maa);
    (void)data;
    if (maa && mcx_cx_maa_parse(*answer, maa, &err) == 0)
        waiter_deliver(MCX_CX_ANSWERED, maa);
    else
        waiter_deliver(MCX_CX_BAD_ANSWER, NULL);
    free(maa);
    fd_msg_free(*answer);
    *answer = NULL;
}

static void raw_expired(void *data, DiamId_t sentto, size_t sentto_len, struct msg **request)
{
    (void)data;
    (void)sentto;
    (void)sentto_len;
    fd_msg_free(*request);
    *request = NULL;
    waiter_deliver(MCX_CX_TIMEOUT, NULL);
}

int env_send_raw_mar(void *msg, struct mcx_cx_maa *out)
{
    struct msg *m = msg;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += TIMEOUT_MS / 1000;
    waiter_arm(out, sizeof *out);
    env_request_begin();
    if (fd_msg_send_timeout(&m, raw_answer, NULL, raw_expired, &until) != 0) {
        env_request_end();
        fd_msg_free(m);
        return -1;
    }
    return waiter_wait() == MCX_CX_ANSWERED ? 0 : -1;
}

/* ---------------------------------------------------------------- raw TCP ------------ */

int env_tcp_connect(void)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(env.hss.port)};
    struct timeval tv = {10, 0};
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0)
        return -1;
    inet_pton(AF_INET, ENV_HSS_ADDR, &sin.sin_addr);
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(s, (struct sockaddr *)&sin, sizeof sin) != 0) {
        close(s);
        return -1;
    }
    return s;
}

ssize_t env_tcp_read_message(int fd, uint8_t *buf, size_t cap)
{
    size_t got = 0, want = 20;
    while (got < want) {
        ssize_t n = read(fd, buf + got, (want > cap ? cap : want) - got);
        if (n == 0 || (n < 0 && errno == ECONNRESET))
            return 0;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        got += (size_t)n;
        if (got >= 4 && want == 20) {
            size_t len = (size_t)buf[1] << 16 | (size_t)buf[2] << 8 | buf[3];
            want = len < 20 ? 20 : len;
            if (want > cap)
                return -1;
        }
    }
    return (ssize_t)got;
}
