/* Which public trust stores hold the path's root (tlsprobe/truststores.h), for
 * people and as the verification's "trust_stores" object (docs/json.md,
 * docs/trust-stores.md). Check marks are UTF-8 like the rest of the text
 * report (↑, ·); colour only when ro->color. */
#include <stdlib.h>
#include <string.h>
#include "jw.h"
#include "render_int.h"

/* A snapshot label that is a date (Mozilla, Microsoft) rather than a version. */
static bool is_date(const char *s)
{
    return strlen(s) == 10 && s[4] == '-' && s[7] == '-';
}

/* Code points, for wrapping. */
static size_t width_of(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

/* One store's word: "Mozilla ✓", "Android ≥ 14 ✓", "Java ✗", "Microsoft ✗ distrusted". */
static void store_token(struct tp_sb *tok, const struct tp_trust_store_verdict *st, bool *good)
{
    tp_sb_put_escaped(tok, (const uint8_t *)st->name, strnlen(st->name, sizeof st->name));
    *good = st->status == TP_TRUST_TRUSTED;
    switch (st->status) {
    case TP_TRUST_TRUSTED:
        if (st->since[0] && is_date(st->since))
            tp_sb_put(tok, " ✓ (since ");
        else if (st->since[0])
            tp_sb_put(tok, " ≥ ");
        if (st->since[0])
            tp_sb_put_escaped(tok, (const uint8_t *)st->since, strnlen(st->since, sizeof st->since));
        tp_sb_put(tok, st->since[0] && is_date(st->since) ? ")" : st->since[0] ? " ✓" : " ✓");
        break;
    case TP_TRUST_REMOVED:
        tp_sb_put(tok, is_date(st->until) ? " ✗ (removed after " : " ✗ (only ");
        if (!is_date(st->until)) {
            tp_sb_put_escaped(tok, (const uint8_t *)st->since, strnlen(st->since, sizeof st->since));
            tp_sb_put(tok, " to ");
        }
        tp_sb_put_escaped(tok, (const uint8_t *)st->until, strnlen(st->until, sizeof st->until));
        tp_sb_putc(tok, ')');
        break;
    case TP_TRUST_DISTRUSTED: tp_sb_put(tok, " ✗ distrusted"); break;
    case TP_TRUST_ABSENT: tp_sb_put(tok, " ✗"); break;
    }
}

void rt_trust_text(struct tp_sb *o, const struct tp_trust_verdict *t, const struct tp_render_opts *ro,
                   const char *ind, size_t width)
{
    size_t line = o->len;
    size_t ind_w = width_of(ind);
    if (!t->match) {
        tp_sb_putc(o, '\'');
        tp_sb_put_escaped(o, (const uint8_t *)t->root, strnlen(t->root, sizeof t->root));
        tp_sb_put(o, "' is in no public store");
    } else {
        tp_sb_put_escaped(o, (const uint8_t *)t->root, strnlen(t->root, sizeof t->root));
        if (t->match == TP_TRUST_MATCH_KEY)
            tp_sb_put(o, " (same name and key)");
        else if (t->match == TP_TRUST_MATCH_ISSUER)
            tp_sb_put(o, " (the issuer named)");
    }
    tp_sb_putc(o, ':');
    size_t col = ind_w + width_of(o->buf ? o->buf + line : "");
    struct tp_sb tok;
    tp_sb_init(&tok);
    for (size_t i = 0; i < t->n_stores; i++) {
        bool good;
        tp_sb_reset(&tok);
        store_token(&tok, &t->stores[i], &good);
        size_t w = width_of(tp_sb_str(&tok));
        if (col + 2 + w > width && col > ind_w) {
            tp_sb_putc(o, '\n');
            tp_sb_put(o, ind);
            col = ind_w;
        } else {
            tp_sb_put(o, i ? "  " : " ");
            col += i ? 2 : 1;
        }
        tp_sb_put(o, good ? tp_c_green(ro) : tp_c_red(ro));
        tp_sb_put(o, tp_sb_str(&tok));
        tp_sb_put(o, tp_c_reset(ro));
        col += w;
    }
    tp_sb_free(&tok);
    tp_sb_putc(o, '\n');
    if (t->alt_root[0]) { /* the name escaped first, then wrapped as our own words */
        struct tp_sb alt;
        tp_sb_init(&alt);
        tp_sb_putc(&alt, '\'');
        tp_sb_put_escaped(&alt, (const uint8_t *)t->alt_root, strnlen(t->alt_root, sizeof t->alt_root));
        tp_sb_printf(&alt, "' (path #%d) is itself a root in %zu of %zu stores: clients that have it end the path there",
                     t->alt_index, t->alt_trusted, t->n_stores);
        rx_wrap(o, tp_sb_str(&alt), ind, width);
        tp_sb_free(&alt);
    }
}

void rj_trust(struct jw *w, const char *k, const struct tp_trust_verdict *t)
{
    jw_key(w, k);
    if (!t || !t->judged) {
        tp_sb_put(w->o, "null");
        return;
    }
    jw_open(w, '{');
    jw_chars(w, "root", t->root, sizeof t->root);
    jw_str(w, "match", tp_trust_match_name(t->match));
    jw_hex(w, "root_sha256", t->root_sha256, t->match ? sizeof t->root_sha256 : 0);
    jw_chars(w, "source", t->source, sizeof t->source);
    jw_key(w, "stores");
    jw_open(w, '[');
    for (size_t i = 0; i < t->n_stores; i++) {
        const struct tp_trust_store_verdict *st = &t->stores[i];
        jw_item(w);
        jw_open(w, '{');
        jw_chars(w, "store", st->key, sizeof st->key);
        jw_chars(w, "name", st->name, sizeof st->name);
        jw_str(w, "status", tp_trust_status_name(st->status));
        jw_chars(w, "since", st->since, sizeof st->since);
        jw_chars(w, "until", st->until, sizeof st->until);
        jw_chars(w, "snapshot_date", st->date, sizeof st->date);
        jw_chars(w, "oldest_snapshot", st->oldest, sizeof st->oldest);
        jw_close(w, '}');
    }
    jw_close(w, ']');
    jw_key(w, "alternative_root");
    if (!t->alt_root[0]) {
        tp_sb_put(w->o, "null");
    } else {
        jw_open(w, '{');
        jw_chars(w, "root", t->alt_root, sizeof t->alt_root);
        jw_i64(w, "path_index", t->alt_index);
        jw_u64(w, "trusted_stores", t->alt_trusted);
        jw_close(w, '}');
    }
    jw_close(w, '}');
}
