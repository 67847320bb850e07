/* tlsprobe listen: be a TLS server and show what each client sends. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "tlsprobe/capture.h"
#include "tlsprobe/diagnose.h"
#include "tlsprobe/names.h"
#include "tlsprobe/pkcs12.h"
#include "tlsprobe/probe.h"
#include "tlsprobe/x509.h"

static int run(int argc, char **argv);

enum { OPT_COUNT = 1000, OPT_TIMEOUT, OPT_LINGER };

struct listen_args {
    struct tp_listen_opts o;
    double timeout_s;
    bool v12, v13;
};

#define STR(m) TP_CLI_STR_IN(struct listen_args, o.m)
#define FLAG(m) TP_CLI_FLAG_IN(struct listen_args, m)
static const struct tp_cli_opt opts[] = {
    { STR(cert), "cert", 0, "FILE",
      "our certificate (PEM or DER; the file may hold the chain;\n"
      "or a PKCS#12 .p12/.pfx file with its key and chain)" },
    { STR(key), "key", 0, "FILE", "its private key (may be encrypted: see --pass)" },
    TP_ROW_PASS_IDENTITY,
    { STR(chain), "chain", 0, "FILE", "intermediates to send after the certificate" },
    { STR(client_ca), "client-ca", 0, "FILE",
      "CA(s) to verify client certificates against (implies\n"
      "--request-client-cert); bad client certificates are rejected" },
    { FLAG(o.request_client_cert), "request-client-cert", 0, NULL,
      "ask clients for a certificate (optional for them)" },
    { FLAG(o.require_client_cert), "require-client-cert", 0, NULL, "ask, and fail the handshake without one" },
    { STR(alpn), "alpn", 0, "LIST", "protocols we accept, our preference first (h2,http/1.1)" },
    { FLAG(v12), "tls1.2", 0, NULL, "accept only TLS 1.2 (default: 1.2 and 1.3)" },
    { FLAG(v13), "tls1.3", 0, NULL, "accept only TLS 1.3" },
    { OPT_COUNT, "count", 0, "N", "stop after N clients have finished" },
    { OPT_LINGER, "linger", 0, "SECONDS",
      "after a handshake, wait this long for the client's request\n"
      "or close before reporting (default 1; 0: close at once)" },
    { FLAG(o.no_http), "no-http", 0, NULL,
      "never answer; by default an HTTP/1.1 request gets a one-line\n"
      "200 reply and HTTP/2 a GOAWAY asking for HTTP/1.1" },
    { OPT_TIMEOUT, "timeout", 0, "SECONDS", "per-connection deadline in seconds (default 10)" },
    { STR(write_pcap), "write-pcap", 0, "FILE", "write every session to a pcap file (Wireshark, tshark)" },
    { STR(keylog), "keylog", 0, "FILE",
      "append every session's secrets in NSS key log format\n(default: $SSLKEYLOGFILE when set)" },
    TP_ROW_AT("verify client certificates (and judge our chain's dates)\n"
              "as of TIME, not now (RFC 3339, or @UNIXSECONDS)"),
    TP_ROW_STACK("also give each fix for go, openssl, curl, python, node,\n"
                 "java, dotnet, gnutls or browser (for the server side)"),
};

const struct tp_cli_cmd tp_cli_listen = {
    .name = "listen",
    .summary = "be a TLS server and show what each client sends",
    .head = "usage: tlsprobe listen [ADDR:]PORT --cert FILE [--key FILE] [OPTIONS]\n"
            "\n"
            "Be a TLS server and show, for each client, what it offered (ClientHello in\n"
            "detail, JA3/JA4), what we chose, its certificate, how the handshake ended and why.\n"
            "\n"
            "  PORT                    0 picks a free port; 'listening on ADDR:PORT' is printed\n"
            "                          on stderr once ready\n"
            "  ADDR                    IPv4 or [IPv6] address to bind (default: all addresses),\n"
            "                          e.g. 127.0.0.1:8443, [::1]:8443\n"
            "\n",
    .foot = "After a completed handshake listen waits (--linger) for the client's first request\n"
            "or its close, answers an HTTP request (unless --no-http), then sends close_notify.\n"
            "One block (text) or one JSON line (json, ecs) per client, never interleaved.\n"
            "Stops after --count clients or on SIGINT/SIGTERM, then prints a summary (with\n"
            "--format json: as text on stderr and as the last JSON line, the summary object;\n"
            "with ecs: on stderr).\n"
            "exit status: 0 nothing wrong, 1 a client session had a finding of severity error,\n"
            "2 usage error or unreadable input\n",
    TP_CLI_OPTS(opts),
    .run = run,
    .tail = TP_TAIL_ALL_EXPLAIN,
};

/* ---- the summary ---- */
#define MAX_TALLY 64
struct tally {
    const char *key; /* static strings (rule ids, version names) */
    int sev;
    unsigned long n;
};
struct listen_state {
    struct tp_render_opts ro;
    struct tp_sb sb;
    unsigned long clients, completed, probes;
    int exit_status;
    struct tally versions[8];
    size_t n_versions;
    struct tally findings[MAX_TALLY];
    size_t n_findings;
    const char *bind_text;
    struct tp_capture_summary *sum; /* --format json: the closing summary line's counts */
    const char *title;    /* --format html: the page's title; its head is written once listening */
    bool doc_open;
    /* Not a terminal: reports gather here and go out in big writes (one write
     * of a 7 KB report costs about 4 µs, a 64 KiB one 0.18 µs per KB), at most
     * LISTEN_OUT_BATCH bytes or about 50 ms late (on_tick), whole sessions only. */
    bool batch;
    struct tp_sb out;
};
#define LISTEN_OUT_BATCH (64 * 1024)

