/* The pcapng block reader: tlsprobe's own packet reader for the files libpcap
 * refuses (interfaces of different link types or snap lengths in one file,
 * sections of different byte orders: libpcap keeps one link type, snap length
 * and byte order per handle), and the walk that collects the Decryption Secrets
 * Blocks (§4.7, secrets type "TLSK") of every pcapng input before decoding.
 *
 * pcapng (draft-ietf-opsawg-pcapng): every block is type (4), total length (4),
 * body, total length (4), in the byte order its section's SHB sets (§4.1). Read
 * here: SHB (a new section: interfaces start again), IDB (§4.2: link type,
 * snap length, if_tsresol, if_tsoffset), EPB (§4.3), SPB (§4.4: interface 0,
 * no time stamp: the previous packet's time), the obsolete Packet Block (Appendix: interface id, drops,
 * time stamp, lengths). NRB, ISB, DSB (already read by tp_pcapng_secrets),
 * custom and unknown blocks are skipped (DSBs by the packet reader). Options read: the IDB's
 * if_tsresol and if_tsoffset, and opt_comment (code 1) of the SHB (the capture's
 * comments: tp_capture_file_comment) and of EPBs and PBs (a packet's comments:
 * tp_capture_packet_comment, attached to the session the packet belongs to); the
 * others are skipped. A packet's time is its interface's units (10^-N or
 * 2^-N s; default µs) plus if_tsoffset seconds. With a filter, it is compiled
 * once per interface for its link type (libpcap's pcap_open_dead + pcap_offline_filter).
 *
 * Bytes are read from a FILE through our own buffer (1 MiB, grown for a block
 * larger than that up to PNG_MAX_BLOCK): a packet is handed over in place. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/capture.h"
#include "tlsprobe/reader.h"
#include "capture/pcap_lazy.h"
#include "capture/pcapng.h"

#define PNG_SHB 0x0A0D0D0Au
#define PNG_IDB 0x00000001u
#define PNG_PB 0x00000002u
#define PNG_SPB 0x00000003u
#define PNG_EPB 0x00000006u
#define PNG_DSB 0x0000000Au
#define PNG_BOM 0x1A2B3C4Du
#define DSB_TLS_KEYLOG 0x544c534bu  /* "TLSK" */
/* A DSB holds key log text; 16 MiB is far beyond any real one (a line per secret). */
#define DSB_MAX (16u * 1024 * 1024)
#define PNG_MAX_BLOCK (16u * 1024 * 1024 + 64) /* as libpcap: larger blocks are refused */
#define PNG_MAX_IFACES 65536u

struct png_if {
    int dlt;
    uint32_t snaplen;
    uint64_t units;          /* time stamp units per second */
    int64_t offset_s;        /* if_tsoffset */
    bool filtered;           /* a filter applies: prog (own_prog) or use */
    bool own_prog;           /* prog was compiled for this interface (freed with it); not a
                              * pointer to it: the ifs array moves when it grows */
    struct bpf_program prog;
    const struct bpf_program *use; /* a precompiled program (not owned), when !own_prog */
};

struct png {
    FILE *fp;                /* NULL: memory */
    const uint8_t *win;     /* the read buffer (or the memory): a window on the file, not a parsed view */
    size_t pos, len;
    uint8_t *buf;
    size_t cap;
    bool le;
    struct png_if *ifs;
    uint32_t n_if, cap_if;
    const char *filter;
    int64_t last_us;         /* the last packet's time: an SPB's (it has none) */
    uint64_t skip;           /* packets (that pass the filter) delivered already, by libpcap */
    const struct tp_png_prog *pre;
    size_t n_pre;
    /* the secrets walk (tp_pcapng_secrets): DSBs only, no packets */
    bool secrets;
    char **text;
    size_t *text_len, *n_blocks;
    char ferr[PCAP_ERRBUF_SIZE + 64];
};

/* At least n bytes buffered at p + pos: false when the input ends first. */
static bool need(struct png *r, size_t n)
{
    if (r->len - r->pos >= n)
        return true;
    if (!r->fp)
        return false;
    if (n > r->cap) {
        uint8_t *nb = malloc(n + (1u << 16));
        if (!nb)
            return false;
        memcpy(nb, r->win + r->pos, r->len - r->pos);
        free(r->buf);
        r->buf = nb;
        r->cap = n + (1u << 16);
    } else {
        memmove(r->buf, r->win + r->pos, r->len - r->pos);
    }
    r->len -= r->pos;
    r->pos = 0;
    r->win = r->buf;
    while (r->len < n) {
        size_t got = fread(r->buf + r->len, 1, r->cap - r->len, r->fp);
        if (!got)
            return false;
        r->len += got;
    }
    return true;
}

