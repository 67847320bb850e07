/* Capture input (src/capture/instream.c): the first decoded bytes, peeked at to
 * tell pcapng from pcap, are served again unchanged and judged right even when
 * the first read of the decoder gives fewer than 4 (a first gzip member of 2 or
 * 3 bytes; a pipe of 3 bytes). Found by fuzz_instream
 * (fixtures/fuzz/fuzz_instream/regress-short-first-*). And every error path
 * of the open (tp_in_open_fault) closes what it opened once and says one line. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pipe2 */
#endif
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "capture/instream.h"

/* printf 'abc' | gzip -n; printf 'defg' | gzip -n */
static const uint8_t abc_defg_gz[] = {
    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x4b, 0x4c, 0x4a, 0x06, 0x00, 0xc2,
    0x41, 0x24, 0x35, 0x03, 0x00, 0x00, 0x00, 0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x03, 0x4b, 0x49, 0x4d, 0x4b, 0x07, 0x00, 0x59, 0x8e, 0x6d, 0x3b, 0x04, 0x00, 0x00, 0x00,
};
/* printf '\x0a\x0d' | gzip -n; printf '\x0d\x0a\x1c\0\0\0' | gzip -n: a pcapng
 * magic split over two members */
static const uint8_t pcapng_split_gz[] = {
    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xe3, 0xe2, 0x05, 0x00, 0xc8, 0x86,
    0x87, 0xc5, 0x02, 0x00, 0x00, 0x00, 0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
    0xe3, 0xe5, 0x92, 0x61, 0x60, 0x60, 0x00, 0x00, 0xfb, 0x42, 0x23, 0x5d, 0x06, 0x00, 0x00, 0x00,
};

/* The bytes in an unlinked file at offset 0, or in a pipe (its reading end). */
static int bytes_fd(const uint8_t *b, size_t n, bool pipe)
{
    int fd;
    if (pipe) {
        int pf[2];
        assert_int_equal(pipe2(pf, O_CLOEXEC), 0);
        assert_int_equal(write(pf[1], b, n), (ssize_t)n);
        close(pf[1]);
        fd = pf[0];
    } else {
        char tmpl[] = "/tmp/tp-instream-XXXXXX";
        fd = mkstemp(tmpl);
        assert_true(fd >= 0);
        unlink(tmpl);
        assert_int_equal(write(fd, b, n), (ssize_t)n);
        assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    }
    return fd;
}

/* The bytes in a file (or a pipe: path names its reading end), opened. */
static enum tp_err open_bytes(const uint8_t *b, size_t n, bool pipe, struct tp_in *in, int *keep)
{
    char path[64], err[256];
    int fd = bytes_fd(b, n, pipe);
    *keep = fd;
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    enum tp_err e = tp_in_open(path, "t", in, err, sizeof err);
    if (e != TP_OK)
        print_message("%s\n", err);
    return e;
}

static size_t read_all(struct tp_in *in, uint8_t *out, size_t cap)
{
    size_t n = 0, k;
    while (n < cap && (k = fread(out + n, 1, 1, in->fp)) > 0) /* byte by byte: no read hides another */
        n += k;
    return n;
}

static void expect(const uint8_t *b, size_t n, bool pipe, const char *want, size_t want_len, bool pcapng)
{
    struct tp_in in;
    int fd;
    enum tp_err e = open_bytes(b, n, pipe, &in, &fd);
    if (e == TP_ERR_UNSUPPORTED) { /* built without zlib, or libz.so.1 missing */
        close(fd);
        skip();
    }
    assert_int_equal(e, TP_OK);
    uint8_t out[64];
    size_t got = read_all(&in, out, sizeof out);
    assert_int_equal(got, want_len);
    assert_memory_equal(out, want, want_len);
    assert_int_equal(in.pcapng, pcapng);
    assert_string_equal(tp_in_error(&in), "");
    tp_in_free(&in);
    close(fd);
}

/* A first member of 3 bytes came out rotated ("bcad..."): the peek read its own
 * buffer back. */
static void test_first_member_three_bytes(void **state)
{
    (void)state;
    expect(abc_defg_gz, sizeof abc_defg_gz, false, "abcdefg", 7, false);
    expect(abc_defg_gz, sizeof abc_defg_gz, true, "abcdefg", 7, false);
}

/* A first member of 2 bytes: the magic was judged on "\n\r\n\r". */
static void test_pcapng_magic_over_two_members(void **state)
{
    (void)state;
    static const char want[] = "\x0a\x0d\x0d\x0a\x1c\0\0";
    expect(pcapng_split_gz, sizeof pcapng_split_gz, false, want, 8, true);
    expect(pcapng_split_gz, sizeof pcapng_split_gz, true, want, 8, true);
}

/* A pipe of 3 plain bytes (read, not peeked, at the magic). */
static void test_pipe_three_plain_bytes(void **state)
{
    (void)state;
    expect((const uint8_t *)"xyz", 3, true, "xyz", 3, false);
}

