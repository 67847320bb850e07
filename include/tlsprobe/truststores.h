/* Which public trust stores hold a root: dated snapshots of Mozilla NSS, Apple,
 * Microsoft, Android (by version) and Java (OpenJDK, by version) root
 * fingerprints, read from data/trust-stores.tsv (docs/trust-stores.md: sources,
 * dates, licence, gaps; scripts/update-trust-stores.sh regenerates it).
 *
 * The data file is loaded at run time (tp_trust_db_load_default: the directory
 * $TLSPROBE_DATA_DIR, else the install's datadir compiled in as TP_DATA_DIR), by
 * the caller, once, and lent to tp_chain_verify through tp_verify_opts.trust_db;
 * no copy is kept here. Without the file the verdict says "not judged".
 *
 * Owns: the data file format and its parser, lookups by certificate SHA-256, by
 * subject + SPKI SHA-256 (a re-issued root with the same key) and by issuer name +
 * key id, and the verdict for a verified path (module x509). Must not: print or
 * word findings (diagnose does, render prints). */
#ifndef TLSPROBE_TRUSTSTORES_H
#define TLSPROBE_TRUSTSTORES_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tlsprobe/error.h"

struct tp_trust_db; /* opaque: the parsed data file */
struct tp_verify_result;

/* Stores (columns) a data file may have. */
#define TP_TRUST_MAX_STORES 8

enum tp_trust_status {
    TP_TRUST_ABSENT = 0,   /* never in the store's snapshots */
    TP_TRUST_TRUSTED,      /* in the newest snapshot (since: the first version that has it) */
    TP_TRUST_REMOVED,      /* was in it (since..until), not in the newest snapshot */
    TP_TRUST_DISTRUSTED,   /* on the store's blocked (disallowed) list */
};

enum tp_trust_match {
    TP_TRUST_MATCH_NONE = 0, /* the root is in no store's data */
    TP_TRUST_MATCH_CERT,     /* the top certificate itself (SHA-256 of its DER) */
    TP_TRUST_MATCH_KEY,      /* a root with the top's subject and public key (re-issued, cross-signed) */
    TP_TRUST_MATCH_ISSUER,   /* the root the top names as its issuer (name + key id) */
};

/* One store's answer for the root. Strings are from the data file (escape to print). */
struct tp_trust_store_verdict {
    char key[16];          /* "mozilla", "apple", "microsoft", "android", "java" */
    char name[32];         /* "Mozilla", "Android" */
    char date[16];         /* the newest snapshot's date, YYYY-MM-DD */
    char oldest[32];       /* the oldest snapshot's version or date ("8", "11.0.1", "2017-12-31") */
    enum tp_trust_status status;
    char since[32];        /* TRUSTED/REMOVED: first version or date that has it; "" = every snapshot */
    char until[32];        /* REMOVED: last version or date that had it */
};

struct tp_trust_verdict {
    bool judged;           /* the data was loaded and the path had a top certificate */
    enum tp_trust_match match;
    char root[128];        /* the root's name in the data, else the top's CN or subject */
    uint8_t root_sha256[32]; /* the matched root's certificate SHA-256 (match != NONE) */
    char source[96];       /* "nabla-c0d3/trust_stores_observatory 5be93b9 2026-07-19" */
    size_t n_stores;
    struct tp_trust_store_verdict stores[TP_TRUST_MAX_STORES];
    /* A certificate lower on the path that is itself a public root under another
     * issuer (the self-signed twin of a cross-sign): clients that lack the top can
     * end the path there. "" when none. */
    char alt_root[128];
    int alt_index;         /* its path index, -1 */
    size_t alt_trusted;    /* how many stores trust that root today */
};

/* Parse a data file's text (format 1, docs/trust-stores.md). Every line is
 * checked: an unknown line kind, a bad hash or cell, too many stores or roots
 * (TP_MAX_TRUST_ROOTS) fail with err set ("line 12: ..."). Free with
 * tp_trust_db_free. */
enum tp_err tp_trust_db_parse(const uint8_t *text, size_t len, struct tp_trust_db **out, char *err,
                              size_t errlen) TP_MUST_USE;
/* Read and parse a file (at most TP_MAX_TRUST_DATA_FILE bytes). */
enum tp_err tp_trust_db_load(const char *path, struct tp_trust_db **out, char *err, size_t errlen) TP_MUST_USE;
/* $TLSPROBE_DATA_DIR/trust-stores.tsv when that variable is set (tests, a newer
 * copy), else TP_DATA_DIR/trust-stores.tsv (CMake: the install's datadir).
 * TP_ERR_NOTFOUND when the file does not exist. */
enum tp_err tp_trust_db_load_default(struct tp_trust_db **out, char *err, size_t errlen) TP_MUST_USE;
void tp_trust_db_free(struct tp_trust_db *db);
size_t tp_trust_db_count(const struct tp_trust_db *db);
/* "nabla-c0d3/trust_stores_observatory 5be93b9 2026-07-19" */
const char *tp_trust_db_source(const struct tp_trust_db *db);

/* Look one root up and say what each store does with it: by certificate
 * SHA-256 (match CERT), else by subject Name (DER contents) + SPKI SHA-256 (KEY:
 * every root with that name and key counts, the best answer per store wins),
 * else, when issuer_der is given, by issuer name + key id (ISSUER; aki may be
 * NULL). false when no root matches (out->match NONE, every store ABSENT). */
bool tp_trust_db_lookup(const struct tp_trust_db *db, const uint8_t sha256[32], const uint8_t *subject_der,
                        size_t subject_len, const uint8_t spki_sha256[32], const uint8_t *issuer_der,
                        size_t issuer_len, const uint8_t *aki, size_t aki_len, struct tp_trust_verdict *out);

/* The verdict for a path: the top certificate of v's path (the anchor when the
 * path reached one, else the last certificate found) looked up as above, and a
 * lower certificate that is a public root of its own (alt_root). out->judged
 * false when db is NULL or the path is empty. */
void tp_trust_judge(const struct tp_trust_db *db, const struct tp_verify_result *v, struct tp_trust_verdict *out);

/* One certificate on its own (inspect): a CA certificate (or a self-signed one)
 * looked up as the top of a path would be; out->judged false for a leaf, or
 * without data. */
struct tp_cert_info;
void tp_trust_judge_cert(const struct tp_trust_db *db, const struct tp_cert_info *ci, struct tp_trust_verdict *out);

/* "trusted", "absent", "removed", "distrusted" */
const char *tp_trust_status_name(enum tp_trust_status s);
/* "certificate", "key", "issuer", NULL for NONE */
const char *tp_trust_match_name(enum tp_trust_match m);

#endif
