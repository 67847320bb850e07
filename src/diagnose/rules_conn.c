/* Connection-level rules: the connection never became TLS (name-resolution,
 * connection-refused, timeout, not-tls), ended without an alert
 * (connection-reset, handshake-failed), or settled on an old version
 * (deprecated-version). Check functions of rules.def; they read facts only. */
#include <stdio.h>
#include <string.h>
#include "diagnose/diag_int.h"
#include "tlsprobe/limits.h"
#include "tlsprobe/names.h"
#include "tlsprobe/wire.h"

/* " to 192.0.2.1:443" (prefix + the server address, escaped); the host the user
 * asked for when the address is unknown; nothing when neither is known. */
static void put_server_addr(struct tp_sb *sb, const struct tp_session *s, const char *prefix)
{
    if (s->server[0])
        diag_say(sb, "%s%F", prefix, DIAG_F(s->server));
    else if (s->host && s->host[0])
        diag_say(sb, "%s%e", prefix, s->host);
}

void r_name_resolution(struct diag_ctx *c)
{
    const struct tp_session *s = c->f->s;
    if (s->outcome.status != TP_CONN_RESOLVE_FAILED)
        return;
    struct diag_texts *t = &c->t;
    if (s->host && s->host[0])
        diag_say(&t->sum, "Could not resolve '%e' to an address.", s->host);
    else if (s->server[0])
        diag_say(&t->sum, "Could not resolve '%F' to an address.", DIAG_F(s->server));
    else
        tp_sb_put(&t->sum, "Could not resolve the host name to an address.");
    if (s->outcome.detail[0])
        diag_say(&t->note, " The resolver said: %F.", DIAG_F(s->outcome.detail));
    diag_report(c, TP_SEV_ERROR);
}

void r_connection_refused(struct diag_ctx *c)
{
    const struct tp_session *s = c->f->s;
    if (s->outcome.status != TP_CONN_REFUSED)
        return;
    tp_sb_put(&c->t.sum, "Connection refused");
    put_server_addr(&c->t.sum, s, " by ");
    tp_sb_put(&c->t.sum, ": nothing is listening there (or a firewall rejects it).");
    diag_report(c, TP_SEV_ERROR);
}

void r_timeout(struct diag_ctx *c)
{
    const struct tp_session *s = c->f->s;
    if (s->outcome.status != TP_CONN_TIMEOUT)
        return;
    struct diag_texts *t = &c->t;
    uint64_t got_c2s = s->decode[TP_C2S].bytes, got_s2c = s->decode[TP_S2C].bytes;
    if (s->starttls.protocol[0] && s->starttls.status != TP_STARTTLS_OK) {
        diag_say(&t->sum, "The server did not finish the STARTTLS (%e) exchange before the deadline.",
                 s->starttls.protocol);
        tp_sb_put(&t->expl, "The plain-text part stalled: a server that speaks TLS directly on this port (implicit "
                           "TLS) waits for our ClientHello instead of greeting us, or the service is very slow. ");
        tp_sb_put(&t->fix, "For a port that speaks TLS directly, use --starttls none. ");
    } else if (c->f->role == DIAG_SERVER && s->n_msgs == 0 && got_c2s > 0) {
        diag_say(&t->sum, "The client sent %llu byte%s but no complete ClientHello before the deadline.",
                 (unsigned long long)got_c2s, got_c2s == 1 ? "" : "s");
        tp_sb_put(&t->expl, "A client that sends the start of a handshake and then stalls is either on a very slow "
                           "or lossy link, or holding the connection open on purpose (a slow-send attack). ");
    } else if (c->f->role == DIAG_SERVER && s->n_msgs == 0) {
        tp_sb_put(&t->sum, "The client connected but sent no ClientHello before the deadline.");
        tp_sb_put(&t->expl, "A client that connects and stays silent is not speaking TLS first: a plain-text "
                           "protocol client waiting for a server greeting (SMTP, IMAP, FTP), a health check that "
                           "only opens TCP, or a client stuck before its handshake. ");
    } else if (s->n_msgs == 0 && s->t_connect_us < 0 && c->f->role == DIAG_CLIENT) {
        tp_sb_put(&t->sum, "The TCP connection");
        put_server_addr(&t->sum, s, " to ");
        tp_sb_put(&t->sum, " did not complete before the deadline.");
        tp_sb_put(&t->expl, "No SYN/ACK came back: packets are silently dropped (a firewall or security group), "
                           "the address is wrong, or the host is down. ");
    } else if (c->f->n_s2c == 0 && c->f->role != DIAG_SERVER && got_s2c > 0) {
        diag_say(&t->sum, "The server answered the ClientHello with %llu byte%s but no complete TLS message "
                          "before the deadline.", (unsigned long long)got_s2c, got_s2c == 1 ? "" : "s");
        tp_sb_put(&t->expl, "The server started to answer and then stalled: an overloaded or very slow server, a "
                           "path that drops large packets (an MTU problem: the certificate flight is the first "
                           "full-size packet), or a server that sends its answer on purpose slowly. ");
    } else if (c->f->n_s2c == 0 && c->f->role != DIAG_SERVER) {
        tp_sb_put(&t->sum, "The server accepted the TCP connection but never answered the ClientHello.");
        tp_sb_put(&t->expl, "A server that accepts TCP and then stays silent usually waits for something else first: "
                           "a plain-text protocol (SMTP/IMAP/FTP banner, then STARTTLS), the PROXY protocol header "
                           "from a load balancer, or it is not a TLS service at all. ");
    } else if (s->n_msgs > 0) {
        const struct tp_msg *last = &s->msgs[s->n_msgs - 1];
        diag_say(&t->sum, "The handshake stalled after %s sent %s%M; no answer before the deadline.",
                 diag_role_noun(c, (int)last->dir), last->kind == TP_MSG_ENCRYPTED ? "an " : "", last);
    } else {
        tp_sb_put(&t->sum, "Nothing was exchanged before the deadline.");
    }
    diag_report(c, TP_SEV_ERROR);
}

