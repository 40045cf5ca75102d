/* Load generator: many ue_reg machines on one epoll loop; see ue_load.h. */
#include "ue_load.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"

#define EVENTS_MAX  256
#define PROGRESS_US 500000u
#define FD_HEADROOM 32 /* descriptors kept for stdio, epoll, logs */
#define WAIT_MAX_MS 100

/* One simulated UE. */
struct load_ue {
    struct ue_isim isim;
    struct ue_reg reg;
    struct ue_conn conn; /* fd -1 until first used */
    bool busy;
};

/* The run. */
struct load_run {
    const struct ue_load_config *cfg;
    struct load_ue *ues;
    size_t n;
    int epfd;
    size_t in_flight;
    struct ue_stats *stats;
    uint64_t first_start_us, last_done_us;
};

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Raises the descriptor limit to what n sockets need (up to the hard limit). */
static int ensure_fd_limit(size_t n, char *err, size_t err_cap)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 0;
    rlim_t want = (rlim_t)n + FD_HEADROOM;
    if (rl.rlim_cur >= want)
        return 0;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want) {
        snprintf(err, err_cap, "%zu users need %llu descriptors; the hard limit is %llu", n,
                 (unsigned long long)want, (unsigned long long)rl.rlim_max);
        return -1;
    }
    rl.rlim_cur = want;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        snprintf(err, err_cap, "setrlimit(NOFILE, %llu): %s", (unsigned long long)want,
                 strerror(errno));
        return -1;
    }
    return 0;
}

/* Records a finished exchange and frees the UE for the next start. */
static void finish_ue(struct load_run *run, struct load_ue *ue)
{
    struct ue_reg *reg = &ue->reg;
    ue->busy = false;
    run->in_flight--;
    run->stats->retransmits += reg->retransmits;
    uint64_t latency = reg->finished_us - reg->started_us;
    if (ue_stats_record(run->stats, reg->result, latency) != 0)
        MCX_WARN("ue.load.stats", "reason=\"out of memory: latency sample lost\"");
    if (reg->finished_us > run->last_done_us)
        run->last_done_us = reg->finished_us;
    if (reg->result == UE_REG_TRANSPORT && ue->conn.fd >= 0) { /* reopen on the next start */
        epoll_ctl(run->epfd, EPOLL_CTL_DEL, ue->conn.fd, NULL);
        ue_conn_close(&ue->conn);
    }
}

/* Carries out what the machine asked for. */
static void act(struct load_run *run, struct load_ue *ue, enum ue_reg_action action, uint64_t now)
{
    if (action == UE_REG_SEND) {
        char err[160];
        if (ue_conn_send(&ue->conn, ue->reg.out, ue->reg.out_len, err, sizeof err) == 0)
            return;
        ue_reg_fail(&ue->reg, UE_REG_TRANSPORT, err, now);
        action = UE_REG_DONE;
    }
    if (action == UE_REG_DONE)
        finish_ue(run, ue);
}

/* Opens the UE's socket on first use and registers it with epoll. */
static int open_ue(struct load_run *run, struct load_ue *ue, size_t index, char *err,
                   size_t err_cap)
{
    if (ue->conn.fd >= 0)
        return 0;
    if (ue_conn_open(&ue->conn, run->cfg->kind, &run->cfg->server, run->cfg->local, err, err_cap) !=
        0)
        return -1;
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = index};
    if (epoll_ctl(run->epfd, EPOLL_CTL_ADD, ue->conn.fd, &ev) != 0) {
        snprintf(err, err_cap, "epoll_ctl: %s", strerror(errno));
        ue_conn_close(&ue->conn);
        return -1;
    }
    ue_reg_init(&ue->reg, &ue->isim, run->cfg->reg, ue->conn.local_host, ue->conn.local_port);
    return 0;
}

/* Starts an exchange on the next idle UE after *cursor; counts a skip when all are busy. */
static void start_next(struct load_run *run, size_t *cursor, uint64_t now)
{
    for (size_t tried = 0; tried < run->n; tried++) {
        size_t i = (*cursor + tried) % run->n;
        struct load_ue *ue = &run->ues[i];
        if (ue->busy)
            continue;
        *cursor = (i + 1) % run->n;
        run->stats->started++;
        if (run->first_start_us == 0)
            run->first_start_us = now;
        char err[160];
        if (open_ue(run, ue, i, err, sizeof err) != 0) {
            MCX_WARN("ue.load.socket", "impi=%s reason=\"%s\"", ue->isim.impi, err);
            run->stats->failures[UE_FAIL_OTHER]++;
            return;
        }
        ue->busy = true;
        run->in_flight++;
        act(run, ue, ue_reg_start(&ue->reg, run->cfg->expires, now), now);
        return;
    }
    run->stats->skipped++;
}

/* Reads every complete message of one UE's socket. */
static void on_readable(struct load_run *run, struct load_ue *ue, uint64_t now)
{
    for (;;) {
        const char *msg;
        size_t len;
        char err[160];
        int rc = ue_conn_recv(&ue->conn, &msg, &len, err, sizeof err);
        if (rc == 0)
            return;
        if (rc < 0) {
            if (ue->busy) {
                ue_reg_fail(&ue->reg, UE_REG_TRANSPORT, err, now);
                finish_ue(run, ue);
            } else if (ue->conn.fd >= 0) {
                epoll_ctl(run->epfd, EPOLL_CTL_DEL, ue->conn.fd, NULL);
                ue_conn_close(&ue->conn);
            }
            return;
        }
        if (ue->busy)
            act(run, ue, ue_reg_on_message(&ue->reg, msg, len, now), now);
    }
}

