/* Cx encode/decode: every command's request and answer built with lib/cx, serialised, parsed
 * back from the wire bytes as the core does (parse_buffer + parse_dict) and compared; plus
 * hand-made malformed messages that must give a named error, never a crash. The embedded core
 * is initialised (dictionary loaded) but never started: no socket is opened. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/log.h"
#include "cx/cx_common.h"
#include "cx/cx_lir.h"
#include "cx/cx_mar.h"
#include "cx/cx_sar.h"
#include "cx/cx_uar.h"
#include "cx/diameter.h"

#include "cx_test_util.h"

static char state_dir[] = "/tmp/mcx-cx-unit-XXXXXX";

static const struct mcx_cx_route route = {.realm = "test.lab", .host = "hss.test.lab"};

/* Serialises msg, frees it, and parses the bytes back into a new message. */
static struct msg *wire_roundtrip(struct msg *msg)
{
    uint8_t *buf;
    size_t len;
    struct mcx_cx_error err;
    struct msg *back = NULL;
    assert_int_equal(mcx_cx_message_to_buffer(msg, &buf, &len), 0);
    mcx_cx_message_free(msg);
    int rc = mcx_cx_message_from_buffer(buf, len, &back, &err);
    free(buf);
    if (rc != 0)
        fail_msg("wire round trip failed: %s", err.text);
    return back;
}

/* Parses a hand-made message from raw bytes. */
static int from_raw(struct raw_msg *m, struct msg **out, struct mcx_cx_error *err)
{
    raw_end(m);
    return mcx_cx_message_from_buffer(m->buf, m->len, out, err);
}

static void sample_mar(struct mcx_cx_mar *mar)
{
    memset(mar, 0, sizeof *mar);
    snprintf(mar->user_name, sizeof mar->user_name, "alice@primary.mcx.lab");
    snprintf(mar->public_identity, sizeof mar->public_identity, "sip:alice@primary.mcx.lab");
    snprintf(mar->server_name, sizeof mar->server_name, "sip:scscf.primary.mcx.lab:5060");
    snprintf(mar->scheme, sizeof mar->scheme, MCX_CX_SCHEME_AKAV1);
    mar->number_auth_items = 2;
    for (int i = 0; i < 30; i++)
        mar->authorization[i] = (uint8_t)(0xa0 + i);
    mar->authorization_len = 30;
}

static void mar_roundtrip(void **state)
{
    (void)state;
    struct mcx_cx_mar in, out;
    struct mcx_cx_error err;
    struct msg *msg;
    uint32_t code;
    bool is_request;
    sample_mar(&in);
    assert_int_equal(mcx_cx_mar_build(&route, &in, &msg, &err), 0);
    msg = wire_roundtrip(msg);
    assert_int_equal(mcx_cx_message_command(msg, &code, &is_request), 0);
    assert_int_equal(code, MCX_CX_CMD_MAR);
    assert_true(is_request);
    assert_int_equal(mcx_cx_mar_parse(msg, &out, &err), 0);
    assert_string_equal(out.user_name, in.user_name);
    assert_string_equal(out.public_identity, in.public_identity);
    assert_string_equal(out.server_name, in.server_name);
    assert_string_equal(out.scheme, MCX_CX_SCHEME_AKAV1);
    assert_int_equal(out.number_auth_items, 2);
    assert_int_equal(out.authorization_len, 30);
    assert_memory_equal(out.authorization, in.authorization, 30);
    assert_string_equal(out.origin.host, "unit.test.lab");
    assert_string_equal(out.origin.realm, "test.lab");
    mcx_cx_message_free(msg);
}

/* A received MAR (as the server sees it). */
static struct msg *received_mar(void)
{
    struct mcx_cx_mar mar;
    struct mcx_cx_error err;
    struct msg *msg;
    sample_mar(&mar);
    mar.authorization_len = 0;
    assert_int_equal(mcx_cx_mar_build(&route, &mar, &msg, &err), 0);
    return wire_roundtrip(msg);
}

