/* libFuzzer: the public trust-store data file (src/x509/truststores.c): the
 * parser, then lookups by the hashes the input itself spells (the R lines'
 * fields) and by raw input bytes, by subject + key and by issuer + key id. A
 * parsed file must answer every lookup with a verdict whose strings are
 * terminated and whose store count is within the limit.
 *
 * Then the path verdicts (tp_trust_judge, tp_trust_judge_cert) over a made-up
 * path of 1 + size % 3 certificates whose names, keys and key ids are the
 * input's first bytes: every certificate's SPKI hash is bytes 0..31; the top's
 * subject is bytes 0..31 and its issuer bytes 0..63 (or fewer), the others'
 * subject bytes 0..15. The input length picks the variants: & 1: the top has
 * an AKI (bytes 0..19); & 2: the top is self-issued; & 4: no CN; & 8: the leaf
 * is a CA; & 16: the top's certificate hash is the first R line's (else bytes
 * 0..31). So a seed's R lines can name a root by the SHA-256 of the input's
 * first 16, 24, 32 or 64 bytes (the lookups above use the same windows).
 * Seeds: fixtures/fuzz/fuzz_truststores/ (hand-made; match-*.tsv carry such
 * hashes, err-*.tsv one malformed line each). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/limits.h"
#include "tlsprobe/truststores.h"
#include "tlsprobe/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); /* libFuzzer's entry point */

static void check(const struct tp_trust_verdict *v)
{
    if (v->n_stores > TP_TRUST_MAX_STORES || !memchr(v->root, 0, sizeof v->root) ||
        !memchr(v->source, 0, sizeof v->source))
        abort();
    for (size_t i = 0; i < v->n_stores; i++) {
        const struct tp_trust_store_verdict *s = &v->stores[i];
        if (!memchr(s->since, 0, sizeof s->since) || !memchr(s->until, 0, sizeof s->until) ||
            !memchr(s->name, 0, sizeof s->name) || !tp_trust_status_name(s->status))
            abort();
    }
}

static int hexv(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* 64 hex digits at p: 32 bytes. */
static int unhex32(const uint8_t *p, size_t left, uint8_t out[32])
{
    if (left < 64)
        return 0;
    for (int i = 0; i < 32; i++) {
        int hi = hexv(p[2 * i]), lo = hexv(p[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return 0;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 1;
}

static void check_match(const struct tp_trust_verdict *v)
{
    check(v);
    if (v->match != TP_TRUST_MATCH_NONE && !tp_trust_match_name(v->match))
        abort();
}

/* The made-up path of the top comment (size >= 32). */
static void judge_path(const struct tp_trust_db *db, const uint8_t *data, size_t size, const uint8_t *first_root,
                       struct tp_trust_verdict *v)
{
    struct tp_verify_result *vr = calloc(1, sizeof *vr);
    struct tp_cert_info *ci = calloc(3, sizeof *ci);
    if (!vr || !ci)
        abort();
    size_t n = 1 + size % 3;
    for (size_t i = 0; i < n; i++) {
        struct tp_cert_info *c = &ci[i];
        bool top = i + 1 == n;
        memcpy(c->sha256, top && first_root && (size & 16) ? first_root : data, 32);
        memcpy(c->spki_sha256, data, 32);
        c->subject_der = (struct tp_bytes){ data, top ? 32 : 16 };
        c->issuer_der = (struct tp_bytes){ data, size < 64 ? size : 64 };
        c->subject = "CN=fuzz";
        c->subject_cn = (size & 4) ? NULL : "fuzz";
        c->is_ca = i > 0 || (size & 8);
        c->self_issued = top && (size & 2);
        c->self_signed = c->self_issued;
        if (top && (size & 1)) {
            memcpy(c->aki, data, 20);
            c->aki_len = 20;
        }
        vr->path[i].cert = c;
        vr->path[i].sent_index = (int)i;
    }
    vr->path_len = n;
    tp_trust_judge(db, vr, v);
    check_match(v);
    if (!v->judged || v->alt_index >= (int)n - 1 || v->alt_index < -1 || v->alt_trusted > v->n_stores)
        abort();
    for (size_t i = 0; i < n; i++) {
        tp_trust_judge_cert(db, &ci[i], v);
        check_match(v);
        if (v->judged != (ci[i].is_ca || ci[i].self_signed))
            abort();
    }
    free(ci);
    free(vr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tp_trust_db *db = NULL;
    char err[128];
    if (tp_trust_db_parse(data, size, &db, err, sizeof err) != TP_OK) {
        if (db || !memchr(err, 0, sizeof err))
            abort();
        return 0;
    }
    struct tp_trust_verdict *v = malloc(sizeof *v);
    if (!v)
        abort();
    uint8_t h[32], first[32];
    size_t found = 0;
    /* the certificate hashes the R lines spell: after "R\t" */
    for (size_t i = 0; i + 2 < size && found < 32; i++) {
        if ((i && data[i - 1] != '\n') || data[i] != 'R' || data[i + 1] != '\t')
            continue;
        if (unhex32(data + i + 2, size - i - 2, h)) {
            if (!tp_trust_db_lookup(db, h, NULL, 0, NULL, NULL, 0, NULL, 0, v) || v->match != TP_TRUST_MATCH_CERT)
                abort(); /* a root the file lists is found */
            check(v);
            if (!found)
                memcpy(first, h, 32);
            found++;
        }
    }
    for (size_t off = 0; off + 32 <= size && off < 4096; off += 61) {
        const uint8_t *p = data + off;
        (void)tp_trust_db_lookup(db, p, p, 32, p, p, size - off > 64 ? 64 : size - off, p, 20, v);
        check(v);
        (void)tp_trust_db_lookup(db, NULL, p, 16, p, NULL, 0, NULL, 0, v);
        check(v);
        (void)tp_trust_db_lookup(db, NULL, NULL, 0, NULL, p, 24, NULL, 0, v);
        check(v);
    }
    tp_trust_judge(db, NULL, v);
    if (v->judged)
        abort();
    if (size >= 32)
        judge_path(db, data, size, found ? first : NULL, v);
    if (tp_trust_match_name(TP_TRUST_MATCH_NONE))
        abort();
    (void)tp_trust_db_count(db);
    (void)tp_trust_db_source(db);
    free(v);
    tp_trust_db_free(db);
    return 0;
}
