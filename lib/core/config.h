/* YAML configuration (libyaml): a small tree of maps, sequences and scalars that keeps line
 * numbers, typed getters whose errors name the file, line and key path, and a check for
 * unknown keys. Example error: "hss.yaml:12: key 'cx.port': expected a port 1-65535".
 *
 * No global state. Every error is written into a caller buffer (err, err_cap; truncated to
 * fit, always NUL-terminated). All strings handed out point into the tree and live until
 * mcx_config_free().
 *
 * Getter convention: mcx_config_get_*(map, key, ..., out, err, err_cap) returns 1 when the key
 * is present and valid (*out set), 0 when it is absent or null (*out untouched, so preset the
 * default), -1 on an error (err filled). map may be NULL (an absent section): that is "absent".
 * Use mcx_config_check_keys() to make keys required and to reject unknown ones.
 *
 * Not supported (rejected with an error): aliases/anchors references, more than one document,
 * duplicate keys, non-scalar keys, nesting deeper than 32, NUL bytes in scalars, files over
 * 1 MiB. The top level must be a map (an empty document is an empty map). */
#ifndef MCX_CONFIG_H
#define MCX_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MCX_CONFIG_FILE_MAX  (1024u * 1024u)
#define MCX_CONFIG_DEPTH_MAX 32u

enum mcx_config_kind {
    MCX_CONFIG_NULL,   /* plain "~", "null" or nothing */
    MCX_CONFIG_SCALAR, /* any other scalar, kept as text */
    MCX_CONFIG_MAP,
    MCX_CONFIG_SEQ,
};

struct mcx_config;
struct mcx_config_node;

/* Loads and parses the YAML file at path (named as given in errors). Returns a tree owned by
 * the caller (mcx_config_free), or NULL with err filled. */
struct mcx_config *mcx_config_load_file(const char *path, char *err, size_t err_cap);

/* Parses len bytes of YAML text; name is used as the file name in errors. Returns a tree owned
 * by the caller (mcx_config_free), or NULL with err filled. */
struct mcx_config *mcx_config_load_string(const char *name, const char *text, size_t len, char *err,
                                          size_t err_cap);

/* Frees the tree and every string in it; NULL is fine. */
void mcx_config_free(struct mcx_config *cfg);

/* The top-level map (never NULL for a loaded config). */
const struct mcx_config_node *mcx_config_root(const struct mcx_config *cfg);

/* The file name errors use. */
const char *mcx_config_name(const struct mcx_config *cfg);

/* Kind of a node. */
enum mcx_config_kind mcx_config_node_kind(const struct mcx_config_node *node);

/* 1-based line where the node's value starts. */
unsigned mcx_config_node_line(const struct mcx_config_node *node);

/* Key path of the node, e.g. "cx.peers[1].host" ("" for the top level). */
const char *mcx_config_node_path(const struct mcx_config_node *node);

/* Text of a scalar node, NULL for other kinds. */
const char *mcx_config_node_text(const struct mcx_config_node *node);

/* Number of entries of a map or items of a sequence (0 for other kinds). */
size_t mcx_config_node_count(const struct mcx_config_node *node);

/* Key of entry i of a map (NULL when out of range or not a map). */
const char *mcx_config_map_key(const struct mcx_config_node *map, size_t i);

/* Value of entry i of a map or item i of a sequence (NULL when out of range). */
const struct mcx_config_node *mcx_config_node_at(const struct mcx_config_node *node, size_t i);

/* Value for key in map, or NULL when absent or map is not a map. */
const struct mcx_config_node *mcx_config_lookup(const struct mcx_config_node *map, const char *key);

/* Writes "FILE:LINE: key 'PATH': MESSAGE" (or "FILE:LINE: MESSAGE" for the top level) about
 * node into err, for semantic checks done by the caller. Returns -1 for convenience. */
int mcx_config_errorf(const struct mcx_config_node *node, char *err, size_t err_cap,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Rejects keys of map not listed in allowed ("FILE:LINE: unknown key 'prot' in 'cx'") and
 * reports the first of required (may be NULL) that is absent or null ("FILE:LINE: missing key
 * 'port' in 'cx'"). Both lists are NULL-terminated. Returns 0, or -1 with err filled. A NULL
 * map is fine when nothing is required. */
int mcx_config_check_keys(const struct mcx_config_node *map, const char *const allowed[],
                          const char *const required[], char *err, size_t err_cap);

/* String scalar (any scalar text; maps/sequences are an error). */
int mcx_config_get_string(const struct mcx_config_node *map, const char *key, const char **out,
                          char *err, size_t err_cap);

/* String scalar copied into dst (cap bytes, NUL included); a longer value is an error naming the
 * key ("longer than N characters"), never a truncation. Same return values as the other getters. */
int mcx_config_get_text(const struct mcx_config_node *map, const char *key, char *dst, size_t cap,
                        char *err, size_t err_cap);

/* Decimal unsigned integer within min..max ("expected an integer 1-32"). */
int mcx_config_get_u32(const struct mcx_config_node *map, const char *key, uint32_t min,
                       uint32_t max, uint32_t *out, char *err, size_t err_cap);

/* Decimal unsigned integer within min..max, 16 bits. */
int mcx_config_get_u16(const struct mcx_config_node *map, const char *key, uint16_t min,
                       uint16_t max, uint16_t *out, char *err, size_t err_cap);

/* TCP/UDP port 1..65535 ("expected a port 1-65535"). */
int mcx_config_get_port(const struct mcx_config_node *map, const char *key, uint16_t *out,
                        char *err, size_t err_cap);

/* Boolean: true/false, yes/no, on/off (any case). */
int mcx_config_get_bool(const struct mcx_config_node *map, const char *key, bool *out, char *err,
                        size_t err_cap);

/* Duration "<integer><unit>" with unit ms, s, m or h (e.g. 500ms, 5s, 2m; "0" alone is allowed),
 * within min_ms..max_ms; *out_ms in milliseconds. */
int mcx_config_get_duration_ms(const struct mcx_config_node *map, const char *key, uint64_t min_ms,
                               uint64_t max_ms, uint64_t *out_ms, char *err, size_t err_cap);

/* Sequence of scalars (or a flow list [a, b]) into out[0..*count-1], at most out_cap items;
 * the strings point into the tree. */
int mcx_config_get_strings(const struct mcx_config_node *map, const char *key, const char **out,
                           size_t out_cap, size_t *count, char *err, size_t err_cap);

/* Nested map. */
int mcx_config_get_map(const struct mcx_config_node *map, const char *key,
                       const struct mcx_config_node **out, char *err, size_t err_cap);

/* Sequence (of anything); iterate with mcx_config_node_count / mcx_config_node_at. */
int mcx_config_get_seq(const struct mcx_config_node *map, const char *key,
                       const struct mcx_config_node **out, char *err, size_t err_cap);

#endif
