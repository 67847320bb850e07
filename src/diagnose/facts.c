/* The facts of one session, computed once before any rule runs: the alerts
 * with their sender and the message they followed, the messages the rules
 * look for, the chains to judge with their verify results, the peer's
 * handshake signatures. The ClientHello and CertificateRequest are parsed on
 * first use and kept. */
#include <stdlib.h>
#include <string.h>
#include "diagnose/diag_int.h"
#include "tlsprobe/names.h"

static void collect_chains(struct diag_facts *f)
{
    const struct tp_session *s = f->s;
    f->n_chains = 0;
    if (s->server_verify) {
        f->chains[f->n_chains++] = (struct diag_chain){ &s->server_chain, s->server_verify, false };
    }
    if (s->client_verify && f->role != DIAG_CHECK && s->client_chain.n > 0) {
        f->chains[f->n_chains++] = (struct diag_chain){ &s->client_chain, s->client_verify, true };
    }
}

static bool is_benign(const struct tp_msg *m)
{
    /* close_notify, user_canceled, no_renegotiation at warning level: normal life. */
    return m->alert_desc == TP_ALERT_CLOSE_NOTIFY ||
           (m->alert_level == TP_ALERT_LEVEL_WARNING &&
            (m->alert_desc == TP_ALERT_USER_CANCELED || m->alert_desc == TP_ALERT_NO_RENEGOTIATION));
}

static void collect_alerts(struct diag_facts *f)
{
    const struct tp_session *s = f->s;
    f->n_alerts = 0;
    for (size_t i = 0; i < s->n_msgs; i++) {
        const struct tp_msg *m = &s->msgs[i];
        f->n_s2c += m->dir == TP_S2C;
        if (m->kind != TP_MSG_ALERT)
            continue;
        struct diag_alert *a = &f->alerts[f->n_alerts++];
        a->m = m;
        a->msg = i;
        a->dir = (int)m->dir;
        a->prev_other = diag_prev_from(s, i, m->dir == TP_C2S ? TP_S2C : TP_C2S);
        a->from_peer = f->peer < 0 || a->dir == f->peer;
        a->benign = is_benign(m);
        a->fatal = m->alert_level != TP_ALERT_LEVEL_WARNING;
    }
}

/* The peer's handshake signatures; our own side's is never judged. */
static void check_signatures(struct diag_facts *f)
{
    for (int d = 0; d < 2; d++) {
        f->sig[d] = TP_SIG_NOT_CHECKED;
        if (f->role == DIAG_CHECK || (f->role == DIAG_CLIENT && d == TP_C2S) ||
            (f->role == DIAG_SERVER && d == TP_S2C))
            continue;
        f->sig[d] = tp_session_check_signature(f->s, (enum tp_dir)d);
    }
}

bool diag_facts_init(struct diag_facts *f, const struct tp_session *s, enum diag_role role,
                     const struct tp_check_facts *check)
{
    f->s = s;
    f->role = role;
    f->check = check;
    f->now = time(NULL);
    if (role == DIAG_OBSERVER && s->capture_time > 0)
        f->now = (time_t)s->capture_time;
    if (s->judge_time)
        f->now = (time_t)s->judge_time; /* --at */
    f->peer = role == DIAG_CLIENT ? TP_S2C : role == DIAG_SERVER ? TP_C2S : -1;
    f->server_hello = diag_find_hs(s, TP_S2C, TP_HS_SERVER_HELLO);
    f->client_cert = diag_find_hs(s, TP_C2S, TP_HS_CERTIFICATE);
    f->cert_request = diag_find_hs(s, TP_S2C, TP_HS_CERTIFICATE_REQUEST);
    f->n_s2c = 0;
    f->ch_state = f->cr_state = 0;
    /* One entry per message at most; calloc(0) may return NULL, so ask for 1. */
    f->alerts = calloc(s->n_msgs + 1, sizeof *f->alerts);
    if (!f->alerts)
        return false;
    collect_alerts(f);
    collect_chains(f);
    check_signatures(f);
    return true;
}

void diag_facts_free(struct diag_facts *f)
{
    free(f->alerts);
    f->alerts = NULL;
}

const struct tp_client_hello *diag_client_hello(struct diag_facts *f)
{
    if (!f->ch_state) {
        f->ch_state = -1;
        int i = diag_find_hs(f->s, TP_C2S, TP_HS_CLIENT_HELLO);
        const struct tp_msg *m = i >= 0 ? &f->s->msgs[i] : NULL;
        struct tp_hs_header h;
        if (m && m->raw && m->raw_len >= 4 && tp_hs_header_parse(tp_bytes_make(m->raw, m->raw_len), &h) == TP_OK &&
            tp_client_hello_parse(h.body, &f->ch) == TP_OK)
            f->ch_state = 1;
    }
    return f->ch_state > 0 ? &f->ch : NULL;
}

const struct tp_certificate_request *diag_cert_request(struct diag_facts *f)
{
    if (!f->cr_state) {
        f->cr_state = -1;
        const struct tp_msg *m = f->cert_request >= 0 ? &f->s->msgs[f->cert_request] : NULL;
        if (m && m->raw && m->raw_len >= 4 &&
            tp_certificate_request_parse(tp_bytes_make(m->raw + 4, m->raw_len - 4), f->s->version == TP_TLS1_3,
                                         &f->cr) == TP_OK)
            f->cr_state = 1;
    }
    return f->cr_state > 0 ? &f->cr : NULL;
}