static void maa_roundtrip(void **state)
{
    (void)state;
    struct mcx_cx_maa in, out;
    struct mcx_cx_error err;
    memset(&in, 0, sizeof in);
    mcx_cx_result_set_success(&in.result);
    snprintf(in.user_name, sizeof in.user_name, "alice@primary.mcx.lab");
    snprintf(in.public_identity, sizeof in.public_identity, "sip:alice@primary.mcx.lab");
    in.item_count = 2;
    struct mcx_cx_auth_item *aka = &in.items[0];
    aka->item_number = 1;
    snprintf(aka->scheme, sizeof aka->scheme, MCX_CX_SCHEME_AKAV1);
    for (int i = 0; i < 32; i++)
        aka->authenticate[i] = (uint8_t)i;
    aka->authenticate_len = 32;
    memcpy(aka->authorization, "\xa5\x42\x11\xd5\xe3\xba\x50\xbf", 8);
    aka->authorization_len = 8;
    aka->has_ck = aka->has_ik = true;
    memset(aka->ck, 0xc1, 16);
    memset(aka->ik, 0x11, 16);
    struct mcx_cx_auth_item *dig = &in.items[1];
    dig->item_number = 2;
    snprintf(dig->scheme, sizeof dig->scheme, MCX_CX_SCHEME_SIP_DIGEST);
    dig->has_digest = true;
    snprintf(dig->digest_realm, sizeof dig->digest_realm, "primary.mcx.lab");
    snprintf(dig->digest_qop, sizeof dig->digest_qop, "auth");
    snprintf(dig->digest_ha1, sizeof dig->digest_ha1, "939e7578ed9e3c518a452acee763bce9");

    struct msg *msg = received_mar();
    assert_int_equal(mcx_cx_maa_build(&msg, &in, &err), 0);
    msg = wire_roundtrip(msg);
    uint32_t code;
    bool is_request;
    assert_int_equal(mcx_cx_message_command(msg, &code, &is_request), 0);
    assert_int_equal(code, MCX_CX_CMD_MAR);
    assert_false(is_request);
    assert_int_equal(mcx_cx_maa_parse(msg, &out, &err), 0);
    assert_int_equal(out.result.result_code, MCX_DIAMETER_SUCCESS);
    assert_true(mcx_cx_result_is_success(&out.result));
    assert_string_equal(out.user_name, in.user_name);
    assert_string_equal(out.public_identity, in.public_identity);
    assert_string_equal(out.origin.host, "unit.test.lab");
    assert_int_equal(out.number_auth_items, 2);
    assert_int_equal(out.item_count, 2);
    assert_int_equal(out.items[0].item_number, 1);
    assert_string_equal(out.items[0].scheme, MCX_CX_SCHEME_AKAV1);
    assert_int_equal(out.items[0].authenticate_len, 32);
    assert_memory_equal(out.items[0].authenticate, aka->authenticate, 32);
    assert_int_equal(out.items[0].authorization_len, 8);
    assert_memory_equal(out.items[0].authorization, aka->authorization, 8);
    assert_true(out.items[0].has_ck && out.items[0].has_ik);
    assert_memory_equal(out.items[0].ck, aka->ck, 16);
    assert_memory_equal(out.items[0].ik, aka->ik, 16);
    assert_false(out.items[0].has_digest);
    assert_true(out.items[1].has_digest);
    assert_string_equal(out.items[1].digest_realm, "primary.mcx.lab");
    assert_string_equal(out.items[1].digest_qop, "auth");
    assert_string_equal(out.items[1].digest_ha1, "939e7578ed9e3c518a452acee763bce9");
    assert_false(out.items[1].has_ck);
    mcx_cx_message_free(msg);
}

static void maa_experimental_error(void **state)
{
    (void)state;
    struct mcx_cx_result r;
    struct mcx_cx_maa out;
    struct mcx_cx_error err;
    mcx_cx_result_set_experimental(&r, MCX_CX_ERROR_USER_UNKNOWN);
    struct msg *msg = received_mar();
    assert_int_equal(mcx_cx_answer_build_result(&msg, &r, "alice@primary.mcx.lab",
                                                "sip:alice@primary.mcx.lab", &err),
                     0);
    msg = wire_roundtrip(msg);
    assert_int_equal(mcx_cx_maa_parse(msg, &out, &err), 0);
    assert_int_equal(out.result.result_code, 0);
    assert_int_equal(out.result.experimental_code, MCX_CX_ERROR_USER_UNKNOWN);
    assert_int_equal(mcx_cx_result_code(&out.result), 5001);
    assert_string_equal(mcx_cx_result_name(&out.result), "DIAMETER_ERROR_USER_UNKNOWN");
    assert_false(mcx_cx_result_is_success(&out.result));
    assert_string_equal(out.user_name, "alice@primary.mcx.lab");
    assert_string_equal(out.public_identity, "sip:alice@primary.mcx.lab");
    assert_int_equal(out.item_count, 0);
    mcx_cx_message_free(msg);
}