static void tally_add(struct tally *t, size_t *n, size_t cap, const char *key, int sev)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(t[i].key, key)) {
            t[i].n++;
            return;
        }
    if (*n < cap) {
        t[*n].key = key;
        t[*n].sev = sev;
        t[*n].n = 1;
        (*n)++;
    }
}

static void on_ready(uint16_t port, void *ctx)
{
    struct listen_state *st = ctx;
    fprintf(stderr, "listening on %s:%u\n", st->bind_text, (unsigned)port);
    fflush(stderr);
    if (st->ro.format == TP_FMT_HTML && !st->doc_open) { /* stdout is a page from now on */
        struct tp_sb head;
        tp_sb_init(&head);
        tp_render_doc_begin(&head, st->title, &st->ro);
        tp_cli_print(&head);
        tp_sb_free(&head);
        st->doc_open = true;
    }
}

/* Called by the probe from one thread at a time. */
static void on_session(struct tp_session *s, void *ctx)
{
    struct listen_state *st = ctx;
    tp_sb_reset(&st->sb);
    tp_cli_render_session(&st->sb, s, &st->ro, true);
    if (st->ro.format == TP_FMT_TEXT)
        tp_sb_putc(&st->sb, '\n');
    if (!st->batch) {
        tp_cli_print(&st->sb);
    } else {
        tp_sb_putn(&st->out, tp_sb_str(&st->sb), st->sb.len);
        if (st->out.len >= LISTEN_OUT_BATCH) {
            tp_cli_print(&st->out);
            tp_sb_reset(&st->out);
        }
    }

    if (st->sum)
        tp_capture_summary_add(st->sum, s);
    st->clients++;
    /* A handshake ended by a fatal alert did not complete, even after both
     * Finished (TLS 1.3 certificate_required); a TCP connect-and-close is a
     * probe, neither completed nor failed. */
    bool fatal = false;
    for (size_t i = 0; i < s->n_msgs && !fatal; i++)
        fatal = s->msgs[i].kind == TP_MSG_ALERT && s->msgs[i].alert_level == TP_ALERT_LEVEL_FATAL;
    if (s->n_msgs == 0 && s->decode[TP_C2S].bytes == 0 &&
        (s->outcome.status == TP_CONN_CLOSED || s->outcome.status == TP_CONN_RESET))
        st->probes++;
    else if ((s->handshake_complete || s->outcome.status == TP_CONN_OK) && !fatal)
        st->completed++;
    const char *v = s->version ? tp_name_version(s->version) : NULL;
    tally_add(st->versions, &st->n_versions, sizeof st->versions / sizeof st->versions[0], v ? v : "no version",
              0);
    for (size_t i = 0; i < s->n_findings; i++) {
        const struct tp_rule *r = tp_rule_find(s->findings[i].id);
        /* rule ids are static in the table; findings' ids point into it too */
        tally_add(st->findings, &st->n_findings, MAX_TALLY, r ? r->id : s->findings[i].id,
                  (int)s->findings[i].severity);
    }
    if (tp_exit_status(s) == TP_EXIT_FINDING)
        st->exit_status = TP_EXIT_FINDING;
}

