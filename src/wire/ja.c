/* JA3 / JA3S (Salesforce, BSD-3) and JA4 (FoxIO, the BSD-licensed `JA4` part
 * only): client and server hello fingerprints. Hashes via wolfCrypt. */
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

/* A capture repeats the same few client and server stacks thousands of times, so
 * the same fingerprint strings come back again and again: a small per-thread memo
 * of (kind, whole input string) -> hex digest skips the MD5 / SHA-256. A hit needs
 * the whole input to match, so it can never return another input's digest. */
#define MEMO_SETS 32
#define MEMO_WAYS 4
#define MEMO_MAX 640
enum { MEMO_MD5 = 1, MEMO_SHA256_12 = 2 };
struct memo {
    uint16_t len;
    uint8_t kind;
    uint32_t used;
    char in[MEMO_MAX];
    char out[33];
};
static _Thread_local struct memo memo[MEMO_SETS][MEMO_WAYS];
static _Thread_local uint32_t memo_tick;

/* The entry holding (kind, s) (*hit), else the least recently used of its set. */
static struct memo *memo_slot(int kind, const char *s, size_t n, bool *hit)
{
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)kind;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 1099511628211ULL;
    struct memo *set = memo[(h ^ h >> 32) % MEMO_SETS], *victim = &set[0];
    for (int w = 0; w < MEMO_WAYS; w++) {
        struct memo *m = &set[w];
        if (m->kind == kind && m->len == n && !memcmp(m->in, s, n)) {
            m->used = ++memo_tick;
            *hit = true;
            return m;
        }
        if (m->used < victim->used)
            victim = m;
    }
    *hit = false;
    return victim;
}

static void memo_store(struct memo *m, int kind, const char *s, size_t n, const char *out)
{
    if (n > MEMO_MAX)
        return;
    m->kind = (uint8_t)kind;
    m->len = (uint16_t)n;
    m->used = ++memo_tick;
    memcpy(m->in, s, n);
    memcpy(m->out, out, sizeof m->out);
}

static void md5_hex(const char *s, size_t n, char md5[33])
{
    bool hit;
    struct memo *m = memo_slot(MEMO_MD5, s, n, &hit);
    if (hit) {
        memcpy(md5, m->out, 33);
        return;
    }
    uint8_t d[16];
    if (wc_Md5Hash((const uint8_t *)s, (uint32_t)n, d) != 0)
        memset(d, 0, sizeof d);
    hex_lower(d, sizeof d, md5);
    memo_store(m, MEMO_MD5, s, n, md5);
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

bool tp_ja3(const struct tp_client_hello *ch, char *str, size_t cap, char md5_hex_out[33])
{
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

    return finish(&o, str, cap, md5_hex_out);
}

bool tp_ja3s(const struct tp_server_hello *sh, char *str, size_t cap, char md5_hex_out[33])
{
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
    return finish(&o, str, cap, md5_hex_out);
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
    bool hit;
    struct memo *m = memo_slot(MEMO_SHA256_12, s, len, &hit);
    if (hit) {
        memcpy(out, m->out, 13);
        return;
    }
    uint8_t d[32];
    char dhex[65];
    if (wc_Sha256Hash((const uint8_t *)s, (uint32_t)len, d) != 0)
        memset(d, 0, sizeof d);
    hex_lower(d, sizeof d, dhex);
    memcpy(out, dhex, 12);
    out[12] = '\0';
    char o33[33] = "";
    memcpy(o33, out, 13);
    memo_store(m, MEMO_SHA256_12, s, len, o33);
}

void tp_ja4(const struct tp_client_hello *ch, bool quic, char out[40])
{
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

    char alpn[3] = "00";
    if (ch->ext.alpn.n > 0 && ch->ext.alpn.v[0].len > 0) {
        struct tp_bytes a = ch->ext.alpn.v[0];
        uint8_t f = a.p[0], l = a.p[a.len - 1];
        if (is_alnum(f) && is_alnum(l)) {
            alpn[0] = (char)f;
            alpn[1] = (char)l;
        } else {
            /* first and last characters of the hex of the whole value */
            static const char hx[] = "0123456789abcdef";
            alpn[0] = hx[f >> 4];
            alpn[1] = hx[l & 15];
        }
    }
    char hb[13], hc[13];
    ja4_hash(suites, ns, NULL, 0, hb);
    ja4_hash(exts, ne, sigs, ng, hc);
    snprintf(out, 40, "%c%s%c%02u%02u%s_%s_%s", quic ? 'q' : 't', ja4_version(ver),
             ch->ext.has_sni ? 'd' : 'i', (unsigned)(ns_count > 99 ? 99 : ns_count),
             (unsigned)(ne_count > 99 ? 99 : ne_count), alpn, hb, hc);
}
