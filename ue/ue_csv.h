/* Subscribers for `mcx-ue load` from the CSV that `mcx-ctl subscriber import` reads, through the
 * one reader of that format (store/store_csv.h) in its tolerant mode: columns in any order,
 * unknown columns ignored, required only impi, k, and op or opc; of a ';' list (impu) the first
 * item is used. */
#ifndef MCX_UE_CSV_H
#define MCX_UE_CSV_H

#include <stddef.h>

#include "ue_isim.h"

#define UE_CSV_FILE_MAX (256u * 1024u * 1024u) /* largest CSV file read */

/* One subscriber row, as text (keys are hex; they never appear in errors). */
struct ue_subscriber {
    char impi[UE_IDENTITY_MAX];
    char impu[UE_IDENTITY_MAX]; /* "" when the row has none: the ISIM derives sip:IMPI */
    char k[40];
    char op[40];
    char opc[40];
    char amf[8]; /* "" = 8000 */
};

/* Parses len bytes of CSV text (name is used in errors: "users.csv:12: ..."), keeping at most
 * max_rows rows (0 = all). Returns 0 with *rows (caller frees with free()) and *count, or -1 with
 * err filled. Each row is checked: identities valid, keys of the right length. */
int ue_csv_parse(const char *name, const char *text, size_t len, size_t max_rows,
                 struct ue_subscriber **rows, size_t *count, char *err, size_t err_cap);

/* Reads the file at path and parses it as ue_csv_parse() does. */
int ue_csv_load(const char *path, size_t max_rows, struct ue_subscriber **rows, size_t *count,
                char *err, size_t err_cap);

/* Fills an ISIM from a row (fresh SQN state, no state file). Returns 0, or -1 with err. */
int ue_subscriber_to_isim(const struct ue_subscriber *row, struct ue_isim *isim, char *err,
                          size_t err_cap);

#endif
