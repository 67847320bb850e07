/* NSS key log (SSLKEYLOGFILE format): parse, look up, add, write.
 *
 *   LABEL <64 hex: client_random> <hex: secret>
 *
 * '#' starts a comment line; CRLF is accepted; a malformed line is counted
 * (tp_keylog_bad_lines), never fatal; labels we do not use (RSA, the EARLY_
 * exporter...) are skipped silently. Entries live in a growable array indexed by
 * an open-addressing hash table keyed by client_random (uniformly random by
 * construction, so its first 8 bytes are a good hash); secrets are nodes of a
 * shared pool (~56 bytes each). Bounded by TP_MAX_KEYLOG_ENTRIES secrets.
 */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/rsa.h>
#include <wolfssl/wolfcrypt/sha256.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/array.h"
#include "tlsprobe/limits.h"
#include "tlsprobe/reader.h"
#include "tlsprobe/session.h"
#include "session/internal.h"

/* One client_random, with its secrets in a singly linked list of nodes from a
 * shared pool: a TLS 1.2 session costs one node, a TLS 1.3 session five. */
struct kl_entry {
    uint8_t client_random[32];
    uint32_t first;         /* node index + 1, 0: none */
};
struct kl_node {
    uint8_t label;
    uint8_t len;
    uint8_t secret[TP_KEYLOG_SECRET_MAX];
    uint32_t next;          /* node index + 1, 0: end */
};

/* Record keys derived from a TLS 1.3 traffic secret (tp_keylog_add_traffic_key),
 * TP_KEYLOG_TRAFFIC_KEYS of them at most. */
struct kl_tkeys {
    uint8_t secret[48];
    uint8_t secret_len;
    uint8_t key_len;        /* 0: key not seen yet */
    bool has_iv;
    uint8_t key[32];
    uint8_t iv[12];
};

/* One of our own records (tp_keylog_add_own_record): its header, and its inner
 * plaintext at own_buf + off. */
struct kl_own {
    uint8_t hdr[5];
    uint32_t off, len;
};

struct tp_keylog {
    struct kl_tkeys *tkeys; /* TP_KEYLOG_TRAFFIC_KEYS of them, allocated on first use */
    size_t n_tkeys;
    struct kl_own own[TP_KEYLOG_OWN_RECORDS];
    size_t n_own;
    uint8_t *own_buf;       /* grown as needed, TP_KEYLOG_OWN_BYTES at most */
    size_t own_used, own_cap;
    struct kl_entry *ents;
    size_t n_ents, cap_ents;
    struct kl_node *nodes;  /* n_secrets of them */
    size_t cap_nodes;
    uint32_t *slots;        /* 0 empty, else index + 1 into ents */
    size_t n_slots;         /* power of two */
    size_t n_secrets;
    size_t n_bad;
    struct kl_rsa *rsa;     /* --key: RSA private keys, NULL when none */
    struct kl_psk *psk;     /* --psk: TP_KEYLOG_PSKS of them, NULL when none */
    size_t n_psk;
};

static const char *const label_names[TP_SECRET__COUNT] = {
    [TP_SECRET_CLIENT_RANDOM] = "CLIENT_RANDOM",
    [TP_SECRET_CLIENT_EARLY_TRAFFIC] = "CLIENT_EARLY_TRAFFIC_SECRET",
    [TP_SECRET_CLIENT_HANDSHAKE_TRAFFIC] = "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
    [TP_SECRET_SERVER_HANDSHAKE_TRAFFIC] = "SERVER_HANDSHAKE_TRAFFIC_SECRET",
    [TP_SECRET_CLIENT_TRAFFIC_0] = "CLIENT_TRAFFIC_SECRET_0",
    [TP_SECRET_SERVER_TRAFFIC_0] = "SERVER_TRAFFIC_SECRET_0",
    [TP_SECRET_EXPORTER] = "EXPORTER_SECRET",
};

const char *tp_secret_label_name(enum tp_secret_label l)
{
    if ((unsigned)l >= TP_SECRET__COUNT)
        return "UNKNOWN";
    return label_names[l];
}

