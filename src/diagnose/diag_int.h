/* Private to src/diagnose. Owns: the facts the rules read (struct diag_facts,
 * computed once per session by facts.c), the engine's interface to the rules
 * (engine.c runs the table of rules.def and applies its suppressed-by lists),
 * and the wording helpers (util.c). Rules never print and never touch the
 * session: they read facts and report through diag_report. Must not touch:
 * the session's transcript (read only), other modules' state. */
#ifndef TP_DIAG_INT_H
#define TP_DIAG_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "tlsprobe/policy.h"
#include "tlsprobe/diagnose.h"
#include "tlsprobe/strbuf.h"

/* Who we were in the conversation: it decides "we"/"the server"/"the client". */
enum diag_role {
    DIAG_CLIENT,   /* connect: tlsprobe is the client */
    DIAG_SERVER,   /* listen: tlsprobe is the server */
    DIAG_OBSERVER, /* pcap: neither */
    DIAG_CHECK,    /* check: files on disk, no connection */
    DIAG_SCAN,     /* scan: many hellos of our own, no session (f->scan) */
};

/* One chain to judge: the server's or the client's, with its verify result. */
struct diag_chain {
    const struct tp_chain *sent;
    const struct tp_verify_result *v;
    bool is_client;            /* the client's certificate (mTLS) */
};

/* One alert of the transcript, with its sender and the message it followed. */
struct diag_alert {
    const struct tp_msg *m;    /* the alert (kind TP_MSG_ALERT) */
    size_t msg;                /* its index in s->msgs */
    int dir;                   /* who sent it */
    int prev_other;            /* the last message before it from the other side (-1: none) */
    bool from_peer;            /* sent by the peer (observer: every alert) */
    bool benign;               /* close_notify, or user_canceled / no_renegotiation as warnings */
    bool fatal;                /* level is not warning */
};

/* Everything a rule may read, computed once per session (diag_facts_init).
 * The two parsed messages are filled on first use (diag_client_hello,
 * diag_cert_request): most sessions never need them. */
struct diag_facts {
    const struct tp_session *s;
    enum diag_role role;
    const struct tp_check_facts *check; /* DIAG_CHECK only */
    time_t now;                /* when dates are judged (capture time for pcap, --at) */
    int peer;                  /* the peer's direction (observer, check: -1) */
    int server_hello;          /* index of the ServerHello (-1: none) */
    int client_cert;           /* index of the client's Certificate (-1: none) */
    int cert_request;          /* index of the CertificateRequest (-1: none) */
    size_t n_s2c;              /* messages the server sent */
    struct diag_alert *alerts; /* in transcript order (alerts_here, or the heap when many) */
    size_t n_alerts;
    struct diag_alert alerts_here[8];
    struct diag_chain chains[2]; /* the judged chains: server first */
    size_t n_chains;
    enum tp_sig_check sig[2];  /* the peer's handshake signature per direction (ours: NOT_CHECKED) */
    /* memoised, private to facts.c: */
    int ch_state, cr_state;    /* 0 not tried, 1 parsed, -1 absent or unparsable */
    struct tp_client_hello ch;
    struct tp_certificate_request cr;
    const struct tp_scan_result *scan; /* DIAG_SCAN only (NULL otherwise) */
};

/* Compute the facts (false: out of memory); diag_facts_free frees what they hold. */
bool diag_facts_init(struct diag_facts *f, const struct tp_session *s, enum diag_role role,
                     const struct tp_check_facts *check);
void diag_facts_free(struct diag_facts *f);
/* The first ClientHello / the CertificateRequest, parsed (NULL when not recorded
 * or unparsable). */
const struct tp_client_hello *diag_client_hello(struct diag_facts *f);
const struct tp_certificate_request *diag_cert_request(struct diag_facts *f);

/* ---- the rule table (rules.def) ---- */
enum diag_rule_kind { DIAG_SESSION, DIAG_CHAIN, DIAG_ALERTS };

#define RULE(sym, id, sev, kind, fn, by, sum, expl, fix, ref) DIAG_R_##sym,
enum diag_rule_index {
#include "diagnose/rules.def"
    DIAG_N_RULES
};
#undef RULE
_Static_assert(DIAG_N_RULES <= 64, "a suppressed-by list is a 64-bit mask");

/* The finding being written. The check function writes what is specific to
 * this session; diag_report adds the rule's generic texts from rules.def: the
 * explanation is expl + the generic explanation + note (own_expl: expl alone),
 * the fix is fix, or the generic fix when the rule wrote none. */
struct diag_texts {
    struct tp_sb sum, expl, note, fix;
    bool own_expl;
};

/* What a check function gets: the facts, the texts to fill, and (private to
 * engine.c) which rule runs and what the rules before it reported. */
struct diag_ctx {
    struct diag_facts *f;
    struct diag_texts t;
    /* engine.c only: */
    struct tp_session *out;    /* where findings go */
    size_t cur;                /* the rule running */
    uint64_t erred;            /* rules that reported an error */
    uint64_t *alert_by;        /* per alert: the rules that reported on it */
};

#define DIAG_DECL_SESSION(fn) void fn(struct diag_ctx *c);
#define DIAG_DECL_ALERTS(fn) void fn(struct diag_ctx *c);
#define DIAG_DECL_CHAIN(fn) void fn(struct diag_ctx *c, const struct diag_chain *ch);
#define RULE(sym, id, sev, kind, fn, by, sum, expl, fix, ref) DIAG_DECL_##kind(fn)
#include "diagnose/rules.def"
#undef RULE

