/* Zero-copy SIP (RFC 3261) message parser.
 *
 * Every string the parser reports is a `struct sip_slice`: a pointer into the caller's receive
 * buffer and a length. Nothing is copied and the buffer is never modified, so the buffer must
 * outlive the parsed message. A folded header value (continuation lines) is reported as one
 * slice that still contains the CRLF and leading whitespace of each continuation; the helpers
 * in this file treat CR and LF inside a value as linear whitespace.
 *
 * Bad input gives a negative `enum sip_error` and a reason phrase naming the fault (static
 * storage, suitable for a `400 Bad Request` reason phrase). Every read is bounds-checked. */
#ifndef MCX_SIP_PARSE_H
#define MCX_SIP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIP_MAX_HEADERS       64    /* header slots per message; more is an error */
#define SIP_MAX_MESSAGE_BYTES 65535 /* largest message (header section + body) accepted */
#define SIP_MAX_LINE_BYTES    8192  /* largest header line including its continuations */
#define SIP_MAX_VIAS          16    /* Via values reported by sip_msg_vias() */

/* A read-only view of bytes inside a receive buffer. */
struct sip_slice {
    const char *p;
    size_t len;
};

enum sip_error {
    SIP_OK = 0,
    SIP_ERR_START_LINE = -1, /* malformed request or status line */
    SIP_ERR_VERSION = -2,    /* not SIP/2.0 */
    SIP_ERR_HEADER = -3,     /* malformed header line */
    SIP_ERR_TOO_MANY_HEADERS = -4,
    SIP_ERR_TOO_LARGE = -5,      /* message or line above the limits */
    SIP_ERR_CONTENT_LENGTH = -6, /* bad, duplicate or inconsistent Content-Length */
    SIP_ERR_MISSING_HEADER = -7, /* a mandatory header is absent */
    SIP_ERR_VIA = -8,
    SIP_ERR_FROM = -9,
    SIP_ERR_TO = -10,
    SIP_ERR_CALL_ID = -11,
    SIP_ERR_CSEQ = -12,
    SIP_ERR_URI = -13,
    SIP_ERR_TRUNCATED = -14, /* header section has no end */
    SIP_ERR_VALUE = -15,     /* a numeric header (Expires, Max-Forwards) is malformed */
};

/* Headers the parser recognises (long and compact forms, any case). */
enum sip_hdr {
    SIP_HDR_OTHER = 0,
    SIP_HDR_VIA,
    SIP_HDR_FROM,
    SIP_HDR_TO,
    SIP_HDR_CALL_ID,
    SIP_HDR_CSEQ,
    SIP_HDR_CONTACT,
    SIP_HDR_CONTENT_LENGTH,
    SIP_HDR_CONTENT_TYPE,
    SIP_HDR_CONTENT_ENCODING,
    SIP_HDR_EXPIRES,
    SIP_HDR_MIN_EXPIRES,
    SIP_HDR_MAX_FORWARDS,
    SIP_HDR_AUTHORIZATION,
    SIP_HDR_PROXY_AUTHORIZATION,
    SIP_HDR_WWW_AUTHENTICATE,
    SIP_HDR_PROXY_AUTHENTICATE,
    SIP_HDR_AUTHENTICATION_INFO,
    SIP_HDR_PATH,
    SIP_HDR_ROUTE,
    SIP_HDR_RECORD_ROUTE,
    SIP_HDR_SERVICE_ROUTE,
    SIP_HDR_P_ASSOCIATED_URI,
    SIP_HDR_SUPPORTED,
    SIP_HDR_REQUIRE,
    SIP_HDR_ALLOW,
    SIP_HDR_EVENT,
    SIP_HDR_SUBJECT,
    SIP_HDR_USER_AGENT,
    SIP_HDR_SERVER,
    SIP_HDR_ACCEPT_CONTACT,
    SIP_HDR_REFERRED_BY,
    SIP_HDR_REJECT_CONTACT,
    SIP_HDR_REFER_TO,
    SIP_HDR_ALLOW_EVENTS,
    SIP_HDR_SESSION_EXPIRES,
    SIP_HDR_IDENTITY,
    SIP_HDR_IDENTITY_INFO,
    SIP_HDR_REQUEST_DISPOSITION,
    SIP_HDR__COUNT
};