/* Called about every 50 ms, never during on_session. */
static void on_tick(void *ctx)
{
    struct listen_state *st = ctx;
    if (st->out.len) {
        tp_cli_print(&st->out);
        tp_sb_reset(&st->out);
    }
}

static void print_summary(struct listen_state *st, FILE *f)
{
    fprintf(f, "summary: %lu client%s, %lu handshake%s completed, %lu failed", st->clients,
            st->clients == 1 ? "" : "s", st->completed, st->completed == 1 ? "" : "s",
            st->clients - st->completed - st->probes);
    if (st->probes)
        fprintf(f, ", %lu TCP probe%s (connected and closed without a byte: health checks)", st->probes,
                st->probes == 1 ? "" : "s");
    fputc('\n', f);
    if (st->n_versions) {
        fputs("  versions:", f);
        for (size_t i = 0; i < st->n_versions; i++)
            fprintf(f, "%s %s x%lu", i ? "," : "", st->versions[i].key, st->versions[i].n);
        fputc('\n', f);
    }
    if (st->n_findings) {
        fputs("  findings:", f);
        for (int sev = 2; sev >= 0; sev--)
            for (size_t i = 0; i < st->n_findings; i++)
                if (st->findings[i].sev == sev)
                    fprintf(f, "\n    %-28s %-8s x%lu", st->findings[i].key,
                            tp_render_severity((enum tp_severity)sev), st->findings[i].n);
        fputc('\n', f);
    }
    fflush(f);
}

/* ---- signals ---- */
static volatile int g_stop;
static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

/* "[ADDR:]PORT": 8443, 127.0.0.1:8443, [::1]:8443, [::]:0. addr gets "" for all. */
static bool parse_endpoint(const char *arg, char *addr, size_t addrlen, uint16_t *port)
{
    const char *p;
    addr[0] = 0;
    if (arg[0] == '[') {
        const char *e = strchr(arg, ']');
        if (!e || e[1] != ':' || (size_t)(e - arg - 1) >= addrlen || e == arg + 1)
            return false;
        memcpy(addr, arg + 1, (size_t)(e - arg - 1));
        addr[e - arg - 1] = 0;
        p = e + 2;
    } else {
        const char *c = strchr(arg, ':');
        if (c && strchr(c + 1, ':'))
            return false; /* a bare IPv6 address: needs brackets */
        if (c) {
            if ((size_t)(c - arg) >= addrlen || c == arg)
                return false;
            memcpy(addr, arg, (size_t)(c - arg));
            addr[c - arg] = 0;
            p = c + 1;
        } else {
            p = arg;
        }
    }
    if (!*p)
        return false;
    char *end;
    errno = 0;
    unsigned long v = strtoul(p, &end, 10);
    if (*end || errno || v > 65535 || *p == '-' || *p == '+')
        return false;
    *port = (uint16_t)v;
    return true;
}

static int take(void *ctx, const struct tp_cli_cmd *cmd, int id, const char *v)
{
    struct listen_args *a = ctx;
    long n;
    double t;
    switch (id) {
    case OPT_COUNT:
        if (!tp_cli_long(v, 1, INT_MAX, &n))
            return tp_cli_usage_fail(cmd, "--count takes a positive number, not '%s'", v);
        a->o.count = (int)n;
        break;
    case OPT_TIMEOUT:
        if (!tp_cli_seconds(v, false, 86400, &a->timeout_s))
            return tp_cli_usage_fail(cmd, "--timeout takes a number of seconds above 0 and at most 86400, not '%s'", v);
        break;
    case OPT_LINGER:
        if (!tp_cli_seconds(v, true, 3600, &t))
            return tp_cli_usage_fail(cmd, "--linger takes seconds from 0 to 3600, not '%s'", v);
        a->o.linger_ms = t == 0 ? -1 : (int)(t * 1000 + 0.5) ? (int)(t * 1000 + 0.5) : 1;
        break;
    }
    return -1;
}