/* ---- engine services for the check functions (engine.c) ---- */
/* Append a finding of the running rule from c->t (the texts are reset). */
void diag_report(struct diag_ctx *c, enum tp_severity sev);
/* Record that the finding just reported (or about to be) is about alert k. */
void diag_claim_alert(struct diag_ctx *c, size_t k);
/* May the running rule read alert k: none of its suppressors reported on it. */
bool diag_alert_open(const struct diag_ctx *c, size_t k);
/* Did one of the running rule's suppressors report an error? */
bool diag_suppressor_erred(const struct diag_ctx *c);
/* The running rule's id. */
const char *diag_rule_id(const struct diag_ctx *c);

/* ---- facts about the transcript ---- */
/* Index of the first handshake message of `type` sent by dir (-1: none). */
int diag_find_hs(const struct tp_session *s, int dir, int type);
/* Index of the last message before i sent by dir (-1: none). */
int diag_prev_from(const struct tp_session *s, size_t i, int dir);

/* ---- wording ---- */
/* "the server" / "we (tlsprobe, the client)" ... for the sender of dir. */
const char *diag_who(const struct diag_ctx *c, int dir);
/* Capitalised variant. */
const char *diag_Who(const struct diag_ctx *c, int dir);
/* "we" / "the client" / "the server" for the sender of dir. */
const char *diag_role_noun(const struct diag_ctx *c, int dir);
/* "The server's certificate" / "Our client certificate" / "The certificate" (check). */
const char *diag_chain_owner(const struct diag_ctx *c, const struct diag_chain *ch);
/* A message as people name it: "ClientHello", "an encrypted record", "alert". */
void diag_put_msg(struct tp_sb *sb, const struct tp_msg *m);
/* 'CN' (escaped) or the subject line, or "(unreadable certificate)". */
void diag_put_cert(struct tp_sb *sb, const struct tp_cert_info *ci);
/* "2021-01-01" (UTC). */
void diag_put_date(struct tp_sb *sb, time_t t);
/* "alert_name (N)" */
void diag_put_alert(struct tp_sb *sb, uint8_t desc);
/* "TLS 1.2", or "version 0x0305". */
void diag_put_version(struct tp_sb *sb, uint16_t v);
/* A NUL-padded fixed-size text field, escaped. */
void diag_put_field(struct tp_sb *sb, const char *field, size_t size);
#define DIAG_PUT_FIELD(sb, arr) diag_put_field((sb), (arr), sizeof(arr))
/* Leaf SANs as a list: "localhost, *.wild.test, 127.0.0.1" (escaped, capped). */
void diag_put_sans(struct tp_sb *sb, const struct tp_cert_info *ci);
/* The chain as sent: "1 certificate: 'a' issued by 'b'" (escaped). */
void diag_put_sent(struct tp_sb *sb, const struct diag_chain *ch);
/* The cert at path index i (or NULL). */
const struct tp_cert_info *diag_path_cert(const struct tp_verify_result *v, int i);
/* The leaf summary: from the verify path or the sent chain. */
const struct tp_cert_info *diag_leaf(const struct diag_chain *ch);

/* Append a sentence, printf-like, with the conversions the rules need:
 *   %s a C string as is (our own words)   %e a C string, escaped (wire or file text)
 *   %F a fixed-size text field (const char *, size_t), escaped
 *   %C a certificate (const struct tp_cert_info *, diag_put_cert)
 *   %N the names a certificate covers (const struct tp_cert_info *, diag_put_sans)
 *   %T the trust store of a verify result (const struct tp_verify_result *)
 *   %D a date (time_t)   %A an alert (int)   %V a version (int)
 *   %M a message (const struct tp_msg *)   %c a char
 *   %d %ld %u %zu %llu numbers   %% a '%'
 * Untrusted text goes through %e, %F or %C only. */
void diag_say(struct tp_sb *sb, const char *fmt, ...);
#define DIAG_F(arr) (arr), sizeof(arr)

/* How to make each client trust a CA: shared by unknown-authority and self-signed. */
#define TRUST_HOWTO                                                                         \
    "Go: add it to an x509.CertPool used as tls.Config.RootCAs (or SSL_CERT_FILE=ca.pem); " \
    "curl: --cacert ca.pem (or CURL_CA_BUNDLE); openssl: -CAfile ca.pem; "                  \
    "Python: ssl.create_default_context(cafile='ca.pem') (requests: verify='ca.pem' or "    \
    "REQUESTS_CA_BUNDLE); Java: keytool -importcert -alias myca -file ca.pem -keystore "   \
    "truststore.jks, then -Djavax.net.ssl.trustStore=truststore.jks; Node: "               \
    "NODE_EXTRA_CA_CERTS=ca.pem; Debian/Ubuntu system-wide: copy it to "                    \
    "/usr/local/share/ca-certificates/myca.crt and run update-ca-certificates"

#define SERVE_FULLCHAIN                                                                      \
    "Serve the full chain: the leaf first, then each intermediate in order, without the "    \
    "root (nginx: ssl_certificate fullchain.pem; Apache 2.4.8+: SSLCertificateFile with the " \
    "intermediates appended; HAProxy: one crt file with leaf, intermediates and key; "       \
    "certbot: fullchain.pem, not cert.pem). 'tlsprobe check --chain cert.pem "              \
    "--intermediates DIR --save-chain fullchain.pem' writes it"

/* Run every rule of the table on the facts; findings go to out. */
/* deprecated-version for a scan (rules_scan.c). */
void diag_scan_deprecated(struct diag_ctx *c);
void diag_run_rules(struct diag_facts *f, struct tp_session *out);
/* The graph, for tests and docs: rule i's suppressors (a mask of table
 * indices, DIAG_BY_ANY_ERROR resolved) and its kind ("session", "chain", "alerts"). */
uint64_t diag_rule_suppressors(size_t i);
const char *diag_rule_kind_name(size_t i);

#endif