static bool banner_starts(const struct tp_outcome *o, const char *p)
{
    size_t n = strlen(p);
    return o->peer_banner_len >= n && !strncmp(o->peer_banner, p, n);
}

void r_not_tls(struct diag_ctx *c)
{
    const struct tp_session *s = c->f->s;
    if (s->outcome.status != TP_CONN_NOT_TLS)
        return;
    const struct tp_outcome *o = &s->outcome;
    struct diag_texts *t = &c->t;
    int peer = c->f->role == DIAG_SERVER ? TP_C2S : TP_S2C;
    const char *what = NULL, *fix = NULL;
    if (banner_starts(o, "HTTP/") || banner_starts(o, "GET ") || banner_starts(o, "POST ") ||
        banner_starts(o, "HEAD ") || banner_starts(o, "<")) {
        what = "plain HTTP";
        fix = peer == TP_S2C ? "This port serves plain HTTP: use http:// here, or the HTTPS port (usually 443); "
                               "on the server, enable TLS on this listener (nginx: 'listen 443 ssl')."
                             : "The client speaks plain HTTP to a TLS port: use https:// in the client's URL.";
    } else if (banner_starts(o, "SSH-")) {
        what = "SSH";
        fix = "This is an SSH port; use the port where TLS is served.";
    } else if (banner_starts(o, "220") || banner_starts(o, "* OK") || banner_starts(o, "+OK")) {
        what = "a plain-text mail or FTP greeting";
        fix = "This service starts in plain text: use its STARTTLS (tlsprobe connect --starttls smtp|imap|pop3|ftp, "
              "openssl s_client -starttls ...) or its implicit-TLS port (465 SMTPS, 993 IMAPS, 995 POP3S, 990 FTPS).";
    }
    diag_say(&t->sum, "%s does not speak TLS%s%s", diag_Who(c, peer), what ? ": it answered with " : "",
             what ? what : "");
    if (o->peer_banner_len) {
        /* The first line only, at most TP_POLICY_SHOW_BANNER bytes of it. */
        size_t n = o->peer_banner_len < sizeof o->peer_banner ? o->peer_banner_len : sizeof o->peer_banner;
        size_t k = 0;
        while (k < n && k < TP_POLICY_SHOW_BANNER && o->peer_banner[k] != '\r' && o->peer_banner[k] != '\n')
            k++;
        tp_sb_put(&t->sum, " (\"");
        tp_sb_put_escaped(&t->sum, (const uint8_t *)o->peer_banner, k);
        tp_sb_put(&t->sum, "\")");
    }
    tp_sb_putc(&t->sum, '.');
    if (fix)
        tp_sb_put(&t->fix, fix);
    diag_report(c, TP_SEV_ERROR);
}

