/* libFuzzer: NSS key log parsing, lookups and writing back; the whole
 * key-log API of src/session/keylog.c, driven by what the input holds.
 *
 * The input is a key log. It is read twice: from memory (tp_keylog_parse) and
 * as a file (tp_keylog_load, through a memfd: the chunked reader, binary-data
 * refusal). Lookups use the client randoms the input itself spells in hex (the
 * second field of each line) as well as raw input bytes, so they find entries;
 * each entry found is written back (tp_keylog_write_session) and must parse
 * again to the same secrets. The first secrets also get TLS 1.3 traffic keys
 * (tp_keylog_add_traffic_key / tp_keylog_traffic_keys) and the input's bytes are
 * stored as the probe's own records (tp_keylog_add_own_record / _own_record),
 * up to and beyond their limits. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create */
#endif
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "tlsprobe/limits.h"
#include "tlsprobe/session.h"

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
static void lookup(const struct tp_keylog *kl, const uint8_t cr[32], FILE *null)
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
    if (!any)
        return;
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
    if (tp_keylog_own_count(kl) > TP_KEYLOG_OWN_RECORDS)
        abort();
    (void)tp_keylog_add_own_record(kl, data, NULL, 1); /* refused: no plaintext */
}

static void load_as_file(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("fuzz-keylog", 0);
        if (fd < 0)
            return;
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        return;
    struct tp_keylog *kl = NULL;
    char err[256];
    if (tp_keylog_load(path, &kl, err, sizeof err) == TP_OK) {
        if (tp_keylog_count(kl) > TP_MAX_KEYLOG_ENTRIES)
            abort();
        tp_keylog_free(kl);
    } else if (!memchr(err, '\0', sizeof err)) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *null;
    if (!null && !(null = fopen("/dev/null", "w")))
        abort();
    load_as_file(data, size);
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
            lookup(kl, cr, null);
            found++;
        }
    }
    /* and raw bytes of the input */
    for (size_t off = 0; off + 32 <= size && off < 4096; off += 97)
        lookup(kl, data + off, null);
    memset(cr, 0, sizeof cr);
    lookup(kl, cr, null);
    if (tp_keylog_count(kl) > TP_MAX_KEYLOG_ENTRIES)
        abort();
    (void)tp_keylog_bad_lines(kl);
    extras(kl, data, size);
    tp_keylog_free(kl);
    tp_keylog_free(NULL);
    (void)tp_keylog_get(NULL, TP_SECRET_CLIENT_RANDOM, cr, cr, sizeof cr);
    (void)tp_secret_label_name(TP_SECRET__COUNT);
    return 0;
}