/* Standard input a TCP socket that brings 3 bytes, then a reset: the bytes,
 * then the error (the first read met both: the error was dropped, and the
 * input looked like a clean 3-byte file). */
static void test_reset_after_three_bytes(void **state)
{
    (void)state;
    int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(l, 1), 0);
    assert_int_equal(getsockname(l, (struct sockaddr *)&a, &al), 0);
    int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_int_equal(connect(c, (struct sockaddr *)&a, sizeof a), 0);
    int s = accept(l, NULL, NULL);
    assert_true(s >= 0);
    assert_int_equal(write(s, "xyz", 3), 3);
    struct linger lg = { 1, 0 };
    assert_int_equal(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg), 0);
    close(s); /* a reset */
    close(l);
    struct timespec ts = { 0, 50 * 1000 * 1000 };
    nanosleep(&ts, NULL);
    int saved = dup(STDIN_FILENO);
    assert_true(saved >= 0);
    assert_int_equal(dup2(c, STDIN_FILENO), STDIN_FILENO);
    close(c);
    struct tp_in in;
    char err[256];
    enum tp_err e = tp_in_open("-", "t", &in, err, sizeof err);
    assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
    close(saved);
    assert_int_equal(e, TP_OK);
    uint8_t out[16];
    size_t got = read_all(&in, out, sizeof out);
    assert_int_equal(got, 3);
    assert_memory_equal(out, "xyz", 3);
    assert_true(ferror(in.fp));
    tp_in_free(&in);
}

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    int n = 0;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

/* One error path of tp_in_open (tp_in_open_fault): the code and the line, and
 * nothing left behind: no descriptor (the one it opened is closed once), no
 * FILE, no state (ASan and LeakSanitizer watch the memory). */
static void expect_fault(enum tp_in_fault f, const uint8_t *b, size_t n, bool pipe, enum tp_err want,
                         const char *want_text)
{
    int before = count_fds();
    char path[64], err[256] = "";
    int fd = bytes_fd(b, n, pipe);
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    struct tp_in in;
    enum tp_err e = tp_in_open_fault(path, "t", &in, err, sizeof err, f);
    print_message("fault %d: %s\n", (int)f, err);
    assert_int_equal(e, want);
    assert_non_null(strstr(err, want_text));
    assert_null(strchr(err, '\n'));
    assert_null(in.fp);
    assert_null(in.dz);
    tp_in_free(&in); /* what a caller does anyway: nothing left to free */
    close(fd);
    assert_int_equal(count_fds(), before);
}

static void test_open_faults(void **state)
{
    (void)state;
    static const uint8_t plain[] = "plain bytes, not compressed";
    expect_fault(TP_IN_FAULT_FDOPEN, plain, sizeof plain, false, TP_ERR_IO, "t: Cannot allocate memory");
    expect_fault(TP_IN_FAULT_ALLOC, plain, sizeof plain, true, TP_ERR_NOMEM, "t: out of memory");
    expect_fault(TP_IN_FAULT_DZ_INIT, plain, sizeof plain, true, TP_ERR_NOMEM, "t: out of memory");
    expect_fault(TP_IN_FAULT_COOKIE, plain, sizeof plain, true, TP_ERR_IO, "t: cannot start the decoder");
    /* the same on a compressed file, when this build reads gzip at all */
    struct tp_in in;
    int fd;
    enum tp_err e = open_bytes(abc_defg_gz, sizeof abc_defg_gz, false, &in, &fd);
    if (e == TP_OK)
        tp_in_free(&in);
    close(fd);
    if (e != TP_OK)
        return;
    expect_fault(TP_IN_FAULT_LOAD, abc_defg_gz, sizeof abc_defg_gz, false, TP_ERR_UNSUPPORTED,
                 "t: gzip-compressed: cannot load libz.so.1");
    for (int f = TP_IN_FAULT_ALLOC; f <= TP_IN_FAULT_COOKIE; f++) {
        expect_fault((enum tp_in_fault)f, abc_defg_gz, sizeof abc_defg_gz, false,
                     f == TP_IN_FAULT_COOKIE ? TP_ERR_IO : TP_ERR_NOMEM,
                     f == TP_IN_FAULT_COOKIE ? "cannot start the decoder" : "out of memory");
        expect_fault((enum tp_in_fault)f, abc_defg_gz, sizeof abc_defg_gz, true,
                     f == TP_IN_FAULT_COOKIE ? TP_ERR_IO : TP_ERR_NOMEM,
                     f == TP_IN_FAULT_COOKIE ? "cannot start the decoder" : "out of memory");
    }
    /* and the next open works again */
    expect(abc_defg_gz, sizeof abc_defg_gz, false, "abcdefg", 7, false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_member_three_bytes),
        cmocka_unit_test(test_pcapng_magic_over_two_members),
        cmocka_unit_test(test_pipe_three_plain_bytes),
        cmocka_unit_test(test_reset_after_three_bytes),
        cmocka_unit_test(test_open_faults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
