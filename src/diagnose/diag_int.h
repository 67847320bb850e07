/* Private to src/diagnose: the facts a rule reads, and helpers that write the
 * specific texts. Rules never print; they append findings to the session. */
#ifndef TP_DIAG_INT_H
#define TP_DIAG_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include "tlsprobe/diagnose.h"
#include "tlsprobe/strbuf.h"

/* Who we were in the conversation: it decides "we"/"the server"/"the client". */
enum diag_role {
    DIAG_CLIENT,   /* connect: tlsprobe is the client */
    DIAG_SERVER,   /* listen: tlsprobe is the server */
    DIAG_OBSERVER, /* pcap: neither */
    DIAG_CHECK,    /* check: files on disk, no connection */
};

/* One chain to judge: the server's or the client's, with its verify result. */
struct diag_chain {
    const struct tp_chain *sent;
    const struct tp_verify_result *v;
    bool is_client;            /* the client's certificate (mTLS) */
};

struct diag_ctx {
    struct tp_session *s;
    enum diag_role role;
    const struct tp_check_facts *check; /* DIAG_CHECK only */
    time_t now;                /* when dates are judged (capture time for pcap) */
    bool *alert_explained;     /* per message index: a specific rule explained this alert */
    bool close_explained;      /* a specific rule explained why the connection ended */
    bool version_explained;
};

/* ---- facts ---- */
/* Index of the first handshake message of `type` sent by dir (-1: none). */
int diag_find_hs(const struct tp_session *s, int dir, int type);
/* Index of the last message before i sent by dir (-1: none). */
int diag_prev_from(const struct tp_session *s, size_t i, int dir);
/* The peer's direction, from our role (observer: -1 = both). */
int diag_peer_dir(const struct diag_ctx *c);

/* ---- wording ---- */
/* "the server" / "we (tlsprobe, the client)" ... for the sender of dir. */
const char *diag_who(const struct diag_ctx *c, int dir);
/* Capitalised variant. */
const char *diag_Who(const struct diag_ctx *c, int dir);
/* "our"/"the server's" etc. for the owner of a chain. */
const char *diag_whose_chain(const struct diag_ctx *c, bool client_chain);
/* A message as people name it: "ClientHello", "an encrypted record", "alert". */
void diag_put_msg(struct tp_sb *sb, const struct tp_msg *m);
/* 'CN' (escaped) or the subject line, or "(unreadable certificate)". */
void diag_put_cert(struct tp_sb *sb, const struct tp_cert_info *ci);
/* "2021-01-01" (UTC). */
void diag_put_date(struct tp_sb *sb, time_t t);
/* "alert_name (N)" */
void diag_put_alert(struct tp_sb *sb, uint8_t desc);
/* Leaf SANs as a list: "localhost, *.wild.test, 127.0.0.1" (escaped, capped). */
void diag_put_sans(struct tp_sb *sb, const struct tp_cert_info *ci);
/* The chain as sent: "1 certificate: 'a' issued by 'b'" (escaped). */
void diag_put_sent(struct tp_sb *sb, const struct diag_chain *ch);
/* The cert at path index i (or NULL). */
const struct tp_cert_info *diag_path_cert(const struct tp_verify_result *v, int i);
/* The leaf summary: from the verify path or the sent chain. */
const struct tp_cert_info *diag_leaf(const struct diag_chain *ch);

/* Append a finding; takes the three buffers (they are reset). */
void diag_emit(struct diag_ctx *c, const char *id, enum tp_severity sev, struct tp_sb *summary,
               struct tp_sb *explanation, struct tp_sb *fix);

/* Run every rule in table order (rules.c). */
void diag_run_rules(struct diag_ctx *c);

#endif
