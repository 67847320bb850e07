/* Diagnosis: facts from a transcript -> a table of rules -> findings with stable
 * ids (STYLE.md "Diagnosis as data"). Rules key on facts, never on one library's
 * error number.
 *
 * Owns: the rule table (src/diagnose/rules.def: id, severity, texts, reference,
 * check function, the rules it is suppressed by; docs/rules.md), the findings
 * of a session (tp_diagnose replaces them), the explain message table and the
 * per-stack fixes. Must not touch: the transcript, chains and verify results
 * of the session (read only), the network, the trust store (verification is
 * x509's, done before tp_diagnose). */
#ifndef TLSPROBE_DIAGNOSE_H
#define TLSPROBE_DIAGNOSE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tlsprobe/session.h"
#include "tlsprobe/wire.h"

struct tp_rule {
    const char *id;           /* stable: "missing-intermediate" */
    enum tp_severity severity;
    const char *summary;      /* generic one line; findings carry a specific one */
    const char *explanation;  /* generic plain-language cause */
    const char *fix;          /* generic fix; never "disable verification" */
    const char *reference;    /* RFC section or spec */
};

/* The table, in the order findings are listed. */
const struct tp_rule *tp_rules(size_t *n);
const struct tp_rule *tp_rule_find(const char *id);

/* Run every rule on a finished session; appends findings (idempotent: clears
 * previous findings first). */
void tp_diagnose(struct tp_session *s);

/* Exit status from the contract: 0 nothing wrong, 1 a finding of severity error. */
int tp_exit_status(const struct tp_session *s);

/* explain: match an error message from a TLS stack. */
enum tp_explain_side {
    TP_EXPLAIN_SIDE_UNKNOWN = 0,
    TP_EXPLAIN_SIDE_CLIENT,   /* printed by the client (or its log) */
    TP_EXPLAIN_SIDE_SERVER,   /* printed by the server (or its log) */
};
const char *tp_explain_side_name(enum tp_explain_side s); /* "client", "server", NULL */

struct tp_explain_match {
    const char *rule_id;      /* NULL: no match */
    const char *stack;        /* "Go", "OpenSSL", "curl", ... */
    const char *pattern_name; /* which known message matched */
    const char *note;         /* what that message means in that stack */
    /* appended: */
    char host[TP_MAX_NAME_LEN + 1]; /* a host named in the message ("" when none) */
    unsigned port;            /* a port named with it (0 when none) */
    /* Who is speaking (issue 16). side: which program printed the message;
     * side_inferred: false when nothing in the text said so and the message is
     * read as a client's (the usual case). peer is the other end. */
    enum tp_explain_side side;
    bool side_inferred;
    bool side_given;          /* the caller said which side (tp_explain_match_side) */
    enum tp_explain_side peer;
    /* A TLS alert the message names: its code (alert_known), who sent it, and
     * whose certificate the finding is about (UNKNOWN when no certificate). */
    bool alert_known;
    uint8_t alert;
    enum tp_explain_side alert_from;
    enum tp_explain_side cert_of;
    const char *alert_form;   /* the stack's words before the alert's name ("remote error: tls: ") */
};
bool tp_explain_match(const char *text, struct tp_explain_match *m);
/* The same, with the side that printed the message known to the caller
 * (explain --side): it overrides what the text suggests. */
bool tp_explain_match_side(const char *text, enum tp_explain_side side, struct tp_explain_match *m);

/* One sentence, our own text: who printed the message and who rejected whom
 * ("Printed by the server: the client sent unknown_ca: it rejected the server's
 * certificate."). Writes at most n bytes (NUL included); returns out. */
char *tp_explain_in_words(const struct tp_explain_match *m, char *out, size_t n);

/* The fix for one stack ("go", "openssl", "curl", "python", "node", "java",
 * "dotnet", "gnutls", "browser"), right for the side that printed the message;
 * NULL when the table has none (the rule's generic fix applies). */
const char *tp_explain_stack_fix(const char *rule_id, const char *stack, enum tp_explain_side side);
/* The --stack name for a stack as explain reports it ("Go" -> "go"); NULL if none. */
const char *tp_explain_stack_key(const char *stack);
/* Is name one of the --stack names? */
bool tp_explain_stack_valid(const char *name);

/* The explain table, for completeness tests and docs: n entries. */
struct tp_explain_pattern {
    const char *stack;        /* "Go", "OpenSSL", ... ("any": generic text, the stack is guessed) */
    const char *pattern;      /* case-insensitive; '*' any text; '<' '>' word boundaries */
    const char *rule_id;
    const char *note;
    char side;                /* 'c' printed by a client, 's' by a server, 0: either */
};
const struct tp_explain_pattern *tp_explain_patterns(size_t *n);

/* `check`: facts only the files know. */
struct tp_check_facts {
    const char *chain_path;   /* for the texts */
    const char *key_path;     /* NULL: no --key given */
    bool key_matches;         /* the key's public part is the leaf's (SPKI SHA-256) */
    int key_matches_index;    /* when it does not: the index of a sent cert it matches, or -1 */
};
/* Judge a chain from files. s is a container: server_chain (DER + info), server_verify
 * and host are read; source and transcript are ignored. Clears and appends findings
 * like tp_diagnose. */
void tp_diagnose_check(struct tp_session *s, const struct tp_check_facts *cf);

/* mTLS CA names (src/diagnose/canames.c). A DER distinguished name as
 * "CN=...,O=..." (most specific first, values escaped; "(unreadable name)"),
 * into out (n bytes); returns the length written without the NUL. */
size_t tp_dn_text(struct tp_bytes dn, char *out, size_t n);
/* The issuer of a DER certificate, the same way. */
size_t tp_cert_issuer_text(struct tp_bytes cert, char *out, size_t n);
/* Does any certificate of chain have an issuer among names (DER compare)?
 * *matched_index: that certificate's index, or -1. */
bool tp_ca_names_match_chain(const struct tp_bytes_list *names, const struct tp_chain *chain, int *matched_index);

/* scan: judge what a server accepts (tlsprobe/scan.h) with the scan rules
 * (deprecated-version, weak-cipher, no-forward-secrecy, no-tls13,
 * no-server-preference). Returns a container session holding only the findings
 * (NULL: out of memory); free it with tp_session_free. */
struct tp_scan_result;
struct tp_session *tp_diagnose_scan(const struct tp_scan_result *r);
#endif