/* One header line: its name as written and its value with surrounding whitespace trimmed. */
struct sip_header {
    enum sip_hdr id;
    struct sip_slice name;
    struct sip_slice value;
};

/* A parsed message. Fields that the message lacks are empty slices / -1. */
struct sip_msg {
    bool is_request;
    struct sip_slice method; /* requests */
    struct sip_slice ruri;   /* requests */
    int status;              /* responses: 100..699 */
    struct sip_slice reason; /* responses */

    struct sip_header headers[SIP_MAX_HEADERS];
    size_t header_count;

    /* Shortcuts, filled during the parse. */
    struct sip_slice call_id;
    uint32_t cseq;
    struct sip_slice cseq_method;
    struct sip_slice from_tag; /* empty when absent */
    struct sip_slice to_tag;   /* empty when absent */
    struct sip_slice branch;   /* branch parameter of the top Via */
    long content_length;       /* -1 when absent */
    long expires;              /* Expires header, -1 when absent */
    long max_forwards;         /* -1 when absent */

    struct sip_slice body;
    size_t total_len; /* bytes of buf that make up this message */
};

/* Result of sip_frame(). */
enum sip_frame_result {
    SIP_FRAME_NEED_MORE = 0, /* no complete message yet: read more bytes */
    SIP_FRAME_COMPLETE = 1,  /* *msg_len bytes form one message */
    SIP_FRAME_KEEPALIVE = 2, /* *msg_len bytes of CRLF keep-alive (RFC 5626) to discard */
};

/* Stream (TCP) framing: decides whether buf starts with a complete message. Returns an
 * enum sip_frame_result, or a negative enum sip_error (the stream is unusable; *reason names the
 * fault) when the header section exceeds the limits or Content-Length is bad/missing. On
 * SIP_FRAME_NEED_MORE, *msg_len is the total size of the message when its header section is
 * already complete (only the body is missing), else 0. */
int sip_frame(const char *buf, size_t len, size_t *msg_len, const char **reason);

/* Parses exactly one message of len bytes (a UDP datagram or a frame from sip_frame()). The
 * body ends at Content-Length when present (which must not exceed the bytes available; extra
 * datagram bytes are ignored), else at len. Returns SIP_OK or a negative enum sip_error with
 * *reason (static string) naming the fault. msg points into buf. */
int sip_parse(const char *buf, size_t len, struct sip_msg *msg, const char **reason);

/* Returns the index of the first header with this id at or after index from, or -1. */
int sip_header_find(const struct sip_msg *msg, enum sip_hdr id, size_t from);

/* Returns the index of the first header named name (case-insensitive, long form) at or after
 * from, or -1. Use for headers without an enum sip_hdr. */
int sip_header_find_name(const struct sip_msg *msg, const char *name, size_t from);

/* Maps a header name (long or compact form, any case) to its id. */
enum sip_hdr sip_header_id(const char *name, size_t len);

/* Returns the long form of a header id ("Via"), or NULL for SIP_HDR_OTHER. */
const char *sip_header_name(enum sip_hdr id);

/* ---- slices ---- */

/* Whether the slice equals the NUL-terminated string s, case-insensitively. */
bool sip_slice_ieq(struct sip_slice a, const char *s);

/* Whether the slice equals s exactly (case-sensitive). */
bool sip_slice_eq(struct sip_slice a, const char *s);

/* Whether two slices hold the same bytes. */
bool sip_slice_same(struct sip_slice a, struct sip_slice b);

/* Parses a decimal number of at most 10 digits with no sign; returns 0 and *out, or -1. */
int sip_slice_to_ulong(struct sip_slice s, unsigned long *out);

/* Copies the slice into out with a NUL (out_cap includes it). Returns the length, or -1 when it
 * does not fit (out is then an empty string). */
int sip_slice_copy(struct sip_slice s, char *out, size_t out_cap);

/* Copies the content of a quoted-string (without the quotes) into out, removing the
 * backslash of each quoted-pair. Returns the length, or -1 when out_cap is too small. */
int sip_unescape(struct sip_slice s, char *out, size_t out_cap);

