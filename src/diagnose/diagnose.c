/* The judge's entry points: gather the context (who we were, when dates are
 * judged), clear old findings, run the rule table. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
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
    struct diag_ctx c;
    memset(&c, 0, sizeof c);
    c.s = s;
    c.role = role;
    c.check = cf;
    c.now = time(NULL);
    if (role == DIAG_OBSERVER && s->capture_time > 0)
        c.now = (time_t)s->capture_time;
    if (s->judge_time)
        c.now = (time_t)s->judge_time; /* --at */
    /* One flag per message; calloc(0) may return NULL, so ask for at least 1. */
    c.alert_explained = calloc(s->n_msgs + 1, sizeof *c.alert_explained);
    if (!c.alert_explained)
        return;
    clear_findings(s);
    diag_run_rules(&c);
    free(c.alert_explained);
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
