/* tlsprobe scan's answer reader: what a server sent back to one of scan's
 * ClientHellos, read as it comes (tlsprobe/scan.h, tp_scan_reader_*): records
 * framed (core/framer), handshake messages reassembled, the ServerHello or HRR,
 * and with a whole flight the Certificate, ServerKeyExchange and
 * ServerHelloDone; an alert. The scan's one parser of untrusted bytes, fuzzed by
 * fuzz_scan_answer; the network side (sockets, deadlines, phases) is scan.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/framer.h"
#include "tlsprobe/reader.h"
#include "tlsprobe/scan.h"
#include "tlsprobe/wire.h"

void tp_scan_answer_free(struct tp_scan_answer *a)
{
    for (size_t i = 0; i < a->n_der; i++)
        free(a->der[i]);
    a->n_der = 0;
}

static void copy_certs(struct tp_scan_answer *a, struct tp_bytes body)
{
    struct tp_certificate c;
    if (tp_certificate_parse(body, false, &c) != TP_OK)
        return;
    /* A flight has one Certificate message: a second one replaces the first, so
     * the chain and its count are those of one message. */
    tp_scan_answer_free(a);
    a->n_der_total = c.n_total;
    for (size_t i = 0; i < c.n && a->n_der < TP_SCAN_MAX_CERTS; i++) {
        uint8_t *d = malloc(c.certs[i].der.len ? c.certs[i].der.len : 1);
        if (!d)
            return;
        memcpy(d, c.certs[i].der.p, c.certs[i].der.len);
        a->der[a->n_der] = d;
        a->der_len[a->n_der++] = c.certs[i].der.len;
    }
}

static void on_server_hello(struct tp_scan_answer *a, struct tp_scan_reader *rd, struct tp_bytes body)
{
    struct tp_server_hello *sh = malloc(sizeof *sh);
    if (!sh || tp_server_hello_parse(body, sh) != TP_OK) {
        free(sh);
        snprintf(a->why, sizeof a->why, "malformed ServerHello");
        rd->done = true;
        return;
    }
    a->kind = sh->is_hrr ? TP_SCAN_ANS_HRR : TP_SCAN_ANS_SERVER_HELLO;
    a->version = sh->version;
    a->suite = sh->suite;
    a->compression = sh->compression_method;
    a->sid_len = sh->session_id.len;
    a->reneg = sh->ext.renegotiation_info;
    a->ticket = sh->ext.session_ticket;
    if (sh->ext.alpn.n == 1 && sh->ext.alpn.v[0].len < sizeof a->alpn) {
        memcpy(a->alpn, sh->ext.alpn.v[0].p, sh->ext.alpn.v[0].len);
        a->alpn[sh->ext.alpn.v[0].len] = 0;
        a->has_alpn = true;
    }
    if (sh->is_hrr && sh->ext.has_hrr_group)
        a->group = sh->ext.hrr_group;
    else if (sh->ext.n_key_shares == 1)
        a->group = sh->ext.key_shares[0].group;
    if (sh->is_hrr || !rd->flight || sh->version >= TP_TLS1_3)
        rd->done = true;
    free(sh);
}

static void on_message(struct tp_scan_answer *a, struct tp_scan_reader *rd, struct tp_bytes msg)
{
    struct tp_hs_header h;
    if (tp_hs_header_parse(msg, &h) != TP_OK) {
        rd->done = true;
        return;
    }
    if (a->kind == TP_SCAN_ANS_NONE && h.type != TP_HS_SERVER_HELLO) {
        snprintf(a->why, sizeof a->why, "first message was not a ServerHello");
        rd->done = true;
        return;
    }
    switch (h.type) {
    case TP_HS_SERVER_HELLO:
        on_server_hello(a, rd, h.body);
        break;
    case TP_HS_CERTIFICATE:
        copy_certs(a, h.body);
        break;
    case TP_HS_SERVER_KEY_EXCHANGE: {
        struct tp_server_key_exchange ske;
        if (tp_server_key_exchange_parse(h.body, a->version, a->suite, &ske) == TP_OK) {
            a->have_ske = true;
            a->ske_group = ske.group;
            a->ske_has_scheme = ske.has_sig_scheme;
            a->ske_scheme = ske.sig_scheme;
            a->ske_dh_bits = ske.dh_p_bits;
        }
        break;
    }
    case TP_HS_SERVER_HELLO_DONE:
        rd->done = true;
        break;
    default:
        break;
    }
}

bool tp_scan_reader_feed(struct tp_scan_reader *rd, struct tp_scan_answer *a, const uint8_t *p, size_t n)
{
    struct tp_reader r;
    tp_reader_init(&r, p, n);
    while (!rd->done) {
        struct tp_bytes piece;
        enum tp_frame_ev ev = tp_framer_next(&rd->f, &r, &piece);
        if (ev == TP_FRAME_NEED)
            return rd->done;
        if (ev == TP_FRAME_HEADER) {
            rd->type = rd->f.rec.type;
            rd->alert_n = 0;
            if (rd->type != TP_CT_HANDSHAKE && rd->type != TP_CT_ALERT) {
                if (a->kind == TP_SCAN_ANS_NONE)
                    snprintf(a->why, sizeof a->why, "unexpected record (type %u)", rd->type);
                rd->done = true; /* CCS, application data: the first flight is over */
            }
            continue;
        }
        if (ev != TP_FRAME_BODY) {
            snprintf(a->why, sizeof a->why, "not TLS");
            rd->done = true;
            return rd->done;
        }
        if (rd->type == TP_CT_ALERT) {
            struct tp_reader b;
            tp_reader_from(&b, piece);
            while (rd->alert_n < 2 && tp_read_u8(&b, &rd->alert[rd->alert_n]))
                rd->alert_n++;
            if (rd->alert_n == 2) {
                if (a->kind == TP_SCAN_ANS_NONE) {
                    a->kind = TP_SCAN_ANS_ALERT;
                    a->alert = rd->alert[1];
                }
                rd->done = true;
            }
            continue;
        }
        if (tp_hs_reasm_push(&rd->ra, piece) != TP_OK) {
            rd->done = true;
            return true;
        }
        struct tp_bytes msg;
        while (!rd->done && tp_hs_reasm_next(&rd->ra, &msg) == TP_OK)
            on_message(a, rd, msg);
    }
    return true;
}

void tp_scan_reader_init(struct tp_scan_reader *rd, bool flight)
{
    memset(rd, 0, sizeof *rd);
    tp_framer_init(&rd->f, TP_START_HS_ALERT);
    tp_hs_reasm_init(&rd->ra);
    rd->flight = flight;
}

void tp_scan_reader_free(struct tp_scan_reader *rd)
{
    tp_hs_reasm_free(&rd->ra);
}
