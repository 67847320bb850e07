/* tlsprobe pcap FILE... / tlsprobe sniff -i IFACE: decode TLS from captures and
 * live interfaces through the capture decoder (tlsprobe/capture.h). */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli.h"
#include "tlsprobe/capture.h"
#include "tlsprobe/sandbox.h"
#include "tlsprobe/diagnose.h"
#include "tlsprobe/pkcs12.h"
#include "tlsprobe/x509.h"

static int run_pcap(int argc, char **argv);
static int run_sniff(int argc, char **argv);

enum {
    OPT_KEYLOG = 1000,
    OPT_FILTER,
    OPT_SESSION,
    OPT_SERVER,
    OPT_SNI,
    OPT_MAX_FLOWS,
    OPT_MAX_FLOW_MEMORY,
    OPT_NO_SUMMARY,
    OPT_COUNT,
    OPT_IFACE,
    OPT_CAFILE,
    OPT_CAPATH,
    OPT_AT,
    OPT_USER,
    OPT_SHARD,
    OPT_RSA_KEY,
    OPT_PSK,
};

/* The output options both commands end with. */
#define OUTPUT_ROWS                                                                                                    \
    { OPT_NO_SUMMARY, "no-summary", 0, NULL, "no closing summary" }, TP_ROW_FORMAT_ALL, TP_ROW_EXPLAIN,               \
        TP_ROW_NO_COLOR, TP_ROW_HELP, TP_ROW_VERSION

static const struct tp_cli_opt pcap_opts[] = {
    { OPT_KEYLOG, "keylog", 0, "FILE", "NSS key log (SSLKEYLOGFILE format; default: $SSLKEYLOGFILE)" },
    { OPT_FILTER, "filter", 0, "BPF", "only packets matching this filter ('tcp port 443')" },
    { OPT_SESSION, "session", 0, "N", "only the Nth TLS session (numbered by first record, from 1)" },
    { OPT_SERVER, "server", 0, "ADDR:PORT", "only sessions to this server (IPv6: [ADDR]:PORT)" },
    { OPT_SNI, "sni", 0, "NAME", "only sessions whose ClientHello asked for NAME" },
    { OPT_CAFILE, "cafile", 0, "FILE",
      "trust anchors to judge server chains with (default: the\nsystem store); dates are judged as of the capture" },
    { OPT_CAPATH, "capath", 0, "DIR", "the same, a directory of certificates" },
    { OPT_AT, "at", 0, "TIME",
      "judge chains and dates as of TIME instead of the capture\n(RFC 3339 like 2025-01-31T12:00:00Z, or @UNIXSECONDS)" },
    { OPT_MAX_FLOWS, "max-flows", 0, "N",
      "TCP flows tracked at once (default 65536); the least\nrecently active flow is evicted beyond it and counted" },
    { OPT_MAX_FLOW_MEMORY, "max-flow-memory", 0, "MIB",
      "MiB the tracked flows may hold (sessions, buffers;\ndefault 64); over it the least recently active goes" },
    { OPT_SHARD, "shard", 0, "K/N",
      "only the flows of shard K of N (K from 1; by Community ID\nhash): N runs, K = 1..N, together make one full run" },
    { OPT_RSA_KEY, "key", 0, "FILE",
      "server RSA private key (PEM/DER, PKCS#1/#8, PKCS#12): decrypts\nTLS 1.0-1.2 RSA key exchange; repeatable" },
    TP_ROW_PASS("password of an encrypted --key or PKCS#12 archive:\npass:TEXT, env:VAR, file:PATH, fd:N or stdin"),
    { OPT_PSK, "psk", 0, "IDENTITY:HEX",
      "pre-shared key for TLS 1.0-1.2 plain PSK suites (empty\nIDENTITY: any identity); repeatable" },
    OUTPUT_ROWS,
};

