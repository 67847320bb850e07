/* libFuzzer: NSS key log parsing, lookups and writing back; the whole
 * key-log API of src/session/keylog.c, driven by what the input holds.
 *
 * The input is a key log, optionally followed by sections, each introduced by a
 * line "@@NAME" (a "\n@@" ends the section before it; an input without one is
 * all key log, as the older seeds are):
 *
 *   @@rsa   an RSA private key for --key: DER (PKCS#1 or PKCS#8, handed to
 *           tp_keylog_add_rsa_key as it is) or PEM (read by tp_file_parse, the
 *           reader --key goes through, and each clear private key added);
 *           up to 20 sections, beyond the TP_KEYLOG_RSA_KEYS limit
 *   @@epms  32 bytes (the SHA-256 of a key's SubjectPublicKeyInfo), then an
 *           EncryptedPreMasterSecret for tp_keylog_rsa_premaster; up to 8
 *   @@psk   lines IDENTITY:HEX, split at the last colon as --psk does, for
 *           tp_keylog_add_psk (lengths the CLI refuses too); each line's identity
 *           and the whole line are then looked up (tp_keylog_psk_get)
 *   @@add   records [label][len][32-byte client random][len bytes] for
 *           tp_keylog_add, read back with tp_keylog_get
 *   @@long  the key log file starts with one 64 KiB line of the section's first
 *           byte (tp_keylog_load drops a line that fills its whole chunk)
 *
 * The key log is read twice: from memory (tp_keylog_parse) and as a file
 * (tp_keylog_load, through a memfd: the chunked reader, binary-data refusal).
 * Lookups use the client randoms the key log itself spells in hex (the second
 * field of each line) as well as raw input bytes, so they find entries; each
 * entry found is written back (tp_keylog_write_session) and must parse again to
 * the same secrets. The first secrets also get TLS 1.3 traffic keys
 * (tp_keylog_add_traffic_key / tp_keylog_traffic_keys) and the input's bytes are
 * stored as the probe's own records (tp_keylog_add_own_record / _own_record),
 * up to and beyond their limits. Seeds: tests/fuzz/make_keylog_seeds.py. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create */
#endif
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "tlsprobe/limits.h"
#include "tlsprobe/session.h"
#include "tlsprobe/x509.h"
#include "session/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); /* libFuzzer's entry point */