void r_deprecated_version(struct diag_ctx *c)
{
    const struct tp_session *s = c->f->s;
    if (c->f->role == DIAG_SCAN) {
        diag_scan_deprecated(c);
        return;
    }
    if (c->f->role == DIAG_CHECK)
        return;
    /* DTLS compared as the TLS version it is built on */
    uint16_t v = tp_version_tls_equiv(s->version), om = tp_version_tls_equiv(s->offered_max_version);
    bool negotiated = v && v < TP_TLS1_2;
    bool offered = !v && om && om < TP_TLS1_2 && c->f->role != DIAG_CLIENT;
    if (!negotiated && !offered)
        return;
    struct tp_sb *sum = &c->t.sum;
    if (!negotiated)
        diag_say(sum, "The client offers at most %V, which is deprecated.", s->offered_max_version);
    else if (om >= TP_TLS1_2)
        diag_say(sum, "The connection uses %V, which is deprecated (the client offered up to %V: the server supports "
                      "nothing newer).",
                 s->version, s->offered_max_version);
    else
        diag_say(sum, "The connection uses %V, which is deprecated.", s->version);
    diag_report(c, TP_SEV_WARNING);
}

void r_connection_reset(struct diag_ctx *c)
{
    const struct tp_session *s = c->f->s;
    if (s->handshake_complete)
        return;
    if (s->outcome.status != TP_CONN_RESET && s->outcome.status != TP_CONN_CLOSED)
        return;
    /* A client that connected and closed without a byte is a TCP probe or a load
     * balancer's health check, not a failed handshake: no finding (listen's
     * header and summary count it as a probe). */
    if (c->f->role == DIAG_SERVER && s->n_msgs == 0 && s->decode[TP_C2S].bytes == 0)
        return;
    /* An alert from the peer before the close explains it (remote-alert). */
    for (size_t k = 0; k < c->f->n_alerts; k++)
        if (c->f->alerts[k].from_peer && !c->f->alerts[k].benign)
            return;
    int peer = c->f->role == DIAG_SERVER ? TP_C2S : TP_S2C;
    int me = peer == TP_C2S ? TP_S2C : TP_C2S;
    struct diag_texts *t = &c->t;
    diag_say(&t->sum, "%s %s the connection", diag_Who(c, peer), s->outcome.status == TP_CONN_RESET ? "reset" : "closed");
    int last = diag_prev_from(s, s->n_msgs, me);
    if (last >= 0)
        diag_say(&t->sum, " right after %s %M", c->f->peer >= 0 ? "our" : me == TP_C2S ? "the client's" : "the server's",
                 &s->msgs[last]);
    tp_sb_put(&t->sum, ", without an alert, before the handshake finished.");
    if (last >= 0 && s->msgs[last].kind == TP_MSG_HANDSHAKE && s->msgs[last].hs_type == TP_HS_CLIENT_HELLO &&
        peer == TP_S2C)
        tp_sb_put(&t->expl, "A server that hangs up on the ClientHello did not like something in it: the versions "
                           "(an old TLS 1.0-only server, or a TLS 1.3-only one), the SNI name (unknown to it, or "
                           "required and absent), or a firewall/IPS blocked it. ");
    else if (peer == TP_C2S)
        tp_sb_put(&t->expl, "A client that hangs up after the server's certificate without an alert usually "
                           "rejected the certificate silently (some stacks do not send alerts; a user closing a "
                           "browser warning does the same). ");
    if (s->outcome.detail[0])
        diag_say(&t->note, " (%F)", DIAG_F(s->outcome.detail));
    diag_report(c, TP_SEV_ERROR);
}

/* The peer's direction with a decode issue (the peer's first; observer: either). */
static int issue_dir(const struct diag_facts *f)
{
    if (f->peer >= 0)
        return f->s->decode[f->peer].issue != TP_DEC_NONE ? f->peer : -1;
    for (int d = 0; d < 2; d++)
        if (f->s->decode[d].issue != TP_DEC_NONE)
            return d;
    return -1;
}

static size_t count_hs_from(const struct tp_session *s, int dir, int type)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_msgs; i++)
        n += (int)s->msgs[i].dir == dir && s->msgs[i].kind == TP_MSG_HANDSHAKE && s->msgs[i].hs_type == type;
    return n;
}

/* wolfSSL's codes for the two size errors (wolfssl/error-ssl.h); diagnose does not
 * include wolfSSL, the probe puts the code in outcome.lib_error. */
enum { WOLF_LENGTH_ERROR = -341, WOLF_HANDSHAKE_SIZE_ERROR = -404 };