static const struct tp_cli_opt sniff_opts[] = {
    { OPT_IFACE, "interface", 'i', "IFACE", "interface to capture on ('lo', 'eth0', 'any')" },
    { OPT_FILTER, "filter", 0, "BPF", "only packets matching this filter ('tcp port 443')" },
    { OPT_COUNT, "count", 0, "N", "stop after N TLS sessions were reported" },
    { OPT_KEYLOG, "keylog", 0, "FILE", "NSS key log (default: $SSLKEYLOGFILE); read at start" },
    { OPT_SERVER, "server", 0, "ADDR:PORT", "only sessions to this server (IPv6: [ADDR]:PORT)" },
    { OPT_SNI, "sni", 0, "NAME", "only sessions whose ClientHello asked for NAME" },
    { OPT_CAFILE, "cafile", 0, "FILE", "trust anchors to judge server chains with" },
    { OPT_CAPATH, "capath", 0, "DIR", "the same, a directory of certificates" },
    { OPT_AT, "at", 0, "TIME", "judge chains and dates as of TIME (as for pcap)" },
    { OPT_MAX_FLOWS, "max-flows", 0, "N", "TCP flows tracked at once (default 65536)" },
    { OPT_MAX_FLOW_MEMORY, "max-flow-memory", 0, "MIB", "MiB the tracked flows may hold (default 64)" },
    { OPT_SHARD, "shard", 0, "K/N", "only the flows of shard K of N (as for pcap)" },
    { OPT_RSA_KEY, "key", 0, "FILE", "server RSA private key (as for pcap); repeatable" },
    TP_ROW_PASS("password of an encrypted --key (as for pcap)"),
    { OPT_PSK, "psk", 0, "IDENTITY:HEX", "pre-shared key for plain PSK suites (as for pcap)" },
    { OPT_USER, "relinquish-privileges", 'Z', "USER",
      "started as root: become USER (default nobody) once the\ninterface is open, before the first packet is read" },
    OUTPUT_ROWS,
};

const struct tp_cli_cmd tp_cli_pcap = {
    .name = "pcap",
    .summary = "decode TLS in pcap/pcapng captures (decrypt with a key log)",
    .head = "usage: tlsprobe pcap FILE... [OPTIONS]\n"
            "       tcpdump -w - ... | tlsprobe pcap -\n"
            "\n"
            "Decode every TLS connection in pcap/pcapng captures (any port: TLS is found by\n"
            "content), judge it like 'connect' does (dates as of the capture), and end with a\n"
            "summary. Keys from --keylog and from pcapng Decryption Secrets Blocks decrypt\n"
            "TLS 1.3 handshakes and TLS 1.2 records; --key (the server's RSA key) decrypts\n"
            "TLS 1.0-1.2 RSA key exchange. Application data is counted, never shown.\n"
            "FILE '-' is standard input. gzip, xz and zstd compressed captures are read\n"
            "as they are (by magic number), and pcapng with mixed link types.\n"
            "\n",
    .foot = "Sessions are printed as their connections end (FIN/RST, eviction, end of file).\n"
            "The summary goes to stderr with text and ecs output, and is the last JSON line\n"
            "(the summary object) with --format json (docs/capture.md).\n"
            "A file truncated at the end is decoded as far as it goes, with a warning.\n"
            "exit status: 0 nothing wrong, 1 a session had a finding of severity error,\n"
            "2 usage error or unreadable/corrupt file\n",
    .opts = pcap_opts,
    .n_opts = TP_CLI_N(pcap_opts),
    .run = run_pcap,
};

const struct tp_cli_cmd tp_cli_sniff = {
    .name = "sniff",
    .summary = "decode TLS live from a network interface",
    .head = "usage: tlsprobe sniff -i IFACE [OPTIONS]\n"
            "\n"
            "Decode TLS live from a network interface (needs root or CAP_NET_RAW), printing\n"
            "each connection as it ends. Stops on SIGINT/SIGTERM or after --count sessions,\n"
            "then prints the summary.\n"
            "\n",
    .foot = "Like tcpdump, sniff started as root gives root up once the interface is open\n"
            "(-Z). Decoding, in pcap and sniff, then runs under a seccomp filter: the process\n"
            "can read and write what it has open, and open nothing new.\n"
            "exit status: 0 nothing wrong, 1 a session had a finding of severity error,\n"
            "2 usage error, interface missing or not permitted\n",
    .opts = sniff_opts,
    .n_opts = TP_CLI_N(sniff_opts),
    .run = run_sniff,
};

struct run_state {
    struct tp_render_opts ro;
    struct tp_sb out;               /* rendered sessions, written in big chunks */
    struct tp_capture_summary *sum;
    int worst;                      /* exit status from sessions */
    bool live;                      /* sniff, pcap -: write each session at once */
    unsigned long count, seen;      /* sniff --count */
    char title[512];                /* --format html: the page's title */
    bool doc_open;                  /* --format html: its head is written */
};

/* --format html: the page's head before the first session (nothing at all when
 * the inputs fail before one), its end after the last. */