static int hexv(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* 64 hex digits at p (with at least 64 bytes left): the 32-byte client random. */
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

/* Every lookup on one client random; an entry found is written out and re-read. */
static FILE *null, *ro; /* /dev/null for writing, and for reading: writes to it fail */

static void lookup(const struct tp_keylog *kl, const uint8_t cr[32])
{
    uint8_t out[64];
    size_t lens[TP_SECRET__COUNT];
    int any = 0;
    for (int l = 0; l < TP_SECRET__COUNT; l++) {
        lens[l] = tp_keylog_get(kl, (enum tp_secret_label)l, cr, out, sizeof out);
        if (lens[l] > sizeof out)
            abort();
        any |= lens[l] != 0;
        (void)tp_secret_label_name((enum tp_secret_label)l);
    }
    (void)tp_keylog_write_session(kl, cr, null);
    if (tp_keylog_get(kl, TP_SECRET__COUNT, cr, out, sizeof out) != 0)
        abort();
    if (!any)
        return;
    if (tp_keylog_write_session(kl, cr, ro)) /* a failed write is not a success */
        abort();
    char *buf = NULL;
    size_t bl = 0;
    FILE *m = open_memstream(&buf, &bl);
    if (!m)
        return;
    if (!tp_keylog_write_session(kl, cr, m))
        abort();
    fclose(m);
    struct tp_keylog *again = NULL;
    if (tp_keylog_parse((const uint8_t *)buf, bl, &again) != TP_OK)
        abort();
    for (int l = 0; l < TP_SECRET__COUNT; l++) /* what is written reads back the same */
        if (tp_keylog_get(again, (enum tp_secret_label)l, cr, out, sizeof out) != lens[l])
            abort();
    tp_keylog_free(again);
    free(buf);
}

/* Traffic keys and own records from the input's bytes. */
static void extras(struct tp_keylog *kl, const uint8_t *data, size_t size)
{
    uint8_t key[32], iv[12];
    for (size_t off = 0; off + 48 + 32 + 12 <= size && off < 2048; off += 61) {
        size_t slen = data[off] & 1 ? 48 : 32, klen = data[off] & 2 ? 32 : 16;
        const uint8_t *sec = data + off + 1;
        (void)tp_keylog_add_traffic_key(kl, sec, slen, false, sec + 48, klen);
        if (data[off] & 4)
            (void)tp_keylog_add_traffic_key(kl, sec, slen, true, sec + 48 + 16, 12);
        (void)tp_keylog_add_traffic_key(kl, sec, slen + 1, false, sec, klen); /* refused */
        (void)tp_keylog_add_traffic_key(kl, sec, slen, true, sec, 11);        /* refused */
        (void)tp_keylog_traffic_keys(kl, sec, slen, klen, key, iv);
    }
    (void)tp_keylog_traffic_keys(kl, data, size < 32 ? size : 32, 16, key, iv);
    /* own records: 5-byte header, then up to 2 KiB of plaintext each */
    for (size_t off = 0; off + 5 + 16 <= size; off += 97) {
        size_t len = size - off - 5;
        if (len > 2048)
            len = 2048;
        const uint8_t *hdr = data + off;
        (void)tp_keylog_add_own_record(kl, hdr, hdr + 5, len);
        const uint8_t *pt = tp_keylog_own_record(kl, hdr, len, hdr + 5);
        if (pt && memcmp(pt, hdr + 5, 16) != 0)
            abort();
        (void)tp_keylog_own_record(kl, hdr, len + 1, hdr + 5);
    }
    if (size >= 16 && tp_keylog_own_record(kl, data, 15, data) != NULL) /* shorter than a head */
        abort();
    if (tp_keylog_own_count(kl) > TP_KEYLOG_OWN_RECORDS)
        abort();
    (void)tp_keylog_add_own_record(kl, data, NULL, 1); /* refused: no plaintext */
}

/* The key log as a file; long: after one 64 KiB line of *long_byte. */
static void load_as_file(const uint8_t *data, size_t size, const uint8_t *long_byte)
{
    static int fd = -1;
    static char path[64];
    static uint8_t pad[64 * 1024];
    if (fd < 0) {
        fd = memfd_create("fuzz-keylog", 0);
        if (fd < 0)
            return;
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    size_t at = 0;
    if (ftruncate(fd, 0) != 0)
        return;
    if (long_byte) {
        memset(pad, *long_byte, sizeof pad);
        if (pwrite(fd, pad, sizeof pad, 0) != (ssize_t)sizeof pad)
            return;
        at = sizeof pad;
    }
    if (pwrite(fd, data, size, (off_t)at) != (ssize_t)size)
        return;
    struct tp_keylog *kl = NULL;
    char err[256];
    if (tp_keylog_load(path, &kl, err, sizeof err) == TP_OK) {
        if (tp_keylog_count(kl) > TP_MAX_KEYLOG_ENTRIES)
            abort();
        if (long_byte && *long_byte != '\n' && *long_byte && tp_keylog_bad_lines(kl) == 0)
            abort(); /* the 64 KiB line is counted, not used */
        tp_keylog_free(kl);
    } else if (!memchr(err, '\0', sizeof err)) {
        abort();
    }
}

/* Files that are not key logs: missing, a directory (fopen works, fread fails). */
static void load_odd_files(void)
{
    static const char *const paths[] = { "/nonexistent/fuzz-keylog", "/" };
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        struct tp_keylog *kl = NULL;
        char err[256];
        if (tp_keylog_load(paths[i], &kl, err, sizeof err) == TP_OK || kl || !err[0])
            abort();
    }
}

/* ---- sections after the key log ---- */
enum { SEC_RSA, SEC_EPMS, SEC_PSK, SEC_ADD, SEC_LONG, SEC__COUNT };
static const char *const sec_names[SEC__COUNT] = { "rsa", "epms", "psk", "add", "long" };
#define SEC_MAX 24 /* of each kind */
struct sections {
    const uint8_t *log;
    size_t log_len;
    const uint8_t *p[SEC__COUNT][SEC_MAX];
    size_t len[SEC__COUNT][SEC_MAX];
    size_t n[SEC__COUNT];
};

static void split(const uint8_t *data, size_t size, struct sections *s)
{
    memset(s, 0, sizeof *s);
    s->log = data;
    const uint8_t *end = data + size, *at = data;
    int kind = -1; /* -1: the key log; -2: a section of no known name */
    for (bool first = true;; first = false) {
        const uint8_t *stop = end, *name = NULL, *m;
        if (first && size >= 2 && data[0] == '@' && data[1] == '@') { /* no key log at all */
            stop = data;
            name = data + 2;
        } else if ((m = memmem(at, (size_t)(end - at), "\n@@", 3)) != NULL) {
            stop = m;
            name = m + 3;
        }
        if (kind == -1) {
            s->log_len = (size_t)(stop - data);
        } else if (kind >= 0 && s->n[kind] < SEC_MAX) {
            s->p[kind][s->n[kind]] = at;
            s->len[kind][s->n[kind]++] = (size_t)(stop - at);
        }
        if (!name)
            return;
        const uint8_t *nl = memchr(name, '\n', (size_t)(end - name));
        size_t name_len = (size_t)((nl ? nl : end) - name);
        kind = -2;
        for (int k = 0; k < SEC__COUNT; k++)
            if (name_len == strlen(sec_names[k]) && !memcmp(name, sec_names[k], name_len))
                kind = k;
        at = nl ? nl + 1 : end;
    }
}

/* @@add: [label][len][32-byte client random][len bytes], added and read back. */
static void add_records(struct tp_keylog *kl, const uint8_t *p, size_t len)
{
    uint8_t out[256];
    for (size_t off = 0; off + 34 <= len;) {
        uint8_t label = p[off], n = p[off + 1];
        const uint8_t *cr = p + off + 2, *sec = cr + 32;
        off += 34;
        if (n > len - off)
            n = (uint8_t)(len - off);
        off += n;
        enum tp_err e = tp_keylog_add(kl, (enum tp_secret_label)label, cr, sec, n);
        if (e != TP_OK)
            continue;
        if (label >= TP_SECRET__COUNT || n == 0 || n > 48) /* out of range, yet taken */
            abort();
        if (tp_keylog_get(kl, (enum tp_secret_label)label, cr, out, sizeof out) != n || memcmp(out, sec, n) != 0)
            abort();
        if (tp_keylog_get(kl, (enum tp_secret_label)label, cr, out, (size_t)n - 1) != 0) /* too small */
            abort();
    }
    (void)tp_keylog_add(NULL, TP_SECRET_CLIENT_RANDOM, out, out, 48);
}

/* @@rsa: a --key file, DER as it is, PEM through the file reader --key uses. */
static void add_rsa(struct tp_keylog *kl, const uint8_t *p, size_t len)
{
    static const char pem[] = "-----BEGIN";
    if (len >= sizeof pem - 1 && !memcmp(p, pem, sizeof pem - 1)) {
        struct tp_file *f = NULL;
        if (tp_file_parse("fuzz.key", p, len, &f) == TP_OK)
            for (size_t i = 0; i < f->n_objs; i++) {
                const struct tp_file_obj *o = &f->objs[i];
                if (o->kind == TP_OBJ_PRIVATE_KEY && !o->key_encrypted && o->der)
                    (void)tp_keylog_add_rsa_key(kl, o->der, o->der_len);
            }
        tp_file_free(f);
    } else {
        size_t before = tp_keylog_rsa_count(kl);
        enum tp_err e = tp_keylog_add_rsa_key(kl, p, len);
        if ((e == TP_OK) != (tp_keylog_rsa_count(kl) == before + 1))
            abort();
        if (e == TP_OK && (len == 0 || len > 16384))
            abort();
    }
    if (tp_keylog_rsa_count(kl) > TP_KEYLOG_RSA_KEYS)
        abort();
}

/* @@epms: SHA-256 of the key's SPKI, then the encrypted premaster. */
static void premaster(const struct tp_keylog *kl, const uint8_t *p, size_t len)
{
    uint8_t spki[32] = { 0 }, pms[48];
    memcpy(spki, p, len < 32 ? len : 32);
    const uint8_t *epms = len > 32 ? p + 32 : p;
    size_t n = len > 32 ? len - 32 : 0;
    enum tp_err e = tp_keylog_rsa_premaster(kl, spki, epms, n, pms);
    if (e != TP_OK && e != TP_ERR_NOKEY && e != TP_ERR_DECRYPT && e != TP_ERR_CRYPTO)
        abort();
    if (e == TP_ERR_NOKEY && n && tp_keylog_rsa_premaster(kl, spki, epms, n - 1, pms) != TP_ERR_NOKEY)
        abort();
    if (e == TP_OK && tp_keylog_rsa_premaster(kl, spki, epms, n - 1, pms) != TP_ERR_DECRYPT)
        abort(); /* one byte short of the key's size (a DECRYPT for n may be n = size + 1) */
    if (tp_keylog_rsa_premaster(NULL, spki, epms, n, pms) != TP_ERR_NOKEY)
        abort();
}

/* @@psk: IDENTITY:HEX lines (the last colon splits, as --psk does); then every
 * line's identity, and the whole line, looked up. */
static void psks(struct tp_keylog *kl, const uint8_t *p, size_t len)
{
    uint8_t key[2 * TP_PSK_MAX], out[TP_PSK_MAX];
    for (int pass = 0; pass < 2; pass++)
        for (size_t off = 0, lines = 0; off < len && lines < 64; lines++) {
            const uint8_t *line = p + off, *nl = memchr(line, '\n', len - off);
            size_t n = (size_t)((nl ? nl : p + len) - line);
            off += n + 1;
            if (n && line[n - 1] == '\r')
                n--;
            const uint8_t *colon = NULL;
            for (size_t i = 0; i < n; i++)
                if (line[i] == ':')
                    colon = line + i;
            size_t id_len = colon ? (size_t)(colon - line) : n;
            if (pass == 1) {
                size_t k = tp_keylog_psk_get(kl, line, id_len, out);
                if (k > TP_PSK_MAX || tp_keylog_psk_get(kl, line, n, out) > TP_PSK_MAX)
                    abort();
                continue;
            }
            if (!colon)
                continue;
            size_t hex_len = n - id_len - 1, k = 0;
            bool ok = hex_len % 2 == 0;
            for (; ok && k < hex_len / 2 && k < sizeof key; k++) {
                int hi = hexv(colon[1 + 2 * k]), lo = hexv(colon[2 + 2 * k]);
                ok = hi >= 0 && lo >= 0;
                if (ok)
                    key[k] = (uint8_t)(hi << 4 | lo);
            }
            if (!ok)
                continue;
            size_t had = tp_keylog_psk_count(kl);
            enum tp_err e = tp_keylog_add_psk(kl, line, id_len, key, k);
            bool fits = id_len <= 128 && k >= 1 && k <= TP_PSK_MAX;
            if ((e == TP_OK) != (fits && had < TP_KEYLOG_PSKS) || tp_keylog_psk_count(kl) > TP_KEYLOG_PSKS)
                abort();
            if (e == TP_OK && tp_keylog_psk_get(kl, line, id_len, out) == 0) /* its own identity finds one */
                abort();
        }
    (void)tp_keylog_psk_get(kl, NULL, 0, out);
    (void)tp_keylog_psk_get(NULL, NULL, 0, out);
    if (tp_keylog_psk_count(NULL) != 0 || tp_keylog_add_psk(NULL, NULL, 0, key, 1) == TP_OK)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!null && !(null = fopen("/dev/null", "w")))
        abort();
    if (!ro && !(ro = fopen("/dev/null", "r")))
        abort();
    static bool odd_done;
    if (!odd_done) {
        load_odd_files();
        odd_done = true;
    }
    static struct sections sec;
    split(data, size, &sec);
    const uint8_t *whole = data;
    data = sec.log;
    size = sec.log_len;
    const uint8_t *long_byte = NULL;
    if (sec.n[SEC_LONG])
        long_byte = sec.len[SEC_LONG][0] ? sec.p[SEC_LONG][0] : (const uint8_t *)"x";
    load_as_file(data, size, long_byte);
    struct tp_keylog *kl = NULL;
    if (tp_keylog_parse(data, size, &kl) != TP_OK)
        return 0;
    uint8_t cr[32] = { 0 };
    /* the client randoms the lines spell: after the first run of blanks of a line */
    size_t found = 0;
    for (size_t i = 0; i < size && found < 64; i++) {
        if (i && data[i - 1] != '\n')
            continue;
        size_t j = i;
        while (j < size && data[j] != ' ' && data[j] != '\t' && data[j] != '\n')
            j++;
        while (j < size && (data[j] == ' ' || data[j] == '\t'))
            j++;
        if (unhex32(data + j, size - j, cr)) {
            lookup(kl, cr);
            found++;
        }
    }
    /* and raw bytes of the input */
    for (size_t off = 0; off + 32 <= size && off < 4096; off += 97)
        lookup(kl, data + off);
    memset(cr, 0, sizeof cr);
    lookup(kl, cr);
    if (tp_keylog_count(kl) > TP_MAX_KEYLOG_ENTRIES)
        abort();
    (void)tp_keylog_bad_lines(kl);
    extras(kl, data, size);
    /* the sections: secrets added by hand, --key and --psk */
    for (size_t i = 0; i < sec.n[SEC_ADD]; i++)
        add_records(kl, sec.p[SEC_ADD][i], sec.len[SEC_ADD][i]);
    for (size_t i = 0; i < sec.n[SEC_RSA] && i < 20; i++)
        add_rsa(kl, sec.p[SEC_RSA][i], sec.len[SEC_RSA][i]);
    for (size_t i = 0; i < sec.n[SEC_EPMS] && i < 8; i++)
        premaster(kl, sec.p[SEC_EPMS][i], sec.len[SEC_EPMS][i]);
    for (size_t i = 0; i < sec.n[SEC_PSK]; i++)
        psks(kl, sec.p[SEC_PSK][i], sec.len[SEC_PSK][i]);
    if (tp_keylog_rsa_count(kl) > TP_KEYLOG_RSA_KEYS || tp_keylog_rsa_count(NULL) != 0)
        abort();
    (void)tp_keylog_add_rsa_key(kl, whole, 0); /* refused: empty */
    tp_keylog_free(kl);
    tp_keylog_free(NULL);
    (void)tp_keylog_get(NULL, TP_SECRET_CLIENT_RANDOM, cr, cr, sizeof cr);
    (void)tp_secret_label_name(TP_SECRET__COUNT);
    return 0;
}
