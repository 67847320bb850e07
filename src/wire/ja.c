/* JA3 / JA3S (Salesforce, BSD-3) and JA4 (FoxIO, the BSD-licensed `JA4` part):
 * client and server hello fingerprints; JA4S (FoxIO's JA4+, FoxIO License 1.1,
 * patent pending), written here from its published description, only when built
 * with TP_JA4PLUS (docs/fingerprints.md). Hashes via wolfCrypt. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hash.h>
#include "tlsprobe/wire.h"
#include "tlsprobe/names.h"

/* A bounded appender over a caller's buffer; `cut` records overflow. */
struct out {
    char *p;
    size_t len, cap;
    bool cut;
};

static void out_put(struct out *o, const char *s, size_t n)
{
    if (o->len + n + 1 > o->cap) {
        o->cut = true;
        return;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = '\0';
}

/* Decimal without snprintf: the capture path fingerprints every hello. */
static void out_u(struct out *o, unsigned v, bool sep, char sepc)
{
    char tmp[16];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (sep)
        tmp[--i] = sepc;
    out_put(o, tmp + i, sizeof tmp - i);
}

static void hex_lower(const uint8_t *d, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[d[i] >> 4];
        out[2 * i + 1] = hx[d[i] & 15];
    }
    out[2 * n] = '\0';
}

/* A capture (or a load generator against listen) repeats the same few client and
 * server stacks thousands of times: a small memo (struct tp_ja_memo, the caller's:
 * one per thread, in its struct tp_worker) maps the exact inputs of a fingerprint
 * to its result and skips building the string and hashing it. Without one each
 * fingerprint is computed; the answer is the same either way.
 * The key is every input the algorithm reads, with each GREASE list value written
 * as 0x0a0a (all algorithms here drop GREASE values, so which one a client picked
 * cannot change the result); a hit needs the whole key to match. */
#define FP_SETS 32
#define FP_WAYS 2
#define FP_KEY_MAX 640
#define FP_STR_MAX 1024
enum { FP_JA3 = 1, FP_JA3S = 2, FP_JA4 = 3, FP_JA4S = 4 };
struct fp_memo {
    uint32_t used;
    uint16_t klen, slen;
    uint8_t kind;
    bool ok;                    /* the string was complete (tp_ja3's answer) */
    uint8_t key[FP_KEY_MAX];
    char str[FP_STR_MAX];       /* JA3 / JA3S string, the JA4, or the JA4S raw form */
    char md5[33];               /* JA3 / JA3S MD5, or the JA4S */
};
struct tp_ja_memo {
    struct fp_memo set[FP_SETS][FP_WAYS];
    uint32_t tick;
};

struct tp_ja_memo *tp_ja_memo_new(void)
{
    return calloc(1, sizeof(struct tp_ja_memo));
}

void tp_ja_memo_free(struct tp_ja_memo *jm)
{
    free(jm);
}

struct fp_key {
    uint8_t b[FP_KEY_MAX];
    size_t n;
    bool over;                  /* too long to remember: computed every time */
};

static void key_raw(struct fp_key *k, const void *p, size_t n)
{
    if (k->over || k->n + n > FP_KEY_MAX) {
        k->over = true;
        return;
    }
    if (n) /* p may be NULL for an empty list */
        memcpy(k->b + k->n, p, n);
    k->n += n;
}

static void key_u32(struct fp_key *k, uint32_t v)
{
    key_raw(k, &v, sizeof v);
}

/* A list of 16-bit values: its length, then each value, GREASE as 0x0a0a. */
static void key_list(struct fp_key *k, const uint16_t *v, size_t n)
{
    key_u32(k, (uint32_t)n);
    if (k->over || k->n + 2 * n > FP_KEY_MAX) {
        k->over = true;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        uint16_t x = tp_is_grease(v[i]) ? 0x0a0a : v[i];
        memcpy(k->b + k->n, &x, 2);
        k->n += 2;
    }
}

static void key_ext_types(struct fp_key *k, const struct tp_ext_list *l)
{
    key_u32(k, (uint32_t)l->n);
    for (size_t i = 0; i < l->n && !k->over; i++) {
        uint16_t x = tp_is_grease(l->items[i].type) ? 0x0a0a : l->items[i].type;
        key_raw(k, &x, 2);
    }
}

/* The entry holding this key (*hit), else the least recently used of its set;
 * NULL when the key was too long to remember. */
