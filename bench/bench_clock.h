/* Clocks shared by the benchmark programs: monotonic time and this process's CPU time as
 * /proc/self/stat reports it (utime + stime). */
#ifndef MCX_BENCH_CLOCK_H
#define MCX_BENCH_CLOCK_H

#include <stdint.h>

/* Monotonic clock in microseconds. */
uint64_t bench_now_us(void);

/* utime + stime of this process in seconds from /proc/self/stat; -1.0 when unreadable. */
double bench_self_cpu_s(void);

#endif
