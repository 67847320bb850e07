/* Private to the render module: one message re-parsed from its raw bytes with the
 * wire parsers (parse, then render), the pieces text/JSON/Mermaid share, and the
 * memo's layout (struct tp_render_memo: the caller owns it, render only reads and
 * fills it). The JSON writer is jw.h. Nothing here keeps state of its own. */
#ifndef TP_RENDER_INT_H
#define TP_RENDER_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h> /* session.h uses FILE */
#include <time.h>
#include "tlsprobe/render.h"
#include "tlsprobe/session.h"
#include "tlsprobe/strbuf.h"
#include "tlsprobe/wire.h"
#include "tlsprobe/diagnose.h"

/* Which parsed struct `u` holds. */
enum rm_kind {
    RM_NONE = 0,   /* nothing to parse (CCS, alert, encrypted record, unknown type) */
    RM_CH, RM_SH, RM_EE, RM_CERT, RM_CR, RM_SKE, RM_CKE, RM_CV, RM_FIN, RM_NST, RM_KU, RM_CS,
};

struct rmsg {
    const struct tp_msg *m;
    const char *type;          /* contract name: "ClientHello", "EncryptedRecord", ... */
    char type_buf[32];         /* for unknown handshake types */
    enum rm_kind kind;
    enum tp_err perr;          /* TP_OK, or why the raw bytes did not parse */
    union {
        struct tp_client_hello ch;
        struct tp_server_hello sh;
        struct tp_encrypted_extensions ee;
        struct tp_certificate cert;
        struct tp_certificate_request cr;
        struct tp_server_key_exchange ske;
        struct tp_client_key_exchange cke;
        struct tp_certificate_verify cv;
        struct tp_finished fin;
        struct tp_new_session_ticket nst;
        struct tp_key_update ku;
        struct tp_certificate_status cs;
    } u;
};

/* Re-parse m (r is large: allocate it once and reuse it). Never fails: a message
 * that does not parse gets kind RM_NONE and perr set. */
void rm_parse(const struct tp_session *s, const struct tp_msg *m, struct rmsg *r);

/* The contract type name of a message without parsing it (buf for unknown types). */
const char *rm_type(const struct tp_msg *m, char buf[32]);

/* Is the session TLS 1.3 (negotiated, or offered max when unknown and a 1.3 SH seen)? */
bool rs_tls13(const struct tp_session *s);
/* The side a source's findings speak for, for --stack fixes: listen is the
 * server, everything else reads as a client (connect, check, captures). */
enum tp_explain_side rs_stack_side(const struct tp_session *s);
/* The handshake's status in words, derived from the transcript (the first fatal
 * alert in wire order and who sent it), the outcome and the findings, so that
 * no header contradicts a finding (issue 16). Text header and JSON
 * "status_line" print the same words. Writes at most n bytes. */
void rs_status_line(const struct tp_session *s, char *out, size_t n);
/* The time dates are judged and shown at (one clock per judgement): --at, else a
 * capture's time, else now. */
time_t rs_judge_now(const struct tp_session *s);
/* A date as YYYY-MM-DD (UTC), "?" when it cannot be shown: the text and HTML
 * reports' certificate validity. */
void rs_put_date(struct tp_sb *o, time_t t);
/* A TCP connection to listen that closed without a byte: a probe or health check. */
bool rs_is_tcp_probe(const struct tp_session *s);
/* Error findings about the server's certificate that path building alone does
 * not see (dates, name, strength, usage): ", "-joined ids, "" when none. */
void rs_cert_errors(const struct tp_session *s, char *out, size_t n);

/* ---- the caller's memo (struct tp_render_memo, render.h) ---- */

/* Rendered certificates (cert.c), keyed by the certificate's SHA-256. */
#define RC_MEMO 4
#define RC_MEMO_MAX 3072
struct rc_memo {
    uint32_t used;
    uint16_t len;
    uint8_t sha256[32];
    char json[RC_MEMO_MAX];
};

/* Rendered ClientHellos (json.c), in three parts around the SNI and the session
 * id's length, keyed by every other field shown. */
#define RJ_CH_MEMO 4
#define RJ_CH_KEY_MAX 768
#define RJ_CH_JSON_MAX 6144
struct rj_ch_memo {
    uint32_t used;
    uint16_t klen, a, b, c;     /* key length; the three parts' lengths */
    uint8_t key[RJ_CH_KEY_MAX];
    char json[RJ_CH_JSON_MAX];
};

