/* The judge's entry points: compute the facts once (who we were, when dates
 * are judged, the alerts, the chains), clear old findings, run the rule table. */
#include <stdlib.h>
#include <string.h>
#include "diagnose/diag_int.h"

static void clear_findings(struct tp_session *s)
{
    for (size_t i = 0; i < s->n_findings; i++) {
        free(s->findings[i].summary);
        free(s->findings[i].explanation);
        free(s->findings[i].fix);
    }
    s->n_findings = 0;
}

static void run(struct tp_session *s, enum diag_role role, const struct tp_check_facts *cf)
{
    /* On the stack, like the parsed hellos the rules used to keep there; the
     * parsed messages inside are filled on demand, nothing else needs zeroing. */
    struct diag_facts f;
    if (diag_facts_init(&f, s, role, cf)) {
        clear_findings(s);
        diag_run_rules(&f, s);
    }
    diag_facts_free(&f);
}

void tp_diagnose(struct tp_session *s)
{
    if (!s)
        return;
    enum diag_role role = DIAG_OBSERVER;
    if (s->source == TP_SRC_CONNECT)
        role = DIAG_CLIENT;
    else if (s->source == TP_SRC_LISTEN)
        role = DIAG_SERVER;
    run(s, role, NULL);
}

void tp_diagnose_check(struct tp_session *s, const struct tp_check_facts *cf)
{
    if (!s)
        return;
    run(s, DIAG_CHECK, cf);
}

int tp_exit_status(const struct tp_session *s)
{
    if (!s)
        return 0;
    for (size_t i = 0; i < s->n_findings; i++)
        if (s->findings[i].severity == TP_SEV_ERROR)
            return 1;
    return 0;
}

struct tp_session *tp_diagnose_scan(const struct tp_scan_result *r)
{
    struct tp_session *s = tp_session_new(TP_SRC_CONNECT, 0);
    if (!s || !r)
        return s;
    struct diag_facts f;
    if (diag_facts_init(&f, s, DIAG_SCAN, NULL)) {
        f.scan = r;
        clear_findings(s);
        diag_run_rules(&f, s);
    }
    diag_facts_free(&f);
    return s;
}
