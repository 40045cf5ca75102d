/* In-memory assigned-S-CSCF table: chained hash on the partner IMPI. */
#include "mms_serving.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

#define BUCKETS 4096u

struct entry {
    struct entry *next;
    char impi[MCX_STORE_IDENTITY_MAX];
    char server[MCX_STORE_IDENTITY_MAX];
};

static struct entry *table[BUCKETS];
static pthread_mutex_t table_mu = PTHREAD_MUTEX_INITIALIZER;

/* FNV-1a bucket of an IMPI. */
static unsigned bucket_of(const char *impi)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)impi; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h % BUCKETS;
}

int mms_serving_set(const char *impi, const char *server_name)
{
    unsigned b = bucket_of(impi);
    struct entry *e;
    if (strlen(impi) >= MCX_STORE_IDENTITY_MAX || strlen(server_name) >= MCX_STORE_IDENTITY_MAX)
        return -1;
    pthread_mutex_lock(&table_mu);
    for (e = table[b]; e; e = e->next)
        if (strcmp(e->impi, impi) == 0)
            break;
    if (!e) {
        if ((e = calloc(1, sizeof *e)) == NULL) {
            pthread_mutex_unlock(&table_mu);
            return -1;
        }
        memcpy(e->impi, impi, strlen(impi) + 1);
        e->next = table[b];
        table[b] = e;
    }
    memcpy(e->server, server_name, strlen(server_name) + 1);
    pthread_mutex_unlock(&table_mu);
    return 0;
}

void mms_serving_clear(const char *impi)
{
    unsigned b = bucket_of(impi);
    pthread_mutex_lock(&table_mu);
    for (struct entry **pp = &table[b]; *pp; pp = &(*pp)->next) {
        if (strcmp((*pp)->impi, impi) == 0) {
            struct entry *gone = *pp;
            *pp = gone->next;
            free(gone);
            break;
        }
    }
    pthread_mutex_unlock(&table_mu);
}

bool mms_serving_get(const char *impi, char *out, size_t cap)
{
    unsigned b = bucket_of(impi);
    bool found = false;
    pthread_mutex_lock(&table_mu);
    for (struct entry *e = table[b]; e; e = e->next) {
        if (strcmp(e->impi, impi) == 0) {
            size_t n = strlen(e->server);
            if (n < cap) {
                memcpy(out, e->server, n + 1);
                found = true;
            }
            break;
        }
    }
    pthread_mutex_unlock(&table_mu);
    return found;
}

void mms_serving_free_all(void)
{
    pthread_mutex_lock(&table_mu);
    for (unsigned b = 0; b < BUCKETS; b++) {
        while (table[b]) {
            struct entry *e = table[b];
            table[b] = e->next;
            free(e);
        }
    }
    pthread_mutex_unlock(&table_mu);
}
