/* libFuzzer: the public trust-store data file (src/x509/truststores.c): the
 * parser, then lookups by the hashes the input itself spells (the R lines'
 * fields) and by raw input bytes, by subject + key and by issuer + key id. A
 * parsed file must answer every lookup with a verdict whose strings are
 * terminated and whose store count is within the limit. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/limits.h"
#include "tlsprobe/truststores.h"

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
    uint8_t h[32];
    size_t found = 0;
    /* the certificate hashes the R lines spell: after "R\t" */
    for (size_t i = 0; i + 2 < size && found < 32; i++) {
        if ((i && data[i - 1] != '\n') || data[i] != 'R' || data[i + 1] != '\t')
            continue;
        if (unhex32(data + i + 2, size - i - 2, h)) {
            if (!tp_trust_db_lookup(db, h, NULL, 0, NULL, NULL, 0, NULL, 0, v) || v->match != TP_TRUST_MATCH_CERT)
                abort(); /* a root the file lists is found */
            check(v);
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
    (void)tp_trust_db_count(db);
    (void)tp_trust_db_source(db);
    free(v);
    tp_trust_db_free(db);
    return 0;
}
