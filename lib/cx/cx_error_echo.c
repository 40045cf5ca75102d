/* User-Name / Public-Identity in the error answers freeDiameter builds for bad Cx requests. */
#include "cx/cx_avp.h"

/* HOOK_MESSAGE_PARSING_ERROR2: msg is the error answer about to be sent for a request that
 * failed dictionary parsing; the request is still attached to it. */
static void echo_identities(enum fd_hook_type type, struct msg *msg, struct peer_hdr *peer,
                            void *other, struct fd_hook_permsgdata *pmd, void *regdata)
{
    (void)type;
    (void)peer;
    (void)other;
    (void)pmd;
    (void)regdata;
    struct msg_hdr *hdr;
    struct msg *req = NULL;
    char user_name[MCX_CX_IDENTITY_MAX], public_identity[MCX_CX_IDENTITY_MAX];
    char have_user[MCX_CX_IDENTITY_MAX], have_public[MCX_CX_IDENTITY_MAX];
    if (!msg || fd_msg_hdr(msg, &hdr) != 0 || hdr->msg_appl != MCX_CX_APPLICATION_ID ||
        fd_msg_answ_getq(msg, &req) != 0 || !req)
        return;
    cx_scan_identities(req, user_name, public_identity);
    cx_scan_identities(msg, have_user, have_public);
    if (user_name[0] && !have_user[0])
        (void)cx_add_str(msg, mcx_cx_dict.user_name, user_name, NULL);
    if (public_identity[0] && !have_public[0])
        (void)cx_add_str(msg, mcx_cx_dict.public_identity, public_identity, NULL);
}

int cx_error_echo_install(void)
{
    struct fd_hook_hdl *hdl = NULL;
    return fd_hook_register(HOOK_MASK(HOOK_MESSAGE_PARSING_ERROR2), echo_identities, NULL, NULL,
                            &hdl) == 0
               ? 0
               : -1;
}
