/* ISIM stand-in: identities, keys and the SQN state file; see ue_isim.h. */
#include "ue_isim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/codec.h"

void ue_isim_init(struct ue_isim *isim)
{
    memset(isim, 0, sizeof *isim);
    mcx_aka_ue_state_init(&isim->sqn);
    isim->amf[0] = 0x80;
}

/* Copies src into dst (cap bytes); -1 when empty or too long. */
static int copy_text(char *dst, size_t cap, const char *src)
{
    size_t len = src ? strlen(src) : 0;
    if (len == 0 || len >= cap)
        return -1;
    memcpy(dst, src, len + 1);
    return 0;
}

/* Whether s holds a character that cannot appear in a SIP identity we put in a header. */
static int has_bad_char(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || *s == '"' || *s == '<' || *s == '>' || *s == '\\' ||
            (unsigned char)*s == 0x7f)
            return 1;
    return 0;
}

int ue_isim_set_identity(struct ue_isim *isim, const char *impi, const char *impu,
                         const char *domain, char *err, size_t err_cap)
{
    if (copy_text(isim->impi, sizeof isim->impi, impi) != 0 || has_bad_char(isim->impi)) {
        snprintf(err, err_cap, "IMPI must be 1-%zu characters without spaces, quotes or <>",
                 sizeof isim->impi - 1);
        return -1;
    }
    const char *at = strrchr(isim->impi, '@');
    if (domain && *domain) {
        if (copy_text(isim->domain, sizeof isim->domain, domain) != 0 ||
            has_bad_char(isim->domain)) {
            snprintf(err, err_cap, "domain must be 1-%zu characters without spaces",
                     sizeof isim->domain - 1);
            return -1;
        }
    } else if (!at || at[1] == '\0') {
        snprintf(err, err_cap, "IMPI '%s' has no '@domain': give the home domain", isim->impi);
        return -1;
    } else {
        snprintf(isim->domain, sizeof isim->domain, "%s", at + 1);
    }
    if (impu && *impu) {
        if (copy_text(isim->impu, sizeof isim->impu, impu) != 0 || has_bad_char(isim->impu) ||
            (strncmp(isim->impu, "sip:", 4) != 0 && strncmp(isim->impu, "sips:", 5) != 0 &&
             strncmp(isim->impu, "tel:", 4) != 0)) {
            snprintf(err, err_cap,
                     "IMPU must be a sip:, sips: or tel: URI of at most %zu characters",
                     sizeof isim->impu - 1);
            return -1;
        }
    } else {
        int n = snprintf(isim->impu, sizeof isim->impu, "sip:%s", isim->impi);
        if (n < 0 || (size_t)n >= sizeof isim->impu) {
            snprintf(err, err_cap, "IMPI too long to derive the IMPU");
            return -1;
        }
    }
    return 0;
}

/* Decodes a named hex value of exactly len bytes; the error names the value, not its text. */
static int decode_named(const char *name, const char *hex, uint8_t *out, size_t len, char *err,
                        size_t err_cap)
{
    if (!hex || mcx_hex_decode_exact(hex, out, len) != 0) {
        snprintf(err, err_cap, "%s: expected %zu hex digits", name, 2 * len);
        return -1;
    }
    return 0;
}

int ue_isim_set_keys(struct ue_isim *isim, const char *k_hex, const char *op_hex,
                     const char *opc_hex, const char *amf_hex, char *err, size_t err_cap)
{
    int have_op = op_hex && *op_hex, have_opc = opc_hex && *opc_hex;
    if (have_op == have_opc) {
        snprintf(err, err_cap, "give exactly one of OP and OPc");
        return -1;
    }
    uint8_t k[MCX_MILENAGE_KEY_LEN], opc[MCX_MILENAGE_KEY_LEN], amf[MCX_MILENAGE_AMF_LEN];
    if (decode_named("K", k_hex, k, sizeof k, err, err_cap) != 0)
        return -1;
    if (have_opc) {
        if (decode_named("OPc", opc_hex, opc, sizeof opc, err, err_cap) != 0)
            return -1;
    } else {
        uint8_t op[MCX_MILENAGE_KEY_LEN];
        if (decode_named("OP", op_hex, op, sizeof op, err, err_cap) != 0)
            return -1;
        int rc = mcx_milenage_opc(k, op, opc);
        memset(op, 0, sizeof op);
        if (rc != 0) {
            snprintf(err, err_cap, "OpenSSL AES failed while deriving OPc");
            return -1;
        }
    }
    if (decode_named("AMF", amf_hex ? amf_hex : "8000", amf, sizeof amf, err, err_cap) != 0)
        return -1;
    memcpy(isim->k, k, sizeof k);
    memcpy(isim->opc, opc, sizeof opc);
    memcpy(isim->amf, amf, sizeof amf);
    memset(k, 0, sizeof k);
    memset(opc, 0, sizeof opc);
    return 0;
}

int ue_isim_state_load(struct ue_isim *isim, const char *path, char *err, size_t err_cap)
{
    if (!path || copy_text(isim->state_path, sizeof isim->state_path, path) != 0) {
        snprintf(err, err_cap, "state file path must be 1-%zu characters",
                 sizeof isim->state_path - 1);
        return -1;
    }
    FILE *in = fopen(path, "r");
    if (!in) {
        if (errno == ENOENT) {
            mcx_aka_ue_state_init(&isim->sqn);
            return 0;
        }
        snprintf(err, err_cap, "%s: %s", path, strerror(errno));
        return -1;
    }
    int rc = mcx_aka_ue_state_load_file(&isim->sqn, in);
    fclose(in);
    if (rc != 0) {
        snprintf(err, err_cap, "%s: not a valid SQN state file (%s)", path,
                 rc == MCX_AKA_EIO ? "read error" : "malformed");
        return -1;
    }
    return 0;
}

/* Writes all len bytes of buf to fd. */
static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

int ue_isim_state_save(const struct ue_isim *isim, char *err, size_t err_cap)
{
    if (isim->state_path[0] == '\0')
        return 0;
    char text[MCX_AKA_UE_STATE_TEXT_MAX];
    int len = mcx_aka_ue_state_save(&isim->sqn, text, sizeof text);
    if (len < 0) {
        snprintf(err, err_cap, "SQN state does not serialise");
        return -1;
    }
    char tmp[UE_PATH_MAX + 32];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp.%ld", isim->state_path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof tmp) {
        snprintf(err, err_cap, "state file path too long");
        return -1;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, err_cap, "%s: %s", tmp, strerror(errno));
        return -1;
    }
    if (write_all(fd, text, (size_t)len) != 0 || fsync(fd) != 0) {
        snprintf(err, err_cap, "%s: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        return -1;
    }
    if (close(fd) != 0 || rename(tmp, isim->state_path) != 0) {
        snprintf(err, err_cap, "%s: %s", isim->state_path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

int ue_isim_authenticate(struct ue_isim *isim, const uint8_t rand[MCX_AKA_RAND_LEN],
                         const uint8_t autn[MCX_AKA_AUTN_LEN], struct mcx_aka_ue_result *result)
{
    return mcx_aka_ue_check(&isim->sqn, isim->k, isim->opc, rand, autn, result);
}
