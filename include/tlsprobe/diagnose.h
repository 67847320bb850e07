/* Diagnosis: facts from a transcript -> a table of rules -> findings with stable
 * ids (STYLE.md "Diagnosis as data"). Rules key on facts, never on one library's
 * error number. */
#ifndef TLSPROBE_DIAGNOSE_H
#define TLSPROBE_DIAGNOSE_H
#include <stdbool.h>
#include <stddef.h>
#include "tlsprobe/session.h"

struct tp_rule {
    const char *id;           /* stable: "missing-intermediate" */
    enum tp_severity severity;
    const char *summary;      /* generic one line; findings carry a specific one */
    const char *explanation;  /* generic plain-language cause */
    const char *fix;          /* generic fix; never "disable verification" */
    const char *reference;    /* RFC section or spec */
};

/* The table, in priority order. */
const struct tp_rule *tp_rules(size_t *n);
const struct tp_rule *tp_rule_find(const char *id);

/* Run every rule on a finished session; appends findings (idempotent: clears
 * previous findings first). */
void tp_diagnose(struct tp_session *s);

/* Exit status from the contract: 0 nothing wrong, 1 a finding of severity error. */
int tp_exit_status(const struct tp_session *s);

/* explain: match an error message from a TLS stack. */
struct tp_explain_match {
    const char *rule_id;      /* NULL: no match */
    const char *stack;        /* "Go", "OpenSSL", "curl", ... */
    const char *pattern_name; /* which known message matched */
    const char *note;         /* what that message means in that stack */
};
bool tp_explain_match(const char *text, struct tp_explain_match *m);

#endif
