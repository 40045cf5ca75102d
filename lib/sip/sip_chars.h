/* Character classes of the SIP grammar (RFC 3261 25.1), internal to lib/sip. */
#ifndef MCX_SIP_CHARS_H
#define MCX_SIP_CHARS_H

#include <stdbool.h>
#include <stddef.h>

/* Linear whitespace inside a header value; CR and LF appear there only in folded lines. */
static inline bool sip_is_lws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static inline bool sip_is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* token (RFC 3261 25.1). */
static inline bool sip_is_token_char(char c)
{
    if (sip_is_alnum(c))
        return true;
    switch (c) {
    case '-':
    case '.':
    case '!':
    case '%':
    case '*':
    case '_':
    case '+':
    case '`':
    case '\'':
    case '~':
        return true;
    default:
        return false;
    }
}

/* Characters of a parameter name or unquoted value: token plus the URI paramchar extras. */
static inline bool sip_is_param_char(char c)
{
    if (sip_is_token_char(c))
        return true;
    switch (c) {
    case '[':
    case ']':
    case '/':
    case ':':
    case '&':
    case '$':
    case '(':
    case ')':
    case '@':
    case '?':
        return true;
    default:
        return false;
    }
}

/* Index just past the closing quote of the quoted-string whose opening quote is p[i], or 0 when
 * it is unterminated (a backslash escapes the next byte). */
size_t sip_skip_quoted(const char *p, size_t len, size_t i);

#endif
