/* --explain: two or three plain sentences under each message, separately right
 * for TLS 1.2 and TLS 1.3 (RFC 5246 §7.3, RFC 8446 §2 and §4), plus the point
 * where encryption starts and an introduction to the findings. Facts woven into
 * the sentences come from the parsed message; wire strings are escaped. */
#include <stdio.h>
#include <string.h>
#include "render_int.h"
#include "tlsprobe/names.h"

void rx_wrap(struct tp_sb *out, const char *text, const char *indent, size_t width)
{
    size_t ind = strlen(indent);
    size_t avail = width > ind + 20 ? width - ind : 20;
    const char *p = text;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        /* Take words while they fit (count UTF-8 code points as one column). */
        const char *line_end = p, *q = p;
        size_t cols = 0;
        while (*q && *q != '\n') {
            const char *w = q;
            size_t wc = 0;
            for (;;) {
                while (*q && *q != ' ' && *q != '\n') {
                    if (((unsigned char)*q & 0xC0) != 0x80)
                        wc++;
                    q++;
                }
                /* Keep "TLS 1.3" / "SSL 3.0" on one line. */
                if (q - w >= 3 && (!strncmp(q - 3, "TLS", 3) || !strncmp(q - 3, "SSL", 3)) && q[0] == ' ' &&
                    q[1] >= '0' && q[1] <= '9') {
                    q++;
                    wc++;
                    continue;
                }
                break;
            }
            size_t need = cols ? cols + 1 + wc : wc;
            if (cols && need > avail) {
                q = w;
                break;
            }
            cols = need;
            line_end = q;
            while (*q == ' ')
                q++;
        }
        tp_sb_put(out, indent);
        tp_sb_putn(out, p, (size_t)(line_end - p));
        tp_sb_putc(out, '\n');
        p = line_end;
        if (*p == '\n')
            p++;
    }
}

/* Build one paragraph in a scratch buffer, then wrap it. */
struct para {
    struct tp_sb sb;
};

