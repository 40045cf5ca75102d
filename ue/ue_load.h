/* `mcx-ue load`: many UEs from one process. Each UE is a ue_reg state machine with its own
 * non-blocking socket (its own local port, so a registrar's SO_REUSEPORT workers share the load);
 * one thread waits on all of them with epoll. Exchanges are started at a fixed rate for a
 * duration, cycling through the users (a user still busy is skipped and counted); the run ends
 * when the last exchange has finished. */
#ifndef MCX_UE_LOAD_H
#define MCX_UE_LOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "ue_csv.h"
#include "ue_register.h"
#include "ue_stats.h"
#include "ue_transport.h"

struct ue_load_config {
    enum ue_transport_kind kind;
    struct ue_addr server;
    const struct ue_addr *local; /* NULL: the kernel's choice; its port must be 0 */
    double rate;                 /* exchanges started per second */
    double duration_s;           /* how long new exchanges are started */
    long expires;
    const struct ue_reg_config *reg;
    bool progress; /* live progress line on stderr */
};

/* Runs the load with the n given subscribers (caller-owned) and fills *stats (initialised by the
 * caller). Returns 0 when the run happened (failures are in *stats), or -1 with err filled when
 * it could not start (no sockets, epoll, a bad subscriber row). */
int ue_load_run(const struct ue_load_config *cfg, const struct ue_subscriber *subs, size_t n,
                struct ue_stats *stats, char *err, size_t err_cap);

#endif