void r_handshake_failed(struct diag_ctx *c)
{
    const struct tp_session *s = c->f->s;
    if (s->outcome.status != TP_CONN_TLS_FAILED)
        return;
    int peer = c->f->peer >= 0 ? c->f->peer : TP_S2C;
    int d = issue_dir(c->f);
    const char *who = d >= 0 ? diag_Who(c, d) : diag_Who(c, peer);
    const struct tp_decode_facts *df = d >= 0 ? &s->decode[d] : NULL;
    struct diag_texts *t = &c->t;
    if (df && df->issue == TP_DEC_RECORD_TOO_LONG) {
        tp_sb_printf(&t->sum, "%s sent a TLS record claiming %u bytes; TLS allows at most 16,384 + 2,048.", who,
                     (unsigned)df->claimed_len);
        tp_sb_printf(&t->expl, "The record header at byte %llu of that direction claims a length no TLS "
                              "implementation may send (RFC 8446 §5.1, §5.2): the peer is not a correct TLS "
                              "implementation or the bytes are corrupted. ",
                     (unsigned long long)df->offset);
    } else if (df && df->issue == TP_DEC_HS_TOO_LARGE) {
        const char *ty = tp_name_hs_type(df->hs_type);
        tp_sb_printf(&t->sum, "%s sent a %s handshake message claiming %u bytes (%.1f MiB), over our limit of %u "
                             "KiB for one message.",
                     who, ty ? ty : "handshake", (unsigned)df->claimed_len, df->claimed_len / 1048576.0,
                     (unsigned)(TP_MAX_HANDSHAKE_MSG / 1024));
        const struct tp_chain *ch = d == TP_S2C ? &s->server_chain : &s->client_chain;
        if (df->hs_type == TP_HS_CERTIFICATE && ch->n_total > 0)
            tp_sb_printf(&t->expl, "It carried %zu certificate%s (%u bytes): no real chain is that large (a "
                                  "normal chain is 2-4 certificates, a few KiB). ",
                         ch->n_total, ch->n_total == 1 ? "" : "s", (unsigned)df->claimed_len);
        else if (df->hs_type == TP_HS_CERTIFICATE)
            tp_sb_put(&t->expl, "A normal certificate chain is 2-4 certificates, a few KiB; one this large is a "
                               "hostile or broken peer (thousands of certificates or a giant certificate). ");
        else
            tp_sb_put(&t->expl, "No handshake message of a correct peer comes near this size. ");
    } else if (df && (df->issue == TP_DEC_BAD_RECORD || df->issue == TP_DEC_BAD_MESSAGE)) {
        tp_sb_printf(&t->sum, "%s sent bytes that do not parse as TLS (%s at byte %llu of its stream).", who,
                     tp_decode_issue_name(df->issue), (unsigned long long)df->offset);
    } else if (count_hs_from(s, peer, TP_HS_HELLO_REQUEST) > 0) {
        size_t n = count_hs_from(s, peer, TP_HS_HELLO_REQUEST);
        tp_sb_printf(&t->sum, "%s sent %zu HelloRequest message%s in the middle of the handshake.", diag_Who(c, peer), n,
                     n == 1 ? "" : "s");
        tp_sb_put(&t->expl, "A server may send HelloRequest only to ask for a new handshake, never during one "
                           "(RFC 5246 §7.4.1.1); our TLS library ended the handshake on them. ");
    } else if (s->outcome.lib_error == WOLF_HANDSHAKE_SIZE_ERROR) {
        tp_sb_printf(&t->sum, "%s sent a handshake message larger than our TLS library (wolfSSL) accepts.",
                     diag_Who(c, peer));
        tp_sb_put(&t->expl, "The message's 4-byte header claims more bytes than wolfSSL is built to take for "
                           "one handshake message (a ClientHello of more than ~18 KB, a certificate message "
                           "of more than ~32 KB per certificate); it stopped there without reading the rest. "
                           "Real peers never come near this size: the peer is broken or hostile, or its "
                           "certificates are unusually large. ");
    } else if (s->outcome.lib_error == WOLF_LENGTH_ERROR && s->decode[peer].records > 0) {
        tp_sb_printf(&t->sum, "%s sent a TLS record whose length our TLS library (wolfSSL) rejected (%llu records, "
                             "%llu bytes).",
                     diag_Who(c, peer), (unsigned long long)s->decode[peer].records,
                     (unsigned long long)s->decode[peer].bytes);
        tp_sb_put(&t->expl, "A record's length made no sense where it came: an empty handshake record (RFC 8446 "
                           "§5.1 forbids zero-length handshake fragments), or a length over the limit for its "
                           "type. A correct TLS peer never sends one. ");
    } else if (s->decode[peer].records > 0 &&
               s->decode[peer].bytes < s->decode[peer].records * TP_POLICY_TINY_RECORD_BYTES) {
        tp_sb_printf(&t->sum, "%s split its handshake into %llu tiny records; our TLS library (wolfSSL) could not "
                             "parse them.",
                     diag_Who(c, peer), (unsigned long long)s->decode[peer].records);
        tp_sb_put(&t->expl, "TLS allows a handshake message, even its 4-byte header, to be split across records "
                           "(RFC 8446 §5.1), and tlsprobe's own decoder reassembled the messages shown above; "
                           "the wolfSSL version the probe uses cannot parse a handshake header split across "
                           "records. This is a limitation of the probe's TLS library, but real clients built on "
                           "such libraries fail the same way, and no common TLS stack splits records like this: "
                           "it is reported as an error. ");
    } else {
        if (s->outcome.detail[0])
            diag_say(&t->sum, "The TLS handshake failed without an alert: %F.", DIAG_F(s->outcome.detail));
        else
            tp_sb_put(&t->sum, "The TLS handshake failed without an alert.");
    }
    if (s->outcome.detail[0])
        diag_say(&t->note, " (Our TLS library said: %F.)", DIAG_F(s->outcome.detail));
    diag_report(c, TP_SEV_ERROR);
}


