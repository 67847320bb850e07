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
 * Thread-safe: listen serves sessions from several threads.
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

static struct cc_ent *table;  /* SETS * WAYS, allocated on first use */
static uint64_t clock_tick;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

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

static struct cc_ent *set_of(uint64_t key)
{
    return &table[(size_t)((key >> 17) % SETS) * WAYS];
}

static struct cc_ent *find(uint64_t key, const uint8_t *der, size_t len)
{
    struct cc_ent *set = set_of(key);
    for (int w = 0; w < WAYS; w++)
        if (set[w].ci && set[w].key == key && set[w].der_len == len && !memcmp(set[w].der, der, len))
            return &set[w];
    return NULL;
}

struct tp_cert_info *tp_cert_cache_get(const uint8_t *der, size_t len)
{
    uint64_t key = der_key(der, len);
    {
        pthread_mutex_lock(&mu);
        if (!table)
            table = calloc(SETS * WAYS, sizeof *table);
        struct cc_ent *e = table ? find(key, der, len) : NULL;
        if (e) {
            e->refs++;
            e->last_use = ++clock_tick;
            struct tp_cert_info *ci = e->ci;
            pthread_mutex_unlock(&mu);
            return ci;
        }
        pthread_mutex_unlock(&mu);
    }
    /* parse outside the lock: it is the slow part */
    struct tp_cert_info *ci = NULL;
    if (tp_cert_parse(der, len, &ci) != TP_OK) {
        tp_cert_free(ci);
        return NULL;
    }
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return ci;
    memcpy(copy, der, len);
    pthread_mutex_lock(&mu);
    if (table) {
        struct cc_ent *e = find(key, der, len);
        if (e) { /* another thread cached it meanwhile: use theirs */
            e->refs++;
            e->last_use = ++clock_tick;
            struct tp_cert_info *theirs = e->ci;
            pthread_mutex_unlock(&mu);
            tp_cert_free(ci);
            free(copy);
            return theirs;
        }
        struct cc_ent *set = set_of(key), *victim = NULL;
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
            victim->last_use = ++clock_tick;
        }
    }
    pthread_mutex_unlock(&mu);
    free(copy); /* not cached: the summary stays private */
    return ci;
}

void tp_cert_cache_put(struct tp_cert_info *ci, const uint8_t *der, size_t len)
{
    if (!ci)
        return;
    if (der) {
        pthread_mutex_lock(&mu);
        struct cc_ent *e = table ? find(der_key(der, len), der, len) : NULL;
        if (e && e->ci == ci) {
            if (e->refs)
                e->refs--;
            pthread_mutex_unlock(&mu);
            return; /* stays cached for the next session */
        }
        pthread_mutex_unlock(&mu);
    }
    tp_cert_free(ci); /* a private summary */
}
