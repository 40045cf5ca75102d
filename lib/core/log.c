/* Structured key=value logging; see log.h. */
#include "core/log.h"

#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 4096

const char *const mcx_log_secret_keys[] = {"k",  "op",  "opc", "res", "xres",     "ck",
                                           "ik", "ha1", "password", "secret", NULL};

static const char *log_component = "mcx";
static enum mcx_log_level log_min_level = MCX_LOG_INFO;
static FILE *log_out;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void mcx_log_init(const char *component, enum mcx_log_level min_level, FILE *out)
{
    if (component)
        log_component = component;
    log_min_level = min_level;
    log_out = out;
}

int mcx_log_level_parse(const char *name, enum mcx_log_level *level)
{
    for (int i = 0; i <= MCX_LOG_ERROR; i++) {
        if (strcasecmp(name, level_names[i]) == 0) {
            *level = (enum mcx_log_level)i;
            return 0;
        }
    }
    return -1;
}

bool mcx_log_enabled(enum mcx_log_level level)
{
    return level >= log_min_level;
}

static bool key_is_secret(const char *key, size_t key_len)
{
    for (int i = 0; mcx_log_secret_keys[i]; i++) {
        if (strlen(mcx_log_secret_keys[i]) == key_len &&
            strncasecmp(mcx_log_secret_keys[i], key, key_len) == 0)
            return true;
    }
    return false;
}

/* Rewrites, in place, the value of every secret key in a key=value field list. */
static size_t redact_fields(char *fields, size_t len, size_t cap)
{
    static const char redacted[] = "<redacted>";
    size_t pos = 0;
    while (pos < len) {
        while (pos < len && fields[pos] == ' ')
            pos++;
        size_t key_start = pos;
        while (pos < len && fields[pos] != '=' && fields[pos] != ' ')
            pos++;
        if (pos >= len || fields[pos] != '=')
            continue;
        size_t key_len = pos - key_start;
        size_t value_start = ++pos;
        if (pos < len && fields[pos] == '"') {
            pos++;
            while (pos < len && fields[pos] != '"')
                pos++;
            if (pos < len)
                pos++;
        } else {
            while (pos < len && fields[pos] != ' ')
                pos++;
        }
        if (!key_is_secret(fields + key_start, key_len))
            continue;
        size_t value_len = pos - value_start;
        size_t new_len = len - value_len + (sizeof redacted - 1);
        if (new_len >= cap) { /* cannot grow: blank the value instead */
            memset(fields + value_start, '*', value_len);
            continue;
        }
        memmove(fields + value_start + sizeof redacted - 1, fields + pos, len - pos);
        memcpy(fields + value_start, redacted, sizeof redacted - 1);
        len = new_len;
        pos = value_start + sizeof redacted - 1;
        fields[len] = '\0';
    }
    return len;
}

void mcx_logv(enum mcx_log_level level, const char *event, const char *fmt, va_list ap)
{
    if (level < log_min_level || level > MCX_LOG_ERROR)
        return;
    char line[LOG_LINE_MAX];
    struct timespec now;
    struct tm tm_utc;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm_utc);
    int head = snprintf(line, sizeof line,
                        "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s comp=%s event=%s ",
                        tm_utc.tm_year + 1900, tm_utc.tm_mon + 1, tm_utc.tm_mday, tm_utc.tm_hour,
                        tm_utc.tm_min, tm_utc.tm_sec, now.tv_nsec / 1000000L, level_names[level],
                        log_component, event);
    if (head < 0 || (size_t)head >= sizeof line)
        return;
    size_t room = sizeof line - (size_t)head - 2; /* newline + NUL */
    int body = vsnprintf(line + head, room + 1, fmt, ap);
    if (body < 0)
        body = 0;
    size_t body_len = (size_t)body;
    if (body_len > room) {
        body_len = room;
        memcpy(line + head + body_len - 3, "...", 3);
    }
    body_len = redact_fields(line + head, body_len, room + 1);
    size_t len = (size_t)head + body_len;
    while (len > 0 && line[len - 1] == ' ')
        len--;
    line[len++] = '\n';
    FILE *out = log_out ? log_out : stderr;
    /* One fwrite per line: stdio locks the stream, so lines from threads never interleave. */
    fwrite(line, 1, len, out);
    fflush(out);
}

void mcx_log(enum mcx_log_level level, const char *event, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mcx_logv(level, event, fmt, ap);
    va_end(ap);
}
