/* Public trust-store rules (root-distrusted, root-not-universally-trusted):
 * which clients will fail on the root the path ends at, from the verification's
 * trust-store verdict (x509/truststores.c, docs/trust-stores.md). They read
 * facts only; without the data file (trust.judged false) they stay silent. */
#include <stdio.h>
#include <string.h>
#include "diagnose/diag_int.h"

static bool is_date(const char *s)
{
    return strlen(s) == 10 && s[4] == '-' && s[7] == '-';
}

/* A store that lets older clients down: "trusted since V" for a store whose
 * snapshots are versions (Android, Java, Apple: devices stay on an OS version);
 * a dated store (Mozilla, Microsoft) updates its clients' roots itself. */
static bool only_since(const struct tp_trust_store_verdict *st)
{
    return st->status == TP_TRUST_TRUSTED && st->since[0] && !is_date(st->since);
}

/* "Mozilla removed it after 2021-09-25, Microsoft distrusts it" ... for the
 * stores with one of the statuses asked; the count. */
static size_t put_stores(struct tp_sb *sb, const struct tp_trust_verdict *t, bool removed, bool missing)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n_stores; i++) {
        const struct tp_trust_store_verdict *st = &t->stores[i];
        bool gone = st->status == TP_TRUST_REMOVED || st->status == TP_TRUST_DISTRUSTED;
        bool lack = st->status == TP_TRUST_ABSENT || only_since(st);
        if (!((removed && gone) || (missing && lack)))
            continue;
        if (n++)
            tp_sb_put(sb, ", ");
        diag_say(sb, "%F ", DIAG_F(st->name));
        if (st->status == TP_TRUST_DISTRUSTED)
            tp_sb_put(sb, "distrusts it");
        else if (st->status == TP_TRUST_REMOVED && is_date(st->until))
            diag_say(sb, "removed it after %F", DIAG_F(st->until));
        else if (st->status == TP_TRUST_REMOVED)
            diag_say(sb, "had it only in %F to %F", DIAG_F(st->since), DIAG_F(st->until));
        else if (st->status == TP_TRUST_ABSENT)
            diag_say(sb, "does not have it (snapshot of %F)", DIAG_F(st->date));
        else
            diag_say(sb, "has it only since %F", DIAG_F(st->since));
    }
    return n;
}

static void put_alt(struct diag_ctx *c, const struct tp_trust_verdict *t)
{
    if (!t->alt_root[0])
        return;
    diag_say(&c->t.fix, "The path also holds '%F' (path #%d), itself a root in %zu of %zu stores: serve the "
                        "chain that ends there and drop the cross-signed certificate above it, or keep both "
                        "only while the old clients matter. ",
             DIAG_F(t->alt_root), t->alt_index, t->alt_trusted, t->n_stores);
}

static const char *what_root(const struct tp_trust_verdict *t)
{
    return t->match == TP_TRUST_MATCH_ISSUER ? "is issued by" : "ends at";
}

void r_root_distrusted(struct diag_ctx *c, const struct diag_chain *ch)
{
    const struct tp_trust_verdict *t = &ch->v->trust;
    if (!t->judged || !t->match)
        return;
    struct tp_sb probe;
    tp_sb_init(&probe);
    size_t n = put_stores(&probe, t, true, false);
    tp_sb_free(&probe);
    if (!n)
        return;
    diag_say(&c->t.sum, "%s chain %s the root '%F': ", diag_chain_owner(c, ch), what_root(t), DIAG_F(t->root));
    (void)put_stores(&c->t.sum, t, true, false);
    tp_sb_put(&c->t.sum, ". Clients that use those stores reject the chain.");
    put_alt(c, t);
    diag_report(c, TP_SEV_WARNING);
}

void r_root_not_universally_trusted(struct diag_ctx *c, const struct diag_chain *ch)
{
    const struct tp_trust_verdict *t = &ch->v->trust;
    if (!t->judged || !t->match)
        return;
    size_t trusted = 0, gone = 0;
    for (size_t i = 0; i < t->n_stores; i++) {
        trusted += t->stores[i].status == TP_TRUST_TRUSTED;
        gone += t->stores[i].status == TP_TRUST_REMOVED || t->stores[i].status == TP_TRUST_DISTRUSTED;
    }
    if (gone || !trusted) /* root-distrusted says it */
        return;
    struct tp_sb probe;
    tp_sb_init(&probe);
    size_t n = put_stores(&probe, t, false, true);
    tp_sb_free(&probe);
    if (!n)
        return;
    diag_say(&c->t.sum, "%s chain %s the root '%F': ", diag_chain_owner(c, ch), what_root(t), DIAG_F(t->root));
    (void)put_stores(&c->t.sum, t, false, true);
    tp_sb_put(&c->t.sum, ". Clients on those stores (or their older versions) reject the chain.");
    put_alt(c, t);
    diag_report(c, TP_SEV_WARNING);
}