/* ---- lists and parameters ---- */

/* Splits a comma-separated header value: sets *item to the next element (trimmed) starting at
 * *pos and advances *pos. Commas inside quoted strings and <...> do not split. Returns 1 for an
 * item, 0 at the end, -1 on an unterminated quote or bracket. */
int sip_list_next(struct sip_slice value, size_t *pos, struct sip_slice *item);

/* Returns the slice without leading and trailing whitespace (SP, HTAB, CR, LF). */
struct sip_slice sip_trim(struct sip_slice s);

/* Iterates a ";a=b;c;d=\"q\"" parameter list: sets *name and *val (empty for a flag; quotes
 * stripped, escapes kept) of the parameter at *pos and advances *pos. Returns 1 for a
 * parameter, 0 at the end, -1 when malformed. */
int sip_param_next(struct sip_slice params, size_t *pos, struct sip_slice *name,
                   struct sip_slice *val);

/* Finds parameter name in a ";a=b;c;d=\"q\"" list (case-insensitive names). Returns 1 with
 * *val (empty for a flag parameter; quotes stripped), 0 when absent, -1 when malformed. */
int sip_param_find(struct sip_slice params, const char *name, struct sip_slice *val);

/* ---- URIs, name-addr, Via ---- */

struct sip_uri {
    struct sip_slice scheme;   /* "sip", "sips", "tel" ... */
    struct sip_slice user;     /* may be empty */
    struct sip_slice password; /* may be empty */
    struct sip_slice host;     /* IPv6 references keep their brackets: "[::1]" */
    uint16_t port;             /* 0 when absent */
    struct sip_slice params;   /* ";transport=tcp;lr" (leading ';' included) or empty */
    struct sip_slice headers;  /* "?a=b" part without the '?', or empty */
};

/* Parses a SIP/SIPS URI (or an opaque "scheme:rest" URI such as tel:, whose rest goes in user).
 * Returns 0 or SIP_ERR_URI. */
int sip_uri_parse(struct sip_slice s, struct sip_uri *uri);

/* name-addr ("Alice" <sip:a@b>;tag=1) or addr-spec (sip:a@b;tag=1). For addr-spec the
 * parameters after the URI are header parameters, per RFC 3261 20.10. */
struct sip_name_addr {
    struct sip_slice display; /* display name, quotes included when quoted; may be empty */
    struct sip_slice uri;     /* the URI text */
    struct sip_slice params;  /* header parameters (";tag=x;expires=3"), leading ';' kept */
    bool wildcard;            /* Contact: * */
};

/* Parses one name-addr / addr-spec element (one list item). Returns 0 or -1. */
int sip_name_addr_parse(struct sip_slice s, struct sip_name_addr *na);

struct sip_via {
    struct sip_slice transport; /* "UDP", "TCP" ... */
    struct sip_slice host;      /* IPv6 references keep their brackets */
    uint16_t port;              /* 0 when absent */
    struct sip_slice params;    /* leading ';' included */
    struct sip_slice branch;    /* empty when absent */
    struct sip_slice raw;       /* the whole via-parm */
};

/* Parses one via-parm ("SIP/2.0/UDP host:port;branch=z9hG4bK1"). Returns 0 or -1. */
int sip_via_parse(struct sip_slice s, struct sip_via *via);

/* Collects every Via value of the message, top first, from all Via headers. Returns the count
 * (at most cap), or -1 when a Via is malformed or there are more than cap. */
int sip_msg_vias(const struct sip_msg *msg, struct sip_via *out, size_t cap);

/* The request method as a short enum. */
enum sip_method {
    SIP_METHOD_OTHER = 0,
    SIP_METHOD_REGISTER,
    SIP_METHOD_INVITE,
    SIP_METHOD_ACK,
    SIP_METHOD_BYE,
    SIP_METHOD_CANCEL,
    SIP_METHOD_OPTIONS,
    SIP_METHOD_SUBSCRIBE,
    SIP_METHOD_NOTIFY,
    SIP_METHOD_MESSAGE,
};

/* Maps a method token (case-sensitive, RFC 3261 7.1) to its enum. */
enum sip_method sip_method_of(struct sip_slice method);

#endif