static struct fp_memo *fp_slot(struct tp_ja_memo *jm, int kind, const struct fp_key *k, bool *hit)
{
    *hit = false;
    if (!jm || k->over)
        return NULL;
    uint64_t h = UINT64_C(1469598103934665603) ^ (uint64_t)(unsigned)kind;
    size_t i = 0;
    for (; i + 8 <= k->n; i += 8) {
        uint64_t w;
        memcpy(&w, k->b + i, 8);
        h = (h ^ w) * 1099511628211ULL;
    }
    for (; i < k->n; i++)
        h = (h ^ k->b[i]) * 1099511628211ULL;
    struct fp_memo *set = jm->set[(h ^ h >> 29) % FP_SETS], *victim = &set[0];
    for (int w = 0; w < FP_WAYS; w++) {
        struct fp_memo *m = &set[w];
        if (m->kind == kind && m->klen == k->n && !memcmp(m->key, k->b, k->n)) {
            m->used = ++jm->tick;
            *hit = true;
            return m;
        }
        if (m->used < victim->used)
            victim = m;
    }
    return victim;
}

static void fp_store(struct tp_ja_memo *jm, struct fp_memo *m, int kind, const struct fp_key *k, const char *str, size_t slen,
                     const char *md5, bool ok)
{
    if (!m || slen >= FP_STR_MAX)
        return;
    m->kind = (uint8_t)kind;
    m->klen = (uint16_t)k->n;
    memcpy(m->key, k->b, k->n);
    m->slen = (uint16_t)slen;
    memcpy(m->str, str, slen);
    m->str[slen] = '\0';
    memcpy(m->md5, md5 ? md5 : "", md5 ? 33 : 1);
    m->ok = ok;
    m->used = ++jm->tick;
}

static void md5_hex(const char *s, size_t n, char md5[33])
{
    uint8_t d[16];
    if (wc_Md5Hash((const uint8_t *)s, (uint32_t)n, d) != 0)
        memset(d, 0, sizeof d);
    hex_lower(d, sizeof d, md5);
}

/* Hand out a remembered JA3 / JA3S as finish() would have. */
static bool from_memo(const struct fp_memo *m, char *str, size_t cap, char md5[33])
{
    memcpy(md5, m->md5, 33);
    if (!str || cap == 0)
        return false;
    size_t n = m->slen < cap - 1 ? m->slen : cap - 1;
    memcpy(str, m->str, n);
    str[n] = '\0';
    return m->ok && n == m->slen;
}

/* Large enough for every capped list in a tp_client_hello: 256 suites, 64
 * extensions, 64 groups, 255 point formats, each at most 6 characters. */
#define JA3_MAX 8192

static bool finish(struct out *full, char *str, size_t cap, char md5[33])
{
    md5_hex(full->p, full->len, md5);
    if (!str || cap == 0)
        return false;
    size_t n = full->len < cap - 1 ? full->len : cap - 1;
    memcpy(str, full->p, n);
    str[n] = '\0';
    return !full->cut && n == full->len;
}

bool tp_ja3_memo(struct tp_ja_memo *jm, const struct tp_client_hello *ch, char *str, size_t cap,
                 char md5_hex_out[33])
{
    struct fp_key k;
    k.n = 0;
    k.over = jm == NULL; /* no memo: no key to build */
    uint16_t lv = ch->legacy_version;
    key_raw(&k, &lv, 2);
    key_list(&k, ch->suites, ch->n_suites);
    key_ext_types(&k, &ch->ext.all);
    key_list(&k, ch->ext.groups.v, ch->ext.groups.n);
    key_u32(&k, (uint32_t)ch->ext.ec_point_formats.len);
    key_raw(&k, ch->ext.ec_point_formats.p, ch->ext.ec_point_formats.len);
    bool hit;
    struct fp_memo *m = fp_slot(jm, FP_JA3, &k, &hit);
    if (hit)
        return from_memo(m, str, cap, md5_hex_out);

    char buf[JA3_MAX];
    struct out o = { buf, 0, JA3_MAX, false };
    bool first;
    buf[0] = '\0';

    out_u(&o, ch->legacy_version, false, ',');
    out_put(&o, ",", 1);
    first = true;
    for (size_t i = 0; i < ch->n_suites; i++) {
        if (tp_is_grease(ch->suites[i]))
            continue;
        out_u(&o, ch->suites[i], !first, '-');
        first = false;
    }
    out_put(&o, ",", 1);
    first = true;
    for (size_t i = 0; i < ch->ext.all.n; i++) {
        if (tp_is_grease(ch->ext.all.items[i].type))
            continue;
        out_u(&o, ch->ext.all.items[i].type, !first, '-');
        first = false;
    }
    out_put(&o, ",", 1);
    first = true;
    for (size_t i = 0; i < ch->ext.groups.n; i++) {
        if (tp_is_grease(ch->ext.groups.v[i]))
            continue;
        out_u(&o, ch->ext.groups.v[i], !first, '-');
        first = false;
    }
    out_put(&o, ",", 1);
    for (size_t i = 0; i < ch->ext.ec_point_formats.len; i++)
        out_u(&o, ch->ext.ec_point_formats.p[i], i > 0, '-');

    bool ok = finish(&o, str, cap, md5_hex_out);
    fp_store(jm, m, FP_JA3, &k, o.p, o.cut ? FP_STR_MAX : o.len, md5_hex_out, !o.cut);
    return ok;
}

