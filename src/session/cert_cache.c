/* Certificate summaries shared between sessions.
 *
 * tp_cert_parse checks a signature (and seeds an RNG) for every certificate:
 * ~0.3 ms, which would cap a capture at a few thousand sessions per second,
 * while a capture repeats the same few server chains thousands of times. So
 * summaries are cached by their DER (found by a hash of its length and last 64
 * bytes, the signature, then compared in full), reference-counted, and shared
 * read-only by the chains that hold them. A 4-way set-associative table
 * of TP_MAX_CERT_CACHE entries; an entry still referenced by a session is
 * never evicted (when a whole set is in use the summary is made private).
 * The cache is the caller's (a capture, a listen server: tp_cert_cache_new),
 * lent to each session (tp_session_set_cert_cache); a session without one
 * parses its certificates privately. Thread-safe: listen serves sessions from
 * several threads, a capture summarises on its finisher and frees on its reader.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/limits.h"
#include "tlsprobe/x509.h"
#include "session/internal.h"

#define WAYS 4
#define SETS (TP_MAX_CERT_CACHE / WAYS)

struct cc_ent {
    uint64_t key;
    uint8_t *der;              /* owned copy, to confirm a match */
    size_t der_len;
    struct tp_cert_info *ci;   /* NULL: empty */
    uint32_t refs;
    uint64_t last_use;
};

struct tp_cert_cache {
    struct cc_ent *table;     /* SETS * WAYS */
    uint64_t clock_tick;
    pthread_mutex_t mu;
};

struct tp_cert_cache *tp_cert_cache_new(void)
{
    struct tp_cert_cache *cc = calloc(1, sizeof *cc);
    if (!cc)
        return NULL;
    cc->table = calloc(SETS * WAYS, sizeof *cc->table);
    if (!cc->table) {
        free(cc);
        return NULL;
    }
    pthread_mutex_init(&cc->mu, NULL);
    return cc;
}

void tp_cert_cache_free(struct tp_cert_cache *cc)
{
    if (!cc)
        return;
    for (size_t i = 0; i < (size_t)SETS * WAYS; i++) {
        tp_cert_free(cc->table[i].ci);
        free(cc->table[i].der);
    }
    free(cc->table);
    pthread_mutex_destroy(&cc->mu);
    free(cc);
}

/* FNV-1a over the length and the last 64 bytes (the signature: as good as
 * random for real certificates; a collision only costs a full compare). */
static uint64_t der_key(const uint8_t *der, size_t len)
{
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)len;
    size_t from = len > 64 ? len - 64 : 0;
    for (size_t i = from; i < len; i++) {
        h ^= der[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static struct cc_ent *set_of(struct tp_cert_cache *cc, uint64_t key)
{
    return &cc->table[(size_t)((key >> 17) % SETS) * WAYS];
}

static struct cc_ent *find(struct tp_cert_cache *cc, uint64_t key, const uint8_t *der, size_t len)
{
    struct cc_ent *set = set_of(cc, key);
    for (int w = 0; w < WAYS; w++)
        if (set[w].ci && set[w].key == key && set[w].der_len == len && !memcmp(set[w].der, der, len))
            return &set[w];
    return NULL;
}

/* A private summary (no cache, or not cacheable). */
static struct tp_cert_info *parse_private(const uint8_t *der, size_t len)
{
    struct tp_cert_info *ci = NULL;
    if (tp_cert_parse(der, len, &ci) != TP_OK) {
        tp_cert_free(ci);
        return NULL;
    }
    return ci;
}

/* Under cc->mu: a cached summary of der, counted as used, or NULL. */
static struct tp_cert_info *hit(struct tp_cert_cache *cc, uint64_t key, const uint8_t *der, size_t len)
{
    struct cc_ent *e = find(cc, key, der, len);
    if (!e)
        return NULL;
    e->refs++;
    e->last_use = ++cc->clock_tick;
    return e->ci;
}

struct tp_cert_info *tp_cert_cache_get(struct tp_cert_cache *cc, const uint8_t *der, size_t len)
{
    if (!cc)
        return parse_private(der, len);
    uint64_t key = der_key(der, len);
    pthread_mutex_lock(&cc->mu);
    struct tp_cert_info *ci = hit(cc, key, der, len);
    pthread_mutex_unlock(&cc->mu);
    if (ci)
        return ci;
    /* parse outside the lock: it is the slow part */
    if (!(ci = parse_private(der, len)))
        return NULL;
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return ci;
    memcpy(copy, der, len);
    pthread_mutex_lock(&cc->mu);
    struct tp_cert_info *theirs = hit(cc, key, der, len);
    if (theirs) { /* another thread cached it meanwhile: use theirs */
        pthread_mutex_unlock(&cc->mu);
        tp_cert_free(ci);
        free(copy);
        return theirs;
    }
    struct cc_ent *set = set_of(cc, key), *victim = NULL;
    for (int w = 0; w < WAYS; w++) {
        if (!set[w].ci) {
            victim = &set[w];
            break;
        }
        if (!set[w].refs && (!victim || set[w].last_use < victim->last_use))
            victim = &set[w];
    }
    if (victim) {
        tp_cert_free(victim->ci);
        free(victim->der);
        victim->key = key;
        victim->der = copy;
        copy = NULL;
        victim->der_len = len;
        victim->ci = ci;
        victim->refs = 1;
        victim->last_use = ++cc->clock_tick;
    }
    pthread_mutex_unlock(&cc->mu);
    free(copy); /* not cached: the summary stays private */
    return ci;
}

void tp_cert_cache_put(struct tp_cert_cache *cc, struct tp_cert_info *ci, const uint8_t *der, size_t len)
{
    if (!ci)
        return;
    if (cc && der) {
        pthread_mutex_lock(&cc->mu);
        struct cc_ent *e = find(cc, der_key(der, len), der, len);
        if (e && e->ci == ci) {
            if (e->refs)
                e->refs--;
            pthread_mutex_unlock(&cc->mu);
            return; /* stays cached for the next session */
        }
        pthread_mutex_unlock(&cc->mu);
    }
    tp_cert_free(ci); /* a private summary */
}
