/* Results of a load run: registration latencies (REGISTER -> 200 OK over the whole exchange)
 * with nearest-rank percentiles, failures by cause, and the text and JSON reports. */
#ifndef MCX_UE_STATS_H
#define MCX_UE_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ue_register.h"

/* Failure causes of the report. */
enum ue_fail_cause {
    UE_FAIL_AUTH_LOOP = 0, /* 401 loop */
    UE_FAIL_FORBIDDEN,     /* 403 */
    UE_FAIL_SERVER_ERROR,  /* 5xx */
    UE_FAIL_TIMEOUT,
    UE_FAIL_MAC, /* AUTN MAC-A mismatch */
    UE_FAIL_OTHER,
    UE_FAIL__COUNT
};

struct ue_stats {
    uint64_t *latency_us; /* one per successful registration, owned */
    size_t count, cap;
    uint64_t started;    /* exchanges started */
    uint64_t registered; /* exchanges ending in 2xx */
    uint64_t failures[UE_FAIL__COUNT];
    uint64_t skipped;     /* start slots missed because every UE was busy */
    uint64_t retransmits; /* UDP retransmissions */
    double elapsed_s;     /* from the first start to the last completion */
};

/* Zeroes *stats. */
void ue_stats_init(struct ue_stats *stats);

/* Frees the latency array. */
void ue_stats_free(struct ue_stats *stats);

/* Records one finished exchange: a latency for a success, a failure cause otherwise. Returns 0,
 * or -1 when out of memory (the sample is then lost). */
int ue_stats_record(struct ue_stats *stats, enum ue_reg_result result, uint64_t latency_us);

/* Cause under which a result counts. */
enum ue_fail_cause ue_stats_cause(enum ue_reg_result result);

/* Name of a cause in the reports ("auth_loop", "forbidden", ...); static. */
const char *ue_stats_cause_name(enum ue_fail_cause cause);

/* Total failures. */
uint64_t ue_stats_failed(const struct ue_stats *stats);

/* Nearest-rank percentile (0 < p <= 100) of the recorded latencies in microseconds: the value
 * at rank ceil(p/100 * n) of the sorted samples; 0 when there are none. Sorts the samples. */
uint64_t ue_stats_percentile(struct ue_stats *stats, double p);

/* Prints the human report (several lines). */
void ue_stats_print_text(struct ue_stats *stats, FILE *out);

/* Prints one JSON object on one line. */
void ue_stats_print_json(struct ue_stats *stats, FILE *out);

#endif
