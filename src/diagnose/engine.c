/* The rule engine: the table of rules.def as data (the public struct tp_rule
 * array and the private rows with kind, check function and suppressed-by mask)
 * and the loop that runs it. Suppression is the engine's business alone: a rule
 * never reads another rule's state, it names its suppressors in its row. */
#include <stdlib.h>
#include <string.h>
#include "diagnose/diag_int.h"

#define BY(sym) (UINT64_C(1) << DIAG_R_##sym)
#define DIAG_BY_NONE UINT64_C(0)
/* "Any rule before it that reported an error": resolved by suppressors(). */
#define DIAG_BY_ANY_ERROR (UINT64_C(1) << 63)

/* Every rule whose table severity is error. */
static const uint64_t error_rules = UINT64_C(0)
#define RULE(sym, id, sev, kind, fn, by, sum, expl, fix, ref) | ((sev) == TP_SEV_ERROR ? BY(sym) : UINT64_C(0))
#include "diagnose/rules.def"
#undef RULE
    ;

/* The suppressors of a rule come before it: table order is a dependency order. */
#define RULE(sym, id, sev, kind, fn, by, sum, expl, fix, ref) \
    _Static_assert((((by) & ~DIAG_BY_ANY_ERROR) >> DIAG_R_##sym) == 0, "a suppressor of " id " comes after it");
#include "diagnose/rules.def"
#undef RULE

static const struct tp_rule rule_table[] = {
#define RULE(sym, id, sev, kind, fn, by, sum, expl, fix, ref) { id, sev, sum, expl, fix, ref },
#include "diagnose/rules.def"
#undef RULE
};

struct diag_row {
    enum diag_rule_kind kind;
    void (*run)(struct diag_ctx *c);
    void (*run_chain)(struct diag_ctx *c, const struct diag_chain *ch);
    uint64_t suppressed_by;
};

#define DIAG_FN_SESSION(fn) .run = fn
#define DIAG_FN_ALERTS(fn) .run = fn
#define DIAG_FN_CHAIN(fn) .run_chain = fn
static const struct diag_row rows[] = {
#define RULE(sym, id, sev, kind, fn, by, sum, expl, fix, ref) { DIAG_##kind, DIAG_FN_##kind(fn), .suppressed_by = (by) },
#include "diagnose/rules.def"
#undef RULE
};

_Static_assert(sizeof rule_table / sizeof rule_table[0] == DIAG_N_RULES, "one entry per rule");
_Static_assert(sizeof rows / sizeof rows[0] == DIAG_N_RULES, "one row per rule");

const struct tp_rule *tp_rules(size_t *n)
{
    if (n)
        *n = DIAG_N_RULES;
    return rule_table;
}

const struct tp_rule *tp_rule_find(const char *id)
{
    if (!id)
        return NULL;
    for (size_t i = 0; i < DIAG_N_RULES; i++)
        if (!strcmp(rule_table[i].id, id))
            return &rule_table[i];
    return NULL;
}

/* Rule i's suppressors as a mask of rule indices. */
static uint64_t suppressors(size_t i)
{
    uint64_t by = rows[i].suppressed_by;
    if (by & DIAG_BY_ANY_ERROR)
        by = (by & ~DIAG_BY_ANY_ERROR) | (error_rules & ((UINT64_C(1) << i) - 1));
    return by;
}

uint64_t diag_rule_suppressors(size_t i)
{
    return i < DIAG_N_RULES ? suppressors(i) : 0;
}

const char *diag_rule_kind_name(size_t i)
{
    static const char *const names[] = { "session", "chain", "alerts" };
    return i < DIAG_N_RULES ? names[rows[i].kind] : NULL;
}

/* ---- services for the check functions ---- */

const char *diag_rule_id(const struct diag_ctx *c)
{
    return rule_table[c->cur].id;
}

static void texts_free(struct diag_texts *t)
{
    tp_sb_free(&t->sum);
    tp_sb_free(&t->expl);
    tp_sb_free(&t->note);
    tp_sb_free(&t->fix);
}

/* Empty the texts for the next finding (a rule that wrote and did not report
 * leaves nothing behind). */
static void texts_clear(struct diag_texts *t)
{
    if (t->sum.len || t->expl.len || t->note.len || t->fix.len)
        texts_free(t);
    t->own_expl = false;
}

void diag_report(struct diag_ctx *c, enum tp_severity sev)
{
    const struct tp_rule *r = &rule_table[c->cur];
    struct diag_texts *t = &c->t;
    if (!t->own_expl) {
        tp_sb_put(&t->expl, r->explanation);
        if (t->note.len)
            tp_sb_putn(&t->expl, t->note.buf, t->note.len);
    }
    if (!t->fix.len)
        tp_sb_put(&t->fix, r->fix);
    struct tp_finding *f = tp_session_add_finding(c->out, r->id, sev);
    if (f) {
        f->summary = tp_sb_take(&t->sum);
        f->explanation = tp_sb_take(&t->expl);
        f->fix = tp_sb_take(&t->fix);
        f->reference = r->reference;
    }
    texts_free(t);
    t->own_expl = false;
    if (sev == TP_SEV_ERROR)
        c->erred |= UINT64_C(1) << c->cur;
}

void diag_claim_alert(struct diag_ctx *c, size_t k)
{
    if (k < c->f->n_alerts)
        c->alert_by[k] |= UINT64_C(1) << c->cur;
}

bool diag_alert_open(const struct diag_ctx *c, size_t k)
{
    return k < c->f->n_alerts && !(c->alert_by[k] & suppressors(c->cur));
}

bool diag_suppressor_erred(const struct diag_ctx *c)
{
    return (c->erred & suppressors(c->cur)) != 0;
}

/* ---- the loop ---- */

static void run_one(struct diag_ctx *c, const struct diag_row *row)
{
    if (row->kind == DIAG_CHAIN) {
        for (size_t k = 0; k < c->f->n_chains; k++) {
            row->run_chain(c, &c->f->chains[k]);
            texts_clear(&c->t);
        }
    } else {
        row->run(c);
        texts_clear(&c->t);
    }
}

void diag_run_rules(struct diag_facts *f, struct tp_session *out)
{
    uint64_t by_alert[16];
    struct diag_ctx c;
    memset(&c, 0, sizeof c);
    c.f = f;
    c.out = out;
    c.alert_by = by_alert;
    if (f->n_alerts > sizeof by_alert / sizeof by_alert[0]) {
        c.alert_by = calloc(f->n_alerts, sizeof *c.alert_by);
        if (!c.alert_by)
            return;
    } else {
        memset(by_alert, 0, f->n_alerts * sizeof by_alert[0]);
    }
    /* Table order is a dependency order (checked above), and the order
     * findings are listed in. */
    for (c.cur = 0; c.cur < DIAG_N_RULES; c.cur++) {
        const struct diag_row *row = &rows[c.cur];
        if (c.erred && row->kind != DIAG_ALERTS && (c.erred & suppressors(c.cur)))
            continue;
        run_one(&c, row);
    }
    texts_free(&c.t);
    if (c.alert_by != by_alert)
        free(c.alert_by);
}