/* Fires due timers; returns the earliest pending deadline (UINT64_MAX when none). */
static uint64_t run_timers(struct load_run *run, uint64_t now)
{
    uint64_t earliest = UINT64_MAX;
    for (size_t i = 0; i < run->n; i++) {
        struct load_ue *ue = &run->ues[i];
        if (!ue->busy)
            continue;
        if (ue->reg.timer_us && ue->reg.timer_us <= now)
            act(run, ue, ue_reg_on_timer(&ue->reg, now), now);
        if (ue->busy && ue->reg.timer_us && ue->reg.timer_us < earliest)
            earliest = ue->reg.timer_us;
    }
    return earliest;
}

static void print_progress(const struct load_run *run, uint64_t now, bool final)
{
    double elapsed = (double)(now - run->first_start_us) / 1e6;
    const struct ue_stats *s = run->stats;
    fprintf(stderr,
            "\r[%6.1fs] started=%llu registered=%llu failed=%llu in_flight=%zu "
            "rate=%.0f/s   %s",
            elapsed, (unsigned long long)s->started, (unsigned long long)s->registered,
            (unsigned long long)ue_stats_failed(s), run->in_flight,
            elapsed > 0 ? (double)s->registered / elapsed : 0.0, final ? "\n" : "");
    fflush(stderr);
}

int ue_load_run(const struct ue_load_config *cfg, const struct ue_subscriber *subs, size_t n,
                struct ue_stats *stats, char *err, size_t err_cap)
{
    if (n == 0 || !(cfg->rate > 0) || !(cfg->duration_s > 0)) {
        snprintf(err, err_cap, "load needs users, a rate and a duration above 0");
        return -1;
    }
    if (ensure_fd_limit(n, err, err_cap) != 0)
        return -1;
    struct load_run run = {.cfg = cfg, .n = n, .stats = stats, .epfd = -1};
    run.ues = calloc(n, sizeof *run.ues);
    if (!run.ues) {
        snprintf(err, err_cap, "out of memory for %zu UEs", n);
        return -1;
    }
    int rc = -1;
    for (size_t i = 0; i < n; i++) {
        run.ues[i].conn.fd = -1;
        char why[160];
        if (ue_subscriber_to_isim(&subs[i], &run.ues[i].isim, why, sizeof why) != 0) {
            snprintf(err, err_cap, "user %zu (%s): %s", i + 1, subs[i].impi, why);
            goto out;
        }
    }
    run.epfd = epoll_create1(EPOLL_CLOEXEC);
    if (run.epfd < 0) {
        snprintf(err, err_cap, "epoll_create1: %s", strerror(errno));
        goto out;
    }
    MCX_INFO("ue.load.start", "users=%zu rate=%.1f duration_s=%.1f", n, cfg->rate, cfg->duration_s);

    uint64_t t0 = now_us();
    uint64_t end_starts = t0 + (uint64_t)(cfg->duration_s * 1e6);
    double start_interval = 1e6 / cfg->rate, next_start = (double)t0;
    uint64_t next_progress = t0 + PROGRESS_US;
    size_t cursor = 0;
    struct epoll_event events[EVENTS_MAX];
    for (;;) {
        uint64_t now = now_us();
        while ((uint64_t)next_start <= now && (uint64_t)next_start < end_starts) {
            start_next(&run, &cursor, now);
            next_start += start_interval;
        }
        bool starting = (uint64_t)next_start < end_starts;
        if (!starting && run.in_flight == 0)
            break;
        uint64_t earliest_timer = run_timers(&run, now); /* O(users): cheap next to syscalls */
        if (cfg->progress && now >= next_progress) {
            print_progress(&run, now, false);
            next_progress = now + PROGRESS_US;
        }
        uint64_t wake = earliest_timer;
        if (starting && (uint64_t)next_start < wake)
            wake = (uint64_t)next_start;
        if (cfg->progress && next_progress < wake)
            wake = next_progress;
        int timeout_ms = wake <= now ? 0 : (int)((wake - now + 999) / 1000);
        if (timeout_ms > WAIT_MAX_MS)
            timeout_ms = WAIT_MAX_MS;
        int ready = epoll_wait(run.epfd, events, EVENTS_MAX, timeout_ms);
        if (ready < 0 && errno != EINTR) {
            snprintf(err, err_cap, "epoll_wait: %s", strerror(errno));
            goto out;
        }
        now = now_us();
        for (int e = 0; e < ready; e++) {
            on_readable(&run, &run.ues[events[e].data.u64], now);
        }
    }
    if (cfg->progress)
        print_progress(&run, run.last_done_us ? run.last_done_us : now_us(), true);
    stats->elapsed_s = run.last_done_us > run.first_start_us
                           ? (double)(run.last_done_us - run.first_start_us) / 1e6
                           : 0.0;
    MCX_INFO("ue.load.end", "started=%llu registered=%llu failed=%llu",
             (unsigned long long)stats->started, (unsigned long long)stats->registered,
             (unsigned long long)ue_stats_failed(stats));
    rc = 0;
out:
    for (size_t i = 0; i < n; i++) {
        ue_conn_close(&run.ues[i].conn);
        memset(&run.ues[i].isim, 0, sizeof run.ues[i].isim);
    }
    if (run.epfd >= 0)
        close(run.epfd);
    free(run.ues);
    return rc;
}