struct tp_keylog *tp_keylog_new(void)
{
    return calloc(1, sizeof(struct tp_keylog));
}

static void rsa_free(struct kl_rsa *r);
/* A pre-shared key of TLS 1.2 PSK suites (tp_keylog_add_psk). */
struct kl_psk {
    uint8_t identity[128];
    size_t identity_len;
    uint8_t key[TP_PSK_MAX];
    size_t key_len;
};

void tp_keylog_free(struct tp_keylog *kl)
{
    if (!kl)
        return;
    /* Secrets, keys and plaintexts do not outlive the log: explicit_bzero, which
     * the compiler may not drop as a dead store before free (a memset may be). */
    if (kl->tkeys)
        explicit_bzero(kl->tkeys, TP_KEYLOG_TRAFFIC_KEYS * sizeof *kl->tkeys);
    free(kl->tkeys);
    if (kl->own_buf)
        explicit_bzero(kl->own_buf, kl->own_used);
    free(kl->own_buf);
    free(kl->ents);
    rsa_free(kl->rsa);
    if (kl->psk)
        explicit_bzero(kl->psk, TP_KEYLOG_PSKS * sizeof *kl->psk);
    free(kl->psk);
    if (kl->nodes)
        explicit_bzero(kl->nodes, kl->cap_nodes * sizeof *kl->nodes);
    free(kl->nodes);
    free(kl->slots);
    free(kl);
}

size_t tp_keylog_count(const struct tp_keylog *kl) { return kl ? kl->n_secrets : 0; }
size_t tp_keylog_own_count(const struct tp_keylog *kl) { return kl ? kl->n_own : 0; }
size_t tp_keylog_bad_lines(const struct tp_keylog *kl) { return kl ? kl->n_bad : 0; }

static uint64_t cr_hash(const uint8_t cr[32])
{
    uint64_t h = 0;
    for (int i = 0; i < 8; i++)
        h = (h << 8) | cr[i];
    return h ^ (h >> 29);
}

static struct kl_entry *find(const struct tp_keylog *kl, const uint8_t cr[32])
{
    if (!kl || !kl->n_slots)
        return NULL;
    size_t mask = kl->n_slots - 1;
    for (size_t i = cr_hash(cr) & mask;; i = (i + 1) & mask) {
        uint32_t v = kl->slots[i];
        if (!v)
            return NULL;
        if (!memcmp(kl->ents[v - 1].client_random, cr, 32))
            return &kl->ents[v - 1];
    }
}

static bool rehash(struct tp_keylog *kl, size_t n_slots)
{
    uint32_t *slots = calloc(n_slots, sizeof *slots);
    if (!slots)
        return false;
    for (size_t e = 0; e < kl->n_ents; e++) {
        size_t i = cr_hash(kl->ents[e].client_random) & (n_slots - 1);
        while (slots[i])
            i = (i + 1) & (n_slots - 1);
        slots[i] = (uint32_t)(e + 1);
    }
    free(kl->slots);
    kl->slots = slots;
    kl->n_slots = n_slots;
    return true;
}

static struct kl_entry *insert(struct tp_keylog *kl, const uint8_t cr[32])
{
    struct kl_entry *e = find(kl, cr);
    if (e)
        return e;
    if (!TP_ARRAY_RESERVE(kl->ents, kl->n_ents, kl->cap_ents, 16, 0))
        return NULL;
    /* keep the load factor under 1/2 */
    if ((kl->n_ents + 1) * 2 > kl->n_slots && !rehash(kl, kl->n_slots ? kl->n_slots * 2 : 32))
        return NULL;
    e = &kl->ents[kl->n_ents];
    memset(e, 0, sizeof *e);
    memcpy(e->client_random, cr, 32);
    size_t i = cr_hash(cr) & (kl->n_slots - 1);
    while (kl->slots[i])
        i = (i + 1) & (kl->n_slots - 1);
    kl->slots[i] = (uint32_t)(kl->n_ents + 1);
    kl->n_ents++;
    return e;
}

static struct kl_node *node_of(const struct tp_keylog *kl, const struct kl_entry *e, enum tp_secret_label label)
{
    for (uint32_t i = e->first; i; i = kl->nodes[i - 1].next)
        if (kl->nodes[i - 1].label == label)
            return &kl->nodes[i - 1];
    return NULL;
}

