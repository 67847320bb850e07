/* The judge: verify + outcome + diagnose of a decoded session, one sequence for
 * connect, listen and (later) a capture. See tlsprobe/judge.h. */
#include "tlsprobe/policy.h"
#include "tlsprobe/judge.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tlsprobe/diagnose.h"
#include "tlsprobe/names.h"
#include "tlsprobe/ocsp.h"
#include "tlsprobe/sct.h"
#include "tlsprobe/wire.h"

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
        .trust_db = v->trust_db,
        .ct_tls_list = v->ct_tls_list,
        .ct_ocsp_list = v->ct_ocsp_list,
        .ct_logs = v->ct_logs,
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

/* The SCT list the server sent in TLS (RFC 6962 §3.3): the signed_certificate_timestamp
 * extension of its ServerHello (TLS 1.2), EncryptedExtensions, or the leaf's
 * CertificateEntry (TLS 1.3, RFC 8446 §4.4.2). A view into the transcript. */
struct tp_bytes tp_judge_tls_sct_list(const struct tp_session *s)
{
    static const struct tp_bytes none = { NULL, 0 };
    for (size_t i = 0; i < s->n_msgs; i++) {
        const struct tp_msg *m = &s->msgs[i];
        struct tp_hs_header h;
        if (m->dir != TP_S2C || m->kind != TP_MSG_HANDSHAKE || !m->raw ||
            tp_hs_header_parse(tp_bytes_make(m->raw, m->raw_len), &h) != TP_OK)
            continue;
        if (h.type == TP_HS_SERVER_HELLO) {
            struct tp_server_hello sh;
            if (tp_server_hello_parse(h.body, &sh) == TP_OK && sh.ext.sct_list.len)
                return sh.ext.sct_list;
        } else if (h.type == TP_HS_ENCRYPTED_EXTENSIONS) {
            struct tp_encrypted_extensions ee;
            if (tp_encrypted_extensions_parse(h.body, &ee) == TP_OK && ee.ext.sct_list.len)
                return ee.ext.sct_list;
        } else if (h.type == TP_HS_CERTIFICATE && s->version == TP_TLS1_3) {
            struct tp_certificate *c = malloc(sizeof *c);
            struct tp_exts *x = malloc(sizeof *x);
            struct tp_bytes out = none;
            if (c && x && tp_certificate_parse(h.body, true, c) == TP_OK && c->n > 0 &&
                c->certs[0].extensions.len &&
                tp_exts_parse(c->certs[0].extensions, TP_EXTCTX_CERTIFICATE_ENTRY, x) == TP_OK)
                out = x->sct_list;
            free(c);
            free(x);
            if (out.len)
                return out;
            break; /* the first Certificate is the server's */
        }
    }
    return none;
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
    if (!s->server_verify) {
        struct tp_judge_verify sv = o->server;
        if (!sv.ct_tls_list.len)
            sv.ct_tls_list = tp_judge_tls_sct_list(s);
        /* SCTs can also come inside the stapled OCSP response (RFC 6962 §3.3) */
        struct tp_ocsp_response *staple = NULL;
        struct tp_bytes sb;
        if (!sv.ct_ocsp_list.len && tp_session_find_staple(s, &sb) && tp_ocsp_parse(sb.p, sb.len, &staple) == TP_OK)
            for (size_t i = 0; i < staple->n_singles && !sv.ct_ocsp_list.len; i++)
                if (staple->singles[i].sct_ext.len)
                    (void)tp_sct_ext_unwrap(staple->singles[i].sct_ext, &sv.ct_ocsp_list);
        s->server_verify = tp_judge_verify_chain(s->server_chain.der, s->server_chain.n, s->server_chain.n_total,
                                                 TP_PURPOSE_SERVER, &sv, o->at, o->store_mu);
        tp_ocsp_free(staple);
    }
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