static void p_put(struct para *p, const char *s) { tp_sb_put(&p->sb, s); }
static void p_printf(struct para *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void p_printf(struct para *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tp_sb_vprintf(&p->sb, fmt, ap);
    va_end(ap);
}
static void p_wire(struct para *p, struct tp_bytes b) { tp_sb_put_escaped_b(&p->sb, b); }
/* Which version's story to tell: negotiated, else the highest offered. */
static bool story13(const struct tp_session *s)
{
    if (s->version)
        return s->version == TP_TLS1_3;
    return s->offered_max_version == TP_TLS1_3;
}

static bool last_of_dir_type(const struct tp_session *s, const struct tp_msg *m)
{
    /* Is m the first Finished from its side (the one that ends the handshake)? */
    for (size_t i = 0; i < s->n_msgs && &s->msgs[i] != m; i++)
        if (s->msgs[i].dir == m->dir && s->msgs[i].kind == TP_MSG_HANDSHAKE && s->msgs[i].hs_type == m->hs_type)
            return false;
    return true;
}

static void x_client_hello(struct para *p, const struct tp_session *s, const struct tp_msg *m,
                           const struct tp_client_hello *ch)
{
    /* The second ClientHello after a HelloRetryRequest (RFC 8446 §4.1.2). */
    for (size_t i = 0; i < s->n_msgs && &s->msgs[i] != m; i++)
        if (s->msgs[i].is_hrr) {
            p_put(p, "The client's second ClientHello: the same offer, now with a key share for the group "
                     "the server asked for. Everything else must stay as it was.");
            return;
        }
    if (story13(s) || tp_client_hello_max_version(ch) == TP_TLS1_3) {
        p_put(p, "The client opens the conversation: it offers the TLS versions and cipher suites it "
                 "supports and, new in TLS 1.3, a key share (its half of the key exchange) up front, so "
                 "the keys can be agreed in a single round trip.");
    } else {
        p_put(p, "The client opens the conversation: it names the highest TLS version it speaks, lists "
                 "the cipher suites it accepts and sends a random value that goes into the session keys.");
    }
    if (ch->ext.has_sni) {
        p_put(p, " SNI \"");
        p_wire(p, ch->ext.sni);
        p_put(p, "\" tells the server which site it wants, so it can choose the right certificate.");
    } else {
        p_put(p, " No SNI was sent: a server that hosts several sites has to guess which certificate "
                 "to present.");
    }
    if (ch->ext.alpn.n) {
        p_put(p, " ALPN offers the application protocols (");
        for (size_t i = 0; i < ch->ext.alpn.n; i++) {
            if (i)
                p_put(p, ", ");
            p_wire(p, ch->ext.alpn.v[i]);
        }
        p_put(p, ").");
    }
}

static void x_server_hello(struct para *p, const struct tp_session *s, const struct tp_server_hello *sh)
{
    char b1[16], b2[16], b3[16];
    (void)s;
    if (sh->is_hrr) {
        p_printf(p, "HelloRetryRequest: the server found no usable key share in the ClientHello and asks "
                    "the client to try again%s%s. It costs one extra round trip; the client answers with a "
                    "second ClientHello.",
                 sh->ext.has_hrr_group ? " with " : "", sh->ext.has_hrr_group ? rn_group(sh->ext.hrr_group, b1) : "");
        return;
    }
    if (sh->version == TP_TLS1_3) {
        p_printf(p, "The server picks the version (%s) and cipher suite (%s) and sends its own key share",
                 rn_version(sh->version, b1), rn_suite(sh->suite, b2));
        if (sh->ext.n_key_shares)
            p_printf(p, " (%s)", rn_group(sh->ext.key_shares[0].group, b3));
        p_put(p, ". From the two key shares both sides compute the handshake keys: every message after "
                 "this one is encrypted.");
    } else {
        p_printf(p, "The server picks the version (%s) and the cipher suite (%s) from the client's lists "
                    "and sends its own random value. It may only choose what the client offered; with "
                    "nothing in common the handshake ends in an alert instead.",
                 rn_version(sh->version, b1), rn_suite(sh->suite, b2));
    }
}

static void x_certificate(struct para *p, const struct tp_session *s, const struct rmsg *r)
{
    const struct tp_certificate *c = &r->u.cert;
    bool t13 = rs_tls13(s);
    if (r->m->dir == TP_C2S) {
        if (c->n_total == 0)
            p_put(p, "The client had no certificate to offer and sent an empty list. A server that "
                     "requires one ends the handshake here (alert handshake_failure in TLS 1.2, "
                     "certificate_required in TLS 1.3).");
        else
            p_put(p, "The client's own certificate, sent because the server asked for one (mutual TLS). "
                     "The server checks it against the CAs it trusts for client authentication.");
        return;
    }
    if (c->n_total == 0) {
        p_put(p, "The server sent no certificate at all: it cannot prove who it is.");
        return;
    }
    p_put(p, "The server's identity: its own certificate (the leaf) first, then the intermediates that "
             "link it to a CA you trust. The client checks that the chain leads to a root in its trust "
             "store, that every certificate is valid today and that the leaf names the site it asked for");
    if (s->server_name && s->server_name_len) {
        p_put(p, " (");
        p_wire(p, tp_bytes_make(s->server_name, s->server_name_len));
        p_put(p, ")");
    }
    p_put(p, ".");
    if (c->n_total == 1 && !(s->server_verify && s->server_verify->status == TP_PATH_OK))
        p_put(p, " Only one certificate was sent: unless a trusted root issued the leaf directly, "
                 "clients need an intermediate they were not given.");
    if (t13)
        p_put(p, " In TLS 1.3 it travels encrypted, so an observer cannot see it.");
}

static void x_alert(struct para *p, const struct tp_session *s, const struct tp_msg *m)
{
    char b[16];
    const char *who = m->dir == TP_C2S ? "client" : "server";
    const char *mean = tp_alert_meaning(m->alert_desc);
    (void)s;
    if (m->alert_desc == TP_ALERT_CLOSE_NOTIFY) {
        p_printf(p, "close_notify: an orderly goodbye. The %s will send nothing more on this connection.", who);
        return;
    }
    if (m->alert_level == TP_ALERT_LEVEL_FATAL)
        p_printf(p, "The %s gives up: a fatal alert ends the connection at once. %s means: ", who,
                 rn_alert(m->alert_desc, b));
    else
        p_printf(p, "The %s sends a warning alert (%s): ", who, rn_alert(m->alert_desc, b));
    p_put(p, mean ? mean : "a code this tool does not know.");
    size_t n = strlen(tp_sb_str(&p->sb));
    if (n && tp_sb_str(&p->sb)[n - 1] != '.')
        p_put(p, ".");
    p_put(p, " Alerts say what went wrong only in outline; the findings below put it in context.");
}

static void x_finished(struct para *p, const struct tp_session *s, const struct tp_msg *m)
{
    bool t13 = rs_tls13(s);
    const char *who = m->dir == TP_C2S ? "client" : "server";
    p_printf(p, "The %s's proof that both sides saw the same handshake: a MAC over every message so far, "
                "keyed with the new secrets. Had anyone altered a message, it would not verify.",
             who);
    if (!last_of_dir_type(s, m))
        return;
    if (t13 && m->dir == TP_S2C)
        p_put(p, " The server is done; it may already send application data.");
    else if (t13 && m->dir == TP_C2S)
        p_put(p, " With it the handshake is complete and application data flows, encrypted with the "
                 "traffic keys.");
    else {
        /* TLS 1.2: whoever sends Finished first waits for the other's; in a full
         * handshake that is the client, in a resumption the server (RFC 5246 §7.3). */
        bool other_done = false;
        for (size_t i = 0; i < s->n_msgs && &s->msgs[i] != m; i++)
            other_done |= s->msgs[i].dir != m->dir && s->msgs[i].kind == TP_MSG_HANDSHAKE &&
                          s->msgs[i].hs_type == TP_HS_FINISHED;
        if (other_done)
            p_printf(p, " It is the %s's first encrypted message; with it the handshake is complete.", who);
        else
            p_printf(p, " It is the %s's first encrypted message; the %s should now answer with its own "
                        "ChangeCipherSpec and Finished.",
                     who, m->dir == TP_C2S ? "server" : "client");
    }
}

/* A repeat of a message already explained (two tickets, the second
 * compatibility CCS): one short line. */
static bool x_repeat(struct para *p, const struct tp_session *s, const struct rmsg *r, bool t13)
{
    const struct tp_msg *m = r->m;
    if (m->kind != TP_MSG_CCS && m->kind != TP_MSG_ENCRYPTED &&
        !(m->kind == TP_MSG_HANDSHAKE && m->hs_type == TP_HS_NEW_SESSION_TICKET))
        return false;
    for (size_t i = 0; i < s->n_msgs && &s->msgs[i] != m; i++) {
        const struct tp_msg *q = &s->msgs[i];
        bool same = q->kind == m->kind && (m->kind != TP_MSG_HANDSHAKE || q->hs_type == m->hs_type) &&
                    (q->dir == m->dir || (m->kind == TP_MSG_CCS && t13));
        if (!same)
            continue;
        if (m->kind == TP_MSG_ENCRYPTED)
            p_put(p, "Another encrypted record: its length is all an observer learns.");
        else
            p_printf(p, "Another %s, for the same purpose as the one above.", r->type);
        return true;
    }
    return false;
}

/* An encrypted record we could not read: what it most likely holds. */
static void x_encrypted(struct para *p, const struct tp_session *s, const struct tp_msg *m, bool t13)
{
    p_put(p, "An encrypted record that could not be read: an observer sees only its length.");
    bool hs_flight = false;
    for (size_t i = 0; i < s->n_msgs && &s->msgs[i] != m; i++)
        hs_flight |= s->msgs[i].dir == TP_S2C && s->msgs[i].kind == TP_MSG_HANDSHAKE &&
                     s->msgs[i].hs_type == TP_HS_SERVER_HELLO && !s->msgs[i].is_hrr;
    if (t13 && hs_flight && m->dir == TP_S2C)
        p_put(p, " After a TLS 1.3 ServerHello the server's encrypted flight normally holds "
                  "EncryptedExtensions, Certificate, CertificateVerify and Finished; the largest record is "
                  "usually the certificate chain.");
    else if (t13 && hs_flight)
        p_put(p, " From the client at this point it is normally its Finished (after its Certificate "
                  "and CertificateVerify in mutual TLS).");
    if (s->source == TP_SRC_PCAP)
        p_put(p, " Give the session's key log (--keylog, or SSLKEYLOGFILE when it was captured) to "
                  "see the messages inside.");
}

static void x_cert_request(struct para *p, const struct tp_certificate_request *cr)
{
    size_t n = cr->ca_names.n_total;
    p_put(p, "The server asks the client to prove its identity with a certificate too (mutual TLS).");
    if (n)
        p_printf(p, " It names the %zu CA%s it accepts.", n, n == 1 ? "" : "s");
    p_put(p, " A client without a suitable certificate sends an empty one, and the server decides whether to "
             "go on.");
}

/* A message that parsed: what it does. */
static void x_parsed(struct para *p, const struct tp_session *s, const struct rmsg *r, bool t13)
{
    const struct tp_msg *m = r->m;
    char b[16];
    switch (r->kind) {
    case RM_CH:
        x_client_hello(p, s, m, &r->u.ch);
        break;
    case RM_SH:
        x_server_hello(p, s, &r->u.sh);
        break;
    case RM_EE:
        p_put(p, "The first encrypted message: the server's answers to the client's extensions that "
                  "are not needed to agree the keys");
        if (r->u.ee.ext.alpn.n) {
            p_put(p, ", here the application protocol ");
            p_wire(p, r->u.ee.ext.alpn.v[0]);
        }
        p_put(p, ". Hiding them from observers is new in TLS 1.3.");
        break;
    case RM_CERT:
        x_certificate(p, s, r);
        break;
    case RM_CR:
        x_cert_request(p, &r->u.cr);
        break;
    case RM_SKE:
        p_printf(p, "The server's half of the key exchange (%s", rn_kx(r->u.ske.kx));
        if (r->u.ske.kx == TP_KX_ECDHE)
            p_printf(p, " over %s", rn_group(r->u.ske.group, b));
        p_put(p, "), signed with the private key of the certificate it just sent. The signature "
                  "proves it holds that key; the throw-away key pair gives forward secrecy.");
        break;
    case RM_CKE:
        p_put(p, r->u.cke.kx == TP_KX_RSA
                     ? "The client sends the premaster secret encrypted with the server's RSA key. There "
                       "is no forward secrecy: whoever later obtains that key can decrypt a recording of "
                       "this session."
                     : "The client's half of the key exchange. From both halves each side computes the "
                       "same secret, and from it the session keys; someone watching the wire cannot.");
        break;
    case RM_CV:
        p_put(p, m->dir == TP_S2C ? "The server signs a hash of the handshake so far with its certificate's private "
                                    "key. This proves it owns the certificate it sent and that nobody changed the "
                                    "messages in between."
                                  : "The client signs the handshake so far with the key of its certificate, "
                                    "proving it owns the certificate it sent.");
        if (r->u.cv.has_scheme)
            p_printf(p, " Signature scheme: %s.", rn_sigalg(r->u.cv.scheme, b));
        break;
    case RM_FIN:
        x_finished(p, s, m);
        break;
    case RM_NST:
        p_printf(p, "A ticket the client may present next time to resume without a full handshake "
                     "(valid for %lu s).",
                 (unsigned long)r->u.nst.lifetime);
        if (t13)
            p_put(p, " In TLS 1.3 tickets arrive after the handshake, encrypted.");
        break;
    case RM_KU:
        p_put(p, "The sender switches to fresh traffic keys derived from the current ones, so no "
                  "single key protects too much data.");
        break;
    case RM_CS:
        p_put(p, "The server staples an OCSP response: a fresh statement signed by the CA that the "
                  "certificate is not revoked, so the client need not ask the CA itself.");
        break;
    case RM_NONE:
        if (m->kind == TP_MSG_HANDSHAKE && m->hs_type == TP_HS_SERVER_HELLO_DONE)
            p_put(p, "The server has said all it has to say for now; it is the client's turn.");
        else if (m->kind == TP_MSG_HANDSHAKE && m->hs_type == TP_HS_END_OF_EARLY_DATA)
            p_put(p, "The client ends its 0-RTT early data; the rest uses the handshake keys.");
        else
            p_put(p, "A message this tool shows but does not explain.");
        break;
    }
}

void rx_message(struct tp_sb *out, const struct tp_session *s, const struct rmsg *r, const char *indent, size_t width)
{
    struct para p;
    tp_sb_init(&p.sb);
    const struct tp_msg *m = r->m;
    bool t13 = rs_tls13(s);
    if (x_repeat(&p, s, r, t13)) {
        /* said in one line */
    } else if (m->kind == TP_MSG_CCS) {
        p_put(&p, t13 || (!s->version && story13(s))
                      ? "A dummy ChangeCipherSpec kept only so that old middleboxes let TLS 1.3 through "
                        "(RFC 8446 §D.4); it changes nothing."
                      : "This side switches to the keys just agreed: its next message, Finished, is the "
                        "first one encrypted.");
    } else if (m->kind == TP_MSG_ALERT) {
        x_alert(&p, s, m);
    } else if (m->kind == TP_MSG_ENCRYPTED) {
        x_encrypted(&p, s, m, t13);
    } else if (r->perr != TP_OK) {
        p_printf(&p, "This %s could not be decoded (%s); its bytes are shown as they were.", r->type,
                 tp_err_text(r->perr));
    } else {
        x_parsed(&p, s, r, t13);
    }
    rx_wrap(out, tp_sb_str(&p.sb), indent, width);
    tp_sb_free(&p.sb);
}

void rx_encryption_boundary(struct tp_sb *out, const struct tp_session *s, const char *indent, size_t width)
{
    if (rs_tls13(s) && s->keys_missing)
        rx_wrap(out,
                "From here on everything is encrypted with keys derived from the two key shares, in both "
                "directions, including the certificates. No key log was given for this session, so the "
                "records stay sealed: tlsprobe can show only their sizes.",
                indent, width);
    else if (rs_tls13(s))
        rx_wrap(out,
                "From here on everything is encrypted with keys derived from the two key shares, in both "
                "directions. A capture shows only encrypted records; tlsprobe reads them because it holds "
                "this session's secrets (or a key log).",
                indent, width);
    else
        rx_wrap(out,
                "From its ChangeCipherSpec on, each side encrypts with the keys derived from the key "
                "exchange, starting with its Finished message. The certificates and everything before "
                "were sent in the clear.",
                indent, width);
}

void rx_session_intro(struct tp_sb *out, const struct tp_session *s, const char *indent, size_t width)
{
    const char *who;
    switch (s->source) {
    case TP_SRC_CONNECT: who = "tlsprobe was the client: every message it sent and received is shown"; break;
    case TP_SRC_LISTEN: who = "tlsprobe was the server: every message the client sent and we answered is shown"; break;
    default: who = "this session was read from a capture: the messages are what crossed the wire"; break;
    }
    struct tp_sb sb;
    tp_sb_init(&sb);
    tp_sb_put(&sb, "A TLS handshake lets two programs agree on keys and lets the client check who the "
                   "server is, before any application data flows. ");
    if (!s->n_msgs) {
        tp_sb_put(&sb, "Here no TLS message was exchanged: the connection failed before the handshake could "
                       "begin, so the problem is in the network or the service, not in TLS.");
        rx_wrap(out, tp_sb_str(&sb), indent, width);
        tp_sb_free(&sb);
        return;
    }
    tp_sb_printf(&sb, "Here %s, in order. ", who);
    if (rs_tls13(s))
        tp_sb_put(&sb, "This is TLS 1.3: one round trip, and everything after the ServerHello is encrypted.");
    else if (s->version == TP_TLS1_2)
        tp_sb_put(&sb, "This is TLS 1.2: two round trips, and the certificates travel in the clear.");
    else if (s->version)
        tp_sb_put(&sb, "This is an old TLS version that current clients no longer accept.");
    else
        tp_sb_put(&sb, "No version was agreed: the handshake stopped early.");
    rx_wrap(out, tp_sb_str(&sb), indent, width);
    tp_sb_free(&sb);
}

void rx_findings_intro(struct tp_sb *out, const struct tp_session *s, const char *indent, size_t width)
{
    if (!s->n_findings) {
        if (s->handshake_complete && s->server_verify && s->server_verify->status == TP_PATH_OK)
            rx_wrap(out,
                    "Nothing went wrong: the keys were agreed, the server proved it holds the key of its "
                    "certificate, and that certificate leads to a CA you trust for the name you asked for.",
                    indent, width);
        else if (s->handshake_complete && s->keys_missing)
            rx_wrap(out, "Nothing went wrong that can be seen without the session's keys: the handshake ran "
                         "to its end. With a key log, tlsprobe would also judge the certificate chain.",
                    indent, width);
        else if (s->handshake_complete)
            rx_wrap(out, "Nothing went wrong: the keys were agreed and both sides proved they saw the same "
                         "handshake.",
                    indent, width);
        return;
    }
    rx_wrap(out,
            "What went wrong, or could: each finding names the cause, why it happens and what to change. "
            "Errors break clients; warnings will, or already break some.",
            indent, width);
}