enum tp_err tp_keylog_add(struct tp_keylog *kl, enum tp_secret_label label, const uint8_t client_random[32],
                          const uint8_t *secret, size_t secret_len)
{
    if (!kl || (unsigned)label >= TP_SECRET__COUNT || !client_random || !secret || secret_len == 0)
        return TP_ERR_USAGE;
    if (secret_len > TP_KEYLOG_SECRET_MAX)
        return TP_ERR_MALFORMED;
    struct kl_entry *e = find(kl, client_random);
    struct kl_node *nd = e ? node_of(kl, e, label) : NULL;
    if (!nd) {
        if (kl->n_secrets >= TP_MAX_KEYLOG_ENTRIES)
            return TP_ERR_LIMIT;
        if (!TP_ARRAY_RESERVE(kl->nodes, kl->n_secrets, kl->cap_nodes, 16, 0))
            return TP_ERR_NOMEM;
        if (!e && !(e = insert(kl, client_random)))
            return TP_ERR_NOMEM;
        nd = &kl->nodes[kl->n_secrets++];
        memset(nd, 0, sizeof *nd);
        nd->label = (uint8_t)label;
        nd->next = e->first;
        e->first = (uint32_t)kl->n_secrets;
    }
    memcpy(nd->secret, secret, secret_len); /* a later line for the same key wins */
    nd->len = (uint8_t)secret_len;
    return TP_OK;
}

size_t tp_keylog_get(const struct tp_keylog *kl, enum tp_secret_label label, const uint8_t client_random[32],
                     uint8_t *out, size_t cap)
{
    if ((unsigned)label >= TP_SECRET__COUNT || !client_random)
        return 0;
    const struct kl_entry *e = find(kl, client_random);
    const struct kl_node *nd = e ? node_of(kl, e, label) : NULL;
    if (!nd || nd->len > cap)
        return 0;
    memcpy(out, nd->secret, nd->len);
    return nd->len;
}

static struct kl_tkeys *tkeys_of(const struct tp_keylog *kl, const uint8_t *secret, size_t secret_len)
{
    for (size_t i = 0; i < kl->n_tkeys; i++)
        if (kl->tkeys[i].secret_len == secret_len && !memcmp(kl->tkeys[i].secret, secret, secret_len))
            return &kl->tkeys[i];
    return NULL;
}

enum tp_err tp_keylog_add_traffic_key(struct tp_keylog *kl, const uint8_t *secret, size_t secret_len, bool iv,
                                      const uint8_t *v, size_t len)
{
    if (!kl || !secret || !v || (secret_len != 32 && secret_len != 48))
        return TP_ERR_USAGE;
    if (iv ? len != 12 : (len != 16 && len != 32))
        return TP_ERR_USAGE;
    struct kl_tkeys *t = tkeys_of(kl, secret, secret_len);
    if (!t) {
        if (!kl->tkeys && !(kl->tkeys = calloc(TP_KEYLOG_TRAFFIC_KEYS, sizeof *kl->tkeys)))
            return TP_ERR_NOMEM;
        if (kl->n_tkeys == TP_KEYLOG_TRAFFIC_KEYS)
            return TP_ERR_LIMIT;
        t = &kl->tkeys[kl->n_tkeys++];
        memcpy(t->secret, secret, secret_len);
        t->secret_len = (uint8_t)secret_len;
    }
    if (iv) {
        memcpy(t->iv, v, 12);
        t->has_iv = true;
    } else {
        memcpy(t->key, v, len);
        t->key_len = (uint8_t)len;
    }
    return TP_OK;
}

bool tp_keylog_traffic_keys(const struct tp_keylog *kl, const uint8_t *secret, size_t secret_len, size_t key_len,
                            uint8_t *key, uint8_t iv[12])
{
    const struct kl_tkeys *t = kl && secret ? tkeys_of(kl, secret, secret_len) : NULL;
    if (!t || !t->has_iv || t->key_len != key_len)
        return false;
    memcpy(key, t->key, key_len);
    memcpy(iv, t->iv, 12);
    return true;
}