struct tp_render_memo {
    struct rc_memo cert[RC_MEMO];
    uint32_t cert_tick;
    struct rj_ch_memo ch[RJ_CH_MEMO];
    uint32_t ch_tick;
    struct tp_ja_memo *ja; /* JA3/JA3S/JA4 of recent hellos (wire.h) */
};
/* The JA memo of a render memo, or NULL (no memo: JA computed afresh). */
static inline struct tp_ja_memo *rj_ja(struct tp_render_memo *m)
{
    return m ? m->ja : NULL;
}

/* ---- JSON pieces shared by the session, check and explain objects ---- */
struct jw;
/* The finding object of docs/json.md; stack_fix NULL without --stack. */
struct rj_finding {
    const char *id, *severity, *summary, *explanation, *fix, *reference;
    const char *stack_fix;
};
/* "schema_version", "type", "source": the first keys of every top-level line. */
void rj_line_head(struct jw *w, const char *type, const char *source);
/* "k":"ADDR:PORT" (null when empty), then k_ip and k_port, split (null when unknown). */
void rj_address(struct jw *w, const char *k, const char *addr, size_t cap);
/* The one alert object: {"name","code","level","sent_by"} keys into the open object. */
void rj_alert(struct jw *w, const char *name, unsigned code, const char *level, const char *sent_by);
/* The verification object (sessions' server_/client_verification, check's);
 * null when v is NULL. at: when dates were judged (0: now, printed null). */
void rj_verify(struct jw *w, const char *k, const struct tp_verify_result *v, bool client, time_t at);
/* The certificate object of bytes that are not a certificate tlsprobe can read
 * (every key of the parsed form, null), after its jw_item. sha256 may be NULL. */
void rc_cert_unparsed_json(struct jw *w, const uint8_t *sha256, size_t der_len);
void rj_finding(struct jw *w, const struct rj_finding *f);
/* "findings":[...] of a session (with stack_fix under --stack). */
void rj_findings(struct jw *w, const struct tp_session *s, const struct tp_render_opts *o);
/* What the path search found: "problems":[...], "paths_tried":[...],
 * "paths_judged", "signature_checks", "search_limited". */
void rj_path_checks(struct jw *w, const struct tp_verify_result *v);
/* JA4+ (ja4plus.c): the session's "ja4s" and "ja4s_r" (its first ServerHello;
 * null when none or when built without JA4+). */
void rj_ja4s(struct jw *w, const struct tp_session *s, struct tp_render_memo *memo);
/* A certificate object (cert.c), through the memo when there is one. */
void rc_cert_json(struct tp_sb *out, const struct tp_cert_info *ci, struct tp_render_memo *m);
/* "san":["DNS:..."] and "subject_alt_names":[{"type":"dns","value":...}]. */
void rc_san_strings(struct jw *w, const struct tp_san *san, size_t n);
void rc_san_typed(struct jw *w, const struct tp_san *san, size_t n);
/* "DNS:", "IP:", "email:", "URI:" before a subjectAltName value. */
const char *rc_san_prefix(enum tp_san_type t);

/* Names with a numeric fallback: the table name or "0x1a2b" (buf must hold 16). */
const char *rn_suite(uint16_t v, char buf[16]);
const char *rn_group(uint16_t v, char buf[16]);
const char *rn_sigalg(uint16_t v, char buf[16]);
const char *rn_ext(uint16_t v, char buf[24]);
const char *rn_version(uint16_t v, char buf[16]);
const char *rn_alert(uint8_t v, char buf[16]);
/* names[v], or dflt when v is past the table. */
const char *rn_enum(const char *const *names, size_t n, unsigned v, const char *dflt);
#define RN_ENUM(t, v, dflt) rn_enum(t, sizeof(t) / sizeof((t)[0]), (unsigned)(v), dflt)
const char *rn_kx(enum tp_kx kx);
const char *rn_source(enum tp_source s);
const char *rn_severity(enum tp_severity s);
const char *rn_conn_status(enum tp_conn_status s);
const char *rn_path_status(enum tp_path_status s);
const char *rn_name_status(enum tp_name_status s);
const char *rn_dir(enum tp_dir d);

/* The key facts of one message on one line ("TLS 1.3, TLS 1.2 · 17 suites · SNI
 * example.com"). sep separates facts. Wire strings are escaped for a terminal. */
void rf_facts(struct tp_sb *out, const struct tp_session *s, const struct rmsg *r, const char *sep);

