/* Load-run statistics and reports; see ue_stats.h. */
#include "ue_stats.h"

#include <stdlib.h>
#include <string.h>

void ue_stats_init(struct ue_stats *stats)
{
    memset(stats, 0, sizeof *stats);
}

void ue_stats_free(struct ue_stats *stats)
{
    free(stats->latency_us);
    stats->latency_us = NULL;
    stats->count = stats->cap = 0;
}

enum ue_fail_cause ue_stats_cause(enum ue_reg_result result)
{
    switch (result) {
    case UE_REG_AUTH_LOOP:
        return UE_FAIL_AUTH_LOOP;
    case UE_REG_FORBIDDEN:
        return UE_FAIL_FORBIDDEN;
    case UE_REG_SERVER_ERROR:
        return UE_FAIL_SERVER_ERROR;
    case UE_REG_TIMEOUT:
        return UE_FAIL_TIMEOUT;
    case UE_REG_MAC_FAILURE:
        return UE_FAIL_MAC;
    default:
        return UE_FAIL_OTHER;
    }
}

const char *ue_stats_cause_name(enum ue_fail_cause cause)
{
    static const char *const names[UE_FAIL__COUNT] = {"auth_loop", "forbidden",   "server_error",
                                                      "timeout",   "mac_failure", "other"};
    return cause < UE_FAIL__COUNT ? names[cause] : "other";
}

int ue_stats_record(struct ue_stats *stats, enum ue_reg_result result, uint64_t latency_us)
{
    if (result != UE_REG_REGISTERED && result != UE_REG_DEREGISTERED) {
        stats->failures[ue_stats_cause(result)]++;
        return 0;
    }
    stats->registered++;
    if (stats->count == stats->cap) {
        size_t new_cap = stats->cap ? stats->cap * 2 : 1024;
        uint64_t *grown = realloc(stats->latency_us, new_cap * sizeof *grown);
        if (!grown)
            return -1;
        stats->latency_us = grown;
        stats->cap = new_cap;
    }
    stats->latency_us[stats->count++] = latency_us;
    return 0;
}

uint64_t ue_stats_failed(const struct ue_stats *stats)
{
    uint64_t total = 0;
    for (int i = 0; i < UE_FAIL__COUNT; i++)
        total += stats->failures[i];
    return total;
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

uint64_t ue_stats_percentile(struct ue_stats *stats, double p)
{
    if (stats->count == 0 || !(p > 0.0))
        return 0;
    qsort(stats->latency_us, stats->count, sizeof *stats->latency_us, compare_u64);
    if (p >= 100.0)
        return stats->latency_us[stats->count - 1];
    double exact = p / 100.0 * (double)stats->count;
    size_t rank = (size_t)exact;
    if ((double)rank < exact - 1e-9) /* ceil without libm */
        rank++;
    size_t index = rank < 1 ? 0 : rank - 1;
    if (index >= stats->count)
        index = stats->count - 1;
    return stats->latency_us[index];
}

/* Registrations per second over the run. */
static double rate_of(const struct ue_stats *stats)
{
    return stats->elapsed_s > 0 ? (double)stats->registered / stats->elapsed_s : 0.0;
}

void ue_stats_print_text(struct ue_stats *stats, FILE *out)
{
    fprintf(out, "registrations: started=%llu registered=%llu failed=%llu skipped_busy=%llu\n",
            (unsigned long long)stats->started, (unsigned long long)stats->registered,
            (unsigned long long)ue_stats_failed(stats), (unsigned long long)stats->skipped);
    fprintf(out, "rate: %.1f registrations/s over %.2f s (udp retransmissions %llu)\n",
            rate_of(stats), stats->elapsed_s, (unsigned long long)stats->retransmits);
    fprintf(out, "latency ms: p50=%.2f p90=%.2f p99=%.2f max=%.2f\n",
            ue_stats_percentile(stats, 50) / 1000.0, ue_stats_percentile(stats, 90) / 1000.0,
            ue_stats_percentile(stats, 99) / 1000.0, ue_stats_percentile(stats, 100) / 1000.0);
    fprintf(out, "failures:");
    for (int i = 0; i < UE_FAIL__COUNT; i++)
        fprintf(out, " %s=%llu", ue_stats_cause_name((enum ue_fail_cause)i),
                (unsigned long long)stats->failures[i]);
    fprintf(out, "\n");
}

void ue_stats_print_json(struct ue_stats *stats, FILE *out)
{
    fprintf(out,
            "{\"started\":%llu,\"registered\":%llu,\"failed\":%llu,\"skipped_busy\":%llu,"
            "\"retransmissions\":%llu,\"elapsed_s\":%.3f,\"registrations_per_s\":%.1f,"
            "\"latency_ms\":{\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"max\":%.3f},\"failures\":{",
            (unsigned long long)stats->started, (unsigned long long)stats->registered,
            (unsigned long long)ue_stats_failed(stats), (unsigned long long)stats->skipped,
            (unsigned long long)stats->retransmits, stats->elapsed_s, rate_of(stats),
            ue_stats_percentile(stats, 50) / 1000.0, ue_stats_percentile(stats, 90) / 1000.0,
            ue_stats_percentile(stats, 99) / 1000.0, ue_stats_percentile(stats, 100) / 1000.0);
    for (int i = 0; i < UE_FAIL__COUNT; i++)
        fprintf(out, "%s\"%s\":%llu", i ? "," : "", ue_stats_cause_name((enum ue_fail_cause)i),
                (unsigned long long)stats->failures[i]);
    fprintf(out, "}}\n");
}