/* What the options say together; -1 to go on, else the exit status. */
static int settle(const struct tp_cli_cmd *cmd, const struct tp_cli_args *args, struct listen_args *a, char *addr,
                  size_t addrlen)
{
    struct tp_listen_opts *o = &a->o;
    if (args->n_operand == 0)
        return tp_cli_usage_fail(cmd, "needs a port: tlsprobe listen [ADDR:]PORT --cert FILE [--key FILE]");
    if (args->n_operand > 1)
        return tp_cli_usage_fail(cmd, "takes one [ADDR:]PORT, got '%s' too", args->operand[1]);
    if (!parse_endpoint(args->operand[0], addr, addrlen, &o->port))
        return tp_cli_fail("'%s' is not [ADDR:]PORT (e.g. 8443, 127.0.0.1:8443, [::1]:8443)", args->operand[0]);
    if (!o->cert)
        return tp_cli_fail("listen needs --cert FILE (and --key FILE unless it is a PKCS#12 file)");
    if (a->v12 && a->v13)
        return tp_cli_fail("--tls1.2 and --tls1.3 exclude each other (give neither for both)");
    if (o->request_client_cert && o->require_client_cert)
        return tp_cli_fail("--request-client-cert and --require-client-cert exclude each other");
    o->only_version = a->v12 ? TP_TLS1_2 : a->v13 ? TP_TLS1_3 : 0;
    o->bind_addr = addr[0] ? addr : NULL;
    o->timeout_ms = (int)(a->timeout_s * 1000 + 0.5);
    if (o->timeout_ms < 1)
        o->timeout_ms = 1;
    o->at = (int64_t)args->com.at;
    o->keylog = tp_cli_keylog(o->keylog);
    return -1;
}

static void on_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static int run(int argc, char **argv)
{
    const struct tp_cli_cmd *cmd = &tp_cli_listen;
    struct listen_args a = { .timeout_s = 10 };
    struct tp_cli_args args;
    char addr[256];
    int rc = tp_cli_options(cmd, argc, argv, &args, take, &a);
    if (rc < 0)
        rc = settle(cmd, &args, &a, addr, sizeof addr);
    if (rc >= 0)
        return rc;

    struct listen_state st = { 0 };
    st.ro = tp_cli_render_opts(&args.com);
    /* on_session runs one call at a time (under the probe's output lock): one
     * memo serves every report (render output is the same without it). */
    st.ro.memo = tp_render_memo_new();
    tp_sb_init(&st.sb);
    tp_sb_init(&st.out);
    st.batch = !isatty(STDOUT_FILENO);
    if (st.ro.format == TP_FMT_JSON)
        st.sum = tp_capture_summary_new();
    char bind_text[300];
    snprintf(bind_text, sizeof bind_text, !addr[0] ? "*" : strchr(addr, ':') ? "[%s]" : "%s", addr);
    st.bind_text = bind_text;
    char title[512];
    tp_cli_doc_title(title, sizeof title, cmd->name, args.operand, 1);
    st.title = title;
    a.o.on_ready = on_ready;
    a.o.on_session = on_session;
    a.o.on_tick = on_tick;
    a.o.ctx = &st;
    on_signals();

    struct tp_secret pass;
    if ((rc = tp_cli_pass(&args, &pass)) >= 0)
        return rc;
    a.o.pass = pass.text ? &pass : NULL;
    char err[512] = "";
    /* Workers sign every handshake with the same key and may check client chains
     * from the same CAs: wolfSSL's ECC tables pay off here, keep them. */
    tp_x509_keep_ecc_cache(true);
    enum tp_err e = tp_probe_listen(&a.o, &g_stop, err, sizeof err);
    if (st.doc_open)
        tp_render_doc_end(&st.out, &st.ro);
    tp_secret_wipe(&pass);
    on_tick(&st);
    tp_sb_free(&st.out);
    tp_render_memo_free(st.ro.memo);
    if (e != TP_OK) {
        tp_capture_summary_free(st.sum);
        tp_sb_free(&st.sb);
        return tp_cli_fail("%s", err[0] ? err : tp_err_text(e));
    }
    print_summary(&st, st.ro.format == TP_FMT_TEXT ? stdout : stderr);
    if (st.sum) { /* the documented summary object, last line on stdout */
        tp_sb_reset(&st.sb);
        tp_render_capture_summary_json(&st.sb, "listen", st.sum, NULL, 0);
        tp_cli_print(&st.sb);
        tp_capture_summary_free(st.sum);
    }
    tp_sb_free(&st.sb);
    return st.exit_status;
}
