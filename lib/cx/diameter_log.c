/* freeDiameter's logger and message-dump hooks routed into core/log.h, without AVP values. */
#include "cx/diameter_internal.h"

#include <freeDiameter/freeDiameter-host.h>
#include <freeDiameter/libfdcore.h>

#include <stdio.h>
#include <string.h>

#include "core/log.h"

#define FD_LINE_MAX 1024

/* AVP names whose values are secrets: a line mentioning one is cut before it. */
static const char *const secret_avp_names[] = {"SIP-Authorization",   "SIP-Authenticate",
                                               "Confidentiality-Key", "Integrity-Key",
                                               "Digest-HA1",          NULL};

/* Makes text fit one quoted key=value field: no newlines or double quotes, no secret dump. */
static void sanitise(char *text)
{
    for (int i = 0; secret_avp_names[i]; i++) {
        char *hit = strstr(text, secret_avp_names[i]);
        if (hit) {
            size_t room = FD_LINE_MAX - (size_t)(hit - text);
            snprintf(hit, room, "<dump withheld>");
        }
    }
    for (char *p = text; *p; p++) {
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
        else if (*p == '"')
            *p = '\'';
    }
}

static enum mcx_log_level map_level(int fd_level)
{
    if (fd_level >= FD_LOG_FATAL)
        return MCX_LOG_ERROR;
    if (fd_level >= FD_LOG_ERROR)
        return MCX_LOG_WARN;
    return MCX_LOG_DEBUG;
}

static void fd_logger(int fd_level, const char *format, va_list args)
{
    enum mcx_log_level level = map_level(fd_level);
    if (fd_level < fd_g_debug_lvl || !mcx_log_enabled(level))
        return;
    char text[FD_LINE_MAX];
    vsnprintf(text, sizeof text, format, args);
    /* Indented lines are the body of a message dump: shown (sanitised) only when debugging. */
    if (strncmp(text, "   ", 3) == 0 && !mcx_log_enabled(MCX_LOG_DEBUG))
        return;
    sanitise(text);
    if (strncmp(text, "Initiating freeDiameter shutdown", 32) == 0)
        level = MCX_LOG_INFO; /* logged as fatal by freeDiameter, but it is a normal stop */
    mcx_log(level, "diameter_core", "msg=\"%s\"", text);
}

/* Command code and R flag of msg for a summary line. */
static void msg_summary(struct msg *msg, char *out, size_t cap)
{
    struct msg_hdr *hdr;
    if (msg && fd_msg_hdr(msg, &hdr) == 0)
        snprintf(out, cap, "cmd=%u app=%u request=%d hbh=%u", hdr->msg_code, hdr->msg_appl,
                 (hdr->msg_flags & CMD_FLAG_REQUEST) ? 1 : 0, hdr->msg_hbhid);
    else
        snprintf(out, cap, "cmd=none");
}

static void fd_hook(enum fd_hook_type type, struct msg *msg, struct peer_hdr *peer, void *other,
                    struct fd_hook_permsgdata *pmd, void *regdata)
{
    (void)pmd;
    (void)regdata;
    char summary[128];
    char reason[256] = "";
    const char *peer_id = peer && peer->info.pi_diamid ? peer->info.pi_diamid : "-";
    if (type != HOOK_PEER_CONNECT_SUCCESS && type != HOOK_PEER_CONNECT_FAILED &&
        type != HOOK_MESSAGE_PARSING_ERROR && type != HOOK_MESSAGE_ROUTING_ERROR &&
        type != HOOK_MESSAGE_DROPPED && !mcx_log_enabled(MCX_LOG_DEBUG))
        return; /* per-message hooks: nothing to do unless debugging */
    msg_summary(msg, summary, sizeof summary);
    switch (type) {
    case HOOK_PEER_CONNECT_SUCCESS:
        MCX_INFO("diameter_peer_open", "peer=%s", peer_id);
        return;
    case HOOK_PEER_CONNECT_FAILED:
        snprintf(reason, sizeof reason, "%s", other ? (const char *)other : "-");
        sanitise(reason);
        MCX_INFO("diameter_peer_down", "peer=%s reason=\"%s\"", peer_id, reason);
        return;
    case HOOK_MESSAGE_PARSING_ERROR:
        if (msg && other)
            snprintf(reason, sizeof reason, "%s", (const char *)other);
        sanitise(reason);
        MCX_WARN("diameter_parse_error", "peer=%s %s reason=\"%s\"", peer_id, summary, reason);
        return;
    case HOOK_MESSAGE_ROUTING_ERROR:
    case HOOK_MESSAGE_DROPPED:
        snprintf(reason, sizeof reason, "%s", other ? (const char *)other : "-");
        sanitise(reason);
        MCX_WARN(type == HOOK_MESSAGE_DROPPED ? "diameter_dropped" : "diameter_routing_error",
                 "peer=%s %s reason=\"%s\"", peer_id, summary, reason);
        return;
    default:
        if (mcx_log_enabled(MCX_LOG_DEBUG))
            MCX_DEBUG("diameter_message", "hook=%d peer=%s %s", (int)type, peer_id, summary);
        return;
    }
}

int diameter_log_install(void)
{
    fd_g_debug_lvl = mcx_log_enabled(MCX_LOG_DEBUG) ? FD_LOG_NOTICE : FD_LOG_ERROR;
    return fd_log_handler_register(fd_logger) == 0 ? 0 : -1;
}

int diameter_hooks_install(void)
{
    /* Registering a hook replaces freeDiameter's default handling of that hook, which dumps
     * whole messages (AVP values included) into the log. */
    uint32_t mask = HOOK_MASK(HOOK_MESSAGE_LOCAL, HOOK_MESSAGE_FAILOVER, HOOK_MESSAGE_PARSING_ERROR,
                              HOOK_MESSAGE_ROUTING_ERROR, HOOK_MESSAGE_DROPPED,
                              HOOK_PEER_CONNECT_FAILED, HOOK_PEER_CONNECT_SUCCESS);
    struct fd_hook_hdl *hdl = NULL;
    return fd_hook_register(mask, fd_hook, NULL, NULL, &hdl) == 0 ? 0 : -1;
}