/* ---- STARTTLS (connect --starttls): the plain-text upgrade did not happen ---- */

static const struct {
    const char *proto, *fix;
} starttls_fix[] = {
    { "smtp", "Postfix: smtpd_tls_cert_file, smtpd_tls_key_file and smtpd_tls_security_level = may in main.cf; "
              "Exim: tls_certificate, tls_privatekey and tls_advertise_hosts = *." },
    { "imap", "Dovecot: ssl = yes, ssl_cert = </path/fullchain.pem, ssl_key = </path/key.pem (10-ssl.conf)." },
    { "pop3", "Dovecot: ssl = yes, ssl_cert = </path/fullchain.pem, ssl_key = </path/key.pem (10-ssl.conf)." },
    { "ftp", "vsftpd: ssl_enable=YES with rsa_cert_file and rsa_private_key_file; ProFTPD: TLSEngine on (mod_tls)." },
    { "ldap", "OpenLDAP: olcTLSCertificateFile and olcTLSCertificateKeyFile in cn=config (ldapmodify)." },
    { "postgres", "PostgreSQL: ssl = on, ssl_cert_file and ssl_key_file in postgresql.conf, then reload." },
    { "mysql", "MySQL/MariaDB: ssl_cert and ssl_key under [mysqld], restart; SHOW VARIABLES LIKE 'have_ssl' says YES." },
    { "xmpp", "Prosody: a certificate for the host (prosodyctl cert import); ejabberd: starttls: true on the c2s listener." },
    { "nntp", "INN: tlscertfile and tlskeyfile in inn.conf." },
    { "sieve", "Dovecot ManageSieve: ssl = yes with ssl_cert and ssl_key, as for IMAP." },
};

static void starttls_finding(struct diag_ctx *c, enum tp_starttls_status want, const char *what)
{
    const struct tp_session *s = c->f->s;
    const struct tp_starttls *st = &s->starttls;
    if (s->outcome.status != TP_CONN_STARTTLS_FAILED || st->status != want)
        return;
    struct diag_texts *t = &c->t;
    diag_say(&t->sum, "STARTTLS (%e)%s: %e.", st->protocol, what, st->detail);
    if (want == TP_STARTTLS_UNAVAILABLE)
        for (size_t i = 0; i < sizeof starttls_fix / sizeof starttls_fix[0]; i++)
            if (!strcmp(starttls_fix[i].proto, st->protocol))
                tp_sb_put(&t->fix, starttls_fix[i].fix);
    diag_report(c, TP_SEV_ERROR);
}

void r_starttls_unavailable(struct diag_ctx *c) { starttls_finding(c, TP_STARTTLS_UNAVAILABLE, " is not offered"); }
void r_starttls_refused(struct diag_ctx *c) { starttls_finding(c, TP_STARTTLS_REFUSED, " was refused"); }
void r_starttls_unexpected(struct diag_ctx *c) { starttls_finding(c, TP_STARTTLS_UNEXPECTED, " failed"); }