static void doc_open(struct run_state *st)
{
    if (!st->doc_open)
        tp_render_doc_begin(&st->out, st->title, &st->ro);
    st->doc_open = true;
}

static void out_flush(struct run_state *st)
{
    if (st->out.len) {
        tp_sb_write(&st->out, stdout);
        tp_sb_reset(&st->out);
    }
    fflush(stdout);
}

static void on_session(struct tp_session *s, unsigned long index, void *ctx)
{
    struct run_state *st = ctx;
    (void)index;
    tp_capture_summary_add(st->sum, s);
    doc_open(st);
    int ex = tp_exit_status(s);
    if (ex > st->worst)
        st->worst = ex;
    tp_cli_render_session(&st->out, s, &st->ro, true);
    if (st->ro.format == TP_FMT_TEXT)
        tp_sb_putc(&st->out, '\n');
    st->seen++;
    if (st->live || st->out.len > 256 * 1024)
        out_flush(st);
}

static bool parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max || s[0] == '-')
        return false;
    *out = v;
    return true;
}

/* Read the whole key log file (bounded by memory only: one line per secret). */
static char *slurp(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "--keylog %s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        char *nb = realloc(buf, cap * 2 + 1);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    bool bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        free(buf);
        snprintf(err, errlen, "--keylog %s: %s", path, bad ? "read error" : "out of memory");
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* The key log = --keylog (or $SSLKEYLOGFILE) + every pcapng DSB of the inputs. */
static int build_keylog(const char *path, char **files, int nfiles, struct tp_keylog **out, size_t *n_dsb)
{
    char err[512];
    char *text = NULL;
    size_t len = 0;
    *out = NULL;
    *n_dsb = 0;
    if (path) {
        text = slurp(path, &len, err, sizeof err);
        if (!text)
            return tp_cli_fail("%s", err);
    }
    for (int i = 0; i < nfiles; i++) {
        if (!strcmp(files[i], "-"))
            continue; /* standard input is read once, as it comes: its secrets blocks are not seen */
        enum tp_err e = tp_pcapng_secrets_file(files[i], &text, &len, n_dsb, err, sizeof err);
        if (e != TP_OK && e != TP_ERR_IO) /* unreadable files are reported when decoded */
            fprintf(stderr, "tlsprobe: warning: %s (secrets before it are used)\n", err);
    }
    if (!text) /* nothing at all */
        return 0;
    enum tp_err e = tp_keylog_parse((const uint8_t *)text, len, out);
    free(text);
    if (e != TP_OK)
        return tp_cli_fail("key log: %s", tp_err_text(e));
    if (tp_keylog_bad_lines(*out))
        fprintf(stderr, "tlsprobe: warning: key log: %zu line%s not understood (ignored)\n",
                tp_keylog_bad_lines(*out), tp_keylog_bad_lines(*out) == 1 ? "" : "s");
    return 0;
}

/* One --key file: its RSA private keys into the key log. -1, or an exit status. */
static int add_key_file(const char *path, const struct tp_secret *pass, struct tp_keylog *kl)
{
    struct tp_file *f = NULL;
    char err[512] = "";
    enum tp_err e = tp_file_read(path, &f);
    if (!f || e != TP_OK) {
        int st = tp_cli_fail("--key %s: %s", path, f && f->error[0] ? f->error : tp_err_text(e));
        tp_file_free(f);
        return st;
    }
    e = tp_file_open_secrets(f, pass, err, sizeof err);
    size_t added = 0;
    bool encrypted = false;
    for (size_t i = 0; e == TP_OK && i < f->n_objs; i++) {
        const struct tp_file_obj *o = &f->objs[i];
        if (o->kind == TP_OBJ_PKCS12 && o->p12 && o->p12->status != TP_P12_OPENED) {
            snprintf(err, sizeof err, "%s", o->p12->why);
            e = TP_ERR_USAGE;
        }
        if (o->kind != TP_OBJ_PRIVATE_KEY)
            continue;
        if (o->key_encrypted && !o->key_decrypted) {
            encrypted = true;
            continue;
        }
        enum tp_err ke = o->key_decrypted ? tp_keylog_add_rsa_key(kl, o->key_der, o->key_der_len)
                                          : tp_keylog_add_rsa_key(kl, o->der, o->der_len);
        if (ke == TP_OK)
            added++;
        else if (ke != TP_ERR_UNSUPPORTED) {
            snprintf(err, sizeof err, "%s", ke == TP_ERR_LIMIT ? "too many keys (16 at most)" : tp_err_text(ke));
            e = ke;
        }
    }
    tp_file_free(f);
    if (e != TP_OK)
        return tp_cli_fail("--key %s: %s", path, err[0] ? err : tp_err_text(e));
    if (added == 0)
        return tp_cli_fail("--key %s: %s", path,
                           encrypted ? "the key is encrypted: give its password with --pass SPEC"
                                     : "holds no RSA private key");
    return -1;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* --psk IDENTITY:HEX (split at the last colon: identities may hold colons). */
static int add_psk(const char *v, struct tp_keylog *kl)
{
    const char *colon = strrchr(v, ':');
    size_t hex_len = colon ? strlen(colon + 1) : 0;
    uint8_t key[TP_PSK_MAX];
    if (!colon || hex_len == 0 || hex_len % 2 || hex_len / 2 > sizeof key || (size_t)(colon - v) > 128)
        return tp_cli_fail("--psk takes IDENTITY:HEX (1 to %d bytes of hex, identity up to 128 bytes), not '%s'",
                           TP_PSK_MAX, v);
    for (size_t i = 0; i < hex_len / 2; i++) {
        int hi = hexval(colon[1 + 2 * i]), lo = hexval(colon[2 + 2 * i]);
        if (hi < 0 || lo < 0)
            return tp_cli_fail("--psk takes IDENTITY:HEX (1 to %d bytes of hex, identity up to 128 bytes), not '%s'",
                               TP_PSK_MAX, v);
        key[i] = (uint8_t)(hi << 4 | lo);
    }
    enum tp_err e = tp_keylog_add_psk(kl, (const uint8_t *)v, (size_t)(colon - v), key, hex_len / 2);
    explicit_bzero(key, sizeof key);
    if (e != TP_OK)
        return tp_cli_fail("--psk: %s", e == TP_ERR_LIMIT ? "too many keys (16 at most)" : tp_err_text(e));
    return -1;
}

/* --key FILE (repeatable, opened with --pass): RSA keys for RSA key exchange;
 * --psk IDENTITY:HEX: pre-shared keys. */
static int add_rsa_keys(const struct tp_cli_args *args, struct tp_keylog **kl)
{
    size_t n = 0, n_psk = 0;
    for (size_t i = 0; i < args->n_opt; i++) {
        n += args->opt[i].id == OPT_RSA_KEY;
        n_psk += args->opt[i].id == OPT_PSK;
    }
    if (n_psk && !*kl && !(*kl = tp_keylog_new()))
        return tp_cli_fail("out of memory");
    for (size_t i = 0; i < args->n_opt; i++)
        if (args->opt[i].id == OPT_PSK) {
            int st = add_psk(args->opt[i].value, *kl);
            if (st >= 0)
                return st;
        }
    if (n == 0)
        return tp_cli_pass_spec(args) ? tp_cli_fail("--pass opens --key: give one") : -1;
    struct tp_secret pass;
    int st = tp_cli_pass(args, &pass);
    if (st >= 0)
        return st;
    if (!*kl && !(*kl = tp_keylog_new())) {
        tp_secret_wipe(&pass);
        return tp_cli_fail("out of memory");
    }
    for (size_t i = 0; i < args->n_opt && st < 0; i++)
        if (args->opt[i].id == OPT_RSA_KEY)
            st = add_key_file(args->opt[i].value, &pass, *kl);
    tp_secret_wipe(&pass);
    return st;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct common_args {
    struct tp_cli_common com;
    const char *keylog, *filter, *server, *sni, *iface, *cafile, *capath, *user;
    unsigned long session, max_flows, max_flow_mib, count;
    unsigned long shard_k, shard_n; /* --shard K/N; 0: off */
    bool keylog_given, no_summary;
    time_t at;                      /* --at; 0: the capture time */
    char server_canon[80];
    char sni_canon[TP_MAX_NAME_LEN + 1];
};

/* The numeric options, with the range their usage error names. */
static const struct {
    int id;
    const char *name, *range;
    unsigned long min, max;
} num_opts[] = {
    { OPT_SESSION, "session", "from 1", 1, ULONG_MAX },
    { OPT_MAX_FLOWS, "max-flows", "from 16 to 16777216", 16, 1ul << 24 },
    { OPT_MAX_FLOW_MEMORY, "max-flow-memory", "of MiB from 1 to 1048576", 1, 1ul << 20 },
    { OPT_COUNT, "count", "from 1", 1, ULONG_MAX },
};

/* One numeric option into its field of a: -1, or the exit status of a usage error. */
static int num_arg(const struct tp_cli_cmd *cmd, int id, const char *v, struct common_args *a)
{
    unsigned long *field = id == OPT_SESSION           ? &a->session
                           : id == OPT_COUNT           ? &a->count
                           : id == OPT_MAX_FLOW_MEMORY ? &a->max_flow_mib
                                                       : &a->max_flows;
    for (size_t i = 0; i < sizeof num_opts / sizeof num_opts[0]; i++)
        if (num_opts[i].id == id && !parse_ulong(v, num_opts[i].min, num_opts[i].max, field))
            return tp_cli_usage_fail(cmd, "--%s takes a number %s, not '%s'", num_opts[i].name, num_opts[i].range,
                                     v);
    return -1;
}

/* pcap reads files (at least one); sniff reads an interface and no file. */
static int check_operands(const struct tp_cli_cmd *cmd, const struct common_args *a, const struct tp_cli_args *args)
{
    if (cmd == &tp_cli_pcap) {
        if (args->n_operand == 0)
            return tp_cli_usage_fail(cmd, "needs at least one capture file ('-' for standard input)");
        return -1;
    }
    if (args->n_operand > 0)
        return tp_cli_usage_fail(cmd, "takes no file arguments ('%s'); use 'tlsprobe pcap FILE' for files",
                                 args->operand[0]);
    if (!a->iface)
        return tp_cli_fail("sniff needs an interface: -i IFACE (e.g. -i lo, -i eth0, -i any)");
    return -1;
}

/* Returns -1 to continue, or an exit status. */
static int parse_args(const struct tp_cli_cmd *cmd, int argc, char **argv, struct common_args *a,
                      struct tp_cli_args *args)
{
    memset(a, 0, sizeof *a);
    int fin = tp_cli_parse(cmd, argc, argv, args);
    if (fin >= 0)
        return fin;
    a->com = args->com;
    for (size_t i = 0; i < args->n_opt; i++) {
        const char *v = args->opt[i].value;
        switch (args->opt[i].id) {
        case OPT_KEYLOG:
            a->keylog = v;
            a->keylog_given = true;
            break;
        case OPT_FILTER: a->filter = v; break;
        case OPT_SESSION:
        case OPT_MAX_FLOWS:
        case OPT_MAX_FLOW_MEMORY:
        case OPT_COUNT: {
            int st = num_arg(cmd, args->opt[i].id, v, a);
            if (st >= 0)
                return st;
            break;
        }
        case OPT_SERVER: a->server = v; break;
        case OPT_SNI: a->sni = v; break;
        case OPT_NO_SUMMARY: a->no_summary = true; break;
        case OPT_CAFILE: a->cafile = v; break;
        case OPT_CAPATH: a->capath = v; break;
        case OPT_IFACE: a->iface = v; break;
        case OPT_USER: a->user = v; break;
        case OPT_SHARD: {
            /* K/N, 1 <= K <= N <= 1000000 */
            const char *slash = strchr(v, '/');
            char k[24];
            size_t kl = slash ? (size_t)(slash - v) : 0;
            if (!slash || kl == 0 || kl >= sizeof k)
                return tp_cli_usage_fail(cmd, "--shard takes K/N (K from 1 to N, N up to 1000000), not '%s'", v);
            memcpy(k, v, kl);
            k[kl] = '\0';
            if (!parse_ulong(slash + 1, 1, 1000000, &a->shard_n) || !parse_ulong(k, 1, a->shard_n, &a->shard_k))
                return tp_cli_usage_fail(cmd, "--shard takes K/N (K from 1 to N, N up to 1000000), not '%s'", v);
            break;
        }
        case OPT_AT:
            if (tp_cli_opt_at(cmd->name, v, &a->at))
                return TP_EXIT_USAGE;
            break;
        }
    }
    if ((a->session != 0) + (a->server != NULL) + (a->sni != NULL) > 1)
        return tp_cli_usage_fail(cmd, "--session, --server and --sni are alternatives: use one");
    char why[512];
    if (a->server) {
        if (tp_cli_endpoint_canon(a->server, a->server_canon, sizeof a->server_canon, why, sizeof why) != 0)
            return tp_cli_usage_fail(cmd, "%s", why);
        a->server = a->server_canon;
    }
    if (a->sni) {
        /* Captures hold the A-label without the trailing dot, as clients send it. */
        if (tp_cli_name_normalize(a->sni, a->sni_canon, sizeof a->sni_canon, NULL, 0, why, sizeof why) < 0)
            return tp_cli_usage_fail(cmd, "--sni: %s", why);
        a->sni = a->sni_canon;
    }
    if (!a->keylog_given) {
        const char *env = getenv("SSLKEYLOGFILE");
        if (env && *env)
            a->keylog = env;
    }
    return check_operands(cmd, a, args);
}

static void setup(struct run_state *st, const struct common_args *a)
{
    memset(st, 0, sizeof *st);
    st->ro = tp_cli_render_opts(&a->com);
    st->ro.memo = tp_render_memo_new(); /* on_session runs on one thread at a time; NULL renders afresh */
    st->ro.source = a->iface ? "sniff" : NULL; /* JSON "source": the command */
    tp_sb_init(&st->out);
    st->out.max = TP_MAX_OUTPUT + 512 * 1024; /* one full session on top of what is pending */
    st->sum = tp_capture_summary_new();
}

/* The capture decoder for these options; its sessions are rendered into st. */
static struct tp_capture *capture_for(const struct common_args *a, const struct tp_keylog *kl, struct run_state *st,
                                      bool threaded)
{
    struct tp_capture_opts o = {
        .keylog = kl,
        .max_flows = a->max_flows,
        .max_flow_memory = (size_t)a->max_flow_mib << 20,
        .at = (int64_t)a->at,
        .only_server = a->server,
        .only_sni = a->sni,
        .only_session = a->session,
        .on_session = on_session,
        .ctx = st,
        .cafile = a->cafile,
        .capath = a->capath,
        .threaded = threaded,
        .shard_k = (uint32_t)a->shard_k,
        .shard_n = (uint32_t)a->shard_n,
    };
    return tp_capture_new(&o);
}

static int finish(struct run_state *st, const struct common_args *a, struct tp_capture *cap, double t0, int status)
{
    if (st->doc_open || (cap && status != TP_EXIT_USAGE)) {
        doc_open(st);
        tp_render_doc_end(&st->out, &st->ro);
    }
    out_flush(st);
    if (cap && tp_capture_store_error(cap)[0])
        fprintf(stderr, "tlsprobe: warning: server chains were not verified: %s\n", tp_capture_store_error(cap));
    if (!a->no_summary && cap) {
        struct tp_sb sb;
        tp_sb_init(&sb);
        bool json = a->com.format == TP_FMT_JSON;
        if (json)
            tp_render_capture_summary_json(&sb, a->iface ? "sniff" : "pcap", st->sum, tp_capture_get_stats(cap), now_s() - t0);
        else
            tp_capture_summary_render(&sb, st->sum, tp_capture_get_stats(cap), now_s() - t0);
        tp_sb_write(&sb, json ? stdout : stderr);
        tp_sb_free(&sb);
        fflush(stdout);
    }
    tp_sb_free(&st->out);
    tp_render_memo_free(st->ro.memo);
    tp_capture_summary_free(st->sum);
    if (status == TP_EXIT_OK && st->worst > 0)
        status = st->worst;
    return status;
}

/* Everything is open and loaded (inputs, key log, trust store, time zone):
 * from here on the process only decodes and writes (tlsprobe/sandbox.h).
 * Under valgrind (its own system calls would be filtered too) or where the
 * kernel has no seccomp filters, decoding goes on unconfined. */
static void confine(struct tp_capture *cap, enum tp_sandbox_need need)
{
    char err[256];
    tp_capture_preload(cap);
    tzset();
    const char *pre = getenv("LD_PRELOAD");
    if (pre && strstr(pre, "vgpreload"))
        return;
    enum tp_err e = tp_sandbox_enter(need, err, sizeof err);
    if (e != TP_OK && e != TP_ERR_UNSUPPORTED)
        fprintf(stderr, "tlsprobe: warning: decoding unconfined: %s\n", err);
}

static int pcap_files(struct common_args a, const struct tp_cli_args *fa)
{
    struct tp_cli_args args = *fa;
    char **files = args.operand;
    int nfiles = args.n_operand;
    int n_stdin = 0;
    for (int i = 0; i < nfiles; i++)
        n_stdin += !strcmp(files[i], "-");
    if (n_stdin > 1)
        return tp_cli_usage_fail(&tp_cli_pcap, "standard input ('-') can be read once only");
    if (n_stdin && tp_cli_pass_spec(fa) && tp_pass_uses_stdin(tp_cli_pass_spec(fa)))
        return tp_cli_usage_fail(&tp_cli_pcap, "--pass stdin and FILE '-' both want standard input");

    struct tp_keylog *kl = NULL;
    size_t n_dsb = 0;
    if (build_keylog(a.keylog, files, nfiles, &kl, &n_dsb) != 0)
        return TP_EXIT_USAGE;
    int kst = add_rsa_keys(fa, &kl);
    if (kst >= 0) {
        tp_keylog_free(kl);
        return kst;
    }

    struct run_state st;
    setup(&st, &a);
    tp_cli_doc_title(st.title, sizeof st.title, tp_cli_pcap.name, files, nfiles);
    st.live = n_stdin > 0; /* a pipe (tcpdump -w - | ...): each session as soon as it ends */
    /* threaded: st is touched by on_session only until tp_capture_flush returns */
    struct tp_capture *cap = capture_for(&a, kl, &st, true);
    if (!cap) {
        tp_keylog_free(kl);
        finish(&st, &a, NULL, 0, 0);
        return tp_cli_fail("out of memory");
    }
    /* Every input opened (and its filter compiled) up front, its error kept for
     * its turn, so that decoding can run confined. */
    struct tp_capture_src **src = calloc((size_t)nfiles, sizeof *src);
    char (*open_err)[1024] = calloc((size_t)nfiles, sizeof *open_err);
    enum tp_err *open_e = calloc((size_t)nfiles, sizeof *open_e);
    if (!src || !open_err || !open_e) {
        free(src);
        free(open_err);
        free(open_e);
        tp_capture_free(cap);
        tp_keylog_free(kl);
        finish(&st, &a, NULL, 0, 0);
        return tp_cli_fail("out of memory");
    }
    /* Up to PREOPEN_MAX inputs are opened at once and decoded confined; more
     * (a directory's worth of files) are opened one at a time, unconfined, so
     * that the descriptor limit never turns into errors. */
    enum { PREOPEN_MAX = 64 };
    bool pre = nfiles <= PREOPEN_MAX;
    for (int i = 0; pre && i < nfiles; i++)
        open_e[i] = tp_capture_src_open(files[i], a.filter, &src[i], open_err[i], sizeof open_err[i]);
    if (pre)
        confine(cap, TP_SANDBOX_FILE);
    double t0 = now_s();
    int status = TP_EXIT_OK;
    for (int i = 0; i < nfiles && !tp_capture_done(cap); i++) {
        char err[1024] = "";
        bool truncated = false;
        if (!pre)
            open_e[i] = tp_capture_src_open(files[i], a.filter, &src[i], open_err[i], sizeof open_err[i]);
        enum tp_err e = open_e[i];
        if (e == TP_OK) {
            e = tp_capture_read_src(cap, src[i], &truncated, err, sizeof err);
            src[i] = NULL;
        } else {
            snprintf(err, sizeof err, "%s", open_err[i]);
        }
        tp_capture_flush(cap, 0); /* sessions of this file end with it */
        out_flush(&st);
        if (e == TP_ERR_USAGE) {
            tp_cli_fail("%s", err);
            status = TP_EXIT_USAGE;
            break;
        }
        if (e != TP_OK) {
            tp_cli_fail("%s", err);
            status = TP_EXIT_USAGE;
        } else if (truncated) {
            fprintf(stderr, "tlsprobe: warning: %s\n", err);
        }
    }
    if ((a.server || a.sni) && st.seen == 0 && status == TP_EXIT_OK)
        fprintf(stderr, "tlsprobe: warning: no TLS session %s %s (the capture has %llu TLS session%s)\n",
                a.server ? "to --server" : "asked for --sni", a.server ? a.server : a.sni,
                (unsigned long long)(tp_capture_get_stats(cap)->tls_flows + tp_capture_get_stats(cap)->dtls_flows),
                tp_capture_get_stats(cap)->tls_flows + tp_capture_get_stats(cap)->dtls_flows == 1 ? "" : "s");
    if (a.session && st.seen == 0 && status == TP_EXIT_OK)
        fprintf(stderr, "tlsprobe: warning: there is no TLS session %lu (the capture has %llu)\n", a.session,
                (unsigned long long)(tp_capture_get_stats(cap)->tls_flows + tp_capture_get_stats(cap)->dtls_flows));
    if (n_dsb && a.com.format == TP_FMT_TEXT && !a.no_summary)
        fprintf(stderr, "key log: %zu pcapng Decryption Secrets Block%s used\n", n_dsb, n_dsb == 1 ? "" : "s");
    if (status == TP_EXIT_USAGE && tp_capture_get_stats(cap)->packets == 0)
        a.no_summary = true; /* nothing was read: the error line says it all */
    status = finish(&st, &a, cap, t0, status);
    for (int i = 0; i < nfiles; i++)
        tp_capture_src_close(src[i]); /* those not read (an earlier usage error, --session done) */
    free(src);
    free(open_err);
    free(open_e);
    tp_capture_free(cap);
    tp_keylog_free(kl);
    return status;
}

/* ---- sniff ---- */
static struct tp_live *volatile g_live;

static void on_signal(int sig)
{
    (void)sig;
    if (g_live)
        tp_live_stop(g_live);
}

/* sniff --count: go on until that many sessions were reported */
static bool sniff_more(void *ctx)
{
    const struct run_state *st = ctx;
    return !(st->count && st->seen >= st->count);
}

static int sniff_live(struct common_args a, const struct tp_cli_args *args)
{
    char err[1024] = "";
    struct tp_live *p = NULL;
    enum tp_err e = tp_live_open(a.iface, a.filter, &p, err, sizeof err);
    if (e == TP_ERR_USAGE)
        return tp_cli_fail("%s", err);
    if (e != TP_OK)
        return tp_cli_fail("sniff -i %s: %s", a.iface, err);
    struct tp_keylog *kl = NULL;
    size_t n_dsb = 0;
    if (build_keylog(a.keylog, NULL, 0, &kl, &n_dsb) != 0) {
        tp_live_close(p);
        return TP_EXIT_USAGE;
    }
    int kst = add_rsa_keys(args, &kl);
    if (kst >= 0) {
        tp_live_close(p);
        tp_keylog_free(kl);
        return kst;
    }
    struct run_state st;
    setup(&st, &a);
    snprintf(st.title, sizeof st.title, "sniff -i %s", a.iface);
    st.live = true;
    st.count = a.count;
    struct tp_capture *cap = capture_for(&a, kl, &st, false);
    if (!cap) {
        tp_live_close(p);
        tp_keylog_free(kl);
        finish(&st, &a, NULL, 0, 0);
        return tp_cli_fail("out of memory");
    }
    /* as tcpdump -Z: root is given up once the interface is open */
    tp_capture_preload(cap);
    bool dropped = false;
    if (tp_drop_privileges(a.user, &dropped, err, sizeof err) != TP_OK) {
        tp_live_close(p);
        tp_capture_free(cap);
        tp_keylog_free(kl);
        a.no_summary = true;
        finish(&st, &a, NULL, 0, 0);
        return tp_cli_fail("sniff: %s", err);
    }
    confine(cap, TP_SANDBOX_LIVE);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    g_live = p;
    fprintf(stderr, "sniffing on %s%s%s (Ctrl-C to stop)\n", a.iface, a.filter ? ", filter " : "",
            a.filter ? a.filter : "");
    double t0 = now_s();
    int status = TP_EXIT_OK;
    if (tp_live_run(p, cap, sniff_more, &st, err, sizeof err) != TP_OK) {
        tp_cli_fail("sniff -i %s: %s", a.iface, err);
        status = TP_EXIT_USAGE;
    }
    g_live = NULL;
    if (sniff_more(&st))
        tp_capture_flush(cap, 0);
    tp_live_close(p);
    status = finish(&st, &a, cap, t0, status);
    tp_capture_free(cap);
    tp_keylog_free(kl);
    return status;
}

/* Both commands: the options, then files or an interface. */
static int run(const struct tp_cli_cmd *cmd, int argc, char **argv)
{
    struct common_args a;
    struct tp_cli_args args;
    int r = parse_args(cmd, argc, argv, &a, &args);
    if (r >= 0)
        return r;
    return cmd == &tp_cli_pcap ? pcap_files(a, &args) : sniff_live(a, &args);
}

static int run_pcap(int argc, char **argv)
{
    return run(&tp_cli_pcap, argc, argv);
}

static int run_sniff(int argc, char **argv)
{
    return run(&tp_cli_sniff, argc, argv);
}
