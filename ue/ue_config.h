/* mcx-ue settings: a YAML file (--config) and command-line options, options winning. Every
 * string points into argv or into the loaded YAML tree, which lives until ue_options_free().
 *
 * YAML keys (all optional, a flat map): impi, impu, domain, k, op, opc, amf, state, server,
 * transport, local, expires, algorithm, password, t1_ms, users_csv, users, rate, duration. */
#ifndef MCX_UE_CONFIG_H
#define MCX_UE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct mcx_config;

struct ue_options {
    /* ISIM */
    const char *impi, *impu, *domain;
    const char *k, *op, *opc, *amf;
    const char *state; /* SQN state file */
    /* SIP */
    const char *server;    /* HOST:PORT */
    const char *transport; /* "udp" / "tcp" */
    const char *local;     /* ADDR[:PORT] */
    long expires;          /* -1: not given */
    const char *algorithm; /* "AKAv1-MD5" ... */
    const char *password;  /* MD5 */
    long t1_ms;            /* -1: not given */
    bool verbose;
    /* load */
    const char *users_csv;
    long users, rate;  /* -1: not given */
    double duration_s; /* < 0: not given */
    bool json;

    struct mcx_config *yaml; /* owned */
};

/* Clears *opts (every number "not given"). */
void ue_options_init(struct ue_options *opts);

/* Loads the YAML file at path into the fields of *opts that are still unset (once per *opts).
 * Returns 0, or -1 with err filled ("ue.yaml:3: unknown key 'imp'"); after an error the string
 * fields may dangle, so the caller stops. */
int ue_options_load_yaml(struct ue_options *opts, const char *path, char *err, size_t err_cap);

/* Frees the YAML tree (the strings that point into it become invalid). */
void ue_options_free(struct ue_options *opts);

#endif
