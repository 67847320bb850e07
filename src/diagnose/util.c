/* Transcript lookups and wording helpers shared by the rules. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "diagnose/diag_int.h"
#include "tlsprobe/names.h"

int diag_find_hs(const struct tp_session *s, int dir, int type)
{
    for (size_t i = 0; i < s->n_msgs; i++) {
        const struct tp_msg *m = &s->msgs[i];
        if (m->kind == TP_MSG_HANDSHAKE && (dir < 0 || (int)m->dir == dir) && m->hs_type == type)
            return (int)i;
    }
    return -1;
}

int diag_prev_from(const struct tp_session *s, size_t i, int dir)
{
    if (i > s->n_msgs)
        i = s->n_msgs;
    while (i-- > 0)
        if ((int)s->msgs[i].dir == dir)
            return (int)i;
    return -1;
}

/* Was dir our own side (connect: the client, listen: the server)? */
static bool is_us(const struct diag_ctx *c, int dir)
{
    return (c->f->role == DIAG_CLIENT && dir == TP_C2S) || (c->f->role == DIAG_SERVER && dir == TP_S2C);
}

static const char *const who_names[2][4] = {
    { "the client", "the server", "we (tlsprobe, the client)", "we (tlsprobe, the server)" },
    { "The client", "The server", "We (tlsprobe, the client)", "We (tlsprobe, the server)" },
};

static const char *who(const struct diag_ctx *c, int dir, int cap)
{
    return who_names[cap][(is_us(c, dir) ? 2 : 0) + (dir == TP_C2S ? 0 : 1)];
}

const char *diag_who(const struct diag_ctx *c, int dir)
{
    return who(c, dir, 0);
}

const char *diag_Who(const struct diag_ctx *c, int dir)
{
    return who(c, dir, 1);
}

const char *diag_role_noun(const struct diag_ctx *c, int dir)
{
    if (is_us(c, dir))
        return "we";
    return dir == TP_C2S ? "the client" : "the server";
}

const char *diag_chain_owner(const struct diag_ctx *c, const struct diag_chain *ch)
{
    if (c->f->role == DIAG_CHECK)
        return "The certificate";
    if (ch->is_client)
        return c->f->role == DIAG_CLIENT ? "Our client certificate" : "The client's certificate";
    return c->f->role == DIAG_SERVER ? "Our certificate" : "The server's certificate";
}

void diag_put_version(struct tp_sb *sb, uint16_t v)
{
    const char *n = tp_name_version(v);
    if (n)
        tp_sb_put(sb, n);
    else
        tp_sb_printf(sb, "version 0x%04x", (unsigned)v);
}

void diag_put_field(struct tp_sb *sb, const char *field, size_t size)
{
    tp_sb_put_escaped(sb, (const uint8_t *)field, strnlen(field, size));
}

void diag_put_msg(struct tp_sb *sb, const struct tp_msg *m)
{
    switch (m->kind) {
    case TP_MSG_HANDSHAKE: {
        const char *n = tp_name_hs_type(m->hs_type);
        if (m->is_hrr)
            n = "HelloRetryRequest";
        if (n)
            tp_sb_put(sb, n);
        else
            tp_sb_printf(sb, "handshake message %u", (unsigned)m->hs_type);
        break;
    }
    case TP_MSG_CCS: tp_sb_put(sb, "ChangeCipherSpec"); break;
    case TP_MSG_ALERT: tp_sb_put(sb, "alert "); diag_put_alert(sb, m->alert_desc); break;
    case TP_MSG_ENCRYPTED: tp_sb_put(sb, "encrypted record"); break;
    case TP_MSG_SSLV2_HELLO: tp_sb_put(sb, "SSLv2-compatible ClientHello"); break;
    }
}

void diag_put_cert(struct tp_sb *sb, const struct tp_cert_info *ci)
{
    if (!ci) {
        tp_sb_put(sb, "(unreadable certificate)");
        return;
    }
    const char *n = ci->subject_cn && *ci->subject_cn ? ci->subject_cn : ci->subject;
    tp_sb_putc(sb, '\'');
    if (n)
        tp_sb_put_escaped(sb, (const uint8_t *)n, strlen(n));
    else
        tp_sb_put(sb, "(no subject)");
    tp_sb_putc(sb, '\'');
}