static void answer_failed_avp(void **state)
{
    (void)state;
    struct mcx_cx_error missing = {.result_code = MCX_DIAMETER_MISSING_AVP,
                                   .avp_code = 601,
                                   .avp_vendor = 10415,
                                   .text = "missing mandatory AVP Public-Identity"};
    struct mcx_cx_result r;
    struct mcx_cx_maa out;
    struct mcx_cx_error err;
    mcx_cx_result_set_from_error(&r, &missing);
    struct msg *msg = received_mar();
    assert_int_equal(mcx_cx_answer_build_result(&msg, &r, "alice@primary.mcx.lab", NULL, &err), 0);
    msg = wire_roundtrip(msg);
    assert_int_equal(mcx_cx_maa_parse(msg, &out, &err), 0);
    assert_int_equal(out.result.result_code, MCX_DIAMETER_MISSING_AVP);
    assert_string_equal(mcx_cx_result_name(&out.result), "DIAMETER_MISSING_AVP");
    assert_int_equal(out.result.failed_avp_code, 601);
    assert_int_equal(out.result.failed_avp_vendor, 10415);
    assert_string_equal(out.result.error_message, "missing mandatory AVP Public-Identity");
    assert_string_equal(out.user_name, "alice@primary.mcx.lab");
    assert_string_equal(out.public_identity, "");
    mcx_cx_message_free(msg);
}

/* A MAR without User-Name parses at the Diameter level and is rejected by our parser. */
static void malformed_mar_missing_user_name(void **state)
{
    (void)state;
    struct raw_msg m;
    struct msg *msg;
    struct mcx_cx_error err;
    struct mcx_cx_mar mar;
    raw_begin(&m, 0xc0, 303, 16777216);
    raw_cx_request_head(&m);
    raw_str(&m, 601, 10415, "sip:alice@primary.mcx.lab");
    raw_group_begin(&m, 612, 10415);
    raw_str(&m, 608, 10415, MCX_CX_SCHEME_AKAV1);
    raw_group_end(&m);
    raw_u32(&m, 607, 10415, 1);
    assert_int_equal(from_raw(&m, &msg, &err), 0);
    memset(&err, 0, sizeof err);
    assert_int_equal(mcx_cx_mar_parse(msg, &mar, &err), -1);
    assert_int_equal(err.result_code, MCX_DIAMETER_MISSING_AVP);
    assert_int_equal(err.avp_code, 1);
    assert_int_equal(err.avp_vendor, 0);
    mcx_cx_message_free(msg);
}

/* SIP-Number-Auth-Items (Unsigned32) with a 2-byte payload: rejected with 5014, AVP named. */
static void malformed_wrong_type(void **state)
{
    (void)state;
    struct raw_msg m;
    struct msg *msg = NULL;
    struct mcx_cx_error err;
    raw_begin(&m, 0xc0, 303, 16777216);
    raw_cx_request_head(&m);
    raw_str(&m, 1, 0, "alice@primary.mcx.lab");
    raw_str(&m, 601, 10415, "sip:alice@primary.mcx.lab");
    raw_group_begin(&m, 612, 10415);
    raw_str(&m, 608, 10415, MCX_CX_SCHEME_AKAV1);
    raw_group_end(&m);
    raw_avp(&m, 607, 10415, "\x00\x01", 2);
    memset(&err, 0, sizeof err);
    assert_int_equal(from_raw(&m, &msg, &err), -1);
    assert_null(msg);
    assert_int_equal(err.result_code, MCX_DIAMETER_INVALID_AVP_LENGTH);
    assert_int_equal(err.avp_code, 607);
    assert_int_equal(err.avp_vendor, 10415);
}