bool tp_ja3s_memo(struct tp_ja_memo *jm, const struct tp_server_hello *sh, char *str, size_t cap,
                  char md5_hex_out[33])
{
    struct fp_key k;
    k.n = 0;
    k.over = jm == NULL; /* no memo: no key to build */
    uint16_t hdr[2] = { sh->legacy_version, sh->suite };
    key_raw(&k, hdr, sizeof hdr);
    key_ext_types(&k, &sh->ext.all);
    bool hit;
    struct fp_memo *m = fp_slot(jm, FP_JA3S, &k, &hit);
    if (hit)
        return from_memo(m, str, cap, md5_hex_out);

    char buf[1024];
    struct out o = { buf, 0, sizeof buf, false };
    bool first = true;
    buf[0] = '\0';

    out_u(&o, sh->legacy_version, false, ',');
    out_u(&o, sh->suite, true, ',');
    out_put(&o, ",", 1);
    for (size_t i = 0; i < sh->ext.all.n; i++) {
        if (tp_is_grease(sh->ext.all.items[i].type))
            continue;
        out_u(&o, sh->ext.all.items[i].type, !first, '-');
        first = false;
    }
    bool ok = finish(&o, str, cap, md5_hex_out);
    fp_store(jm, m, FP_JA3S, &k, o.p, o.cut ? FP_STR_MAX : o.len, md5_hex_out, !o.cut);
    return ok;
}

/* ---- JA4 (FoxIO JA4.md, "JA4 Algorithm") ---- */

