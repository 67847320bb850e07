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

/* One pass over the transcript: the messages the rules look for, and the
 * alerts with the message each followed (alerts != NULL: fill them). */
static size_t scan_msgs(struct diag_facts *f, struct diag_alert *alerts)
{
    const struct tp_session *s = f->s;
    int last[2] = { -1, -1 }; /* the last message from each direction so far */
    size_t n = 0;
    f->server_hello = f->client_cert = f->cert_request = -1;
    f->n_s2c = 0;
    for (size_t i = 0; i < s->n_msgs; i++) {
        const struct tp_msg *m = &s->msgs[i];
        int d = m->dir == TP_C2S ? TP_C2S : TP_S2C;
        f->n_s2c += d == TP_S2C;
        if (m->kind == TP_MSG_HANDSHAKE) {
            int *first = m->hs_type == TP_HS_SERVER_HELLO && d == TP_S2C          ? &f->server_hello
                         : m->hs_type == TP_HS_CERTIFICATE && d == TP_C2S          ? &f->client_cert
                         : m->hs_type == TP_HS_CERTIFICATE_REQUEST && d == TP_S2C ? &f->cert_request
                                                                                   : NULL;
            if (first && *first < 0)
                *first = (int)i;
        } else if (m->kind == TP_MSG_ALERT) {
            if (alerts) {
                struct diag_alert *a = &alerts[n];
                a->m = m;
                a->msg = i;
                a->dir = d;
                a->prev_other = last[d == TP_C2S ? TP_S2C : TP_C2S];
                a->from_peer = f->peer < 0 || d == f->peer;
                a->benign = is_benign(m);
                a->fatal = m->alert_level != TP_ALERT_LEVEL_WARNING;
            }
            n++;
        }
        last[d] = (int)i;
    }
    return n;
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
    f->scan = NULL;
    f->now = time(NULL);
    if (role == DIAG_OBSERVER && s->capture_time > 0)
        f->now = (time_t)s->capture_time;
    if (s->judge_time)
        f->now = (time_t)s->judge_time; /* --at */
    f->peer = role == DIAG_CLIENT ? TP_S2C : role == DIAG_SERVER ? TP_C2S : -1;
    f->ch_state = f->cr_state = 0;
    /* The alerts: in the facts themselves when few (the usual case), else on the heap. */
    f->n_alerts = scan_msgs(f, NULL);
    f->alerts = f->alerts_here;
    if (f->n_alerts > sizeof f->alerts_here / sizeof f->alerts_here[0]) {
        f->alerts = malloc(f->n_alerts * sizeof *f->alerts);
        if (!f->alerts)
            return false;
    }
    if (f->n_alerts)
        scan_msgs(f, f->alerts);
    collect_chains(f);
    check_signatures(f);
    return true;
}

void diag_facts_free(struct diag_facts *f)
{
    if (f->alerts != f->alerts_here)
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