/* Where encryption starts: index of the first message sent under new keys by
 * one side (dir = TP_C2S / TP_S2C) or either (-1). -1 when none seen. */
int rs_encryption_start(const struct tp_session *s, int dir);

/* Plain-language teaching text. */
void rx_message(struct tp_sb *out, const struct tp_session *s, const struct rmsg *r, const char *indent, size_t width);
void rx_encryption_boundary(struct tp_sb *out, const struct tp_session *s, const char *indent, size_t width);
void rx_session_intro(struct tp_sb *out, const struct tp_session *s, const char *indent, size_t width);
void rx_findings_intro(struct tp_sb *out, const struct tp_session *s, const char *indent, size_t width);
/* Word-wrap plain text (our own, not from the wire) at width columns. */
void rx_wrap(struct tp_sb *out, const char *text, const char *indent, size_t width);

/* Renderers. */
void tp_render_json_session(struct tp_sb *out, const struct tp_session *s, const struct tp_render_opts *o);
void tp_render_text_session(struct tp_sb *out, const struct tp_session *s, const struct tp_render_opts *o);
void tp_render_mermaid_session(struct tp_sb *out, const struct tp_session *s, const struct tp_render_opts *o);
void tp_render_html_session(struct tp_sb *out, const struct tp_session *s, const struct tp_render_opts *o);
void tp_render_html_begin(struct tp_sb *out, const char *title, const struct tp_render_opts *o);
void tp_render_html_end(struct tp_sb *out, const struct tp_render_opts *o);
void tp_render_ecs_session(struct tp_sb *out, const struct tp_session *s, const struct tp_render_opts *o);

/* inspect's PKCS#12 object (inspect_p12.c): text rows, and the JSON members
 * "needs_password" and "pkcs12" inside the object's braces. */
struct tp_file_obj;
void ri_p12_text(struct tp_sb *out, const struct tp_file_obj *o, const char *ind, const struct tp_render_opts *ro);
void ri_p12_json(struct jw *w, const struct tp_file_obj *o);

/* Which public trust stores hold the path's root (trust.c): the text after a
 * label (continuation lines start with ind, wrapped at width), and the JSON
 * member k (null when not judged). */
void rt_trust_text(struct tp_sb *o, const struct tp_trust_verdict *t, const struct tp_render_opts *ro,
                   const char *ind, size_t width);
void rj_trust(struct jw *w, const char *k, const struct tp_trust_verdict *t);
/* Certificate Transparency (ct.c): the leaf's SCTs as judged (tlsprobe/sct.h),
 * as text lines after `indent`, and as the verification object's "ct" (null when none). */
struct tp_ct_result;
void rs_ct_text(struct tp_sb *o, const struct tp_render_opts *ro, const struct tp_ct_result *ct, const char *indent);
void rj_ct(struct jw *w, const struct tp_ct_result *ct);
/* A certificate's embedded SCT list decoded (not verified), logs named from the
 * log list: text lines under its "SCTs" label, and its "scts" key (null when none
 * or it does not decode). */
void rc_cert_scts_text(struct tp_sb *out, const struct tp_cert_info *ci, const char *indent);
void rc_cert_scts_json(struct jw *w, const struct tp_cert_info *ci);
/* ocsp.c: OCSP responses. rs_ocsp_verdict: "good", "revoked", "good, but
 * stale", ... for the SingleResponse `single` judged at now (0: no date check).
 * rs_ocsp_text: the response's lines (only `single` when >= 0); rs_staple_text:
 * a session's "OCSP staple" block (nothing when none came); rj_ocsp: the
 * session's `ocsp` object (null when the judge did not run). */
struct tp_ocsp_response;
struct tp_ocsp_sig_result;
struct tp_staple;
const char *rs_ocsp_verdict(const struct tp_ocsp_response *r, int single, time_t now);
void rs_ocsp_text(struct tp_sb *o, const struct tp_render_opts *ro, const struct tp_ocsp_response *r, int single,
                  const struct tp_ocsp_sig_result *sig, time_t now);
void rs_staple_text(struct tp_sb *o, const struct tp_session *s, const struct tp_render_opts *ro);
void rj_ocsp(struct jw *w, const char *k, const struct tp_staple *st, time_t now);
/* A CRL judged for the leaf (check --crl): its block, its `crl` object (null: none). */
struct tp_crl_check;
void rs_crl_text(struct tp_sb *o, const struct tp_session *s, const struct tp_render_opts *ro);
void rj_crl(struct jw *w, const char *k, const struct tp_crl_check *cc, time_t now);

#endif