void diag_put_date(struct tp_sb *sb, time_t t)
{
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        tp_sb_put(sb, "(bad date)");
        return;
    }
    tp_sb_printf(sb, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

void diag_put_alert(struct tp_sb *sb, uint8_t desc)
{
    const char *n = tp_name_alert(desc);
    if (n)
        tp_sb_printf(sb, "%s (%u)", n, (unsigned)desc);
    else
        tp_sb_printf(sb, "unknown alert %u", (unsigned)desc);
}

void diag_put_sans(struct tp_sb *sb, const struct tp_cert_info *ci)
{
    size_t shown = 0;
    if (!ci)
        return;
    for (size_t i = 0; i < ci->n_san; i++) {
        const struct tp_san *san = &ci->san[i];
        if (san->type != TP_SAN_DNS && san->type != TP_SAN_IP)
            continue;
        if (shown == TP_POLICY_SHOW_SANS) {
            tp_sb_printf(sb, " and %zu more", ci->n_san_total - TP_POLICY_SHOW_SANS);
            break;
        }
        if (shown++)
            tp_sb_put(sb, ", ");
        tp_sb_put_escaped(sb, (const uint8_t *)san->value, san->value_len);
    }
    if (!shown)
        tp_sb_put(sb, "(no DNS or IP names)");
}

const struct tp_cert_info *diag_path_cert(const struct tp_verify_result *v, int i)
{
    if (!v || i < 0 || (size_t)i >= v->path_len)
        return NULL;
    return v->path[i].cert;
}

const struct tp_cert_info *diag_leaf(const struct diag_chain *ch)
{
    if (ch->v && ch->v->path_len > 0 && ch->v->path[0].cert)
        return ch->v->path[0].cert;
    if (ch->sent && ch->sent->n > 0)
        return ch->sent->info[0];
    return NULL;
}

void diag_put_sent(struct tp_sb *sb, const struct diag_chain *ch)
{
    size_t n = ch->sent ? ch->sent->n : 0;
    tp_sb_printf(sb, "%zu certificate%s", n, n == 1 ? "" : "s");
    if (!n)
        return;
    tp_sb_put(sb, ": ");
    for (size_t i = 0; i < n && i < TP_POLICY_SHOW_SENT; i++) {
        const struct tp_cert_info *ci = ch->sent->info[i];
        if (i)
            tp_sb_put(sb, "; ");
        tp_sb_printf(sb, "#%zu ", i);
        diag_put_cert(sb, ci);
        if (ci && ci->self_signed) {
            tp_sb_put(sb, " (self-signed)");
        } else if (ci && ci->issuer) {
            tp_sb_put(sb, " issued by '");
            tp_sb_put_escaped(sb, (const uint8_t *)ci->issuer, strlen(ci->issuer));
            tp_sb_putc(sb, '\'');
        }
    }
    if (n > TP_POLICY_SHOW_SENT)
        tp_sb_printf(sb, "; and %zu more", n - TP_POLICY_SHOW_SENT);
}

/* The trust store a verify result used. */
static void put_store(struct tp_sb *sb, const struct tp_verify_result *v)
{
    if (v->store_desc[0])
        DIAG_PUT_FIELD(sb, v->store_desc);
    else
        tp_sb_printf(sb, "the trust store (%zu roots)", v->store_roots);
}

/* One conversion of diag_say; returns false for one it does not know. */
static bool say_one(struct tp_sb *sb, const char **pf, va_list *ap)
{
    const char *f = *pf;
    int longs = 0;
    bool size = false;
    for (; *f == 'l'; f++)
        longs++;
    if (*f == 'z') {
        size = true;
        f++;
    }
    *pf = f + 1;
    switch (*f) {
    case 's': tp_sb_put(sb, va_arg(*ap, const char *)); return true;
    case 'e': {
        const char *e = va_arg(*ap, const char *);
        tp_sb_put_escaped(sb, (const uint8_t *)e, strlen(e));
        return true;
    }
    case 'F': {
        const char *field = va_arg(*ap, const char *);
        diag_put_field(sb, field, va_arg(*ap, size_t));
        return true;
    }
    case 'C': diag_put_cert(sb, va_arg(*ap, const struct tp_cert_info *)); return true;
    case 'N': diag_put_sans(sb, va_arg(*ap, const struct tp_cert_info *)); return true;
    case 'T': put_store(sb, va_arg(*ap, const struct tp_verify_result *)); return true;
    case 'D': diag_put_date(sb, va_arg(*ap, time_t)); return true;
    case 'A': diag_put_alert(sb, (uint8_t)va_arg(*ap, int)); return true;
    case 'V': diag_put_version(sb, (uint16_t)va_arg(*ap, int)); return true;
    case 'M': diag_put_msg(sb, va_arg(*ap, const struct tp_msg *)); return true;
    case 'c': tp_sb_putc(sb, (char)va_arg(*ap, int)); return true;
    case '%': tp_sb_putc(sb, '%'); return true;
    case 'd':
        if (longs)
            tp_sb_printf(sb, "%ld", va_arg(*ap, long));
        else
            tp_sb_printf(sb, "%d", va_arg(*ap, int));
        return true;
    case 'u':
        if (size)
            tp_sb_printf(sb, "%zu", va_arg(*ap, size_t));
        else if (longs == 2)
            tp_sb_printf(sb, "%llu", va_arg(*ap, unsigned long long));
        else
            tp_sb_printf(sb, "%u", va_arg(*ap, unsigned));
        return true;
    default: return false;
    }
}

void diag_say(struct tp_sb *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    while (*fmt) {
        const char *pc = strchrnul(fmt, '%');
        tp_sb_putn(sb, fmt, (size_t)(pc - fmt));
        if (!*pc)
            break;
        fmt = pc + 1;
        if (!say_one(sb, &fmt, &ap))
            break; /* a bug in our own format: stop rather than misread the arguments */
    }
    va_end(ap);
}
