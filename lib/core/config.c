/* YAML configuration tree and typed getters; see config.h. */
#include "core/config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

struct mcx_config_node {
    enum mcx_config_kind kind;
    unsigned line;     /* where the value starts */
    unsigned key_line; /* where its key is (== line for the root and sequence items) */
    char *key;         /* key in the parent map; NULL for the root and sequence items */
    char *path;        /* "a.b[2].c"; "" for the root */
    char *text;        /* scalar text (NUL-terminated; NULL for maps and sequences) */
    struct mcx_config_node **items; /* map values (each with key) or sequence items */
    size_t count;
    size_t cap;
    const struct mcx_config *cfg;
};

struct mcx_config {
    char *name;
    struct mcx_config_node *root;
};

/* ---- errors ---------------------------------------------------------------------------- */

static void write_error(char *err, size_t err_cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void write_error(char *err, size_t err_cap, const char *fmt, ...)
{
    if (!err || err_cap == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_cap, fmt, ap);
    va_end(ap);
}

/* "FILE:LINE: key 'PATH': " or "FILE:LINE: " at the top level, then the message. */
static int node_verror(const struct mcx_config_node *node, unsigned line, char *err, size_t err_cap,
                       const char *fmt, va_list ap)
{
    if (!err || err_cap == 0)
        return -1;
    int head;
    if (node->path[0])
        head = snprintf(err, err_cap, "%s:%u: key '%s': ", node->cfg->name, line, node->path);
    else
        head = snprintf(err, err_cap, "%s:%u: ", node->cfg->name, line);
    if (head >= 0 && (size_t)head < err_cap)
        vsnprintf(err + head, err_cap - (size_t)head, fmt, ap);
    return -1;
}

int mcx_config_errorf(const struct mcx_config_node *node, char *err, size_t err_cap,
                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    node_verror(node, node->line, err, err_cap, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- tree ------------------------------------------------------------------------------ */

static void node_free(struct mcx_config_node *node)
{
    if (!node)
        return;
    for (size_t i = 0; i < node->count; i++)
        node_free(node->items[i]);
    free(node->items);
    free(node->key);
    free(node->path);
    free(node->text);
    free(node);
}

void mcx_config_free(struct mcx_config *cfg)
{
    if (!cfg)
        return;
    node_free(cfg->root);
    free(cfg->name);
    free(cfg);
}

/* New node under parent (NULL for the root); key NULL for sequence items. */
static struct mcx_config_node *node_new(struct mcx_config *cfg, struct mcx_config_node *parent,
                                        const char *key, enum mcx_config_kind kind, unsigned line)
{
    struct mcx_config_node *node = calloc(1, sizeof *node);
    if (!node)
        return NULL;
    node->kind = kind;
    node->line = line;
    node->key_line = line;
    node->cfg = cfg;
    int n;
    if (!parent)
        n = asprintf(&node->path, "%s", "");
    else if (key && parent->path[0])
        n = asprintf(&node->path, "%s.%s", parent->path, key);
    else if (key)
        n = asprintf(&node->path, "%s", key);
    else
        n = asprintf(&node->path, "%s[%zu]", parent->path, parent->count);
    if (n < 0) {
        node->path = NULL;
        free(node);
        return NULL;
    }
    if (key && !(node->key = strdup(key))) {
        node_free(node);
        return NULL;
    }
    return node;
}

static int node_append(struct mcx_config_node *parent, struct mcx_config_node *child)
{
    if (parent->count == parent->cap) {
        size_t cap = parent->cap ? 2 * parent->cap : 8;
        struct mcx_config_node **items = realloc(parent->items, cap * sizeof *items);
        if (!items)
            return -1;
        parent->items = items;
        parent->cap = cap;
    }
    parent->items[parent->count++] = child;
    return 0;
}

/* ---- parsing --------------------------------------------------------------------------- */

struct parse_frame {
    struct mcx_config_node *node;
    char *pending_key; /* map: key read, value not yet */
    unsigned pending_key_line;
};

struct parse_state {
    struct mcx_config *cfg;
    struct parse_frame frames[MCX_CONFIG_DEPTH_MAX + 1];
    size_t depth;
    int documents;
    char *err;
    size_t err_cap;
};

static bool scalar_is_null(const yaml_event_t *event)
{
    if (event->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *v = (const char *)event->data.scalar.value;
    return v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
           strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

/* Where a key or value is: "in 'a.b'" or "" at the top level. */
static const char *map_where(const struct mcx_config_node *map, char *buf, size_t cap)
{
    if (!map->path[0])
        return "";
    snprintf(buf, cap, " in '%s'", map->path);
    return buf;
}

static int parse_error(struct parse_state *ps, unsigned line, const char *what)
{
    write_error(ps->err, ps->err_cap, "%s:%u: %s", ps->cfg->name, line, what);
    return -1;
}

/* Handles a key scalar of the map on top of the stack. */
static int take_key(struct parse_state *ps, struct parse_frame *top, const yaml_event_t *event)
{
    unsigned line = (unsigned)event->start_mark.line + 1;
    if (event->type != YAML_SCALAR_EVENT)
        return parse_error(ps, line, "map keys must be plain strings");
    const char *key = (const char *)event->data.scalar.value;
    if (strlen(key) != event->data.scalar.length)
        return parse_error(ps, line, "NUL byte in a key");
    char where[300];
    for (size_t i = 0; i < top->node->count; i++) {
        if (strcmp(top->node->items[i]->key, key) == 0) {
            write_error(ps->err, ps->err_cap, "%s:%u: duplicate key '%s'%s", ps->cfg->name, line,
                        key, map_where(top->node, where, sizeof where));
            return -1;
        }
    }
    top->pending_key = strdup(key);
    if (!top->pending_key)
        return parse_error(ps, line, "out of memory");
    top->pending_key_line = line;
    return 0;
}

/* Handles a value event (scalar, map start, sequence start) at the current position. */
static int take_value(struct parse_state *ps, const yaml_event_t *event)
{
    unsigned line = (unsigned)event->start_mark.line + 1;
    enum mcx_config_kind kind;
    if (event->type == YAML_MAPPING_START_EVENT)
        kind = MCX_CONFIG_MAP;
    else if (event->type == YAML_SEQUENCE_START_EVENT)
        kind = MCX_CONFIG_SEQ;
    else
        kind = scalar_is_null(event) ? MCX_CONFIG_NULL : MCX_CONFIG_SCALAR;

    struct parse_frame *top = ps->depth ? &ps->frames[ps->depth - 1] : NULL;
    if (top && top->node->kind == MCX_CONFIG_MAP && !top->pending_key)
        return take_key(ps, top, event);

    if (!top && ps->cfg->root)
        return parse_error(ps, line, "unexpected content after the top-level map");
    if (!top && kind != MCX_CONFIG_MAP && kind != MCX_CONFIG_NULL)
        return parse_error(ps, line, "the top level must be a map of keys");

    struct mcx_config_node *node;
    if (!top) {
        node = node_new(ps->cfg, NULL, NULL, MCX_CONFIG_MAP, line);
        if (!node)
            return parse_error(ps, line, "out of memory");
        ps->cfg->root = node;
        if (kind == MCX_CONFIG_NULL)
            return 0; /* an empty document is an empty map */
    } else {
        node = node_new(ps->cfg, top->node, top->pending_key, kind, line);
        if (!node || node_append(top->node, node) != 0) {
            node_free(node);
            return parse_error(ps, line, "out of memory");
        }
        if (top->pending_key) {
            node->key_line = top->pending_key_line;
            free(top->pending_key);
            top->pending_key = NULL;
        }
    }

    if (event->type == YAML_SCALAR_EVENT) {
        if (strlen((const char *)event->data.scalar.value) != event->data.scalar.length)
            return mcx_config_errorf(node, ps->err, ps->err_cap, "NUL byte in the value");
        node->text = strdup((const char *)event->data.scalar.value);
        if (!node->text)
            return parse_error(ps, line, "out of memory");
        return 0;
    }
    if (ps->depth >= MCX_CONFIG_DEPTH_MAX)
        return mcx_config_errorf(node, ps->err, ps->err_cap, "nested deeper than %u levels",
                                 MCX_CONFIG_DEPTH_MAX);
    ps->frames[ps->depth].node = node;
    ps->frames[ps->depth].pending_key = NULL;
    ps->depth++;
    return 0;
}

/* Applies one parser event; returns 1 at the end of the stream, 0 to continue, -1 on error. */
static int take_event(struct parse_state *ps, const yaml_event_t *event)
{
    unsigned line = (unsigned)event->start_mark.line + 1;
    switch (event->type) {
    case YAML_STREAM_START_EVENT:
    case YAML_DOCUMENT_END_EVENT:
        return 0;
    case YAML_DOCUMENT_START_EVENT:
        if (++ps->documents > 1)
            return parse_error(ps, line, "only one YAML document is allowed");
        return 0;
    case YAML_STREAM_END_EVENT:
        return 1;
    case YAML_ALIAS_EVENT:
        return parse_error(ps, line, "YAML aliases (*name) are not supported");
    case YAML_MAPPING_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
        if (ps->depth == 0)
            return parse_error(ps, line, "unbalanced YAML structure");
        ps->depth--;
        return 0;
    case YAML_SCALAR_EVENT:
    case YAML_MAPPING_START_EVENT:
    case YAML_SEQUENCE_START_EVENT:
        return take_value(ps, event);
    default:
        return parse_error(ps, line, "unexpected YAML event");
    }
}

static void parse_state_release(struct parse_state *ps)
{
    for (size_t i = 0; i < ps->depth; i++) {
        free(ps->frames[i].pending_key);
        ps->frames[i].pending_key = NULL;
    }
}

struct mcx_config *mcx_config_load_string(const char *name, const char *text, size_t len, char *err,
                                          size_t err_cap)
{
    if (!name)
        name = "<string>";
    if (len > MCX_CONFIG_FILE_MAX) {
        write_error(err, err_cap, "%s: larger than %u bytes", name, MCX_CONFIG_FILE_MAX);
        return NULL;
    }
    struct mcx_config *cfg = calloc(1, sizeof *cfg);
    if (!cfg || !(cfg->name = strdup(name))) {
        free(cfg);
        write_error(err, err_cap, "%s: out of memory", name);
        return NULL;
    }
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        write_error(err, err_cap, "%s: cannot initialise the YAML parser", name);
        mcx_config_free(cfg);
        return NULL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)(text ? text : ""),
                                 text ? len : 0);
    struct parse_state ps = {.cfg = cfg, .err = err, .err_cap = err_cap};
    int rc = 0;
    while (rc == 0) {
        yaml_event_t event;
        if (!yaml_parser_parse(&parser, &event)) {
            unsigned line = (unsigned)parser.problem_mark.line + 1;
            if (parser.context)
                write_error(err, err_cap, "%s:%u: invalid YAML: %s %s", name, line,
                            parser.problem ? parser.problem : "syntax error", parser.context);
            else
                write_error(err, err_cap, "%s:%u: invalid YAML: %s", name, line,
                            parser.problem ? parser.problem : "syntax error");
            rc = -1;
            break;
        }
        rc = take_event(&ps, &event);
        yaml_event_delete(&event);
    }
    parse_state_release(&ps);
    yaml_parser_delete(&parser);
    if (rc < 0) {
        mcx_config_free(cfg);
        return NULL;
    }
    if (!cfg->root) { /* empty input: an empty top-level map */
        cfg->root = node_new(cfg, NULL, NULL, MCX_CONFIG_MAP, 1);
        if (!cfg->root) {
            write_error(err, err_cap, "%s: out of memory", name);
            mcx_config_free(cfg);
            return NULL;
        }
    }
    return cfg;
}

struct mcx_config *mcx_config_load_file(const char *path, char *err, size_t err_cap)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        write_error(err, err_cap, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(MCX_CONFIG_FILE_MAX + 1);
    if (!buf) {
        fclose(f);
        write_error(err, err_cap, "%s: out of memory", path);
        return NULL;
    }
    size_t len = fread(buf, 1, MCX_CONFIG_FILE_MAX + 1, f);
    bool failed = ferror(f) != 0;
    int saved_errno = errno;
    fclose(f);
    struct mcx_config *cfg = NULL;
    if (failed)
        write_error(err, err_cap, "%s: cannot read: %s", path, strerror(saved_errno));
    else if (len > MCX_CONFIG_FILE_MAX)
        write_error(err, err_cap, "%s: larger than %u bytes", path, MCX_CONFIG_FILE_MAX);
    else
        cfg = mcx_config_load_string(path, buf, len, err, err_cap);
    free(buf);
    return cfg;
}

/* ---- accessors ------------------------------------------------------------------------- */

const struct mcx_config_node *mcx_config_root(const struct mcx_config *cfg)
{
    return cfg->root;
}

const char *mcx_config_name(const struct mcx_config *cfg)
{
    return cfg->name;
}

enum mcx_config_kind mcx_config_node_kind(const struct mcx_config_node *node)
{
    return node->kind;
}

unsigned mcx_config_node_line(const struct mcx_config_node *node)
{
    return node->line;
}

const char *mcx_config_node_path(const struct mcx_config_node *node)
{
    return node->path;
}

const char *mcx_config_node_text(const struct mcx_config_node *node)
{
    return node->kind == MCX_CONFIG_SCALAR ? node->text : NULL;
}

size_t mcx_config_node_count(const struct mcx_config_node *node)
{
    return node->kind == MCX_CONFIG_MAP || node->kind == MCX_CONFIG_SEQ ? node->count : 0;
}

const char *mcx_config_map_key(const struct mcx_config_node *map, size_t i)
{
    if (map->kind != MCX_CONFIG_MAP || i >= map->count)
        return NULL;
    return map->items[i]->key;
}

const struct mcx_config_node *mcx_config_node_at(const struct mcx_config_node *node, size_t i)
{
    if ((node->kind != MCX_CONFIG_MAP && node->kind != MCX_CONFIG_SEQ) || i >= node->count)
        return NULL;
    return node->items[i];
}

const struct mcx_config_node *mcx_config_lookup(const struct mcx_config_node *map, const char *key)
{
    if (!map || map->kind != MCX_CONFIG_MAP)
        return NULL;
    for (size_t i = 0; i < map->count; i++) {
        if (strcmp(map->items[i]->key, key) == 0)
            return map->items[i];
    }
    return NULL;
}

static bool name_listed(const char *const list[], const char *name)
{
    for (size_t i = 0; list && list[i]; i++) {
        if (strcmp(list[i], name) == 0)
            return true;
    }
    return false;
}

int mcx_config_check_keys(const struct mcx_config_node *map, const char *const allowed[],
                          const char *const required[], char *err, size_t err_cap)
{
    char where[300];
    if (!map) {
        if (required && required[0]) {
            write_error(err, err_cap, "missing key '%s'", required[0]);
            return -1;
        }
        return 0;
    }
    if (map->kind != MCX_CONFIG_MAP)
        return mcx_config_errorf(map, err, err_cap, "expected a map");
    for (size_t i = 0; i < map->count; i++) {
        const struct mcx_config_node *entry = map->items[i];
        if (!name_listed(allowed, entry->key)) {
            write_error(err, err_cap, "%s:%u: unknown key '%s'%s", map->cfg->name, entry->key_line,
                        entry->key, map_where(map, where, sizeof where));
            return -1;
        }
    }
    for (size_t i = 0; required && required[i]; i++) {
        const struct mcx_config_node *value = mcx_config_lookup(map, required[i]);
        if (!value) {
            write_error(err, err_cap, "%s:%u: missing key '%s'%s", map->cfg->name, map->line,
                        required[i], map_where(map, where, sizeof where));
            return -1;
        }
        if (value->kind == MCX_CONFIG_NULL)
            return mcx_config_errorf(value, err, err_cap, "missing value");
    }
    return 0;
}

/* ---- typed getters --------------------------------------------------------------------- */

/* Finds key: 1 with *out set, 0 when absent/null, -1 when map is not a map. */
static int find_value(const struct mcx_config_node *map, const char *key,
                      const struct mcx_config_node **out, char *err, size_t err_cap)
{
    if (!map)
        return 0;
    if (map->kind != MCX_CONFIG_MAP)
        return mcx_config_errorf(map, err, err_cap, "expected a map");
    const struct mcx_config_node *value = mcx_config_lookup(map, key);
    if (!value || value->kind == MCX_CONFIG_NULL)
        return 0;
    *out = value;
    return 1;
}

int mcx_config_get_string(const struct mcx_config_node *map, const char *key, const char **out,
                          char *err, size_t err_cap)
{
    const struct mcx_config_node *value = NULL;
    int found = find_value(map, key, &value, err, err_cap);
    if (found <= 0)
        return found;
    if (value->kind != MCX_CONFIG_SCALAR)
        return mcx_config_errorf(value, err, err_cap, "expected a string");
    *out = value->text;
    return 1;
}

/* Parses a non-empty run of decimal digits into *out; false on anything else or overflow. */
static bool parse_decimal(const char *s, size_t len, uint64_t *out)
{
    if (len == 0 || len > 19)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return true;
}

/* Integer getter shared by the u32/u16/port variants; what describes the expectation. */
static int get_integer(const struct mcx_config_node *map, const char *key, uint64_t min,
                       uint64_t max, uint64_t *out, const char *what, char *err, size_t err_cap)
{
    const struct mcx_config_node *value = NULL;
    int found = find_value(map, key, &value, err, err_cap);
    if (found <= 0)
        return found;
    uint64_t v;
    if (value->kind != MCX_CONFIG_SCALAR || !parse_decimal(value->text, strlen(value->text), &v) ||
        v < min || v > max)
        return mcx_config_errorf(value, err, err_cap, "expected %s %llu-%llu", what,
                                 (unsigned long long)min, (unsigned long long)max);
    *out = v;
    return 1;
}

int mcx_config_get_text(const struct mcx_config_node *map, const char *key, char *dst, size_t cap,
                        char *err, size_t err_cap)
{
    const char *value = NULL;
    int found = mcx_config_get_string(map, key, &value, err, err_cap);
    if (found <= 0)
        return found;
    size_t len = strlen(value);
    if (len >= cap)
        return mcx_config_errorf(mcx_config_lookup(map, key), err, err_cap,
                                 "longer than %zu characters", cap - 1);
    memcpy(dst, value, len + 1);
    return 1;
}

int mcx_config_get_u32(const struct mcx_config_node *map, const char *key, uint32_t min,
                       uint32_t max, uint32_t *out, char *err, size_t err_cap)
{
    uint64_t v;
    int rc = get_integer(map, key, min, max, &v, "an integer", err, err_cap);
    if (rc == 1)
        *out = (uint32_t)v;
    return rc;
}

int mcx_config_get_u16(const struct mcx_config_node *map, const char *key, uint16_t min,
                       uint16_t max, uint16_t *out, char *err, size_t err_cap)
{
    uint64_t v;
    int rc = get_integer(map, key, min, max, &v, "an integer", err, err_cap);
    if (rc == 1)
        *out = (uint16_t)v;
    return rc;
}

int mcx_config_get_port(const struct mcx_config_node *map, const char *key, uint16_t *out,
                        char *err, size_t err_cap)
{
    uint64_t v;
    int rc = get_integer(map, key, 1, 65535, &v, "a port", err, err_cap);
    if (rc == 1)
        *out = (uint16_t)v;
    return rc;
}

int mcx_config_get_bool(const struct mcx_config_node *map, const char *key, bool *out, char *err,
                        size_t err_cap)
{
    static const char *const yes[] = {"true", "yes", "on", NULL};
    static const char *const no[] = {"false", "no", "off", NULL};
    const struct mcx_config_node *value = NULL;
    int found = find_value(map, key, &value, err, err_cap);
    if (found <= 0)
        return found;
    if (value->kind == MCX_CONFIG_SCALAR) {
        for (int i = 0; yes[i]; i++) {
            if (strcasecmp(value->text, yes[i]) == 0) {
                *out = true;
                return 1;
            }
            if (strcasecmp(value->text, no[i]) == 0) {
                *out = false;
                return 1;
            }
        }
    }
    return mcx_config_errorf(value, err, err_cap, "expected true or false");
}

/* Writes a millisecond count in the largest exact unit ("2m", "1500ms", "0"). */
static void format_duration(uint64_t ms, char *buf, size_t cap)
{
    if (ms == 0)
        snprintf(buf, cap, "0");
    else if (ms % 3600000 == 0)
        snprintf(buf, cap, "%lluh", (unsigned long long)(ms / 3600000));
    else if (ms % 60000 == 0)
        snprintf(buf, cap, "%llum", (unsigned long long)(ms / 60000));
    else if (ms % 1000 == 0)
        snprintf(buf, cap, "%llus", (unsigned long long)(ms / 1000));
    else
        snprintf(buf, cap, "%llums", (unsigned long long)ms);
}

/* Parses "<digits><unit>" (or "0") into milliseconds; false on bad syntax or overflow. */
static bool parse_duration(const char *s, uint64_t *out_ms)
{
    static const struct {
        const char *unit;
        uint64_t ms;
    } units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
    size_t digits = strspn(s, "0123456789");
    uint64_t n;
    if (!parse_decimal(s, digits, &n))
        return false;
    const char *unit = s + digits;
    if (unit[0] == '\0') {
        if (n != 0)
            return false;
        *out_ms = 0;
        return true;
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(unit, units[i].unit) == 0) {
            if (n > UINT64_MAX / units[i].ms)
                return false;
            *out_ms = n * units[i].ms;
            return true;
        }
    }
    return false;
}

int mcx_config_get_duration_ms(const struct mcx_config_node *map, const char *key, uint64_t min_ms,
                               uint64_t max_ms, uint64_t *out_ms, char *err, size_t err_cap)
{
    const struct mcx_config_node *value = NULL;
    int found = find_value(map, key, &value, err, err_cap);
    if (found <= 0)
        return found;
    uint64_t ms;
    if (value->kind != MCX_CONFIG_SCALAR || !parse_duration(value->text, &ms) || ms < min_ms ||
        ms > max_ms) {
        char lo[32], hi[32];
        format_duration(min_ms, lo, sizeof lo);
        format_duration(max_ms, hi, sizeof hi);
        return mcx_config_errorf(value, err, err_cap,
                                 "expected a duration %s-%s (e.g. 500ms, 5s, 2m)", lo, hi);
    }
    *out_ms = ms;
    return 1;
}

int mcx_config_get_strings(const struct mcx_config_node *map, const char *key, const char **out,
                           size_t out_cap, size_t *count, char *err, size_t err_cap)
{
    const struct mcx_config_node *value = NULL;
    int found = find_value(map, key, &value, err, err_cap);
    if (found <= 0)
        return found;
    if (value->kind != MCX_CONFIG_SEQ)
        return mcx_config_errorf(value, err, err_cap, "expected a list of strings");
    if (value->count > out_cap)
        return mcx_config_errorf(value, err, err_cap, "expected at most %zu items, got %zu",
                                 out_cap, value->count);
    for (size_t i = 0; i < value->count; i++) {
        if (value->items[i]->kind != MCX_CONFIG_SCALAR)
            return mcx_config_errorf(value->items[i], err, err_cap, "expected a string");
    }
    for (size_t i = 0; i < value->count; i++)
        out[i] = value->items[i]->text;
    *count = value->count;
    return 1;
}

int mcx_config_get_map(const struct mcx_config_node *map, const char *key,
                       const struct mcx_config_node **out, char *err, size_t err_cap)
{
    const struct mcx_config_node *value = NULL;
    int found = find_value(map, key, &value, err, err_cap);
    if (found <= 0)
        return found;
    if (value->kind != MCX_CONFIG_MAP)
        return mcx_config_errorf(value, err, err_cap, "expected a map");
    *out = value;
    return 1;
}

int mcx_config_get_seq(const struct mcx_config_node *map, const char *key,
                       const struct mcx_config_node **out, char *err, size_t err_cap)
{
    const struct mcx_config_node *value = NULL;
    int found = find_value(map, key, &value, err, err_cap);
    if (found <= 0)
        return found;
    if (value->kind != MCX_CONFIG_SEQ)
        return mcx_config_errorf(value, err, err_cap, "expected a list");
    *out = value;
    return 1;
}