/* A CK of 10 bytes in an MAA: the answer parser refuses it (5014, Confidentiality-Key). */
static void malformed_maa_short_ck(void **state)
{
    (void)state;
    struct raw_msg m;
    struct msg *msg;
    struct mcx_cx_error err;
    struct mcx_cx_maa maa;
    raw_begin(&m, 0x40, 303, 16777216);
    raw_str(&m, 263, 0, "client.test.lab;1;1");
    raw_u32(&m, 268, 0, 2001);
    raw_str(&m, 264, 0, "hss.test.lab");
    raw_str(&m, 296, 0, "test.lab");
    raw_group_begin(&m, 612, 10415);
    raw_avp(&m, 625, 10415, "0123456789", 10);
    raw_group_end(&m);
    assert_int_equal(from_raw(&m, &msg, &err), 0);
    memset(&err, 0, sizeof err);
    assert_int_equal(mcx_cx_maa_parse(msg, &maa, &err), -1);
    assert_int_equal(err.result_code, MCX_DIAMETER_INVALID_AVP_LENGTH);
    assert_int_equal(err.avp_code, 625);
    mcx_cx_message_free(msg);
}

/* An identity longer than our 255-character bound is refused, not truncated. */
static void malformed_identity_too_long(void **state)
{
    (void)state;
    struct raw_msg m;
    struct msg *msg;
    struct mcx_cx_error err;
    struct mcx_cx_mar mar;
    char longname[301];
    memset(longname, 'a', 300);
    longname[300] = '\0';
    raw_begin(&m, 0xc0, 303, 16777216);
    raw_cx_request_head(&m);
    raw_str(&m, 1, 0, longname);
    raw_str(&m, 601, 10415, "sip:alice@primary.mcx.lab");
    raw_group_begin(&m, 612, 10415);
    raw_str(&m, 608, 10415, MCX_CX_SCHEME_AKAV1);
    raw_group_end(&m);
    raw_u32(&m, 607, 10415, 1);
    assert_int_equal(from_raw(&m, &msg, &err), 0);
    assert_int_equal(mcx_cx_mar_parse(msg, &mar, &err), -1);
    assert_int_equal(err.result_code, MCX_DIAMETER_INVALID_AVP_LENGTH);
    assert_int_equal(err.avp_code, 1);
    mcx_cx_message_free(msg);
}

/* Truncated, garbage and overrunning buffers give an error, never a crash. */
static void malformed_framing(void **state)
{
    (void)state;
    struct raw_msg m;
    struct msg *msg = NULL;
    struct mcx_cx_error err;
    raw_begin(&m, 0xc0, 303, 16777216);
    raw_cx_request_head(&m);
    raw_end(&m);
    assert_int_equal(mcx_cx_message_from_buffer(m.buf, m.len - 3, &msg, &err), -1);
    assert_int_equal(mcx_cx_message_from_buffer(m.buf, 12, &msg, &err), -1);
    uint8_t junk[64];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)(i * 37 + 11);
    assert_int_equal(mcx_cx_message_from_buffer(junk, sizeof junk, &msg, &err), -1);
    /* An AVP whose length runs past the end of the message. */
    raw_begin(&m, 0xc0, 303, 16777216);
    raw_str(&m, 263, 0, "x;1");
    m.buf[m.len - 12 + 7] = 0xff; /* the 12-byte AVP's length low byte */
    raw_end(&m);
    assert_int_equal(mcx_cx_message_from_buffer(m.buf, m.len, &msg, &err), -1);
    assert_null(msg);
}

