/* tp_probe_many without a TLS peer: targets that fail at once (a closed port)
 * and targets that time out (a port whose connections are never accepted) are
 * mixed, so they finish out of order; the sessions must come back in input
 * order, one per target, with at most 2 x jobs targets in flight; bad options
 * and an unreadable trust store are refused before any target. The TLS side is
 * tests/integration/test_targets_many.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "tlsprobe/probe.h"

#define PKI TP_FIXTURES "/pki/"

struct ctx {
    size_t n, next;          /* targets to hand out, handed out */
    uint16_t refused, silent;
    size_t delivered;
    size_t in_order;         /* sessions whose index was the one expected */
    size_t max_in_flight;
    size_t jobs;
    int statuses[64];
};

static int next(void *c, struct tp_many_target *t)
{
    struct ctx *x = c;
    if (x->next == x->n)
        return 0;
    snprintf(t->host, sizeof t->host, "127.0.0.1");
    t->port = x->next % 4 == 0 ? x->silent : x->refused; /* every 4th one is slow */
    x->next++;
    return 1;
}

static void on_session(struct tp_session *s, const struct tp_many_target *t, size_t addr_i, void *c)
{
    struct ctx *x = c;
    assert_int_equal(addr_i, 0);
    if (t->index == x->delivered)
        x->in_order++;
    if (x->delivered < 64)
        x->statuses[x->delivered] = (int)s->outcome.status;
    x->delivered++;
}

static void on_progress(const struct tp_many_progress *p, void *c)
{
    struct ctx *x = c;
    size_t in_flight = p->started - p->done;
    if (in_flight > x->max_in_flight)
        x->max_in_flight = in_flight;
}

static uint16_t port_of(int fd)
{
    struct sockaddr_in a;
    socklen_t l = sizeof a;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &l), 0);
    return ntohs(a.sin_port);
}

static int listener(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

static void test_probe_many__mixed_speeds__input_order_and_bounded_window(void **st)
{
    (void)st;
    int silent = listener(), closed = listener();
    assert_int_equal(listen(silent, 64), 0); /* the kernel completes connects; nobody reads */
    struct ctx x = { .n = 40, .silent = port_of(silent), .refused = port_of(closed), .jobs = 3 };
    close(closed); /* nothing listens there now */
    struct tp_connect_opts base = { .timeout_ms = 150, .cafile = PKI "root.pem", .starttls = TP_ST_NONE };
    struct tp_many_opts o = { .base = &base, .jobs = 3, .next = next, .on_session = on_session,
                              .on_progress = on_progress, .ctx = &x };
    char err[256];
    assert_int_equal(tp_probe_many(&o, err, sizeof err), TP_OK);
    assert_int_equal(x.delivered, 40);
    assert_int_equal(x.in_order, 40);
    assert_true(x.max_in_flight <= 2 * x.jobs);
    for (size_t i = 0; i < 40; i++)
        assert_int_equal(x.statuses[i], i % 4 == 0 ? TP_CONN_TIMEOUT : TP_CONN_REFUSED);
    close(silent);
}

static void test_probe_many__bad_options__refused(void **st)
{
    (void)st;
    struct ctx x = { .n = 1, .refused = 1, .silent = 1 };
    struct tp_connect_opts base = { .timeout_ms = 100 };
    struct tp_many_opts o = { .base = &base, .jobs = 0, .next = next, .on_session = on_session, .ctx = &x };
    char err[256];
    assert_int_equal(tp_probe_many(&o, err, sizeof err), TP_ERR_USAGE);
    o.jobs = TP_MANY_MAX_JOBS + 1;
    assert_int_equal(tp_probe_many(&o, err, sizeof err), TP_ERR_USAGE);
    o.jobs = 2;
    base.write_pcap = "/dev/null";
    assert_int_equal(tp_probe_many(&o, err, sizeof err), TP_ERR_USAGE);
    assert_int_equal(x.delivered, 0);
}

static void test_probe_many__unreadable_cafile__io_error_before_any_target(void **st)
{
    (void)st;
    struct ctx x = { .n = 5, .refused = 1, .silent = 1 };
    struct tp_connect_opts base = { .timeout_ms = 100, .cafile = "/nonexistent/ca.pem" };
    struct tp_many_opts o = { .base = &base, .jobs = 2, .next = next, .on_session = on_session, .ctx = &x };
    char err[256];
    assert_int_equal(tp_probe_many(&o, err, sizeof err), TP_ERR_IO);
    assert_true(err[0] != 0);
    assert_int_equal(x.next, 0);
    assert_int_equal(x.delivered, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probe_many__mixed_speeds__input_order_and_bounded_window),
        cmocka_unit_test(test_probe_many__bad_options__refused),
        cmocka_unit_test(test_probe_many__unreadable_cafile__io_error_before_any_target),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