static uint32_t u32at(const uint8_t *b, bool le)
{
    struct tp_reader rd;
    uint32_t v = 0;
    tp_reader_init(&rd, b, 4);
    tp_read_u32(&rd, &v);
    if (le)
        v = (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
    return v;
}

static uint16_t u16at(const uint8_t *b, bool le)
{
    struct tp_reader rd;
    uint16_t v = 0;
    tp_reader_init(&rd, b, 2);
    tp_read_u16(&rd, &v);
    return le ? (uint16_t)((v >> 8) | ((v & 0xffu) << 8)) : v;
}

static void free_ifs(struct png *r)
{
    for (uint32_t i = 0; i < r->n_if; i++)
        if (r->ifs[i].own_prog)
            pcap_freecode(&r->ifs[i].prog);
    r->n_if = 0;
}

/* LINKTYPE_ (the file's) to DLT_ (what the packet parser takes): they differ
 * only for raw IP. */
static int linktype_dlt(uint32_t lt)
{
    return lt == 101 ? 12 : (int)lt;
}

/* An IDB's body (after type and length; without the trailing length). */
static enum tp_err add_if(struct png *r, const uint8_t *b, size_t n)
{
    if (n < 8)
        return TP_ERR_MALFORMED;
    if (r->n_if >= PNG_MAX_IFACES)
        return TP_ERR_MALFORMED;
    if (r->n_if == r->cap_if) {
        uint32_t nc = r->cap_if ? r->cap_if * 2 : 8;
        struct png_if *ni = realloc(r->ifs, nc * sizeof *ni);
        if (!ni)
            return TP_ERR_NOMEM;
        r->ifs = ni;
        r->cap_if = nc;
    }
    struct png_if *f = &r->ifs[r->n_if];
    memset(f, 0, sizeof *f);
    uint32_t lt = u16at(b, r->le);
    f->dlt = linktype_dlt(lt);
    f->snaplen = u32at(b + 4, r->le);
    f->units = 1000000;
    /* options: code (2), length (2), value padded to 4 */
    size_t o = 8;
    while (o + 4 <= n) {
        uint16_t code = u16at(b + o, r->le), len = u16at(b + o + 2, r->le);
        o += 4;
        if (code == 0)
            break;
        if (len > n - o)
            return TP_ERR_MALFORMED;
        if (code == 9 && len >= 1) { /* if_tsresol */
            uint8_t v = b[o];
            uint64_t u = 1;
            if (v & 0x80) {
                if ((v & 0x7f) > 63)
                    return TP_ERR_MALFORMED;
                u = 1ull << (v & 0x7f);
            } else {
                if (v > 19)
                    return TP_ERR_MALFORMED;
                for (uint8_t i = 0; i < v; i++)
                    u *= 10;
            }
            f->units = u;
        } else if (code == 14 && len >= 8) { /* if_tsoffset: seconds, signed 64-bit */
            uint64_t hi = u32at(b + o, r->le), lo = u32at(b + o + 4, r->le);
            uint64_t v = r->le ? (lo << 32 | hi) : (hi << 32 | lo);
            f->offset_s = (int64_t)v;
        }
        o += (size_t)(len + 3u) & ~(size_t)3;
    }
    for (size_t i = 0; r->filter && *r->filter && i < r->n_pre; i++)
        if (r->pre[i].ok && r->pre[i].dlt == f->dlt) {
            f->filtered = true; /* compiled before the sandbox: names (ports, protocols) were looked up then */
            f->use = &r->pre[i].prog;
        }
    if (r->filter && *r->filter && !f->filtered) {
        char perr[PCAP_ERRBUF_SIZE] = "";
        pcap_t *dead = tp_lpcap_open_dead((int)lt == 101 ? 12 : f->dlt, (int)(f->snaplen ? f->snaplen : 262144), perr);
        if (!dead) {
            snprintf(r->ferr, sizeof r->ferr, "%s", perr);
            return TP_ERR_USAGE;
        }
        if (pcap_compile(dead, &f->prog, r->filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
            snprintf(r->ferr, sizeof r->ferr, "--filter '%s': %s", r->filter, pcap_geterr(dead));
            pcap_close(dead);
            return TP_ERR_USAGE;
        }
        pcap_close(dead);
        f->filtered = true;
        f->own_prog = true;
    }
    r->n_if++;
    return TP_OK;
}

static int64_t ts_us(const struct png_if *f, uint64_t ts)
{
    uint64_t sec = ts / f->units, frac = ts % f->units;
    uint64_t usec = f->units <= 1000000000000ull ? frac * 1000000 / f->units : frac / (f->units / 1000000);
    int64_t s = (int64_t)(sec > (uint64_t)INT64_MAX / 2 ? (uint64_t)INT64_MAX / 2 : sec);
    if ((f->offset_s > 0 && s > INT64_MAX / 2 - f->offset_s) || (f->offset_s < 0 && s < INT64_MIN / 2 - f->offset_s))
        s = f->offset_s > 0 ? INT64_MAX / 2 : INT64_MIN / 2;
    else
        s += f->offset_s;
    return tp_capture_time_us(s, (int64_t)usec);
}

/* Each opt_comment (code 1) among the options o[0..n) (a block's, after its
 * fixed fields): to_packet, the packet's (else the capture's). */
static void comments(struct tp_capture *c, struct png *r, const uint8_t *o, size_t n, bool to_packet)
{
    size_t i = 0;
    while (i + 4 <= n) {
        uint16_t code = u16at(o + i, r->le), len = u16at(o + i + 2, r->le);
        i += 4;
        if (code == 0 || len > n - i)
            return; /* opt_endofopt, or an option beyond the block: no more comments */
        if (code == 1 && len) {
            if (to_packet)
                tp_capture_packet_comment(c, (const char *)o + i, len);
            else
                tp_capture_file_comment(c, (const char *)o + i, len);
        }
        i += (size_t)(len + 3u) & ~(size_t)3;
    }
}

static void deliver(struct tp_capture *c, struct png *r, uint32_t ifi, uint64_t ts, bool has_ts, const uint8_t *data,
                    uint32_t caplen, uint32_t wirelen, const uint8_t *opts, size_t n_opts)
{
    const struct png_if *f = &r->ifs[ifi];
    if (wirelen < caplen)
        wirelen = caplen;
    if (f->filtered) {
        struct pcap_pkthdr h;
        memset(&h, 0, sizeof h);
        h.caplen = caplen;
        h.len = wirelen;
        if (!pcap_offline_filter(f->own_prog ? &f->prog : f->use, &h, data))
            return;
    }
    if (has_ts)
        r->last_us = ts_us(f, ts);
    if (r->skip) { /* delivered already: libpcap read them (through the same filter) before it gave up */
        r->skip--;
        return;
    }
    comments(c, r, opts, n_opts, true); /* held by the capture for this packet */
    tp_capture_packet(c, f->dlt, r->last_us, data, caplen, wirelen);
}

/* One block's body (b, n: after type and length, before the trailing length). */
static enum tp_err on_block(struct tp_capture *c, struct png *r, uint32_t type, const uint8_t *b, size_t n)
{
    if (type == PNG_IDB)
        return add_if(r, b, n);
    uint32_t ifi, caplen, wirelen;
    uint64_t ts = 0;
    bool has_ts = true;
    size_t off;
    if (type == PNG_EPB) {
        if (n < 20)
            return TP_ERR_MALFORMED;
        ifi = u32at(b, r->le);
        ts = (uint64_t)u32at(b + 4, r->le) << 32 | u32at(b + 8, r->le);
        caplen = u32at(b + 12, r->le);
        wirelen = u32at(b + 16, r->le);
        off = 20;
    } else if (type == PNG_PB) {
        if (n < 20)
            return TP_ERR_MALFORMED;
        ifi = u16at(b, r->le);
        ts = (uint64_t)u32at(b + 4, r->le) << 32 | u32at(b + 8, r->le);
        caplen = u32at(b + 12, r->le);
        wirelen = u32at(b + 16, r->le);
        off = 20;
    } else if (type == PNG_SPB) {
        if (n < 4)
            return TP_ERR_MALFORMED;
        ifi = 0;
        wirelen = u32at(b, r->le);
        off = 4;
        has_ts = false;
        if (r->n_if == 0)
            return TP_ERR_MALFORMED;
        caplen = wirelen;
        if (r->ifs[0].snaplen && caplen > r->ifs[0].snaplen)
            caplen = r->ifs[0].snaplen;
        if (caplen > n - off)
            caplen = (uint32_t)(n - off);
    } else {
        return TP_OK; /* NRB, ISB, DSB, custom, unknown */
    }
    if (ifi >= r->n_if || caplen > n - off)
        return TP_ERR_MALFORMED;
    /* EPB and PB options follow the packet data, padded to 4 bytes (an SPB has none) */
    size_t oo = type == PNG_SPB ? n : off + (((size_t)caplen + 3u) & ~(size_t)3);
    if (oo > n)
        oo = n;
    deliver(c, r, ifi, ts, has_ts, b + off, caplen, wirelen, b + oo, n - oo);
    return TP_OK;
}

static bool append_text(char **text, size_t *text_len, const uint8_t *p, size_t n)
{
    char *nt = realloc(*text, *text_len + n + 2);
    if (!nt)
        return false;
    memcpy(nt + *text_len, p, n);
    *text_len += n;
    if (n && nt[*text_len - 1] != '\n')
        nt[(*text_len)++] = '\n';
    nt[*text_len] = '\0';
    *text = nt;
    return true;
}

/* A DSB's body (§4.7): secrets type (4), secrets length (4), the secrets padded
 * to 4 bytes, options. TLS key log text is appended to r->text. */
static enum tp_err on_dsb(struct png *r, const uint8_t *b, size_t n)
{
    struct tp_reader rd;
    uint8_t f4[4];
    tp_reader_init(&rd, b, n);
    tp_read_copy(&rd, f4, 4);
    uint32_t stype = u32at(f4, r->le);
    tp_read_copy(&rd, f4, 4);
    uint32_t slen = u32at(f4, r->le);
    struct tp_bytes data;
    if (!tp_reader_ok(&rd) || !tp_read_bytes(&rd, slen, &data))
        return TP_ERR_MALFORMED;
    if (stype != DSB_TLS_KEYLOG)
        return TP_OK;
    if (!append_text(r->text, r->text_len, data.p, data.len))
        return TP_ERR_NOMEM;
    (*r->n_blocks)++;
    return TP_OK;
}

static enum tp_err walk(struct tp_capture *c, struct png *r)
{
    bool first = true;
    if (r->secrets && (!need(r, 4) || u32at(r->win + r->pos, false) != PNG_SHB))
        return TP_OK; /* classic pcap (or too short): no secrets blocks */
    for (;;) {
        if (c && tp_capture_done(c))
            return TP_OK;
        if (!need(r, 8))
            return r->len - r->pos == 0 ? TP_OK : TP_ERR_TRUNCATED;
        const uint8_t *h = r->win + r->pos;
        uint32_t type = u32at(h, r->le);
        if (u32at(h, false) == PNG_SHB) {
            if (!need(r, 12))
                return TP_ERR_TRUNCATED;
            h = r->win + r->pos;
            if (u32at(h + 8, false) == PNG_BOM)
                r->le = false;
            else if (u32at(h + 8, true) == PNG_BOM)
                r->le = true;
            else
                return TP_ERR_MALFORMED;
            type = PNG_SHB;
            free_ifs(r); /* a new section: its interfaces are numbered from 0 */
        } else if (first) {
            return TP_ERR_MALFORMED;
        }
        first = false;
        uint32_t total = u32at(h + 4, r->le);
        if (total < 12 || total % 4 || (type == PNG_SHB && total < 28))
            return TP_ERR_MALFORMED;
        bool wanted = r->secrets ? type == PNG_SHB || (type == PNG_DSB && total <= DSB_MAX + 32)
                                 : type == PNG_IDB || type == PNG_EPB || type == PNG_SPB || type == PNG_PB ||
                                       type == PNG_SHB;
        if (!wanted || total > PNG_MAX_BLOCK) {
            if (wanted)
                return TP_ERR_MALFORMED;
            /* skipped without being buffered */
            uint64_t left = total;
            while (left) {
                if (r->pos == r->len && !need(r, 1))
                    return TP_ERR_TRUNCATED;
                size_t k = r->len - r->pos < left ? r->len - r->pos : (size_t)left;
                r->pos += k;
                left -= k;
            }
            continue;
        }
        if (!need(r, total))
            return TP_ERR_TRUNCATED;
        h = r->win + r->pos;
        /* (the secrets walk, older, never checked the trailing length: it still does not) */
        if (!r->secrets && u32at(h + total - 4, r->le) != total)
            return TP_ERR_MALFORMED;
        /* an SHB's options (its comments) follow BOM, version and section length */
        if (type == PNG_SHB && !r->secrets && c)
            comments(c, r, h + 24, total - 28, false);
        enum tp_err e = type == PNG_SHB ? TP_OK
                        : r->secrets    ? on_dsb(r, h + 8, total - 12)
                                        : on_block(c, r, type, h + 8, total - 12);
        if (e != TP_OK)
            return e;
        r->pos += total;
    }
}

void tp_pcapng_precompile(const char *filter, struct tp_png_prog pre[TP_PNG_PRE])
{
    static const int dlts[TP_PNG_PRE] = { 1, 12, 113, 276, 0, 108, 228, 229 };
    memset(pre, 0, sizeof *pre * TP_PNG_PRE);
    for (size_t i = 0; filter && *filter && i < TP_PNG_PRE; i++) {
        char perr[PCAP_ERRBUF_SIZE] = "";
        pre[i].dlt = dlts[i];
        pcap_t *dead = tp_lpcap_open_dead(dlts[i], 262144, perr);
        if (!dead)
            continue;
        pre[i].ok = pcap_compile(dead, &pre[i].prog, filter, 1, PCAP_NETMASK_UNKNOWN) == 0;
        pcap_close(dead);
    }
}

void tp_pcapng_precompiled_free(struct tp_png_prog pre[TP_PNG_PRE])
{
    for (size_t i = 0; i < TP_PNG_PRE; i++)
        if (pre[i].ok)
            pcap_freecode(&pre[i].prog);
    memset(pre, 0, sizeof *pre * TP_PNG_PRE);
}

/* r reads fp through a 1 MiB window, or the bytes data[0..len) in place. */
static bool png_source(struct png *r, FILE *fp, const uint8_t *data, size_t len)
{
    r->fp = fp;
    if (!fp) {
        r->win = data;
        r->len = len;
        return true;
    }
    r->cap = 1u << 20;
    r->buf = malloc(r->cap);
    r->win = r->buf;
    return r->buf != NULL;
}

enum tp_err tp_pcapng_read_packets(struct tp_capture *c, FILE *fp, const uint8_t *data, size_t len,
                                   const char *filter, const struct tp_png_prog *pre, uint64_t skip, char *ferr,
                                   size_t ferrlen)
{
    struct png r;
    memset(&r, 0, sizeof r);
    r.pre = pre;
    r.n_pre = pre ? TP_PNG_PRE : 0;
    r.filter = filter;
    if (!png_source(&r, fp, data, len))
        return TP_ERR_NOMEM;
    r.skip = skip;
    enum tp_err e = walk(c, &r);
    if (e == TP_OK && fp && ferror(fp))
        e = TP_ERR_IO;
    if (ferr && ferrlen)
        snprintf(ferr, ferrlen, "%s", r.ferr);
    free_ifs(&r);
    free(r.ifs);
    free(r.buf);
    return e;
}

enum tp_err tp_pcapng_read_mem(struct tp_capture *c, const uint8_t *data, size_t len, const char *filter)
{
    return tp_pcapng_read_packets(c, NULL, data, len, filter, NULL, 0, NULL, 0);
}

/* ---- the secrets walk (tlsprobe/capture.h): the same block reader, DSBs only ---- */
static enum tp_err secrets_walk(FILE *fp, const uint8_t *data, size_t len, char **text, size_t *text_len,
                                size_t *n_blocks)
{
    struct png r;
    memset(&r, 0, sizeof r);
    r.secrets = true;
    r.text = text;
    r.text_len = text_len;
    r.n_blocks = n_blocks;
    if (!png_source(&r, fp, data, len))
        return TP_ERR_NOMEM;
    enum tp_err e = walk(NULL, &r);
    if (e == TP_OK && fp && ferror(fp))
        e = TP_ERR_IO;
    free(r.buf);
    return e;
}

enum tp_err tp_pcapng_secrets(const uint8_t *data, size_t len, char **text, size_t *text_len, size_t *n_blocks)
{
    if (!len)
        return TP_OK;
    return secrets_walk(NULL, data, len, text, text_len, n_blocks);
}

enum tp_err tp_pcapng_secrets_fp(FILE *fp, char **text, size_t *text_len, size_t *n_blocks)
{
    return secrets_walk(fp, NULL, 0, text, text_len, n_blocks);
}