static void uar_uaa_roundtrip(void **state)
{
    (void)state;
    struct mcx_cx_uar in, out;
    struct mcx_cx_uaa ain, aout;
    struct mcx_cx_error err;
    struct msg *msg;
    memset(&in, 0, sizeof in);
    snprintf(in.user_name, sizeof in.user_name, "bob@partner.mcx.lab");
    snprintf(in.public_identity, sizeof in.public_identity, "sip:bob@partner.mcx.lab");
    snprintf(in.visited_network, sizeof in.visited_network, "partner.mcx.lab");
    in.authorization_type = MCX_CX_UAT_REGISTRATION_AND_CAPABILITIES;
    in.has_uar_flags = true;
    in.uar_flags = 1;
    assert_int_equal(mcx_cx_uar_build(&route, &in, &msg, &err), 0);
    msg = wire_roundtrip(msg);
    assert_int_equal(mcx_cx_uar_parse(msg, &out, &err), 0);
    assert_string_equal(out.user_name, in.user_name);
    assert_string_equal(out.public_identity, in.public_identity);
    assert_string_equal(out.visited_network, in.visited_network);
    assert_int_equal(out.authorization_type, MCX_CX_UAT_REGISTRATION_AND_CAPABILITIES);
    assert_true(out.has_uar_flags);
    assert_int_equal(out.uar_flags, 1);

    memset(&ain, 0, sizeof ain);
    mcx_cx_result_set_experimental(&ain.result, MCX_CX_FIRST_REGISTRATION);
    snprintf(ain.user_name, sizeof ain.user_name, "%s", out.user_name);
    snprintf(ain.public_identity, sizeof ain.public_identity, "%s", out.public_identity);
    snprintf(ain.server_name, sizeof ain.server_name, "sip:scscf.partner.mcx.lab:5060");
    ain.capabilities.present = true;
    ain.capabilities.mandatory_count = 2;
    ain.capabilities.mandatory[0] = 1;
    ain.capabilities.mandatory[1] = 7;
    ain.capabilities.optional_count = 1;
    ain.capabilities.optional[0] = 3;
    ain.capabilities.server_name_count = 1;
    snprintf(ain.capabilities.server_names[0], MCX_CX_IDENTITY_MAX, "sip:scscf2.partner.mcx.lab");
    assert_int_equal(mcx_cx_uaa_build(&msg, &ain, &err), 0);
    msg = wire_roundtrip(msg);
    assert_int_equal(mcx_cx_uaa_parse(msg, &aout, &err), 0);
    assert_int_equal(aout.result.experimental_code, MCX_CX_FIRST_REGISTRATION);
    assert_true(mcx_cx_result_is_success(&aout.result));
    assert_string_equal(aout.user_name, in.user_name);
    assert_string_equal(aout.public_identity, in.public_identity);
    assert_string_equal(aout.server_name, "sip:scscf.partner.mcx.lab:5060");
    assert_true(aout.capabilities.present);
    assert_int_equal(aout.capabilities.mandatory_count, 2);
    assert_int_equal(aout.capabilities.mandatory[1], 7);
    assert_int_equal(aout.capabilities.optional_count, 1);
    assert_int_equal(aout.capabilities.optional[0], 3);
    assert_int_equal(aout.capabilities.server_name_count, 1);
    assert_string_equal(aout.capabilities.server_names[0], "sip:scscf2.partner.mcx.lab");
    mcx_cx_message_free(msg);
}

