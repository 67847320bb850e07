/* The judge: verify + outcome + diagnose of a decoded session, one sequence for
 * connect, listen and (later) a capture. See tlsprobe/judge.h. */
#include "tlsprobe/policy.h"
#include "tlsprobe/judge.h"

#include <stdio.h>
#include <time.h>

#include "tlsprobe/diagnose.h"
#include "tlsprobe/names.h"

struct tp_verify_result *tp_judge_verify_chain(const struct tp_bytes *der, size_t n, size_t n_sent_total,
                                               enum tp_purpose purpose, const struct tp_judge_verify *v,
                                               int64_t at, pthread_mutex_t *store_mu)
{
    if (!v->store || n == 0)
        return NULL;
    struct tp_verify_opts vo = {
        .store = v->store,
        .host = v->host,
        .purpose = purpose,
        .aia = v->aia,
        .aia_timeout_ms = v->aia_timeout_ms,
        .now = (time_t)at, /* 0: now */
        .expiring_days = TP_POLICY_EXPIRY_WARN_DAYS,
        .n_sent_total = n_sent_total,
    };
    struct tp_verify_result *res = NULL;
    if (store_mu)
        pthread_mutex_lock(store_mu);
    enum tp_err e = tp_chain_verify(der, n, &vo, &res);
    if (store_mu)
        pthread_mutex_unlock(store_mu);
    if (e != TP_OK) {
        tp_verify_result_free(res);
        return NULL;
    }
    if (v->store_desc)
        snprintf(res->store_desc, sizeof res->store_desc, "%s", v->store_desc);
    return res;
}

static const char *side_name(enum tp_dir d) { return d == TP_C2S ? "client" : "server"; }

/* An outcome the source left unknown (a capture), read from the transcript. */
static void outcome_from_transcript(struct tp_session *s)
{
    if (s->outcome.status != TP_CONN_UNKNOWN)
        return;
    const struct tp_msg *alert = tp_session_first_alert(s, -1);
    bool fatal = alert && alert->alert_level == TP_ALERT_LEVEL_FATAL;
    if (!s->handshake_complete) {
        if (fatal) {
            s->outcome.status = TP_CONN_TLS_FAILED;
            snprintf(s->outcome.detail, sizeof s->outcome.detail, "fatal alert from the %s", side_name(alert->dir));
        }
    } else if (!fatal) {
        s->outcome.status = TP_CONN_OK;
    } else {
        /* TLS 1.3: the client's Finished is sent before the server judges its
         * certificate, so a rejected client certificate is a fatal alert
         * after both Finished messages: the connection failed all the same. */
        s->outcome.status = TP_CONN_TLS_FAILED;
        snprintf(s->outcome.detail, sizeof s->outcome.detail, "fatal alert from the %s after the Finished messages",
                 side_name(alert->dir));
    }
}

void tp_judge_session(struct tp_session *s, const struct tp_judge_opts *o)
{
    outcome_from_transcript(s);
    /* A library's error for a peer's alert is often unrelated (-306 parse error
     * in TLS 1.3): name the alert from the transcript. */
    const struct tp_msg *a = o->name_alert_from >= 0 ? tp_session_first_alert(s, o->name_alert_from) : NULL;
    if (a && a->alert_level == TP_ALERT_LEVEL_FATAL && s->outcome.status == TP_CONN_TLS_FAILED) {
        const char *an = tp_name_alert(a->alert_desc);
        snprintf(s->outcome.detail, sizeof s->outcome.detail, "the %s sent fatal alert %s (%u)", side_name(a->dir),
                 an ? an : "unknown", (unsigned)a->alert_desc);
    }
    if (!s->server_verify)
        s->server_verify = tp_judge_verify_chain(s->server_chain.der, s->server_chain.n, s->server_chain.n_total,
                                                 TP_PURPOSE_SERVER, &o->server, o->at, o->store_mu);
    if (!s->client_verify)
        s->client_verify = tp_judge_verify_chain(s->client_chain.der, s->client_chain.n, 0, TP_PURPOSE_CLIENT,
                                                 &o->client, o->at, o->store_mu);
    s->judge_time = o->at;
    /* the stapled OCSP response, judged at the session's time */
    tp_session_judge_staple(s, o->at ? o->at : s->capture_time);
    if (o->check_revocation)
        tp_session_check_revocation(s, o->revocation_timeout_ms > 0 ? o->revocation_timeout_ms : TP_AIA_TIMEOUT_MS,
                                    o->at ? o->at : s->capture_time);
    tp_diagnose(s);
}
