/* Structured logging: one line per event, `ts=... level=... comp=... event=... key=value ...`.
 *
 * Secrets (K, OP, OPc, RES, XRES, CK, IK, HA1, passwords) must never be passed to the logger.
 * As a second line of defence, mcx_log() replaces the value of any key named in
 * mcx_log_secret_keys with "<redacted>". */
#ifndef MCX_LOG_H
#define MCX_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

enum mcx_log_level { MCX_LOG_DEBUG = 0, MCX_LOG_INFO, MCX_LOG_WARN, MCX_LOG_ERROR };

/* Keys whose values are always redacted (NULL-terminated). */
extern const char *const mcx_log_secret_keys[];

/* Sets the component name, minimum level and output stream (NULL: stderr). Not thread-safe:
 * call once at start-up. */
void mcx_log_init(const char *component, enum mcx_log_level min_level, FILE *out);

/* Parses "debug"|"info"|"warn"|"error" into *level; returns 0, or -1 when unknown. */
int mcx_log_level_parse(const char *name, enum mcx_log_level *level);

/* Whether events at this level are written (cheap check before building expensive fields). */
bool mcx_log_enabled(enum mcx_log_level level);

/* Writes one line: the event name then the printf-formatted key=value fields. Thread-safe;
 * a line longer than 4 KiB is truncated and ends with "...". */
void mcx_log(enum mcx_log_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* va_list form of mcx_log(). */
void mcx_logv(enum mcx_log_level level, const char *event, const char *fmt, va_list ap);

#define MCX_DEBUG(event, ...) mcx_log(MCX_LOG_DEBUG, event, __VA_ARGS__)
#define MCX_INFO(event, ...)  mcx_log(MCX_LOG_INFO, event, __VA_ARGS__)
#define MCX_WARN(event, ...)  mcx_log(MCX_LOG_WARN, event, __VA_ARGS__)
#define MCX_ERROR(event, ...) mcx_log(MCX_LOG_ERROR, event, __VA_ARGS__)

#endif
