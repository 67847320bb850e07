/* libFuzzer: a transcript of arbitrary messages rendered as text (with and
 * without --explain), JSON and Mermaid. The renderers re-parse every message's
 * raw bytes with the wire parsers, so this drives all of them with whatever a
 * hostile peer or a broken capture could put in a session, and checks the
 * renderers' own promises: JSON is one line with no raw control character, the
 * text has no ESC, Mermaid has no ';' or '#'; rendering through a memo gives
 * the same bytes as without one.
 *
 * Input: byte 0 = session flags (bits 0-1 source, 2-3 version none/1.2/1.3/1.0,
 * bit 4 handshake complete, bit 5 has cipher), bytes 1-2 = cipher suite, then
 * messages: one byte (bits 0-2 kind, bit 3 dir, bit 4 decrypted, bit 5 HRR),
 * a 16-bit length, that many raw bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/reader.h"
#include "tlsprobe/render.h"
#include "tlsprobe/session.h"
#include "tlsprobe/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tp_reader r;
    tp_reader_init(&r, data, size);
    uint8_t flags;
    uint16_t suite;
    if (!tp_read_u8(&r, &flags) || !tp_read_u16(&r, &suite))
        return 0;
    struct tp_session *s = calloc(1, sizeof *s);
    if (!s)
        return 0;
    static const uint16_t versions[4] = { 0, TP_TLS1_2, TP_TLS1_3, TP_TLS1_0 };
    s->source = (enum tp_source)((flags & 3) % 3);
    s->version = versions[(flags >> 2) & 3];
    s->handshake_complete = flags & 0x10;
    s->has_cipher = flags & 0x20;
    s->cipher = suite;
    s->t_dns_us = s->t_connect_us = s->rtt_us = -1;
    strcpy(s->client, "127.0.0.1:1");
    strcpy(s->server, "127.0.0.1:2");
    s->msgs = calloc(64, sizeof *s->msgs);
    while (s->msgs && s->n_msgs < 64 && tp_reader_left(&r) >= 3) {
        uint8_t k;
        struct tp_bytes raw;
        if (!tp_read_u8(&r, &k) || !tp_read_vec16_bytes(&r, &raw))
            break;
        struct tp_msg *m = &s->msgs[s->n_msgs++];
        m->kind = (enum tp_msg_kind)((k & 7) % 5);
        m->dir = (k & 8) ? TP_S2C : TP_C2S;
        m->decrypted = k & 0x10;
        m->is_hrr = k & 0x20;
        m->t_us = (int64_t)s->n_msgs * 1000;
        m->length = (uint32_t)raw.len;
        if (m->kind != TP_MSG_ENCRYPTED && raw.len) {
            m->raw = malloc(raw.len); /* exact size: ASan sees any over-read */
            if (m->raw) {
                memcpy(m->raw, raw.p, raw.len);
                m->raw_len = raw.len;
            }
        }
        if (m->kind == TP_MSG_HANDSHAKE && raw.len)
            m->hs_type = raw.p[0];
        if (m->kind == TP_MSG_ALERT && raw.len >= 2) {
            m->alert_level = raw.p[0];
            m->alert_desc = raw.p[1];
        }
        if (m->kind == TP_MSG_ENCRYPTED)
            m->record_type = 23;
    }
    /* An SNI with hostile bytes, taken from the input tail. */
    struct tp_bytes rest;
    if (tp_read_rest(&r, &rest) && rest.len) {
        s->server_name = malloc(rest.len);
        if (s->server_name) {
            memcpy(s->server_name, rest.p, rest.len);
            s->server_name_len = rest.len;
        }
    }
    static const struct tp_render_opts opts[] = {
        { .format = TP_FMT_TEXT },
        { .format = TP_FMT_TEXT, .explain = true, .verbose = true, .color = true },
        { .format = TP_FMT_JSON },
        { .format = TP_FMT_MERMAID },
        { .format = TP_FMT_HTML },
        { .format = TP_FMT_ECS },
    };
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        struct tp_sb sb;
        tp_sb_init(&sb);
        tp_render_session(&sb, s, &opts[i]);
        const char *out = tp_sb_str(&sb);
        if (opts[i].format == TP_FMT_JSON || opts[i].format == TP_FMT_ECS) { /* one line */
            if (!sb.len || out[sb.len - 1] != '\n')
                abort();
            for (size_t j = 0; j + 1 < sb.len; j++)
                if ((unsigned char)out[j] < 0x20)
                    abort();
        } else if (opts[i].format == TP_FMT_MERMAID) {
            /* '#' and ';' only inside Mermaid entity codes ("#35;"): a raw one
             * would end a statement or start a comment (issue 17). */
            for (size_t j = 0; j < sb.len; j++) {
                if (out[j] == ';')
                    abort();
                if (out[j] != '#')
                    continue;
                size_t k = j + 1;
                while (k < sb.len && out[k] >= '0' && out[k] <= '9')
                    k++;
                if (k == j + 1 || k >= sb.len || out[k] != ';')
                    abort();
                j = k; /* past the entity's ';' */
            }
        } else if (opts[i].format == TP_FMT_HTML) {
            /* The hostile SNI is text: no tag but ours, no control byte. */
            if (strstr(out, "<script") || strstr(out, "<img") || strchr(out, 0x1b))
                abort();
        } else if (!opts[i].color && strchr(out, 0x1b)) {
            abort();
        }
        /* Through a memo that earlier inputs warmed: the same bytes (issue 21). */
        static struct tp_render_memo *memo;
        if (!memo)
            memo = tp_render_memo_new();
        struct tp_render_opts mo = opts[i];
        mo.memo = memo;
        struct tp_sb again;
        tp_sb_init(&again);
        tp_render_session(&again, s, &mo);
        if (again.len != sb.len || memcmp(tp_sb_str(&again), out, sb.len))
            abort();
        tp_sb_free(&again);
        tp_sb_free(&sb);
    }
    for (size_t i = 0; s->msgs && i < s->n_msgs; i++)
        free(s->msgs[i].raw);
    free(s->msgs);
    free(s->server_name);
    free(s);
    return 0;
}