static void sar_saa_roundtrip(void **state)
{
    (void)state;
    struct mcx_cx_sar in, out;
    struct mcx_cx_saa *ain = calloc(1, sizeof *ain), *aout = calloc(1, sizeof *aout);
    struct mcx_cx_error err;
    struct msg *msg;
    assert_non_null(ain);
    assert_non_null(aout);
    memset(&in, 0, sizeof in);
    snprintf(in.user_name, sizeof in.user_name, "alice@primary.mcx.lab");
    in.public_identity_count = 2;
    snprintf(in.public_identities[0], MCX_CX_IDENTITY_MAX, "sip:alice@primary.mcx.lab");
    snprintf(in.public_identities[1], MCX_CX_IDENTITY_MAX, "tel:+15550001");
    snprintf(in.server_name, sizeof in.server_name, "sip:scscf.primary.mcx.lab:5060");
    in.assignment_type = MCX_CX_SAT_REGISTRATION;
    in.user_data_already_available = MCX_CX_USER_DATA_NOT_AVAILABLE;
    assert_int_equal(mcx_cx_sar_build(&route, &in, &msg, &err), 0);
    msg = wire_roundtrip(msg);
    assert_int_equal(mcx_cx_sar_parse(msg, &out, &err), 0);
    assert_string_equal(out.user_name, in.user_name);
    assert_int_equal(out.public_identity_count, 2);
    assert_string_equal(out.public_identities[0], "sip:alice@primary.mcx.lab");
    assert_string_equal(out.public_identities[1], "tel:+15550001");
    assert_string_equal(out.server_name, in.server_name);
    assert_int_equal(out.assignment_type, MCX_CX_SAT_REGISTRATION);
    assert_int_equal(out.user_data_already_available, 0);

    static const char xml[] = "<?xml version=\"1.0\"?><IMSSubscription><PrivateID>"
                              "alice@primary.mcx.lab</PrivateID></IMSSubscription>";
    mcx_cx_result_set_success(&ain->result);
    snprintf(ain->user_name, sizeof ain->user_name, "alice@primary.mcx.lab");
    snprintf(ain->public_identity, sizeof ain->public_identity, "sip:alice@primary.mcx.lab");
    memcpy(ain->user_data, xml, sizeof xml - 1);
    ain->user_data_len = sizeof xml - 1;
    assert_int_equal(mcx_cx_saa_build(&msg, ain, &err), 0);
    msg = wire_roundtrip(msg);
    assert_int_equal(mcx_cx_saa_parse(msg, aout, &err), 0);
    assert_int_equal(aout->result.result_code, MCX_DIAMETER_SUCCESS);
    assert_string_equal(aout->user_name, "alice@primary.mcx.lab");
    assert_string_equal(aout->public_identity, "sip:alice@primary.mcx.lab");
    assert_int_equal(aout->user_data_len, sizeof xml - 1);
    assert_memory_equal(aout->user_data, xml, sizeof xml - 1);
    mcx_cx_message_free(msg);
    free(ain);
    free(aout);
}

static void lir_lia_roundtrip(void **state)
{
    (void)state;
    struct mcx_cx_lir in, out;
    struct mcx_cx_lia ain, aout;
    struct mcx_cx_error err;
    struct msg *msg;
    memset(&in, 0, sizeof in);
    snprintf(in.public_identity, sizeof in.public_identity, "sip:alice@primary.mcx.lab");
    in.originating_request = true;
    in.has_authorization_type = true;
    in.authorization_type = MCX_CX_UAT_REGISTRATION_AND_CAPABILITIES;
    assert_int_equal(mcx_cx_lir_build(&route, &in, &msg, &err), 0);
    msg = wire_roundtrip(msg);
    assert_int_equal(mcx_cx_lir_parse(msg, &out, &err), 0);
    assert_string_equal(out.public_identity, in.public_identity);
    assert_true(out.originating_request);
    assert_true(out.has_authorization_type);
    assert_int_equal(out.authorization_type, 2);

    memset(&ain, 0, sizeof ain);
    mcx_cx_result_set_success(&ain.result);
    snprintf(ain.public_identity, sizeof ain.public_identity, "%s", out.public_identity);
    snprintf(ain.server_name, sizeof ain.server_name, "sip:scscf.primary.mcx.lab:5060");
    assert_int_equal(mcx_cx_lia_build(&msg, &ain, &err), 0);
    msg = wire_roundtrip(msg);
    assert_int_equal(mcx_cx_lia_parse(msg, &aout, &err), 0);
    assert_int_equal(aout.result.result_code, MCX_DIAMETER_SUCCESS);
    assert_string_equal(aout.public_identity, in.public_identity);
    assert_string_equal(aout.server_name, "sip:scscf.primary.mcx.lab:5060");
    assert_false(aout.capabilities.present);
    assert_string_equal(aout.user_name, "");
    mcx_cx_message_free(msg);
}

/* A SAR with an out-of-range Server-Assignment-Type is refused with 5004 naming the AVP. */
static void malformed_sar_bad_enum(void **state)
{
    (void)state;
    struct raw_msg m;
    struct msg *msg;
    struct mcx_cx_error err;
    struct mcx_cx_sar sar;
    raw_begin(&m, 0xc0, 301, 16777216);
    raw_cx_request_head(&m);
    raw_str(&m, 1, 0, "alice@primary.mcx.lab");
    raw_str(&m, 601, 10415, "sip:alice@primary.mcx.lab");
    raw_str(&m, 602, 10415, "sip:scscf.primary.mcx.lab");
    raw_u32(&m, 614, 10415, 99);
    raw_u32(&m, 624, 10415, 0);
    assert_int_equal(from_raw(&m, &msg, &err), 0);
    assert_int_equal(mcx_cx_sar_parse(msg, &sar, &err), -1);
    assert_int_equal(err.result_code, MCX_DIAMETER_INVALID_AVP_VALUE);
    assert_int_equal(err.avp_code, 614);
    mcx_cx_message_free(msg);
}