/* Insertion sort: the lists are short (tens of values, at most 256). */
static void sort_u16(uint16_t *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint16_t x = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

static const char *ja4_version(uint16_t v)
{
    switch (v) {
    case 0x0304: return "13";
    case 0x0303: return "12";
    case 0x0302: return "11";
    case 0x0301: return "10";
    case 0x0300: return "s3";
    case 0x0002: return "s2";
    case 0xfeff: return "d1";
    case 0xfefd: return "d2";
    case 0xfefc: return "d3";
    default: return "00";
    }
}

static bool is_alnum(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* The first ALPN value's first and last characters (JA4.md, "ALPN Extension
 * Value"): "00" when there is none or it is empty, one character counts as both,
 * and when either end is not an ASCII letter or digit the first and last digits
 * of the value's hex. JA4S uses the same rule for the ALPN the server selected. */
static void ja4_alpn(const struct tp_bytes_list *l, char alpn[3])
{
    alpn[0] = alpn[1] = '0';
    alpn[2] = '\0';
    if (l->n == 0 || l->v[0].len == 0)
        return;
    struct tp_bytes a = l->v[0];
    uint8_t f = a.p[0], e = a.p[a.len - 1];
    if (is_alnum(f) && is_alnum(e)) {
        alpn[0] = (char)f;
        alpn[1] = (char)e;
    } else {
        /* first and last characters of the hex of the whole value */
        static const char hx[] = "0123456789abcdef";
        alpn[0] = hx[f >> 4];
        alpn[1] = hx[e & 15];
    }
}

/* sha256 of a list of 4-hex-digit values joined by ',' (and optionally '_' and a
 * second list), truncated to 12 hex characters; "000000000000" when empty. */
static void ja4_hash(const uint16_t *a, size_t na, const uint16_t *b, size_t nb, char out[13])
{
    /* 256 values * 5 characters + the same for b fits. */
    char s[(TP_MAX_CIPHER_SUITES + TP_MAX_EXTENSIONS + TP_MAX_LIST_ITEMS) * 5 + 2];
    static const char hx[] = "0123456789abcdef";
    size_t len = 0;

    if (na == 0) {
        memcpy(out, "000000000000", 13);
        return;
    }
    /* na <= TP_MAX_CIPHER_SUITES or TP_MAX_EXTENSIONS, nb <= TP_MAX_LIST_ITEMS:
     * at most 5 characters each plus '_' fits s. */
    for (size_t k = 0; k < 2; k++) {
        const uint16_t *v = k ? b : a;
        size_t nv = k ? nb : na;
        if (k && nv)
            s[len++] = '_';
        for (size_t i = 0; i < nv; i++) {
            if (i)
                s[len++] = ',';
            s[len++] = hx[v[i] >> 12];
            s[len++] = hx[(v[i] >> 8) & 15];
            s[len++] = hx[(v[i] >> 4) & 15];
            s[len++] = hx[v[i] & 15];
        }
    }
    uint8_t d[32];
    char dhex[65];
    if (wc_Sha256Hash((const uint8_t *)s, (uint32_t)len, d) != 0)
        memset(d, 0, sizeof d);
    hex_lower(d, sizeof d, dhex);
    memcpy(out, dhex, 12);
    out[12] = '\0';
}

void tp_ja4_memo(struct tp_ja_memo *jm, const struct tp_client_hello *ch, bool quic, char out[40])
{
    struct fp_key k;
    k.n = 0;
    k.over = jm == NULL; /* no memo: no key to build */
    uint32_t hdr[4] = { quic, ch->legacy_version, ch->ext.has_sni, (uint32_t)ch->n_suites_total };
    key_raw(&k, hdr, sizeof hdr);
    key_list(&k, ch->suites, ch->n_suites);
    key_u32(&k, (uint32_t)ch->ext.all.n_total);
    key_ext_types(&k, &ch->ext.all);
    key_list(&k, ch->ext.sig_algs.v, ch->ext.sig_algs.n);
    key_list(&k, ch->ext.versions.v, ch->ext.versions.n);
    /* ALPN: only the first value's first and last bytes count */
    uint8_t alpn_key[3] = { 0, 0, 0 };
    if (ch->ext.alpn.n > 0 && ch->ext.alpn.v[0].len > 0) {
        alpn_key[0] = 1;
        alpn_key[1] = ch->ext.alpn.v[0].p[0];
        alpn_key[2] = ch->ext.alpn.v[0].p[ch->ext.alpn.v[0].len - 1];
    }
    key_raw(&k, alpn_key, sizeof alpn_key);
    bool hit;
    struct fp_memo *m = fp_slot(jm, FP_JA4, &k, &hit);
    if (hit) {
        memcpy(out, m->str, (size_t)m->slen + 1);
        return;
    }

    uint16_t suites[TP_MAX_CIPHER_SUITES], exts[TP_MAX_EXTENSIONS], sigs[TP_MAX_LIST_ITEMS];
    size_t ns = 0, ns_count, ne_count = 0, ne = 0, ng = 0;

    for (size_t i = 0; i < ch->n_suites; i++)
        if (!tp_is_grease(ch->suites[i]))
            suites[ns++] = ch->suites[i];
    ns_count = ns;
    for (size_t i = 0; i < ch->ext.all.n; i++) {
        uint16_t t = ch->ext.all.items[i].type;
        if (tp_is_grease(t))
            continue;
        ne_count++; /* the count includes SNI and ALPN; the hash does not */
        if (t != TP_EXT_SERVER_NAME && t != TP_EXT_ALPN)
            exts[ne++] = t;
    }
    /* Counts beyond the kept lists (hostile hellos): JA4 prints at most 99. */
    ns_count += ch->n_suites_total - ch->n_suites;
    ne_count += ch->ext.all.n_total - ch->ext.all.n;
    for (size_t i = 0; i < ch->ext.sig_algs.n; i++)
        if (!tp_is_grease(ch->ext.sig_algs.v[i]))
            sigs[ng++] = ch->ext.sig_algs.v[i];
    sort_u16(suites, ns);
    sort_u16(exts, ne);

    /* The version is the highest non-GREASE supported_versions entry, else the
     * ClientHello's legacy version. */
    uint16_t ver = tp_client_hello_max_version(ch);

    char alpn[3];
    ja4_alpn(&ch->ext.alpn, alpn);
    char hb[13], hc[13];
    ja4_hash(suites, ns, NULL, 0, hb);
    ja4_hash(exts, ne, sigs, ng, hc);
    int n = snprintf(out, 40, "%c%s%c%02u%02u%s_%s_%s", quic ? 'q' : 't', ja4_version(ver),
                     ch->ext.has_sni ? 'd' : 'i', (unsigned)(ns_count > 99 ? 99 : ns_count),
                     (unsigned)(ne_count > 99 ? 99 : ne_count), alpn, hb, hc);
    fp_store(jm, m, FP_JA4, &k, out, n > 0 && n < 40 ? (size_t)n : FP_STR_MAX, NULL, true);
}

bool tp_ja3(const struct tp_client_hello *ch, char *str, size_t cap, char md5_hex_out[33])
{
    return tp_ja3_memo(NULL, ch, str, cap, md5_hex_out);
}

bool tp_ja3s(const struct tp_server_hello *sh, char *str, size_t cap, char md5_hex_out[33])
{
    return tp_ja3s_memo(NULL, sh, str, cap, md5_hex_out);
}

void tp_ja4(const struct tp_client_hello *ch, bool quic, char out[40])
{
    tp_ja4_memo(NULL, ch, quic, out);
}

/* ---- JA4S (FoxIO JA4+, technical_details/JA4S.png; FoxIO License 1.1) ---- */
#if TP_JA4PLUS
bool tp_ja4s_memo(struct tp_ja_memo *jm, const struct tp_server_hello *sh, bool quic, char out[40], char *raw,
                  size_t rawcap)
{
    struct fp_key k;
    k.n = 0;
    k.over = jm == NULL; /* no memo: no key to build */
    uint32_t hdr[4] = { quic, sh->version, sh->suite, (uint32_t)sh->ext.all.n_total };
    key_raw(&k, hdr, sizeof hdr);
    /* every extension type as sent: JA4S keeps GREASE (a server sends none) */
    key_u32(&k, (uint32_t)sh->ext.all.n);
    for (size_t i = 0; i < sh->ext.all.n; i++)
        key_raw(&k, &sh->ext.all.items[i].type, 2);
    char alpn[3];
    ja4_alpn(&sh->ext.alpn, alpn);
    key_raw(&k, alpn, 2);
    bool hit;
    struct fp_memo *m = fp_slot(jm, FP_JA4S, &k, &hit);
    if (hit) {
        memcpy(out, m->md5, 33);
        return raw && rawcap ? from_memo(m, raw, rawcap, out) : m->ok;
    }
    memset(out, 0, 40); /* the memo keeps all 33 bytes of its slot */

    /* The version is the negotiated one (supported_versions, else the legacy
     * field); the count is of every extension (at most 99); the hash is of the
     * types in the order the server sent them, as 4-digit hex joined by ','. */
    uint16_t exts[TP_MAX_EXTENSIONS];
    size_t ne = sh->ext.all.n, count = sh->ext.all.n_total;
    for (size_t i = 0; i < ne; i++)
        exts[i] = sh->ext.all.items[i].type;
    char hash[13];
    ja4_hash(exts, ne, NULL, 0, hash);
    static const char hx[] = "0123456789abcdef";
    char prefix[16];
    int n = snprintf(prefix, sizeof prefix, "%c%s%02u%s_%c%c%c%c", quic ? 'q' : 't', ja4_version(sh->version),
                     (unsigned)(count > 99 ? 99 : count), alpn, hx[sh->suite >> 12], hx[(sh->suite >> 8) & 15],
                     hx[(sh->suite >> 4) & 15], hx[sh->suite & 15]);
    if (n <= 0 || (size_t)n >= sizeof prefix)
        n = 0; /* cannot happen: 12 characters */
    memcpy(out, prefix, (size_t)n);
    out[n] = '_';
    memcpy(out + n + 1, hash, 13);

    char buf[TP_JA4S_RAW_MAX];
    struct out o = { buf, 0, sizeof buf, false };
    buf[0] = '\0';
    out_put(&o, prefix, (size_t)n);
    out_put(&o, "_", 1);
    for (size_t i = 0; i < ne; i++) {
        char h4[6] = { ',', hx[exts[i] >> 12], hx[(exts[i] >> 8) & 15], hx[(exts[i] >> 4) & 15], hx[exts[i] & 15], 0 };
        out_put(&o, i ? h4 : h4 + 1, i ? 5 : 4);
    }
    bool ok = !o.cut;
    if (raw && rawcap) {
        size_t c = o.len < rawcap - 1 ? o.len : rawcap - 1;
        memcpy(raw, buf, c);
        raw[c] = '\0';
        ok = ok && c == o.len;
    }
    fp_store(jm, m, FP_JA4S, &k, o.p, o.cut ? FP_STR_MAX : o.len, out, !o.cut);
    return ok;
}
#else
bool tp_ja4s_memo(struct tp_ja_memo *jm, const struct tp_server_hello *sh, bool quic, char out[40], char *raw,
                  size_t rawcap)
{
    (void)jm, (void)sh, (void)quic;
    out[0] = '\0';
    if (raw && rawcap)
        raw[0] = '\0';
    return false;
}
#endif

bool tp_ja4s(const struct tp_server_hello *sh, bool quic, char out[40], char *raw, size_t rawcap)
{
    return tp_ja4s_memo(NULL, sh, quic, out, raw, rawcap);
}