enum tp_err tp_keylog_add_own_record(struct tp_keylog *kl, const uint8_t hdr[5], const uint8_t *pt, size_t len)
{
    if (!kl || !hdr || (!pt && len))
        return TP_ERR_USAGE;
    if (kl->n_own == TP_KEYLOG_OWN_RECORDS || len > TP_KEYLOG_OWN_BYTES - kl->own_used)
        return TP_ERR_LIMIT;
    uint8_t *b = tp_buf_grow(kl->own_buf, &kl->own_cap, kl->own_used + len, 4096, TP_KEYLOG_OWN_BYTES);
    if (!b)
        return TP_ERR_NOMEM;
    kl->own_buf = b;
    struct kl_own *o = &kl->own[kl->n_own++];
    memcpy(o->hdr, hdr, 5);
    o->off = (uint32_t)kl->own_used;
    o->len = (uint32_t)len;
    if (len)
        memcpy(kl->own_buf + kl->own_used, pt, len);
    kl->own_used += len;
    return TP_OK;
}

const uint8_t *tp_keylog_own_record(const struct tp_keylog *kl, const uint8_t hdr[5], size_t len,
                                    const uint8_t head[16])
{
    if (!kl || len < 16)
        return NULL;
    for (size_t i = 0; i < kl->n_own; i++) {
        const struct kl_own *o = &kl->own[i];
        if (o->len == len && !memcmp(o->hdr, hdr, 5) && !memcmp(kl->own_buf + o->off, head, 16))
            return kl->own_buf + o->off;
    }
    return NULL;
}

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode a hex field; false unless it is even, non-empty and fits cap. */
static bool unhex(struct tp_bytes f, uint8_t *out, size_t cap, size_t *n)
{
    if (f.len == 0 || f.len % 2 || f.len / 2 > cap)
        return false;
    for (size_t i = 0; i < f.len / 2; i++) {
        int hi = hexval(f.p[2 * i]), lo = hexval(f.p[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    *n = f.len / 2;
    return true;
}

/* Next space-separated field of a line (reader over the line). */
static bool next_field(struct tp_reader *r, struct tp_bytes *f)
{
    uint8_t c;
    while (tp_reader_left(r) && r->p[r->off] == ' ')
        (void)tp_read_u8(r, &c);
    size_t start = r->off, n = 0;
    while (tp_reader_left(r) - n > 0 && r->p[start + n] != ' ')
        n++;
    if (!n)
        return false;
    return tp_read_bytes(r, n, f);
}

enum kl_line { KL_OK, KL_SKIP, KL_BAD, KL_LIMIT, KL_NOMEM };

static enum kl_line parse_line(struct tp_keylog *kl, struct tp_bytes line)
{
    /* strip CR and trailing blanks; tabs count as spaces */
    while (line.len && (line.p[line.len - 1] == '\r' || line.p[line.len - 1] == ' ' || line.p[line.len - 1] == '\t'))
        line.len--;
    size_t lead = 0;
    while (lead < line.len && (line.p[lead] == ' ' || line.p[lead] == '\t'))
        lead++;
    if (lead == line.len || line.p[lead] == '#')
        return KL_SKIP;
    if (line.len > 512)
        return KL_BAD;
    uint8_t copy[512];
    memcpy(copy, line.p, line.len);
    for (size_t i = 0; i < line.len; i++)
        if (copy[i] == '\t')
            copy[i] = ' ';
    struct tp_reader r;
    tp_reader_init(&r, copy, line.len);
    struct tp_bytes label, cr_hex, sec_hex, extra;
    if (!next_field(&r, &label) || !next_field(&r, &cr_hex) || !next_field(&r, &sec_hex))
        return KL_BAD;
    if (next_field(&r, &extra))
        return KL_BAD;
    int which = -1;
    for (int i = 0; i < TP_SECRET__COUNT; i++)
        if (tp_bytes_eq_str(label, label_names[i]))
            which = i;
    uint8_t cr[32], sec[TP_KEYLOG_SECRET_MAX];
    size_t crn = 0, secn = 0;
    if (!unhex(cr_hex, cr, sizeof cr, &crn) || !unhex(sec_hex, sec, sizeof sec, &secn)) {
        /* "RSA <16 hex> <96 hex>" and other labels have other shapes: skip them */
        return which < 0 ? KL_SKIP : KL_BAD;
    }
    if (which < 0)
        return KL_SKIP;
    if (crn != 32)
        return KL_BAD;
    if (which == TP_SECRET_CLIENT_RANDOM && secn != 48)
        return KL_BAD;
    switch (tp_keylog_add(kl, (enum tp_secret_label)which, cr, sec, secn)) {
    case TP_OK:
        return KL_OK;
    case TP_ERR_LIMIT:
        return KL_LIMIT;
    case TP_ERR_NOMEM:
        return KL_NOMEM;
    default:
        return KL_BAD;
    }
}

/* Feed a buffer of whole lines (the last one may lack '\n'). */
static enum tp_err parse_into(struct tp_keylog *kl, const uint8_t *data, size_t len)
{
    struct tp_reader r;
    tp_reader_init(&r, data, len);
    while (tp_reader_left(&r)) {
        size_t n = 0, left = tp_reader_left(&r);
        const uint8_t *p = r.p + r.off;
        while (n < left && p[n] != '\n')
            n++;
        struct tp_bytes line;
        if (!tp_read_bytes(&r, n, &line))
            break;
        if (tp_reader_left(&r))
            (void)tp_read_skip(&r, 1);
        switch (parse_line(kl, line)) {
        case KL_NOMEM:
            return TP_ERR_NOMEM;
        case KL_BAD:
        case KL_LIMIT: /* beyond the cap: counted like a line we could not use */
            kl->n_bad++;
            break;
        default:
            break;
        }
    }
    return TP_OK;
}

enum tp_err tp_keylog_parse(const uint8_t *data, size_t len, struct tp_keylog **out)
{
    *out = NULL;
    struct tp_keylog *kl = tp_keylog_new();
    if (!kl)
        return TP_ERR_NOMEM;
    enum tp_err e = parse_into(kl, data, len);
    if (e != TP_OK) {
        tp_keylog_free(kl);
        return e;
    }
    *out = kl;
    return TP_OK;
}

enum tp_err tp_keylog_load(const char *path, struct tp_keylog **out, char *err, size_t errlen)
{
    *out = NULL;
    if (err && errlen)
        err[0] = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (err)
            snprintf(err, errlen, "key log %s: %s", path, strerror(errno));
        return TP_ERR_IO;
    }
    struct tp_keylog *kl = tp_keylog_new();
    if (!kl) {
        fclose(f);
        return TP_ERR_NOMEM;
    }
    /* Read in chunks and hand whole lines to the parser: a key log grows with the
     * capture (one line per secret), so it is not capped like input files. */
    size_t cap = 64 * 1024, have = 0;
    uint8_t *buf = malloc(cap);
    enum tp_err e = buf ? TP_OK : TP_ERR_NOMEM;
    bool saw_text = false;
    while (e == TP_OK) {
        size_t n = fread(buf + have, 1, cap - have, f);
        if (n == 0) {
            if (ferror(f)) {
                if (err)
                    snprintf(err, errlen, "key log %s: read error", path);
                e = TP_ERR_IO;
            } else if (have) {
                e = parse_into(kl, buf, have);
            }
            break;
        }
        for (size_t i = 0; i < n; i++)
            if (buf[have + i] == 0) {
                if (err)
                    snprintf(err, errlen, "key log %s: binary data, not an NSS key log", path);
                e = TP_ERR_MALFORMED;
                break;
            }
        saw_text = true;
        have += n;
        size_t last_nl = have;
        while (last_nl > 0 && buf[last_nl - 1] != '\n')
            last_nl--;
        if (e == TP_OK && last_nl == 0 && have == cap) {
            /* one line fills the whole chunk: not a key log line; drop it */
            kl->n_bad++;
            have = 0;
            continue;
        }
        if (e == TP_OK && last_nl) {
            e = parse_into(kl, buf, last_nl);
            memmove(buf, buf + last_nl, have - last_nl);
            have -= last_nl;
        }
    }
    (void)saw_text;
    free(buf);
    fclose(f);
    if (e != TP_OK) {
        if (err && !err[0])
            snprintf(err, errlen, "key log %s: %s", path, tp_err_text(e));
        tp_keylog_free(kl);
        return e;
    }
    *out = kl;
    return TP_OK;
}

bool tp_keylog_write_session(const struct tp_keylog *kl, const uint8_t client_random[32], FILE *f)
{
    const struct kl_entry *e = find(kl, client_random);
    if (!e || !f)
        return false;
    bool any = false;
    for (int l = 0; l < TP_SECRET__COUNT; l++) {
        const struct kl_node *nd = node_of(kl, e, (enum tp_secret_label)l);
        if (!nd)
            continue;
        char line[40 + 64 + 2 * TP_KEYLOG_SECRET_MAX + 4];
        size_t n = (size_t)snprintf(line, sizeof line, "%s ", label_names[l]);
        for (int i = 0; i < 32; i++)
            n += (size_t)snprintf(line + n, sizeof line - n, "%02x", e->client_random[i]);
        line[n++] = ' ';
        for (int i = 0; i < nd->len; i++)
            n += (size_t)snprintf(line + n, sizeof line - n, "%02x", nd->secret[i]);
        line[n++] = '\n';
        if (fwrite(line, 1, n, f) != n)
            return false;
        any = true;
    }
    return any;
}

/* ---- RSA private keys (--key): the premaster of TLS 1.0-1.2 RSA key exchange ----
 *
 * Sessions are decoded on several threads; wolfCrypt's RSA decryption blinds with
 * the key's RNG and is not reentrant on one RsaKey: one mutex serialises the
 * decryptions (one per RSA session, at its ClientKeyExchange). The RNG is made
 * when the first key is added, before a capture confines itself. */
struct kl_rsa_key {
    RsaKey key;
    uint8_t pub_sha256[32]; /* SHA-256 of its SubjectPublicKeyInfo */
};
struct kl_rsa {
    pthread_mutex_t mu;
    WC_RNG rng;
    size_t n;
    struct kl_rsa_key k[TP_KEYLOG_RSA_KEYS];
};

static void rsa_free(struct kl_rsa *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        wc_FreeRsaKey(&r->k[i].key);
    wc_FreeRng(&r->rng);
    pthread_mutex_destroy(&r->mu);
    explicit_bzero(r, sizeof *r);
    free(r);
}

size_t tp_keylog_rsa_count(const struct tp_keylog *kl)
{
    return kl && kl->rsa ? kl->rsa->n : 0;
}

enum tp_err tp_keylog_add_rsa_key(struct tp_keylog *kl, const uint8_t *der, size_t len)
{
    if (!kl || !der || len == 0 || len > 16384)
        return TP_ERR_MALFORMED;
    if (!kl->rsa) {
        struct kl_rsa *r = calloc(1, sizeof *r);
        if (!r)
            return TP_ERR_NOMEM;
        if (wc_InitRng(&r->rng) != 0) {
            free(r);
            return TP_ERR_CRYPTO;
        }
        if (pthread_mutex_init(&r->mu, NULL) != 0) {
            wc_FreeRng(&r->rng);
            free(r);
            return TP_ERR_NOMEM;
        }
        kl->rsa = r;
    }
    struct kl_rsa *r = kl->rsa;
    if (r->n >= TP_KEYLOG_RSA_KEYS)
        return TP_ERR_LIMIT;
    uint8_t *copy = malloc(len);
    if (!copy)
        return TP_ERR_NOMEM;
    memcpy(copy, der, len);
    /* PKCS#8 (RFC 5208) wraps the PKCS#1 RSAPrivateKey: start at the inner key */
    word32 idx = 0;
    if (wc_GetPkcs8TraditionalOffset(copy, &idx, (word32)len) < 0)
        idx = 0;
    struct kl_rsa_key *k = &r->k[r->n];
    enum tp_err e = TP_OK;
    if (wc_InitRsaKey(&k->key, NULL) != 0) {
        explicit_bzero(copy, len);
        free(copy);
        return TP_ERR_CRYPTO;
    }
    uint8_t pub[4096];
    int pub_len;
    if (wc_RsaPrivateKeyDecode(copy, &idx, &k->key, (word32)len) != 0)
        e = TP_ERR_UNSUPPORTED; /* not an RSA private key (EC, Ed25519, garbage) */
    else if (wc_RsaSetRNG(&k->key, &r->rng) != 0)
        e = TP_ERR_CRYPTO;
    else if ((pub_len = wc_RsaKeyToPublicDer(&k->key, pub, (word32)sizeof pub)) <= 0 ||
             wc_Sha256Hash(pub, (word32)pub_len, k->pub_sha256) != 0)
        e = TP_ERR_CRYPTO;
    explicit_bzero(copy, len);
    free(copy);
    if (e != TP_OK) {
        wc_FreeRsaKey(&k->key);
        return e;
    }
    r->n++;
    return TP_OK;
}

enum tp_err tp_keylog_rsa_premaster(const struct tp_keylog *kl, const uint8_t spki_sha256[32], const uint8_t *epms,
                                    size_t len, uint8_t pms[48])
{
    struct kl_rsa *r = kl ? kl->rsa : NULL;
    if (!r)
        return TP_ERR_NOKEY;
    for (size_t i = 0; i < r->n; i++) {
        if (memcmp(r->k[i].pub_sha256, spki_sha256, 32) != 0)
            continue;
        if (len != (size_t)wc_RsaEncryptSize(&r->k[i].key))
            return TP_ERR_DECRYPT;
        uint8_t out[512];
        if (len > sizeof out)
            return TP_ERR_DECRYPT;
        if (pthread_mutex_lock(&r->mu) != 0)
            return TP_ERR_CRYPTO;
        /* RFC 5246 §7.4.7.1: PKCS#1 v1.5 encryption of the 48-byte premaster */
        int n = wc_RsaPrivateDecrypt(epms, (word32)len, out, (word32)sizeof out, &r->k[i].key);
        (void)pthread_mutex_unlock(&r->mu);
        enum tp_err e = n == 48 ? TP_OK : TP_ERR_DECRYPT;
        if (e == TP_OK)
            memcpy(pms, out, 48);
        explicit_bzero(out, sizeof out);
        return e;
    }
    return TP_ERR_NOKEY;
}

/* ---- pre-shared keys (--psk) ---- */

enum tp_err tp_keylog_add_psk(struct tp_keylog *kl, const uint8_t *identity, size_t identity_len, const uint8_t *psk,
                              size_t psk_len)
{
    if (!kl || identity_len > sizeof kl->psk->identity || psk_len == 0 || psk_len > TP_PSK_MAX)
        return TP_ERR_MALFORMED;
    if (kl->n_psk >= TP_KEYLOG_PSKS)
        return TP_ERR_LIMIT;
    if (!kl->psk && !(kl->psk = calloc(TP_KEYLOG_PSKS, sizeof *kl->psk)))
        return TP_ERR_NOMEM;
    struct kl_psk *p = &kl->psk[kl->n_psk++];
    if (identity_len)
        memcpy(p->identity, identity, identity_len);
    p->identity_len = identity_len;
    memcpy(p->key, psk, psk_len);
    p->key_len = psk_len;
    return TP_OK;
}

size_t tp_keylog_psk_count(const struct tp_keylog *kl)
{
    return kl ? kl->n_psk : 0;
}

size_t tp_keylog_psk_get(const struct tp_keylog *kl, const uint8_t *identity, size_t identity_len,
                         uint8_t out[TP_PSK_MAX])
{
    const struct kl_psk *any = NULL;
    for (size_t i = 0; kl && i < kl->n_psk; i++) {
        const struct kl_psk *p = &kl->psk[i];
        if (p->identity_len == identity_len && (identity_len == 0 || !memcmp(p->identity, identity, identity_len))) {
            memcpy(out, p->key, p->key_len);
            return p->key_len;
        }
        if (p->identity_len == 0 && !any)
            any = p; /* ':HEX': for any identity */
    }
    if (!any)
        return 0;
    memcpy(out, any->key, any->key_len);
    return any->key_len;
}