/* UAR without Visited-Network-Identifier and LIR without Public-Identity: 5005. */
static void malformed_missing_uar_lir(void **state)
{
    (void)state;
    struct raw_msg m;
    struct msg *msg;
    struct mcx_cx_error err;
    struct mcx_cx_uar uar;
    struct mcx_cx_lir lir;
    raw_begin(&m, 0xc0, 300, 16777216);
    raw_cx_request_head(&m);
    raw_str(&m, 1, 0, "alice@primary.mcx.lab");
    raw_str(&m, 601, 10415, "sip:alice@primary.mcx.lab");
    assert_int_equal(from_raw(&m, &msg, &err), 0);
    assert_int_equal(mcx_cx_uar_parse(msg, &uar, &err), -1);
    assert_int_equal(err.result_code, MCX_DIAMETER_MISSING_AVP);
    assert_int_equal(err.avp_code, 600);
    mcx_cx_message_free(msg);

    raw_begin(&m, 0xc0, 302, 16777216);
    raw_cx_request_head(&m);
    assert_int_equal(from_raw(&m, &msg, &err), 0);
    assert_int_equal(mcx_cx_lir_parse(msg, &lir, &err), -1);
    assert_int_equal(err.result_code, MCX_DIAMETER_MISSING_AVP);
    assert_int_equal(err.avp_code, 601);
    mcx_cx_message_free(msg);
}

/* Builders refuse requests missing what the receiver requires. */
static void build_refuses_incomplete(void **state)
{
    (void)state;
    struct mcx_cx_mar mar;
    struct mcx_cx_sar sar;
    struct mcx_cx_error err;
    struct msg *msg = (struct msg *)&err; /* must be reset to NULL */
    struct mcx_cx_route no_realm = {.realm = "", .host = ""};
    sample_mar(&mar);
    assert_int_equal(mcx_cx_mar_build(&no_realm, &mar, &msg, &err), -1);
    assert_null(msg);
    mar.user_name[0] = '\0';
    assert_int_equal(mcx_cx_mar_build(&route, &mar, &msg, &err), -1);
    memset(&sar, 0, sizeof sar);
    snprintf(sar.user_name, sizeof sar.user_name, "alice@primary.mcx.lab");
    assert_int_equal(mcx_cx_sar_build(&route, &sar, &msg, &err), -1); /* no server_name */
}

/* Expects mcx_diameter_init to refuse cfg with a message containing want. */
static void expect_config_error(const struct mcx_diameter_config *cfg, const char *want)
{
    char err[256] = "";
    assert_int_equal(mcx_diameter_init(cfg, err, sizeof err), -1);
    if (!strstr(err, want))
        fail_msg("error \"%s\" does not mention \"%s\"", err, want);
}

