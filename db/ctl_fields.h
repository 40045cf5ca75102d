/* mcx-ctl: parsing of subscriber field values from text (command line and CSV alike). Each
 * returns 0, or -1 with a one-line reason (no secret values) in err. */
#ifndef MCX_CTL_FIELDS_H
#define MCX_CTL_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define CTL_ERR_MAX 200

/* Exactly len bytes of hex (K, OP, OPc: 16; AMF: 2). */
int ctl_field_hex(const char *name, const char *text, uint8_t *out, size_t len, char *err);

/* SQN in decimal or 0x-hex, 0 .. 2^48-1. */
int ctl_field_sqn(const char *text, int64_t *out, char *err);

/* One string into a slot of cap bytes (non-empty, shorter than cap). */
int ctl_field_string(const char *name, const char *text, char *dst, size_t cap, char *err);

/* Appends text as one more list item (count < max). */
int ctl_field_list_add(const char *name, const char *text, char *items, size_t item_cap, size_t max,
                       size_t *count, char *err);

/* Replaces a list with the count values of a repeatable option (name: "--impu" etc.). */
int ctl_field_list_set(const char *name, const char *const *values, size_t n_values, char *items,
                       size_t item_cap, size_t max, size_t *count, char *err);

/* Replaces a list with the ';'-separated items of text ("" gives an empty list). */
int ctl_field_list_split(const char *name, const char *text, char *items, size_t item_cap,
                         size_t max, size_t *count, char *err);

/* Sets sub->ha1 = MD5(impi ":" realm ":" password) with realm = the domain part of sub->impi. */
int ctl_field_password(struct mcx_subscriber *sub, const char *password, char *err);

#endif