/* Bad configurations are refused with a reason naming the field (validation runs first). */
static void config_rejected(void **state)
{
    (void)state;
    struct mcx_diameter_config good, cfg;
    mcx_diameter_config_defaults(&good);
    snprintf(good.identity, sizeof good.identity, "hss.test.lab");
    snprintf(good.realm, sizeof good.realm, "test.lab");
    snprintf(good.listen_address, sizeof good.listen_address, "127.0.0.1");
    good.listen_port = 3868;
    snprintf(good.state_dir, sizeof good.state_dir, "%s", state_dir); /* exists already */

    cfg = good;
    snprintf(cfg.identity, sizeof cfg.identity, "hss test\"lab");
    expect_config_error(&cfg, "identity");
    cfg = good;
    cfg.realm[0] = '\0';
    expect_config_error(&cfg, "realm");
    cfg = good;
    snprintf(cfg.listen_address, sizeof cfg.listen_address, "localhost");
    expect_config_error(&cfg, "listen address");
    cfg = good;
    cfg.listen_port = 0;
    expect_config_error(&cfg, "port");
    cfg = good;
    cfg.watchdog_seconds = 5;
    expect_config_error(&cfg, "watchdog");
    cfg = good;
    cfg.tls = true;
    snprintf(cfg.tls_cert, sizeof cfg.tls_cert, "/nonexistent/cert.pem");
    expect_config_error(&cfg, "tls_cert");
    cfg = good;
    assert_int_equal(mcx_diameter_config_add_peer(&cfg, "peer.test.lab", "10.0.0.300", 3868), 0);
    expect_config_error(&cfg, "peer 0");
    cfg = good;
    assert_int_equal(mcx_diameter_config_add_peer(&cfg, "hss.test.lab", "127.0.0.1", 3869), 0);
    expect_config_error(&cfg, "own identity");
    cfg = good;
    assert_int_equal(mcx_diameter_config_add_accept(&cfg, "*."), 0);
    expect_config_error(&cfg, "accept");
    cfg = good;
    for (int i = 0; i < MCX_DIAMETER_MAX_PEERS; i++)
        assert_int_equal(mcx_diameter_config_add_peer(&cfg, "p.test.lab", "127.0.0.9", 1), 0);
    assert_int_equal(mcx_diameter_config_add_peer(&cfg, "p.test.lab", "127.0.0.9", 1), -1);
    cfg = good;
    snprintf(cfg.state_dir, sizeof cfg.state_dir, "/dev/null");
    expect_config_error(&cfg, "not a directory");
    /* A valid configuration is refused too, but only because the core already runs. */
    expect_config_error(&good, "once per process");
}

/* After init SIGPIPE is ignored: freeDiameter writes with writev, and a peer closing its socket
 * must not kill the daemon. */
static void sigpipe_ignored(void **state)
{
    (void)state;
    struct sigaction sa;
    assert_int_equal(sigaction(SIGPIPE, NULL, &sa), 0);
    assert_ptr_equal(sa.sa_handler, SIG_IGN);
}

static int setup(void **state)
{
    (void)state;
    char err[256];
    struct mcx_diameter_config cfg;
    mcx_log_init("test_cx_codec", MCX_LOG_WARN, NULL);
    if (!mkdtemp(state_dir))
        return -1;
    mcx_diameter_config_defaults(&cfg);
    snprintf(cfg.identity, sizeof cfg.identity, "unit.test.lab");
    snprintf(cfg.realm, sizeof cfg.realm, "test.lab");
    snprintf(cfg.listen_address, sizeof cfg.listen_address, "127.0.0.1");
    cfg.listen_port = 39899; /* never started: no socket is opened */
    snprintf(cfg.state_dir, sizeof cfg.state_dir, "%s", state_dir);
    if (mcx_diameter_init(&cfg, err, sizeof err) != 0) {
        fprintf(stderr, "mcx_diameter_init: %s\n", err);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    static const char *const files[] = {"freeDiameter.conf", "throwaway-cert.pem",
                                        "throwaway-key.pem", "dh-ffdhe2048.pem"};
    char path[600];
    mcx_diameter_shutdown();
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", state_dir, files[i]);
        unlink(path);
    }
    rmdir(state_dir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mar_roundtrip),
        cmocka_unit_test(maa_roundtrip),
        cmocka_unit_test(maa_experimental_error),
        cmocka_unit_test(answer_failed_avp),
        cmocka_unit_test(malformed_mar_missing_user_name),
        cmocka_unit_test(malformed_wrong_type),
        cmocka_unit_test(malformed_maa_short_ck),
        cmocka_unit_test(malformed_identity_too_long),
        cmocka_unit_test(malformed_framing),
        cmocka_unit_test(uar_uaa_roundtrip),
        cmocka_unit_test(sar_saa_roundtrip),
        cmocka_unit_test(lir_lia_roundtrip),
        cmocka_unit_test(malformed_sar_bad_enum),
        cmocka_unit_test(malformed_missing_uar_lir),
        cmocka_unit_test(build_refuses_incomplete),
        cmocka_unit_test(config_rejected),
        cmocka_unit_test(sigpipe_ignored),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
