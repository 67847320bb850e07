/* The rule table (data) and the functions that check facts and write the
 * specific texts. STYLE.md "Diagnosis as data": rules key on facts (the chain as
 * sent, the path we built, names, dates, alerts with their sender and the
 * message they followed, versions and suites), never on one library's error
 * number. Order = priority = the order findings are listed in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "diagnose/diag_int.h"
#include "tlsprobe/limits.h"
#include "tlsprobe/names.h"
#include "tlsprobe/wire.h"

/* How to make each client trust a CA: shared by unknown-authority and self-signed. */
#define TRUST_HOWTO                                                                         \
    "Go: add it to an x509.CertPool used as tls.Config.RootCAs (or SSL_CERT_FILE=ca.pem); " \
    "curl: --cacert ca.pem (or CURL_CA_BUNDLE); openssl: -CAfile ca.pem; "                  \
    "Python: ssl.create_default_context(cafile='ca.pem') (requests: verify='ca.pem' or "    \
    "REQUESTS_CA_BUNDLE); Java: keytool -importcert -alias myca -file ca.pem -keystore "   \
    "truststore.jks, then -Djavax.net.ssl.trustStore=truststore.jks; Node: "               \
    "NODE_EXTRA_CA_CERTS=ca.pem; Debian/Ubuntu system-wide: copy it to "                    \
    "/usr/local/share/ca-certificates/myca.crt and run update-ca-certificates"

#define SERVE_FULLCHAIN                                                                      \
    "Serve the full chain: the leaf first, then each intermediate in order, without the "    \
    "root (nginx: ssl_certificate fullchain.pem; Apache 2.4.8+: SSLCertificateFile with the " \
    "intermediates appended; HAProxy: one crt file with leaf, intermediates and key; "       \
    "certbot: fullchain.pem, not cert.pem). 'tlsprobe check --chain cert.pem "              \
    "--intermediates DIR --save-chain fullchain.pem' writes it"

static const struct tp_rule rule_table[] = {
    { "name-resolution", TP_SEV_ERROR,
      "The host name could not be resolved to an address.",
      "The DNS lookup failed before any connection was tried: the name does not exist, is "
      "misspelled, or this machine's resolver cannot see it (split DNS, VPN, /etc/hosts).",
      "Check the spelling, then the resolver: 'getent hosts NAME' or 'dig NAME'. For a name that "
      "only exists elsewhere, connect to the IP address and pass the name with --servername.",
      "RFC 1035; RFC 6066 §3 (SNI)" },
    { "connection-refused", TP_SEV_ERROR,
      "Nothing accepted the TCP connection on that port.",
      "The peer answered the TCP SYN with a reset: no process listens on that address and "
      "port, or a firewall rejects the connection. TLS never started.",
      "Check the server is running and listening on that address and port ('ss -ltnp' on the "
      "server), the port number (443? 8443?), and firewall rules between the two machines.",
      "RFC 9293 §3.5.2 (reset generation)" },
    { "timeout", TP_SEV_ERROR,
      "No answer within the deadline.",
      "The connection or the handshake stalled: packets dropped by a firewall, a server that "
      "waits for something else first (PROXY protocol, STARTTLS, a plain-text banner), or an "
      "overloaded server.",
      "Check reachability (firewall drops, security groups), whether the port expects STARTTLS "
      "or the PROXY protocol, and the server's load and logs; retry with a longer --timeout.",
      "RFC 8446 §4 (handshake flow)" },
    { "not-tls", TP_SEV_ERROR,
      "The peer does not speak TLS on this port.",
      "The first bytes from the peer are not a TLS record: typically plain HTTP on a port you "
      "expected HTTPS on, SSH, or a mail/FTP server that needs STARTTLS first.",
      "Use the port where TLS is served (HTTPS is usually 443), 'http://' for a plain HTTP "
      "port, or the protocol's STARTTLS (openssl s_client -starttls smtp). On the server, "
      "enable TLS on this listener (nginx: 'listen 443 ssl').",
      "RFC 8446 §5.1 (record layer)" },
    { "protocol-version-mismatch", TP_SEV_ERROR,
      "Client and server have no TLS version in common.",
      "One side refused the handshake with a protocol_version alert: the versions the client "
      "offers and the versions the server accepts do not overlap (an old server with TLS 1.0 "
      "only, a TLS 1.3-only server and an old client, or a client pinned to one version).",
      "Enable TLS 1.2 and TLS 1.3 on the server (nginx: ssl_protocols TLSv1.2 TLSv1.3; Apache: "
      "SSLProtocol -all +TLSv1.2 +TLSv1.3) and upgrade clients that cannot do TLS 1.2.",
      "RFC 8446 §4.2.1, §6.2 (protocol_version); RFC 8996" },
    { "no-shared-cipher", TP_SEV_ERROR,
      "The server found nothing acceptable in the ClientHello (no common cipher suite).",
      "A handshake_failure right after the ClientHello, before any ServerHello, means the "
      "server could not pick parameters: no cipher suite in common, or no group or signature "
      "algorithm that fits its certificate's key.",
      "Configure the server with modern suites (Mozilla 'intermediate': ECDHE with AES-GCM or "
      "ChaCha20-Poly1305, plus the TLS 1.3 suites) and a key the clients support (RSA 2048+ or "
      "EC P-256); compare with what the client offers (tlsprobe connect shows it).",
      "RFC 8446 §4.1.1, §6.2 (handshake_failure); RFC 5246 §7.4.1.3" },
    { "client-cert-required", TP_SEV_ERROR,
      "The server requires a client certificate and none was sent.",
      "The server asked for a client certificate (CertificateRequest: mutual TLS) and the "
      "client sent an empty Certificate message; the server then ended the handshake.",
      "Configure the client with a certificate and key issued by a CA the server trusts "
      "(curl --cert client.pem --key client.key; Go tls.Config.Certificates; Python "
      "ctx.load_cert_chain(); Java -Djavax.net.ssl.keyStore=client.p12). Check that the "
      "client's CA is among the CA names the server's CertificateRequest lists.",
      "RFC 8446 §4.3.2, §4.4.2.4 (certificate_required); RFC 5246 §7.4.6" },
    { "client-cert-rejected", TP_SEV_ERROR,
      "The server rejected the client certificate.",
      "The client sent a certificate and the server answered with a certificate alert: it "
      "does not trust the issuing CA, the certificate expired, or it is not fit for client "
      "authentication.",
      "Issue the client certificate from a CA the server trusts (or add that CA to the "
      "server's client-CA list: nginx ssl_client_certificate, Apache SSLCACertificateFile), "
      "send the intermediates with it, and make sure it is in date and has the clientAuth "
      "extended key usage.",
      "RFC 8446 §4.4.2.4, §6.2; RFC 5246 §7.4.6" },
    { "server-cert-rejected", TP_SEV_ERROR,
      "The client rejected the server's certificate.",
      "The client sent a certificate alert right after the server's certificate: it could not "
      "build a trusted path (unknown_ca), the name or the dates did not fit (bad_certificate, "
      "certificate_expired), or it refused for a reason it did not say (certificate_unknown).",
      "Serve a complete chain (leaf + intermediates, in order) from a CA the clients trust, "
      "covering the name they ask for (SNI), in date; 'tlsprobe check --chain FILE --host "
      "NAME' judges the files before deploying them.",
      "RFC 8446 §4.4.2.4, §6.2; RFC 5246 §7.2.2" },
    { "unknown-authority", TP_SEV_ERROR,
      "The certificate is issued by an authority the client does not trust.",
      "The chain ends at a CA certificate that is not in the client's trust store (a private "
      "or corporate CA, a TLS-inspecting proxy, or a root the client's bundle lacks).",
      "If the CA is yours, add its root certificate to each client's trust store (" TRUST_HOWTO
      "). If the service is public, use a certificate from a publicly trusted CA.",
      "RFC 5280 §6.1; RFC 8446 §4.4.2.4 (unknown_ca)" },
    { "self-signed", TP_SEV_ERROR,
      "The certificate is self-signed and not trusted.",
      "The leaf certificate is its own issuer: no CA vouches for it, so clients reject it "
      "unless that exact certificate was added to their trust.",
      "Use a certificate issued by a CA (a public CA such as Let's Encrypt, or your private CA "
      "with its root distributed to the clients). For a closed test setup, add this exact "
      "certificate to each client's trust (" TRUST_HOWTO ").",
      "RFC 5280 §3.2, §6.1" },
    { "missing-intermediate", TP_SEV_ERROR,
      "The server does not send the intermediate certificate(s).",
      "The server sends its leaf without the intermediate CA that issued it. Browsers often "
      "work anyway (they fetch the intermediate from the AIA caIssuers URL or have it cached), "
      "while Go, curl, OpenSSL, Java, Python and Node fail with 'unknown authority' / "
      "'unable to get local issuer certificate'.",
      SERVE_FULLCHAIN ".",
      "RFC 8446 §4.4.2; RFC 5246 §7.4.2; RFC 5280 §4.2.2.1 (AIA)" },
    { "name-constraint-violation", TP_SEV_ERROR,
      "A CA on the path may not issue for a name in the certificate (name constraints).",
      "A CA certificate on the path carries nameConstraints: certificates below it may only "
      "hold names inside its permitted subtrees and never in its excluded ones. A certificate "
      "below has a name outside them, so every verifying client rejects the path, whatever "
      "name it connects to: Go 'x509: a root or intermediate certificate is not authorized to "
      "sign for this name', OpenSSL 'permitted subtree violation' / 'excluded subtree "
      "violation', browsers NET::ERR_CERT_INVALID.",
      "Issue the certificate from a CA whose constraints include every name in it, or reissue "
      "it with only names inside the permitted subtrees. If the constraint itself is wrong, the "
      "CA certificate must be reissued with the right nameConstraints (a private CA: "
      "'nameConstraints=critical,permitted;DNS:corp.example' in its extension file).",
      "RFC 5280 §4.2.1.10, §6.1.3 (b)-(c)" },
    { "ca-not-authorized", TP_SEV_ERROR,
      "A certificate that may not issue certificates signed one on the path.",
      "Only a certificate with basicConstraints cA=TRUE (and keyCertSign, when it has a "
      "keyUsage) may sign other certificates. A leaf used as an issuer, or an intermediate "
      "made without the CA extensions, breaks the path: Go 'x509: certificate is not "
      "authorized to sign other certificates', OpenSSL 'invalid CA certificate' / 'key usage "
      "does not include certificate signing', browsers NET::ERR_CERT_INVALID.",
      "Sign leaves with the real CA, never with another leaf. A private CA certificate needs "
      "'basicConstraints=critical,CA:TRUE' and 'keyUsage=critical,keyCertSign,cRLSign' in its "
      "extension file (openssl x509 -req ... -extfile ca.ext).",
      "RFC 5280 §4.2.1.9, §4.2.1.3, §6.1.4 (k), (n)" },
    { "path-length-exceeded", TP_SEV_ERROR,
      "The path has more intermediates than a CA on it allows.",
      "A CA's basicConstraints pathLenConstraint caps how many intermediate CAs may follow it "
      "(pathlen:0: it may only sign leaves). This path has more: Go 'x509: too many "
      "intermediates for path length constraint', OpenSSL 'path length constraint exceeded'.",
      "Issue the leaf from a CA that may issue it directly (fewer levels), or have the "
      "constraining CA reissued with a larger pathlen.",
      "RFC 5280 §4.2.1.9, §6.1.4 (l)-(m)" },
    { "issuer-eku-mismatch", TP_SEV_ERROR,
      "A CA on the path is limited to other uses (extended key usage).",
      "An intermediate or root lists extendedKeyUsage values without serverAuth (clientAuth for "
      "a client certificate). Go, Chrome, Windows and macOS apply a CA's EKU to everything it "
      "issues ('x509: certificate specifies an incompatible key usage'), and so does OpenSSL's "
      "TLS purpose check (curl, Python: 'unsupported certificate purpose'). RFC 5280 itself "
      "does not define this nesting; a client that ignores it still accepts the chain.",
      "Use a CA whose extendedKeyUsage includes serverAuth (or that has none), or have the CA "
      "reissued with the usages it must allow.",
      "RFC 5280 §4.2.1.12; CA/B Forum BR §7.1.2.2" },
    { "unknown-critical-extension", TP_SEV_ERROR,
      "A certificate has a critical extension that clients do not process.",
      "RFC 5280 §4.2 makes a client reject a certificate that has a critical extension it does "
      "not recognise or cannot process. Go 'x509: unhandled critical extension', OpenSSL "
      "'unsupported certificate purpose' / 'unhandled critical extension', browsers "
      "NET::ERR_CERT_INVALID.",
      "Reissue the certificate without that extension, or with it marked non-critical (a "
      "private CA's template usually adds it by mistake).",
      "RFC 5280 §4.2" },
    { "malformed-certificate", TP_SEV_ERROR,
      "A certificate breaks the X.509 encoding or profile rules.",
      "The certificate can be read, but a part of it cannot be decoded or is forbidden by the "
      "RFC 5280 profile: an extension that does not parse, an extension twice, an invalid "
      "serial number, different algorithm fields inside and outside the signature, a "
      "criticality the RFC forbids. Strict clients refuse to use it (Go 'x509: malformed "
      "certificate', OpenSSL 'certificate is malformed' or a parse error, browsers "
      "NET::ERR_CERT_INVALID).",
      "Reissue the certificate with a standard tool (your CA, ACME, or openssl x509 with a "
      "clean -extfile). 'openssl asn1parse -in cert.pem -i' shows the bytes at the offset the "
      "finding names.",
      "RFC 5280 §4.1, §4.2" },
    { "path-building-limit", TP_SEV_ERROR,
      "Path building stopped at its work limit without finding a valid path.",
      "tlsprobe tries every candidate issuer (the chain as sent, --intermediates, the trust "
      "store) and stops after a bounded number of signature checks, paths and milliseconds, "
      "so a hostile chain cannot stall it. No valid path was found within that bound; Go stops "
      "after 100 signature checks ('signature check attempts limit reached').",
      "Serve only the certificates on the path: the leaf, then its intermediates in order. "
      "Remove cross-signed, duplicate and unrelated certificates from the bundle.",
      "RFC 4158 §2.6; RFC 5280 §6.1" },
    { "chain-too-long", TP_SEV_WARNING,
      "More certificates were sent than tlsprobe considers for path building.",
      "The chain holds more certificates than any real one (check tries 256, a session 32): the "
      "rest were counted but not tried as issuers. A whole CA bundle is probably being served.",
      "Serve only the leaf and its intermediates, in order, without the root.",
      "RFC 8446 §4.4.2; RFC 5246 §7.4.2" },
    { "hostname-mismatch", TP_SEV_ERROR,
      "The certificate does not cover the host name.",
      "None of the certificate's subjectAltName entries matches the name the client asked for, "
      "so every verifying client rejects it (browsers: NET::ERR_CERT_COMMON_NAME_INVALID).",
      "Reissue the certificate with a subjectAltName for the name clients use (DNS:name, or "
      "IP:address for an IP), or make clients use a name the certificate covers; with several "
      "names on one address, check the server picks the right certificate by SNI.",
      "RFC 6125 §6; RFC 2818 §3.1; RFC 6066 §3" },
    { "cn-only", TP_SEV_ERROR,
      "The certificate names its host only in the Common Name (no subjectAltName).",
      "Clients must match names against subjectAltName; the CN fallback is deprecated. Go "
      ">= 1.15 ('certificate relies on legacy Common Name field'), Chrome >= 58 and Firefox "
      "reject such certificates, while OpenSSL-based tools (curl, Python) and wolfSSL still "
      "accept them, so it works in some clients only.",
      "Reissue the certificate with a subjectAltName for each name (openssl req ... -addext "
      "'subjectAltName=DNS:name').",
      "RFC 6125 §6.4.4; RFC 2818 §3.1; CA/B Forum BR §7.1.4.2" },
    { "expired", TP_SEV_ERROR,
      "A certificate in the chain has expired.",
      "A certificate's notAfter date is in the past (judged at the time of the connection or "
      "capture); every verifying client rejects the chain.",
      "Renew the certificate and reload the server; for an expired intermediate, replace it "
      "with the CA's current one. Automate renewal (ACME/certbot) and monitor with 'tlsprobe "
      "check'.",
      "RFC 5280 §4.1.2.5, §6.1.3; RFC 8446 §6.2 (certificate_expired)" },
    { "not-yet-valid", TP_SEV_ERROR,
      "A certificate in the chain is not valid yet.",
      "A certificate's notBefore date is in the future: it was issued with a future start date "
      "or the clock of the machine judging it is wrong.",
      "Check the clock on the client (and the capture machine): 'timedatectl', NTP. If the "
      "clock is right, wait for the start date or reissue with a correct validity period.",
      "RFC 5280 §4.1.2.5" },
    { "expiring-soon", TP_SEV_WARNING,
      "A certificate in the chain expires within 30 days.",
      "The chain is valid now but a certificate's notAfter date is less than 30 days away.",
      "Renew before the date shown and reload the server; automate renewal (ACME/certbot "
      "renews 30 days ahead).",
      "RFC 5280 §4.1.2.5" },
    { "weak-key", TP_SEV_ERROR,
      "A certificate in the chain has a weak key.",
      "RSA and DSA keys under 2048 bits, RSA keys that are not a whole number of bytes, EC "
      "keys under 256 bits or without a named curve are rejected by browsers, by OpenSSL at "
      "its default security level (Debian, RHEL: 'ee key too small'), by current Java and by "
      "the CA/Browser Forum rules; Go alone still accepts most of them, so one client may "
      "work while the others fail.",
      "Reissue with an RSA 2048 (or larger) or EC P-256 key.",
      "NIST SP 800-131A; CA/B Forum BR §6.1.5" },
    { "weak-signature", TP_SEV_ERROR,
      "A certificate in the chain is signed with SHA-1 or MD5.",
      "SHA-1 and MD5 signatures can be forged; browsers, Go (>= 1.18), Java and OpenSSL at "
      "security level 2 reject them on certificates below the root.",
      "Reissue the certificate (or get the CA's current intermediate) signed with SHA-256 or "
      "better.",
      "RFC 9155; CA/B Forum BR §7.1.3" },
    { "wrong-key-usage", TP_SEV_ERROR,
      "The certificate is not allowed for this use (key usage / extended key usage).",
      "The leaf's keyUsage or extendedKeyUsage does not permit TLS authentication for its "
      "role (serverAuth for a server, clientAuth for a client). A wrong extendedKeyUsage is "
      "rejected by every client; a keyUsage without digitalSignature (or keyEncipherment for "
      "RSA key exchange) is rejected by OpenSSL, curl, Python and browsers, while Go and "
      "rustls do not look at the leaf's keyUsage.",
      "Reissue with extendedKeyUsage serverAuth (servers) or clientAuth (clients) and keyUsage "
      "digitalSignature (plus keyEncipherment for RSA key exchange).",
      "RFC 5280 §4.2.1.3, §4.2.1.12; RFC 8446 §4.4.2.2" },
    { "key-mismatch", TP_SEV_ERROR,
      "The private key does not belong to the certificate.",
      "The public part of the key file differs from the leaf certificate's public key: the "
      "server would fail to load them (OpenSSL: 'key values mismatch') or clients would "
      "reject its signatures.",
      "Use the key generated with this certificate's CSR (compare 'openssl pkey -pubout' of "
      "the key with 'openssl x509 -pubkey' of the certificate), or reissue the certificate "
      "for the key you have.",
      "RFC 8446 §4.4.3 (CertificateVerify); RFC 5280 §4.1.2.7" },
    { "chain-order", TP_SEV_WARNING,
      "The certificates are not in order.",
      "Each certificate should be followed by the one that issued it (leaf first). TLS 1.2 "
      "requires it; TLS 1.3 allows any order but some clients (older Java, embedded stacks) "
      "still fail or build a different path.",
      "Serve the leaf first, then its issuer, then that issuer's issuer; 'tlsprobe check "
      "--chain FILE --save-chain fixed.pem' writes the right order.",
      "RFC 5246 §7.4.2; RFC 8446 §4.4.2" },
    { "chain-contains-root", TP_SEV_WARNING,
      "The chain includes the root certificate.",
      "Clients use their own copy of the root, so sending it wastes bytes in every handshake; "
      "some clients also pick it up as a path element in odd ways.",
      "Drop the root from the served chain (leaf + intermediates only).",
      "RFC 8446 §4.4.2; RFC 5246 §7.4.2" },
    { "extra-certificates", TP_SEV_WARNING,
      "The chain holds certificates that are not part of the path.",
      "Some certificates sent are not on the path from the leaf to the root: leftovers from an "
      "old chain or a wrong bundle. They waste bytes and can confuse some clients' path "
      "building.",
      "Serve exactly the leaf and its intermediates, in order.",
      "RFC 8446 §4.4.2; RFC 5246 §7.4.2" },
    { "deprecated-version", TP_SEV_WARNING,
      "TLS 1.0 or 1.1 was negotiated (deprecated).",
      "TLS 1.0 and 1.1 are deprecated (RFC 8996): browsers, OpenSSL 3 at its default security "
      "level, Java 16+ and most current clients refuse them.",
      "Enable TLS 1.2 and TLS 1.3 on the server and disable TLS 1.0/1.1; upgrade clients that "
      "cannot do TLS 1.2.",
      "RFC 8996" },
    { "connection-reset", TP_SEV_ERROR,
      "The connection was closed in the middle of the handshake, without an alert.",
      "The peer closed or reset the TCP connection without saying why: servers do this when "
      "nothing in the ClientHello suits them (old versions only, an unknown SNI name), "
      "middleboxes and firewalls do it when they block TLS, and clients do it when they "
      "reject a certificate silently.",
      "Read the peer's logs for the reason; try 'tlsprobe connect' with --tls1.2 / --tls1.3 "
      "and --servername to see what it accepts; check for a firewall or TLS-inspecting proxy "
      "on the path.",
      "RFC 8446 §6.1 (closure alerts); RFC 9293 §3.5.2" },
    { "remote-alert", TP_SEV_ERROR,
      "The handshake was ended by an alert.",
      "One side sent a TLS alert that ended the connection; the alert's name says which kind "
      "of problem it found, and the message before it says at which step.",
      "Look up the alert below, then the peer's logs at the time of the connection: the "
      "alert is the peer's short summary of a problem it logs in more detail.",
      "RFC 8446 §6; RFC 5246 §7.2" },
    { "handshake-failed", TP_SEV_ERROR,
      "The TLS handshake failed without an alert from either side.",
      "Our TLS library stopped the handshake on something the peer sent, and no alert "
      "explains it: a record or handshake message longer than TLS or our limits allow, a "
      "message that does not parse, or messages in an order TLS forbids. Such bytes come from "
      "a peer that is not a correct TLS implementation, a middlebox that rewrites the stream, "
      "or (rarely) a construction our TLS library cannot parse.",
      "Look at the last messages the peer sent (shown above) and at the peer's TLS "
      "implementation and version; compare with 'openssl s_client -connect HOST:PORT "
      "-msg' and check for a proxy or middlebox on the path.",
      "RFC 8446 §5.1, §5.2, §4; RFC 5246 §6.2.1, §7.4" },
};

#define N_RULES (sizeof rule_table / sizeof rule_table[0])

const struct tp_rule *tp_rules(size_t *n)
{
    if (n)
        *n = N_RULES;
    return rule_table;
}

const struct tp_rule *tp_rule_find(const char *id)
{
    if (!id)
        return NULL;
    for (size_t i = 0; i < N_RULES; i++)
        if (!strcmp(rule_table[i].id, id))
            return &rule_table[i];
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Helpers for the rule functions. */

struct texts {
    struct tp_sb sum, expl, fix;
};
static void texts_init(struct texts *t)
{
    tp_sb_init(&t->sum);
    tp_sb_init(&t->expl);
    tp_sb_init(&t->fix);
}
static void emit(struct diag_ctx *c, const char *id, enum tp_severity sev, struct texts *t)
{
    diag_emit(c, id, sev, &t->sum, &t->expl, &t->fix);
    tp_sb_free(&t->sum);
    tp_sb_free(&t->expl);
    tp_sb_free(&t->fix);
}
/* Generic text of a rule (explanation / fix), appended. */
static void put_generic_expl(struct tp_sb *sb, const char *id)
{
    const struct tp_rule *r = tp_rule_find(id);
    if (r)
        tp_sb_put(sb, r->explanation);
}
static void put_generic_fix(struct tp_sb *sb, const char *id)
{
    const struct tp_rule *r = tp_rule_find(id);
    if (r)
        tp_sb_put(sb, r->fix);
}

static bool is_cert_alert(uint8_t d)
{
    /* bad_certificate, unsupported_certificate, certificate_revoked,
     * certificate_expired, certificate_unknown, unknown_ca (RFC 8446 §6.2). */
    return d == 42 || d == 43 || d == 44 || d == 45 || d == 46 || d == 48;
}

/* What a certificate alert usually means, from the side that received it. */
static const char *cert_alert_reading(uint8_t d)
{
    switch (d) {
    case 48: return "it does not trust the CA that issued the certificate (the root is not in its trust store, or an intermediate is missing)";
    case 42: return "it found the certificate unacceptable (often: the name does not match, a signature does not verify, or a required extension is missing)";
    case 43: return "it does not support this kind of certificate (key type, or a key usage that does not allow this use)";
    case 44: return "it says the certificate was revoked by its CA";
    case 45: return "it says the certificate has expired or is not yet valid";
    case 46: return "it could not accept the certificate and did not say why (Java and some other stacks send this for any validation failure)";
    default: return "it rejected the certificate";
    }
}

/* "right after the client's ClientHello" for the alert at index i. */
static void put_after(struct tp_sb *sb, const struct diag_ctx *c, size_t i)
{
    const struct tp_msg *a = &c->s->msgs[i];
    int other = a->dir == TP_C2S ? TP_S2C : TP_C2S;
    int p = diag_prev_from(c->s, i, other);
    if (p < 0) {
        tp_sb_put(sb, "before ");
        tp_sb_put(sb, diag_who(c, other));
        tp_sb_put(sb, " sent anything");
        return;
    }
    tp_sb_put(sb, "right after ");
    if (c->role == DIAG_CLIENT && other == TP_C2S)
        tp_sb_put(sb, "our");
    else if (c->role == DIAG_SERVER && other == TP_S2C)
        tp_sb_put(sb, "our");
    else
        tp_sb_put(sb, other == TP_C2S ? "the client's" : "the server's");
    tp_sb_putc(sb, ' ');
    diag_put_msg(sb, &c->s->msgs[p]);
}

static const char *role_noun(const struct diag_ctx *c, int dir)
{
    if ((c->role == DIAG_CLIENT && dir == TP_C2S) || (c->role == DIAG_SERVER && dir == TP_S2C))
        return "we";
    return dir == TP_C2S ? "the client" : "the server";
}

/* The first ClientHello, parsed (false when not recorded or unparsable). */
static bool first_client_hello(const struct tp_session *s, struct tp_client_hello *ch)
{
    int i = diag_find_hs(s, TP_C2S, TP_HS_CLIENT_HELLO);
    if (i < 0)
        return false;
    const struct tp_msg *m = &s->msgs[i];
    if (!m->raw || m->raw_len < 4)
        return false;
    struct tp_hs_header h;
    if (tp_hs_header_parse(tp_bytes_make(m->raw, m->raw_len), &h) != TP_OK)
        return false;
    return tp_client_hello_parse(h.body, ch) == TP_OK;
}

static void put_version(struct tp_sb *sb, uint16_t v)
{
    const char *n = tp_name_version(v);
    if (n)
        tp_sb_put(sb, n);
    else
        tp_sb_printf(sb, "version 0x%04x", (unsigned)v);
}

/* "TLS 1.2, TLS 1.3" from the ClientHello, or the max. */
static void put_offered_versions(struct tp_sb *sb, const struct tp_session *s, const struct tp_client_hello *ch)
{
    if (ch && ch->ext.versions.n) {
        size_t shown = 0;
        for (size_t i = 0; i < ch->ext.versions.n; i++) {
            uint16_t v = ch->ext.versions.v[i];
            if (tp_is_grease(v))
                continue;
            if (shown++)
                tp_sb_put(sb, ", ");
            put_version(sb, v);
        }
        return;
    }
    uint16_t v = ch ? ch->legacy_version : s->offered_max_version;
    if (!v)
        v = s->offered_max_version;
    if (v) {
        tp_sb_put(sb, "up to ");
        put_version(sb, v);
    } else {
        tp_sb_put(sb, "(versions not recorded)");
    }
}

/* ------------------------------------------------------------------------ */
/* Connection-level rules. */

/* " to 192.0.2.1:443" (prefix + the server address, escaped); the host the user
 * asked for when the address is unknown; nothing when neither is known. */
static void put_server_addr(struct tp_sb *sb, const struct tp_session *s, const char *prefix)
{
    size_t n = strnlen(s->server, sizeof s->server);
    if (n) {
        tp_sb_put(sb, prefix);
        tp_sb_put_escaped(sb, (const uint8_t *)s->server, n);
    } else if (s->host && s->host[0]) {
        tp_sb_put(sb, prefix);
        tp_sb_put_escaped(sb, (const uint8_t *)s->host, strlen(s->host));
    }
}

static void r_name_resolution(struct diag_ctx *c)
{
    struct tp_session *s = c->s;
    if (s->outcome.status != TP_CONN_RESOLVE_FAILED)
        return;
    struct texts t;
    texts_init(&t);
    const char *h = s->host && s->host[0] ? s->host : s->server;
    size_t hl = s->host && s->host[0] ? strlen(h) : strnlen(s->server, sizeof s->server);
    if (hl) {
        tp_sb_put(&t.sum, "Could not resolve '");
        tp_sb_put_escaped(&t.sum, (const uint8_t *)h, hl);
        tp_sb_put(&t.sum, "' to an address.");
    } else {
        tp_sb_put(&t.sum, "Could not resolve the host name to an address.");
    }
    put_generic_expl(&t.expl, "name-resolution");
    if (s->outcome.detail[0]) {
        tp_sb_put(&t.expl, " The resolver said: ");
        tp_sb_put_escaped(&t.expl, (const uint8_t *)s->outcome.detail, strnlen(s->outcome.detail, sizeof s->outcome.detail));
        tp_sb_putc(&t.expl, '.');
    }
    put_generic_fix(&t.fix, "name-resolution");
    emit(c, "name-resolution", TP_SEV_ERROR, &t);
    c->close_explained = true;
}

static void r_connection_refused(struct diag_ctx *c)
{
    struct tp_session *s = c->s;
    if (s->outcome.status != TP_CONN_REFUSED)
        return;
    struct texts t;
    texts_init(&t);
    tp_sb_put(&t.sum, "Connection refused");
    put_server_addr(&t.sum, s, " by ");
    tp_sb_put(&t.sum, ": nothing is listening there (or a firewall rejects it).");
    put_generic_expl(&t.expl, "connection-refused");
    put_generic_fix(&t.fix, "connection-refused");
    emit(c, "connection-refused", TP_SEV_ERROR, &t);
    c->close_explained = true;
}

static void r_timeout(struct diag_ctx *c)
{
    struct tp_session *s = c->s;
    if (s->outcome.status != TP_CONN_TIMEOUT)
        return;
    struct texts t;
    texts_init(&t);
    size_t n_s2c = 0;
    for (size_t i = 0; i < s->n_msgs; i++)
        n_s2c += s->msgs[i].dir == TP_S2C;
    if (c->role == DIAG_SERVER && s->n_msgs == 0) {
        tp_sb_put(&t.sum, "The client connected but sent no ClientHello before the deadline.");
        tp_sb_put(&t.expl, "A client that connects and stays silent is not speaking TLS first: a plain-text "
                           "protocol client waiting for a server greeting (SMTP, IMAP, FTP), a health check that "
                           "only opens TCP, or a client stuck before its handshake. ");
    } else if (s->n_msgs == 0 && s->t_connect_us < 0 && c->role == DIAG_CLIENT) {
        tp_sb_put(&t.sum, "The TCP connection");
        put_server_addr(&t.sum, s, " to ");
        tp_sb_put(&t.sum, " did not complete before the deadline.");
        tp_sb_put(&t.expl, "No SYN/ACK came back: packets are silently dropped (a firewall or security group), "
                           "the address is wrong, or the host is down. ");
    } else if (n_s2c == 0 && c->role != DIAG_SERVER) {
        tp_sb_put(&t.sum, "The server accepted the TCP connection but never answered the ClientHello.");
        tp_sb_put(&t.expl, "A server that accepts TCP and then stays silent usually waits for something else first: "
                           "a plain-text protocol (SMTP/IMAP/FTP banner, then STARTTLS), the PROXY protocol header "
                           "from a load balancer, or it is not a TLS service at all. ");
    } else if (s->n_msgs > 0) {
        const struct tp_msg *last = &s->msgs[s->n_msgs - 1];
        tp_sb_put(&t.sum, "The handshake stalled after ");
        tp_sb_put(&t.sum, role_noun(c, (int)last->dir));
        tp_sb_put(&t.sum, last->kind == TP_MSG_ENCRYPTED ? " sent an " : " sent ");
        diag_put_msg(&t.sum, last);
        tp_sb_put(&t.sum, "; no answer before the deadline.");
    } else {
        tp_sb_put(&t.sum, "Nothing was exchanged before the deadline.");
    }
    put_generic_expl(&t.expl, "timeout");
    put_generic_fix(&t.fix, "timeout");
    emit(c, "timeout", TP_SEV_ERROR, &t);
    c->close_explained = true;
}

static bool banner_starts(const struct tp_outcome *o, const char *p)
{
    size_t n = strlen(p);
    return o->peer_banner_len >= n && !strncmp(o->peer_banner, p, n);
}

static void r_not_tls(struct diag_ctx *c)
{
    struct tp_session *s = c->s;
    if (s->outcome.status != TP_CONN_NOT_TLS)
        return;
    const struct tp_outcome *o = &s->outcome;
    struct texts t;
    texts_init(&t);
    int peer = c->role == DIAG_SERVER ? TP_C2S : TP_S2C;
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
        fix = "This service starts in plain text: use its STARTTLS (openssl s_client -starttls smtp|imap|pop3|ftp) "
              "or its implicit-TLS port (465 SMTPS, 993 IMAPS, 995 POP3S, 990 FTPS).";
    }
    tp_sb_put(&t.sum, diag_Who(c, peer));
    tp_sb_put(&t.sum, " does not speak TLS");
    if (what) {
        tp_sb_put(&t.sum, ": it answered with ");
        tp_sb_put(&t.sum, what);
    }
    if (o->peer_banner_len) {
        tp_sb_put(&t.sum, " (\"");
        size_t n = o->peer_banner_len < sizeof o->peer_banner ? o->peer_banner_len : sizeof o->peer_banner;
        /* Show the first line only. */
        size_t k = 0;
        while (k < n && o->peer_banner[k] != '\r' && o->peer_banner[k] != '\n')
            k++;
        tp_sb_put_escaped(&t.sum, (const uint8_t *)o->peer_banner, k > 40 ? 40 : k);
        tp_sb_put(&t.sum, "\")");
    }
    tp_sb_putc(&t.sum, '.');
    put_generic_expl(&t.expl, "not-tls");
    if (fix)
        tp_sb_put(&t.fix, fix);
    else
        put_generic_fix(&t.fix, "not-tls");
    emit(c, "not-tls", TP_SEV_ERROR, &t);
    c->close_explained = true;
}

/* ------------------------------------------------------------------------ */
/* Alerts read in context. */

static void r_protocol_version(struct diag_ctx *c)
{
    struct tp_session *s = c->s;
    for (size_t i = 0; i < s->n_msgs; i++) {
        const struct tp_msg *a = &s->msgs[i];
        if (a->kind != TP_MSG_ALERT || a->alert_desc != 70 || c->alert_explained[i])
            continue;
        struct tp_client_hello ch;
        bool have_ch = first_client_hello(s, &ch);
        struct texts t;
        texts_init(&t);
        tp_sb_put(&t.sum, diag_Who(c, (int)a->dir));
        tp_sb_put(&t.sum, " sent protocol_version (70) ");
        put_after(&t.sum, c, i);
        if (a->dir == TP_S2C) {
            tp_sb_put(&t.sum, ": the server accepts none of the versions offered (");
            put_offered_versions(&t.sum, s, have_ch ? &ch : NULL);
            tp_sb_put(&t.sum, ").");
            tp_sb_put(&t.expl, "The server refused every version in the ClientHello. Most often the server only "
                               "speaks TLS 1.0/1.1 (and the client requires 1.2+), or the server is TLS 1.3-only "
                               "and the client offers at most TLS 1.2. ");
        } else {
            tp_sb_put(&t.sum, ": the client refused the version the server chose");
            if (s->version) {
                tp_sb_put(&t.sum, " (");
                put_version(&t.sum, s->version);
                tp_sb_putc(&t.sum, ')');
            }
            tp_sb_putc(&t.sum, '.');
            tp_sb_put(&t.expl, "The client does not accept the version the server picked (or, before any "
                               "ServerHello, the client's minimum is above what it found). ");
        }
        put_generic_expl(&t.expl, "protocol-version-mismatch");
        put_generic_fix(&t.fix, "protocol-version-mismatch");
        emit(c, "protocol-version-mismatch", TP_SEV_ERROR, &t);
        c->alert_explained[i] = true;
        c->close_explained = true;
        c->version_explained = true;
        return;
    }
}

static void r_no_shared_cipher(struct diag_ctx *c)
{
    struct tp_session *s = c->s;
    int sh = diag_find_hs(s, TP_S2C, TP_HS_SERVER_HELLO);
    for (size_t i = 0; i < s->n_msgs; i++) {
        const struct tp_msg *a = &s->msgs[i];
        if (a->kind != TP_MSG_ALERT || a->dir != TP_S2C || c->alert_explained[i])
            continue;
        if (a->alert_desc != 40 && a->alert_desc != 71)
            continue;
        if (sh >= 0 && (size_t)sh < i)
            continue;
        int p = diag_prev_from(s, i, TP_C2S);
        if (p < 0 || !(s->msgs[p].kind == TP_MSG_SSLV2_HELLO ||
                       (s->msgs[p].kind == TP_MSG_HANDSHAKE && s->msgs[p].hs_type == TP_HS_CLIENT_HELLO)))
            continue;
        struct tp_client_hello ch;
        bool have_ch = first_client_hello(s, &ch);
        struct texts t;
        texts_init(&t);
        tp_sb_put(&t.sum, diag_Who(c, TP_S2C));
        tp_sb_put(&t.sum, " sent ");
        diag_put_alert(&t.sum, a->alert_desc);
        tp_sb_put(&t.sum, " right after the ClientHello, before any ServerHello: no cipher suite (or group) in common.");
        if (have_ch) {
            tp_sb_printf(&t.expl, "%s offered %zu cipher suite%s (", c->role == DIAG_CLIENT ? "We" : "The client",
                         ch.n_suites_total, ch.n_suites_total == 1 ? "" : "s");
            size_t shown = 0;
            for (size_t k = 0; k < ch.n_suites && shown < 6; k++) {
                if (tp_is_grease(ch.suites[k]) || ch.suites[k] == 0x00ff)
                    continue;
                const char *n = tp_name_cipher_suite(ch.suites[k]);
                if (shown++)
                    tp_sb_put(&t.expl, ", ");
                if (n)
                    tp_sb_put(&t.expl, n);
                else
                    tp_sb_printf(&t.expl, "0x%04x", (unsigned)ch.suites[k]);
            }
            if (ch.n_suites_total > shown)
                tp_sb_put(&t.expl, ", ...");
            tp_sb_put(&t.expl, ") for ");
            put_offered_versions(&t.expl, s, &ch);
            if (ch.ext.groups.n) {
                tp_sb_put(&t.expl, ", groups ");
                size_t g = 0;
                for (size_t k = 0; k < ch.ext.groups.n && g < 5; k++) {
                    if (tp_is_grease(ch.ext.groups.v[k]))
                        continue;
                    const char *n = tp_name_group(ch.ext.groups.v[k]);
                    if (g++)
                        tp_sb_put(&t.expl, ", ");
                    if (n)
                        tp_sb_put(&t.expl, n);
                    else
                        tp_sb_printf(&t.expl, "0x%04x", (unsigned)ch.ext.groups.v[k]);
                }
            }
            tp_sb_put(&t.expl, "; the server accepted none of it. ");
        }
        put_generic_expl(&t.expl, "no-shared-cipher");
        tp_sb_put(&t.expl, " Some servers also answer this way to a missing or unknown SNI name.");
        put_generic_fix(&t.fix, "no-shared-cipher");
        emit(c, "no-shared-cipher", TP_SEV_ERROR, &t);
        c->alert_explained[i] = true;
        c->close_explained = true;
        return;
    }
}

/* The client's Certificate message index (-1 none) and whether it was empty. */
static int client_cert_msg(const struct tp_session *s)
{
    return diag_find_hs(s, TP_C2S, TP_HS_CERTIFICATE);
}

/* mTLS CA names (issue 16): what the server's CertificateRequest lists, compared
 * with the issuers of the client's chain as sent. Appends one sentence to sum
 * (only when it tells something: none offered while names were listed, or a
 * certificate from another CA) and the list to expl. */
static void put_ca_names_compare(struct diag_ctx *c, struct tp_sb *sum, struct tp_sb *expl)
{
    struct tp_session *s = c->s;
    int k = diag_find_hs(s, TP_S2C, TP_HS_CERTIFICATE_REQUEST);
    if (k < 0 || !s->msgs[k].raw || s->msgs[k].raw_len < 4)
        return;
    struct tp_certificate_request cr;
    if (tp_certificate_request_parse(tp_bytes_make(s->msgs[k].raw + 4, s->msgs[k].raw_len - 4),
                                     s->version == TP_TLS1_3, &cr) != TP_OK)
        return;
    const char *srv = c->role == DIAG_SERVER ? "we" : "the server";
    if (cr.ca_names.n_total == 0) {
        tp_sb_printf(expl, "The CertificateRequest named no CAs, so %s gave the client no hint which certificate "
                           "to send%s. ",
                     srv, s->version == TP_TLS1_3 && c->role == DIAG_SERVER
                               ? " (this wolfSSL build cannot send the TLS 1.3 certificate_authorities extension)"
                               : "");
        return;
    }
    char dn[512];
    tp_sb_printf(expl, "The CertificateRequest lists %zu CA%s %s accept%s: ", cr.ca_names.n_total,
                 cr.ca_names.n_total == 1 ? "" : "s", srv, c->role == DIAG_SERVER ? "" : "s");
    for (size_t i = 0; i < cr.ca_names.n && i < 4; i++) {
        tp_dn_text(cr.ca_names.v[i], dn, sizeof dn);
        tp_sb_printf(expl, "%s'%s'", i ? ", " : "", dn);
    }
    if (cr.ca_names.n_total > 4)
        tp_sb_printf(expl, " and %zu more", cr.ca_names.n_total - 4);
    tp_sb_put(expl, ". ");
    if (s->client_chain.n == 0) {
        tp_sb_put(sum, " The client offered no certificate although the server named the CAs it accepts: it has "
                       "none from them (Go and browsers send only a certificate that chains to a listed CA).");
        return;
    }
    int idx;
    if (tp_ca_names_match_chain(&cr.ca_names, &s->client_chain, &idx)) {
        tp_sb_printf(expl, "The client's certificate #%d is issued by one of them. ", idx);
        return;
    }
    tp_cert_issuer_text(s->client_chain.der[0], dn, sizeof dn);
    tp_sb_printf(sum, " The client's certificate is from another CA: its issuer '%s' is not among the %zu CA%s "
                      "the CertificateRequest lists.",
                 dn, cr.ca_names.n_total, cr.ca_names.n_total == 1 ? "" : "s");
}

static void r_client_cert_required(struct diag_ctx *c)
{
    struct tp_session *s = c->s;
    int cm = client_cert_msg(s);
    bool sent_empty = cm >= 0 && s->client_chain.n == 0;
    int hit = -1;          /* alert index that it explains */
    bool by_close = false; /* or: the server closed after the empty Certificate */
    for (size_t i = 0; i < s->n_msgs && hit < 0; i++) {
        const struct tp_msg *a = &s->msgs[i];
        if (a->kind != TP_MSG_ALERT || a->dir != TP_S2C || c->alert_explained[i])
            continue;
        if (a->alert_desc == 116) /* certificate_required: unambiguous (RFC 8446 §6.2) */
            hit = (int)i;
        else if (sent_empty && (size_t)cm < i && s->client_auth_requested &&
                 (a->alert_desc == 40 || is_cert_alert(a->alert_desc)))
            hit = (int)i;
    }
    /* TLS 1.3: the server judges the client's Certificate after the client's
     * Finished (RFC 8446 §4.4.2.4), so "complete" does not rule it out. */
    if (hit < 0 && sent_empty && s->client_auth_requested && (!s->handshake_complete || s->version == TP_TLS1_3) &&
        (s->outcome.status == TP_CONN_RESET || s->outcome.status == TP_CONN_CLOSED ||
         s->outcome.status == TP_CONN_TLS_FAILED)) {
        /* listen: we required a certificate and the client sent none; or a server
         * that just hangs up after the empty Certificate. */
        by_close = true;
    }
    if (hit < 0 && !by_close)
        return;
    struct texts t;
    texts_init(&t);
    if (c->role == DIAG_SERVER) {
        tp_sb_put(&t.sum, "The client sent no certificate, and we (tlsprobe, the server) require one.");
        tp_sb_put(&t.expl, "We sent a CertificateRequest and the client answered with an empty Certificate: it has "
                           "no certificate configured, or none issued by a CA we named in the request. ");
    } else {
        tp_sb_put(&t.sum, "The server requires a client certificate; ");
        tp_sb_put(&t.sum, c->role == DIAG_CLIENT ? "we sent none" : "the client sent none");
        if (sent_empty)
            tp_sb_put(&t.sum, " (an empty Certificate)");
        if (hit >= 0) {
            tp_sb_put(&t.sum, " and the server answered with ");
            diag_put_alert(&t.sum, s->msgs[hit].alert_desc);
            tp_sb_putc(&t.sum, ' ');
            put_after(&t.sum, c, (size_t)hit);
        } else {
            tp_sb_put(&t.sum, " and the server closed the connection");
        }
        tp_sb_putc(&t.sum, '.');
        if (hit >= 0 && s->msgs[hit].alert_desc == 116)
            tp_sb_put(&t.expl, "certificate_required (116) is TLS 1.3's alert for exactly this; in TLS 1.3 it "
                               "arrives after the client's Finished, so a client sees the handshake succeed and "
                               "then fails on its first read. ");
        else if (hit >= 0 && s->msgs[hit].alert_desc == 40)
            tp_sb_put(&t.expl, "In TLS 1.2 servers answer a missing client certificate with a plain "
                               "handshake_failure (40) after the client's empty Certificate. ");
    }
    put_ca_names_compare(c, &t.sum, &t.expl);
    put_generic_expl(&t.expl, "client-cert-required");
    put_generic_fix(&t.fix, "client-cert-required");
    emit(c, "client-cert-required", TP_SEV_ERROR, &t);
    if (hit >= 0)
        c->alert_explained[hit] = true;
    c->close_explained = true;
}

/* Reason a verify result gives, one phrase ("" when nothing found). */
static const char *verify_reason(const struct tp_verify_result *v)
{
    if (!v)
        return "";
    switch (v->status) {
    case TP_PATH_UNKNOWN_AUTHORITY: return "its issuer is not a trusted CA";
    case TP_PATH_SELF_SIGNED: return "it is self-signed";
    case TP_PATH_MISSING_INTERMEDIATE: return "an intermediate certificate is missing";
    case TP_PATH_BAD_SIGNATURE: return "a signature in the chain does not verify";
    default: break;
    }
    if (v->expired_index >= 0)
        return "a certificate in it has expired";
    if (v->not_yet_valid_index >= 0)
        return "a certificate in it is not valid yet";
    if (v->name_status == TP_NAME_MISMATCH)
        return "it does not cover the name asked for";
    if (!v->leaf_eku_ok || !v->leaf_ku_ok)
        return "its key usage does not allow this use";
    return "";
}

static void r_client_cert_rejected(struct diag_ctx *c)
{
    struct tp_session *s = c->s;
    for (size_t i = 0; i < s->n_msgs; i++) {
        const struct tp_msg *a = &s->msgs[i];
        if (a->kind != TP_MSG_ALERT || a->dir != TP_S2C || c->alert_explained[i] || !is_cert_alert(a->alert_desc))
            continue;
        /* A server only judges the client's certificate: a certificate alert from
         * the server is about the client's certificate (RFC 8446 §4.4.2.4). */
        struct texts t;
        texts_init(&t);
        const struct tp_cert_info *leaf = s->client_chain.n ? s->client_chain.info[0] : NULL;
        if (c->role == DIAG_SERVER) {
            tp_sb_put(&t.sum, "We (tlsprobe, the server) rejected the client's certificate");
            if (leaf) {
                tp_sb_putc(&t.sum, ' ');
                diag_put_cert(&t.sum, leaf);
            }
            tp_sb_put(&t.sum, " with ");
            diag_put_alert(&t.sum, a->alert_desc);
            const char *why = verify_reason(s->client_verify);
            if (*why) {
                tp_sb_put(&t.sum, ": ");
                tp_sb_put(&t.sum, why);
            }
            tp_sb_putc(&t.sum, '.');
        } else {
            tp_sb_put(&t.sum, "The server rejected ");
            tp_sb_put(&t.sum, c->role == DIAG_CLIENT ? "our client certificate" : "the client's certificate");
            if (leaf) {
                tp_sb_putc(&t.sum, ' ');
                diag_put_cert(&t.sum, leaf);
            }
            tp_sb_put(&t.sum, ": it sent ");
            diag_put_alert(&t.sum, a->alert_desc);
            tp_sb_putc(&t.sum, ' ');
            put_after(&t.sum, c, i);
            tp_sb_put(&t.sum, ".");
            tp_sb_put(&t.expl, "From the server, ");
            tp_sb_put(&t.expl, tp_name_alert(a->alert_desc) ? tp_name_alert(a->alert_desc) : "this alert");
            tp_sb_put(&t.expl, " means ");
            tp_sb_put(&t.expl, cert_alert_reading(a->alert_desc));
            tp_sb_put(&t.expl, ". ");
            if (leaf && leaf->issuer && a->alert_desc == 48) {
                tp_sb_put(&t.expl, "The client certificate is issued by '");
                tp_sb_put_escaped(&t.expl, (const uint8_t *)leaf->issuer, strlen(leaf->issuer));
                tp_sb_put(&t.expl, "'; that CA (or its root) must be in the server's client-CA list. ");
            }
        }
        put_ca_names_compare(c, &t.sum, &t.expl);
        put_generic_expl(&t.expl, "client-cert-rejected");
        put_generic_fix(&t.fix, "client-cert-rejected");
        emit(c, "client-cert-rejected", TP_SEV_ERROR, &t);
        c->alert_explained[i] = true;
        c->close_explained = true;
        return;
    }
}

static void r_server_cert_rejected(struct diag_ctx *c)
{
    struct tp_session *s = c->s;
    if (c->role == DIAG_CLIENT || c->role == DIAG_CHECK)
        return; /* our own verdict: the chain rules say why */
    for (size_t i = 0; i < s->n_msgs; i++) {
        const struct tp_msg *a = &s->msgs[i];
        if (a->kind != TP_MSG_ALERT || a->dir != TP_C2S || c->alert_explained[i] || !is_cert_alert(a->alert_desc))
            continue;
        struct texts t;
        texts_init(&t);
        const struct tp_cert_info *leaf = s->server_chain.n ? s->server_chain.info[0] : NULL;
        tp_sb_put(&t.sum, "The client rejected ");
        tp_sb_put(&t.sum, c->role == DIAG_SERVER ? "our certificate" : "the server's certificate");
        if (leaf) {
            tp_sb_putc(&t.sum, ' ');
            diag_put_cert(&t.sum, leaf);
        }
        tp_sb_put(&t.sum, ": it sent ");
        diag_put_alert(&t.sum, a->alert_desc);
        tp_sb_putc(&t.sum, ' ');
        put_after(&t.sum, c, i);
        tp_sb_putc(&t.sum, '.');
        tp_sb_put(&t.expl, "From the client, ");
        tp_sb_put(&t.expl, tp_name_alert(a->alert_desc) ? tp_name_alert(a->alert_desc) : "this alert");
        tp_sb_put(&t.expl, " means ");
        tp_sb_put(&t.expl, cert_alert_reading(a->alert_desc));
        tp_sb_put(&t.expl, ". ");
        const char *why = verify_reason(s->server_verify);
        if (*why) {
            tp_sb_put(&t.expl, "tlsprobe's own check of that chain agrees: ");
            tp_sb_put(&t.expl, why);
            tp_sb_put(&t.expl, " (see the other findings). ");
        } else if (a->alert_desc == 48 || a->alert_desc == 46) {
            tp_sb_put(&t.expl, "If the chain is complete, the client's trust store lacks the root: a private CA "
                               "must be added to the client. ");
        }
        put_generic_expl(&t.expl, "server-cert-rejected");
        put_generic_fix(&t.fix, "server-cert-rejected");
        emit(c, "server-cert-rejected", TP_SEV_ERROR, &t);
        c->alert_explained[i] = true;
        c->close_explained = true;
        return;
    }
}

/* ------------------------------------------------------------------------ */
/* Chain rules: run on each chain (server, and client in mTLS; the file in check). */

static size_t collect_chains(struct diag_ctx *c, struct diag_chain out[2])
{
    size_t n = 0;
    struct tp_session *s = c->s;
    if (s->server_verify) {
        out[n].sent = &s->server_chain;
        out[n].v = s->server_verify;
        out[n].is_client = false;
        n++;
    }
    if (s->client_verify && c->role != DIAG_CHECK && s->client_chain.n > 0) {
        out[n].sent = &s->client_chain;
        out[n].v = s->client_verify;
        out[n].is_client = true;
        n++;
    }
    return n;
}

/* "The server sent" / "The chain file holds" ... */
static void put_sent_intro(struct tp_sb *sb, const struct diag_ctx *c, const struct diag_chain *ch)
{
    if (c->role == DIAG_CHECK) {
        tp_sb_put(sb, "The chain file holds ");
    } else if (ch->is_client) {
        tp_sb_put(sb, c->role == DIAG_CLIENT ? "We sent " : "The client sent ");
    } else {
        tp_sb_put(sb, c->role == DIAG_SERVER ? "We sent " : "The server sent ");
    }
    diag_put_sent(sb, ch);
    tp_sb_put(sb, ". ");
}

static const char *chain_owner(const struct diag_ctx *c, const struct diag_chain *ch)
{
    if (c->role == DIAG_CHECK)
        return "The certificate";
    if (ch->is_client)
        return c->role == DIAG_CLIENT ? "Our client certificate" : "The client's certificate";
    return c->role == DIAG_SERVER ? "Our certificate" : "The server's certificate";
}

static void put_store(struct tp_sb *sb, const struct tp_verify_result *v)
{
    if (v->store_desc[0])
        tp_sb_put_escaped(sb, (const uint8_t *)v->store_desc, strnlen(v->store_desc, sizeof v->store_desc));
    else
        tp_sb_printf(sb, "the trust store (%zu roots)", v->store_roots);
}

static void r_unknown_authority(struct diag_ctx *c)
{
    struct diag_chain chains[2];
    size_t n = collect_chains(c, chains);
    for (size_t k = 0; k < n; k++) {
        const struct tp_verify_result *v = chains[k].v;
        if (v->status != TP_PATH_UNKNOWN_AUTHORITY && v->status != TP_PATH_BAD_SIGNATURE)
            continue;
        struct texts t;
        texts_init(&t);
        tp_sb_put(&t.sum, chain_owner(c, &chains[k]));
        if (v->status == TP_PATH_BAD_SIGNATURE) {
            tp_sb_put(&t.sum, " chain has a signature that does not verify: it does not lead to a trusted CA.");
            tp_sb_put(&t.expl, "A certificate names an issuer whose key did not make its signature (a wrong or "
                               "re-keyed intermediate, or a tampered certificate). ");
        } else {
            tp_sb_put(&t.sum, " is issued by '");
            tp_sb_put_escaped(&t.sum, (const uint8_t *)v->missing_issuer, strnlen(v->missing_issuer, sizeof v->missing_issuer));
            if (!v->root_sent && !chains[k].is_client) {
                /* The top of the chain is not a root: the issuer may be an
                 * intermediate that was not sent, or an untrusted root. */
                tp_sb_put(&t.sum, "', which is neither ");
                tp_sb_put(&t.sum, c->role == DIAG_CHECK ? "in the file" : "sent");
                tp_sb_put(&t.sum, " nor in ");
                put_store(&t.sum, v);
                tp_sb_put(&t.sum, ": a missing intermediate or an untrusted CA.");
            } else {
                tp_sb_put(&t.sum, "', which is not in ");
                put_store(&t.sum, v);
                tp_sb_putc(&t.sum, '.');
            }
        }
        put_sent_intro(&t.expl, c, &chains[k]);
        if (v->status == TP_PATH_UNKNOWN_AUTHORITY) {
            if (v->root_sent)
                tp_sb_put(&t.expl, "The chain ends in a root certificate that was sent along, but a root is only "
                                   "trusted when the client already has it. ");
            tp_sb_put(&t.expl, "That CA is not among the trust anchors of ");
            put_store(&t.expl, v);
            tp_sb_put(&t.expl, ". ");
            if (c->role == DIAG_OBSERVER)
                tp_sb_put(&t.expl, "(A capture is judged with this machine's trust store; the real client may trust "
                                   "other CAs: pass its CA file with --cafile.) ");
            if (v->aia_tried && !v->aia_ok)
                tp_sb_put(&t.expl, "(Fetching a missing issuer from the AIA URL did not help either.) ");
            /* An intermediate the server did not send, found by AIA or in
             * --intermediates, sits on the path: that is a second problem,
             * and the one clients differ on. */
            for (size_t p = 0; p < v->path_len; p++) {
                if (v->path[p].src != TP_FROM_AIA && v->path[p].src != TP_FROM_INTERMEDIATES)
                    continue;
                tp_sb_put(&t.expl, "The intermediate ");
                diag_put_cert(&t.expl, v->path[p].cert);
                tp_sb_put(&t.expl, c->role == DIAG_CHECK ? " is not in the file either; tlsprobe found it through "
                                                         : " was not sent either; tlsprobe found it through ");
                tp_sb_put(&t.expl, v->path[p].src == TP_FROM_AIA ? "the AIA caIssuers URL" : "--intermediates");
                tp_sb_put(&t.expl, ". Browsers fetch a missing intermediate that way; Go, curl, OpenSSL, Python and "
                                   "Java do not, so serve it after the leaf as well. ");
                break;
            }
            if (!v->root_sent && !chains[k].is_client) {
                tp_sb_put(&t.expl, "The last certificate ");
                tp_sb_put(&t.expl, c->role == DIAG_CHECK ? "in the file" : "sent");
                tp_sb_put(&t.expl, " is not a root: if '");
                tp_sb_put_escaped(&t.expl, (const uint8_t *)v->missing_issuer, strnlen(v->missing_issuer, sizeof v->missing_issuer));
                tp_sb_put(&t.expl, "' is an intermediate CA, it is simply missing from the chain (missing-intermediate); ");
                tp_sb_put(&t.expl, c->role == DIAG_CHECK ? "pass it with --intermediates FILE|DIR (or --aia) to tell. "
                                                         : "tlsprobe could not find it (AIA, --intermediates) to tell. ");
            }
        }
        if (chains[k].is_client) {
            tp_sb_put(&t.expl, "The server does not trust the CA of this client certificate.");
            tp_sb_put(&t.fix, "Add the client's CA to the server's client-CA list (nginx ssl_client_certificate, "
                              "Apache SSLCACertificateFile, tlsprobe listen --client-ca), or issue the client "
                              "certificate from a CA the server already trusts.");
        } else {
            tp_sb_put(&t.expl, "Every client using that trust store fails: Go 'x509: certificate signed by unknown "
                               "authority', curl (60) 'unable to get local issuer certificate', Java 'PKIX path "
                               "building failed', Python CERTIFICATE_VERIFY_FAILED, browsers "
                               "NET::ERR_CERT_AUTHORITY_INVALID / SEC_ERROR_UNKNOWN_ISSUER.");
            if (v->status == TP_PATH_UNKNOWN_AUTHORITY && !v->root_sent) {
                tp_sb_put(&t.fix, "If '");
                tp_sb_put_escaped(&t.fix, (const uint8_t *)v->missing_issuer, strnlen(v->missing_issuer, sizeof v->missing_issuer));
                tp_sb_put(&t.fix, "' is an intermediate CA, serve it after the leaf (the full chain, without the root: "
                                  "certbot's fullchain.pem, your CA's chain bundle). Otherwise: ");
            }
            tp_sb_put(&t.fix, "If '");
            tp_sb_put_escaped(&t.fix, (const uint8_t *)v->missing_issuer, strnlen(v->missing_issuer, sizeof v->missing_issuer));
            tp_sb_put(&t.fix, "' is your private CA, add its root to each client's trust (" TRUST_HOWTO
                              "). If the service is public, use a certificate from a publicly trusted CA"
                              " and serve it with its intermediates.");
        }
        emit(c, "unknown-authority", TP_SEV_ERROR, &t);
    }
}

static void r_self_signed(struct diag_ctx *c)
{
    struct diag_chain chains[2];
    size_t n = collect_chains(c, chains);
    for (size_t k = 0; k < n; k++) {
        const struct tp_verify_result *v = chains[k].v;
        if (v->status != TP_PATH_SELF_SIGNED)
            continue;
        const struct tp_cert_info *leaf = diag_leaf(&chains[k]);
        struct texts t;
        texts_init(&t);
        tp_sb_put(&t.sum, chain_owner(c, &chains[k]));
        tp_sb_putc(&t.sum, ' ');
        diag_put_cert(&t.sum, leaf);
        tp_sb_put(&t.sum, " is self-signed and not in ");
        put_store(&t.sum, v);
        tp_sb_putc(&t.sum, '.');
        put_sent_intro(&t.expl, c, &chains[k]);
        put_generic_expl(&t.expl, "self-signed");
        if (!chains[k].is_client)
            tp_sb_put(&t.expl, " Go says 'x509: certificate signed by unknown authority', curl (60) 'self-signed "
                               "certificate', browsers NET::ERR_CERT_AUTHORITY_INVALID / "
                               "MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT.");
        put_generic_fix(&t.fix, "self-signed");
        emit(c, "self-signed", TP_SEV_ERROR, &t);
    }
}

static void r_missing_intermediate(struct diag_ctx *c)
{
    struct diag_chain chains[2];
    size_t n = collect_chains(c, chains);
    for (size_t k = 0; k < n; k++) {
        const struct tp_verify_result *v = chains[k].v;
        if (v->status != TP_PATH_MISSING_INTERMEDIATE)
            continue;
        struct texts t;
        texts_init(&t);
        /* Which path elements were not sent. */
        struct tp_sb miss;
        tp_sb_init(&miss);
        size_t n_miss = 0;
        const char *found_via = NULL;
        for (size_t p = 0; p < v->path_len; p++) {
            if (v->path[p].src != TP_FROM_AIA && v->path[p].src != TP_FROM_INTERMEDIATES)
                continue;
            if (n_miss++)
                tp_sb_put(&miss, ", ");
            diag_put_cert(&miss, v->path[p].cert);
            found_via = v->path[p].src == TP_FROM_AIA ? "the certificate's AIA caIssuers URL" : "--intermediates";
        }
        if (!n_miss && v->missing_issuer[0]) {
            tp_sb_putc(&miss, '\'');
            tp_sb_put_escaped(&miss, (const uint8_t *)v->missing_issuer, strnlen(v->missing_issuer, sizeof v->missing_issuer));
            tp_sb_putc(&miss, '\'');
            n_miss = 1;
        }
        tp_sb_put(&t.sum, chain_owner(c, &chains[k]));
        tp_sb_put(&t.sum, " chain is incomplete: the intermediate ");
        tp_sb_put(&t.sum, n_miss ? tp_sb_str(&miss) : "certificate");
        tp_sb_put(&t.sum, c->role == DIAG_CHECK ? " is not in the file." : " was not sent.");
        put_sent_intro(&t.expl, c, &chains[k]);
        tp_sb_put(&t.expl, "The missing intermediate");
        if (found_via) {
            tp_sb_put(&t.expl, " was found through ");
            tp_sb_put(&t.expl, found_via);
            if (v->aia_url[0] && found_via[0] == 't') {
                tp_sb_put(&t.expl, " (");
                tp_sb_put_escaped(&t.expl, (const uint8_t *)v->aia_url, strnlen(v->aia_url, sizeof v->aia_url));
                tp_sb_putc(&t.expl, ')');
            }
            tp_sb_put(&t.expl, " and completes a trusted path, so the certificate itself is fine. ");
        } else {
            tp_sb_put(&t.expl, " completes a trusted path. ");
        }
        put_generic_expl(&t.expl, "missing-intermediate");
        tp_sb_put(&t.fix, SERVE_FULLCHAIN);
        tp_sb_put(&t.fix, ": add ");
        tp_sb_put(&t.fix, n_miss ? tp_sb_str(&miss) : "the intermediate");
        tp_sb_put(&t.fix, " after the leaf.");
        tp_sb_free(&miss);
        emit(c, "missing-intermediate", TP_SEV_ERROR, &t);
    }
}

/* ------------------------------------------------------------------------ */
/* RFC 5280 §6.1 problems of the chosen path (x509/verify.c says which check
 * failed, on which certificate, imposed by which CA). */

/* The other paths the builder judged, for the explanation. */
static void put_tried(struct tp_sb *sb, const struct tp_verify_result *v)
{
    if (!v->n_tried)
        return;
    tp_sb_printf(sb, " Other paths tried (%zu judged in all): ", v->n_paths);
    for (size_t i = 0; i < v->n_tried; i++) {
        if (i)
            tp_sb_put(sb, "; ");
        tp_sb_put(sb, v->tried[i].text);
    }
    tp_sb_put(sb, ".");
}

static void r_path_problem(struct diag_ctx *c, const char *id)
{
    struct diag_chain chains[2];
    size_t n = collect_chains(c, chains);
    for (size_t k = 0; k < n; k++) {
        const struct tp_verify_result *v = chains[k].v;
        for (size_t p = 0; p < v->n_problems; p++) {
            if (strcmp(v->problems[p].id, id) != 0)
                continue;
            struct texts t;
            texts_init(&t);
            tp_sb_put(&t.sum, chain_owner(c, &chains[k]));
            tp_sb_put(&t.sum, " chain: ");
            const char *pt = v->problems[p].text;
            if (pt[0] == 'T' && pt[1] == 'h' && pt[2] == 'e' && pt[3] == ' ') { /* "The leaf" -> "the leaf" */
                tp_sb_putc(&t.sum, 't');
                pt++;
            }
            tp_sb_put(&t.sum, pt);
            tp_sb_putc(&t.sum, '.');
            put_generic_expl(&t.expl, id);
            put_tried(&t.expl, v);
            put_generic_fix(&t.fix, id);
            emit(c, id, TP_SEV_ERROR, &t);
            break; /* one finding per id and chain: the first problem names it */
        }
    }
}
static void r_name_constraint_violation(struct diag_ctx *c) { r_path_problem(c, "name-constraint-violation"); }
static void r_ca_not_authorized(struct diag_ctx *c) { r_path_problem(c, "ca-not-authorized"); }
static void r_path_length_exceeded(struct diag_ctx *c) { r_path_problem(c, "path-length-exceeded"); }
static void r_issuer_eku_mismatch(struct diag_ctx *c) { r_path_problem(c, "issuer-eku-mismatch"); }
static void r_unknown_critical_extension(struct diag_ctx *c) { r_path_problem(c, "unknown-critical-extension"); }
static void r_malformed_certificate(struct diag_ctx *c) { r_path_problem(c, "malformed-certificate"); }

static void r_path_building_limit(struct diag_ctx *c)
{
    struct diag_chain chains[2];
    size_t n = collect_chains(c, chains);
    for (size_t k = 0; k < n; k++) {
        const struct tp_verify_result *v = chains[k].v;
        if (!v->search_limited || v->valid)
            continue;
        struct texts t;
        texts_init(&t);
        tp_sb_put(&t.sum, chain_owner(c, &chains[k]));
        tp_sb_printf(&t.sum, " chain: path building stopped after %zu paths and %u signature checks without a valid "
                             "path.", v->n_paths, v->sig_checks);
        put_generic_expl(&t.expl, "path-building-limit");
        put_tried(&t.expl, v);
        put_generic_fix(&t.fix, "path-building-limit");
        emit(c, "path-building-limit", TP_SEV_ERROR, &t);
    }
}

static void r_chain_too_long(struct diag_ctx *c)
{
    struct diag_chain chains[2];
    size_t n = collect_chains(c, chains);
    for (size_t k = 0; k < n; k++) {
        const struct tp_verify_result *v = chains[k].v;
        if (!v->sent_truncated)
            continue;
        struct texts t;
        texts_init(&t);
        tp_sb_put(&t.sum, chain_owner(c, &chains[k]));
        tp_sb_printf(&t.sum, " chain holds %zu certificates; only the first %zu were considered as issuers.", v->n_sent,
                     v->n_used);
        put_generic_expl(&t.expl, "chain-too-long");
        put_generic_fix(&t.fix, "chain-too-long");
        emit(c, "chain-too-long", TP_SEV_WARNING, &t);
    }
}

/* The name the verify result checked. */
static void put_vname(struct tp_sb *sb, const struct tp_verify_result *v)
{
    tp_sb_putc(sb, '\'');
    tp_sb_put_escaped(sb, (const uint8_t *)v->name, strnlen(v->name, sizeof v->name));
    tp_sb_putc(sb, '\'');
}

/* Is the name checked an IP address (v4 or v6 literal)? */
static bool name_is_ip(const char *name)
{
    bool colon = false, alpha = false;
    if (!name[0])
        return false;
    for (const char *p = name; *p; p++) {
        if (*p == ':')
            colon = true;
        else if ((*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F'))
            alpha = true;
        else if (!((*p >= '0' && *p <= '9') || *p == '.'))
            return false;
    }
    return colon || !alpha;
}

static void r_hostname_mismatch(struct diag_ctx *c)
{
    struct diag_chain chains[2];
    size_t n = collect_chains(c, chains);
    for (size_t k = 0; k < n; k++) {
        const struct tp_verify_result *v = chains[k].v;
        if (chains[k].is_client || v->name_status != TP_NAME_MISMATCH)
            continue;
        const struct tp_cert_info *leaf = diag_leaf(&chains[k]);
        enum tp_severity sev = c->role == DIAG_SERVER ? TP_SEV_WARNING : TP_SEV_ERROR;
        struct texts t;
        texts_init(&t);
        tp_sb_put(&t.sum, chain_owner(c, &chains[k]));
        tp_sb_putc(&t.sum, ' ');
        diag_put_cert(&t.sum, leaf);
        tp_sb_put(&t.sum, " is valid for ");
        diag_put_sans(&t.sum, leaf);
        tp_sb_put(&t.sum, ", not for ");
        put_vname(&t.sum, v);
        tp_sb_putc(&t.sum, '.');
        if (c->role == DIAG_SERVER) {
            tp_sb_put(&t.expl, "The client asked for ");
            put_vname(&t.expl, v);
            tp_sb_put(&t.expl, " in its SNI and our certificate does not cover it: a verifying client will reject "
                               "it (clients that do not check names, or that connect by another name, still work). ");
        } else {
            tp_sb_put(&t.expl, "The client checks the name it connected to (");
            put_vname(&t.expl, v);
            tp_sb_put(&t.expl, ") against the certificate's subjectAltName entries and finds none that matches. "
                               "Go: 'x509: certificate is valid for ..., not ...'; curl (60) 'no alternative "
                               "certificate subject name matches'; Java 'No subject alternative DNS name matching'. ");
        }
        put_generic_expl(&t.expl, "hostname-mismatch");
        tp_sb_put(&t.fix, "Reissue the certificate with a subjectAltName for ");
        put_vname(&t.fix, v);
        if (name_is_ip(v->name)) {
            /* An IP address is matched only against IP SANs (RFC 6125 §6.2.1;
             * Go and browsers never try DNS names or the CN). */
            tp_sb_put(&t.fix, " (openssl req ... -addext 'subjectAltName=IP:");
            tp_sb_put_escaped(&t.fix, (const uint8_t *)v->name, strnlen(v->name, sizeof v->name));
            tp_sb_put(&t.fix, "'; an IP address needs an IP SAN: Go and browsers never match it against DNS names), "
                              "or use a name it covers (");
        } else {
            tp_sb_put(&t.fix, " (openssl req ... -addext 'subjectAltName=DNS:NAME'), or use a name it covers (");
        }
        diag_put_sans(&t.fix, leaf);
        tp_sb_put(&t.fix, "). With several sites on one address, check the server selects the certificate by SNI.");
        emit(c, "hostname-mismatch", sev, &t);
    }
}

static void r_cn_only(struct diag_ctx *c)
{
    struct diag_chain chains[2];
    size_t n = collect_chains(c, chains);
    for (size_t k = 0; k < n; k++) {
        const struct tp_verify_result *v = chains[k].v;
        if (chains[k].is_client)
            continue;
        const struct tp_cert_info *leaf = diag_leaf(&chains[k]);
        /* Only when a name is being checked: without one (check with no --host)
         * there is no name for the CN to stand in for. */
        if (v->name_status != TP_NAME_OK_CN_ONLY)
            continue;
        struct texts t;
        texts_init(&t);
        tp_sb_put(&t.sum, chain_owner(c, &chains[k]));
        tp_sb_putc(&t.sum, ' ');
        diag_put_cert(&t.sum, leaf);
        tp_sb_put(&t.sum, " has no subjectAltName");
        if (v->name_status == TP_NAME_OK_CN_ONLY) {
            tp_sb_put(&t.sum, ": only its Common Name matches ");
            put_vname(&t.sum, v);
        }
        tp_sb_putc(&t.sum, '.');
        put_generic_expl(&t.expl, "cn-only");
        tp_sb_put(&t.fix, "Reissue the certificate with a subjectAltName for each name (openssl req ... -addext "
                          "'subjectAltName=DNS:");
        const char *cn = leaf && leaf->subject_cn ? leaf->subject_cn : "NAME";
        tp_sb_put_escaped(&t.fix, (const uint8_t *)cn, strlen(cn));
        tp_sb_put(&t.fix, "').");
        emit(c, "cn-only", TP_SEV_ERROR, &t);
    }
}

/* "the leaf 'x'" / "the intermediate 'y'" / "the root 'z'" for path index i. */
static void put_path_role(struct tp_sb *sb, const struct tp_verify_result *v, int i)
{
    const struct tp_cert_info *ci = diag_path_cert(v, i);
    if (i == 0)
        tp_sb_put(sb, "the leaf ");
    else if ((size_t)i + 1 == v->path_len && ci && ci->self_signed)
        tp_sb_put(sb, "the root ");
    else
        tp_sb_put(sb, "the intermediate ");
    diag_put_cert(sb, ci);
}

static void put_when(struct tp_sb *sb, const struct diag_ctx *c)
{
    tp_sb_put(sb, c->role == DIAG_OBSERVER ? "the capture (" : "now (");
    diag_put_date(sb, c->now);
    tp_sb_putc(sb, ')');
}

static void r_dates(struct diag_ctx *c, const char *id)
{
    struct diag_chain chains[2];
    size_t n = collect_chains(c, chains);
    for (size_t k = 0; k < n; k++) {
        const struct tp_verify_result *v = chains[k].v;
        int idx;
        if (!strcmp(id, "expired"))
            idx = v->expired_index;
        else if (!strcmp(id, "not-yet-valid"))
            idx = v->not_yet_valid_index;
        else
            idx = v->expired_index >= 0 ? -1 : v->expiring_soon_index;
        const struct tp_cert_info *ci = diag_path_cert(v, idx);
        if (!ci)
            continue;
        struct texts t;
        texts_init(&t);
        long days = tp_cert_days_left(ci, c->now);
        tp_sb_put(&t.sum, chain_owner(c, &chains[k]));
        tp_sb_put(&t.sum, " chain: ");
        put_path_role(&t.sum, v, idx);
        if (!strcmp(id, "expired")) {
            tp_sb_put(&t.sum, " expired on ");
            diag_put_date(&t.sum, ci->not_after);
            tp_sb_printf(&t.sum, ", %ld day%s before ", -days, -days == 1 ? "" : "s");
            put_when(&t.sum, c);
            tp_sb_put(&t.sum, ".");
            put_generic_expl(&t.expl, "expired");
            if (idx > 0)
                tp_sb_put(&t.expl, " Here it is not the leaf but a CA certificate on the path: the server still "
                                   "serves an old intermediate, or the client's bundle has an expired root. ");
            tp_sb_put(&t.expl, " Go: 'x509: certificate has expired or is not yet valid'; curl/OpenSSL/Python: "
                               "'certificate has expired'; browsers: NET::ERR_CERT_DATE_INVALID.");
            if (idx == 0) {
                tp_sb_put(&t.fix, "Renew ");
                diag_put_cert(&t.fix, ci);
                tp_sb_put(&t.fix, " (it expired on ");
                diag_put_date(&t.fix, ci->not_after);
                tp_sb_put(&t.fix, ") and reload the server; automate renewal (ACME/certbot) and monitor with "
                                  "'tlsprobe check'.");
            } else {
                tp_sb_put(&t.fix, "Replace ");
                diag_put_cert(&t.fix, ci);
                tp_sb_put(&t.fix, " in the served chain with the CA's current intermediate (download the current "
                                  "chain from your CA), or reissue the leaf under a valid CA.");
            }
            emit(c, "expired", TP_SEV_ERROR, &t);
        } else if (!strcmp(id, "not-yet-valid")) {
            tp_sb_put(&t.sum, " is valid only from ");
            diag_put_date(&t.sum, ci->not_before);
            tp_sb_put(&t.sum, ", after ");
            put_when(&t.sum, c);
            tp_sb_putc(&t.sum, '.');
            put_generic_expl(&t.expl, "not-yet-valid");
            put_generic_fix(&t.fix, "not-yet-valid");
            emit(c, "not-yet-valid", TP_SEV_ERROR, &t);
        } else {
            tp_sb_put(&t.sum, " expires on ");
            diag_put_date(&t.sum, ci->not_after);
            tp_sb_printf(&t.sum, ", in %ld day%s.", days, days == 1 ? "" : "s");
            put_generic_expl(&t.expl, "expiring-soon");
            tp_sb_put(&t.fix, "Renew ");
            diag_put_cert(&t.fix, ci);
            tp_sb_put(&t.fix, " before ");
            diag_put_date(&t.fix, ci->not_after);
            tp_sb_put(&t.fix, " and reload the server; automate renewal (ACME/certbot renews 30 days ahead).");
            emit(c, "expiring-soon", TP_SEV_WARNING, &t);
        }
    }
}
static void r_expired(struct diag_ctx *c) { r_dates(c, "expired"); }
static void r_not_yet_valid(struct diag_ctx *c) { r_dates(c, "not-yet-valid"); }
static void r_expiring_soon(struct diag_ctx *c) { r_dates(c, "expiring-soon"); }

static void r_weak_key(struct diag_ctx *c)
{
    struct diag_chain chains[2];
    size_t n = collect_chains(c, chains);
    for (size_t k = 0; k < n; k++) {
        const struct tp_verify_result *v = chains[k].v;
        const struct tp_cert_info *ci = diag_path_cert(v, v->weak_key_index);
        if (!ci)
            continue;
        struct texts t;
        texts_init(&t);
        tp_sb_put(&t.sum, chain_owner(c, &chains[k]));
        tp_sb_put(&t.sum, " chain: ");
        put_path_role(&t.sum, v, v->weak_key_index);
        tp_sb_put(&t.sum, " has a weak ");
        tp_sb_put_escaped(&t.sum, (const uint8_t *)ci->key_desc, strnlen(ci->key_desc, sizeof ci->key_desc));
        tp_sb_put(&t.sum, " key (minimum: RSA 2048, EC 256).");
        put_generic_expl(&t.expl, "weak-key");
        tp_sb_put(&t.expl, " OpenSSL says 'ee key too small' / 'ca key too small'.");
        put_generic_fix(&t.fix, "weak-key");
        emit(c, "weak-key", TP_SEV_ERROR, &t);
    }
}

static void r_weak_signature(struct diag_ctx *c)
{
    struct diag_chain chains[2];
    size_t n = collect_chains(c, chains);
    for (size_t k = 0; k < n; k++) {
        const struct tp_verify_result *v = chains[k].v;
        const struct tp_cert_info *ci = diag_path_cert(v, v->weak_sig_index);
        if (!ci)
            continue;
        struct texts t;
        texts_init(&t);
        tp_sb_put(&t.sum, chain_owner(c, &chains[k]));
        tp_sb_put(&t.sum, " chain: ");
        put_path_role(&t.sum, v, v->weak_sig_index);
        tp_sb_put(&t.sum, " is signed with ");
        tp_sb_put_escaped(&t.sum, (const uint8_t *)ci->sig_alg, strnlen(ci->sig_alg, sizeof ci->sig_alg));
        tp_sb_put(&t.sum, ".");
        put_generic_expl(&t.expl, "weak-signature");
        tp_sb_put(&t.expl, " Go: 'x509: cannot verify signature: insecure algorithm'; OpenSSL: 'ca md too weak'; "
                           "browsers: NET::ERR_CERT_WEAK_SIGNATURE_ALGORITHM.");
        put_generic_fix(&t.fix, "weak-signature");
        emit(c, "weak-signature", TP_SEV_ERROR, &t);
    }
}

static void r_wrong_key_usage(struct diag_ctx *c)
{
    struct diag_chain chains[2];
    size_t n = collect_chains(c, chains);
    for (size_t k = 0; k < n; k++) {
        const struct tp_verify_result *v = chains[k].v;
        const struct tp_cert_info *leaf = diag_leaf(&chains[k]);
        if (!leaf || v->status == TP_PATH_EMPTY || (v->leaf_ku_ok && v->leaf_eku_ok))
            continue;
        const char *want = chains[k].is_client ? "clientAuth" : "serverAuth";
        struct texts t;
        texts_init(&t);
        tp_sb_put(&t.sum, chain_owner(c, &chains[k]));
        tp_sb_putc(&t.sum, ' ');
        diag_put_cert(&t.sum, leaf);
        if (!v->leaf_eku_ok)
            tp_sb_printf(&t.sum, " has an extendedKeyUsage without %s", want);
        else
            tp_sb_put(&t.sum, " has a keyUsage without digitalSignature or keyEncipherment");
        tp_sb_put(&t.sum, ": it is not allowed for this use.");
        if (!v->leaf_eku_ok && leaf->has_ext_key_usage) {
            tp_sb_put(&t.expl, "Its extendedKeyUsage allows:");
            static const struct { unsigned bit; const char *name; } ekus[] = {
                { TP_EKU_SERVER_AUTH, "serverAuth" }, { TP_EKU_CLIENT_AUTH, "clientAuth" },
                { TP_EKU_CODE_SIGNING, "codeSigning" }, { TP_EKU_EMAIL, "emailProtection" },
                { TP_EKU_TIME_STAMPING, "timeStamping" }, { TP_EKU_OCSP_SIGNING, "OCSPSigning" },
            };
            bool any = false;
            for (size_t e = 0; e < sizeof ekus / sizeof ekus[0]; e++)
                if (leaf->ext_key_usage & ekus[e].bit) {
                    tp_sb_printf(&t.expl, "%s %s", any ? "," : "", ekus[e].name);
                    any = true;
                }
            if (!any)
                tp_sb_put(&t.expl, " (nothing we know)");
            tp_sb_put(&t.expl, ". ");
        }
        put_generic_expl(&t.expl, "wrong-key-usage");
        tp_sb_printf(&t.fix, "Reissue with extendedKeyUsage %s and keyUsage digitalSignature (openssl req ... -addext "
                             "'extendedKeyUsage=%s' -addext 'keyUsage=digitalSignature,keyEncipherment').",
                     want, want);
        emit(c, "wrong-key-usage", TP_SEV_ERROR, &t);
    }
}

/* Wire evidence (issue 16): the handshake signature a side sent does not verify
 * with the key of the certificate it sent. Our own side's is never judged. */
static void key_mismatch_on_wire(struct diag_ctx *c)
{
    struct tp_session *s = c->s;
    for (int d = 0; d < 2; d++) {
        if ((c->role == DIAG_CLIENT && d == TP_C2S) || (c->role == DIAG_SERVER && d == TP_S2C))
            continue;
        if (tp_session_check_signature(s, (enum tp_dir)d) != TP_SIG_BAD)
            continue;
        const struct tp_chain *ch = d == TP_S2C ? &s->server_chain : &s->client_chain;
        bool tls12_ske = s->version == TP_TLS1_2 && d == TP_S2C;
        struct texts t;
        texts_init(&t);
        tp_sb_put(&t.sum, diag_Who(c, d));
        tp_sb_printf(&t.sum, "'s %s signature does not verify with the public key of the certificate it sent",
                     tls12_ske ? "ServerKeyExchange" : "CertificateVerify");
        if (ch->n && ch->info[0]) {
            tp_sb_put(&t.sum, " (");
            diag_put_cert(&t.sum, ch->info[0]);
            tp_sb_putc(&t.sum, ')');
        }
        tp_sb_put(&t.sum, ": its private key does not belong to its certificate.");
        tp_sb_put(&t.expl, "tlsprobe rebuilt what was signed from the handshake messages and checked the "
                           "signature with the certificate's key: it does not verify. The side holds a key from "
                           "another issuance (a renewed certificate with the old key, files from two servers, a "
                           "hand-built tls.Certificate in Go); its peer answers with decrypt_error or hangs up. ");
        put_generic_expl(&t.expl, "key-mismatch");
        tp_sb_put(&t.fix, "Load the key that belongs to the certificate: 'tlsprobe check --chain cert.pem --key "
                          "key.pem' compares them (or openssl x509 -pubkey vs openssl pkey -pubout). Go: build the "
                          "tls.Certificate with tls.LoadX509KeyPair / X509KeyPair, which refuse a key that does not "
                          "match.");
        emit(c, "key-mismatch", TP_SEV_ERROR, &t);
        /* The hang-up or alert that follows is this, not connection-reset. */
        c->close_explained = true;
        for (size_t i = 0; i < s->n_msgs; i++)
            if (s->msgs[i].kind == TP_MSG_ALERT && s->msgs[i].alert_desc == 51)
                c->alert_explained[i] = true;
    }
}

static void r_key_mismatch(struct diag_ctx *c)
{
    const struct tp_check_facts *cf = c->check;
    if (c->role != DIAG_CHECK) {
        key_mismatch_on_wire(c);
        return;
    }
    if (!cf || !cf->key_path || cf->key_matches)
        return;
    const struct tp_session *s = c->s;
    const struct tp_cert_info *leaf = diag_path_cert(s->server_verify, 0);
    if (!leaf && s->server_chain.n)
        leaf = s->server_chain.info[0];
    struct texts t;
    texts_init(&t);
    tp_sb_put(&t.sum, "The key in ");
    tp_sb_put_escaped(&t.sum, (const uint8_t *)cf->key_path, strlen(cf->key_path));
    tp_sb_put(&t.sum, " does not belong to the leaf ");
    diag_put_cert(&t.sum, leaf);
    tp_sb_putc(&t.sum, '.');
    if (cf->key_matches_index >= 0 && (size_t)cf->key_matches_index < s->server_chain.n) {
        tp_sb_printf(&t.expl, "It is the key of certificate #%d ", cf->key_matches_index);
        diag_put_cert(&t.expl, s->server_chain.info[cf->key_matches_index]);
        tp_sb_put(&t.expl, " in the chain file, not of the leaf: the key and certificate files are mixed up. ");
    }
    put_generic_expl(&t.expl, "key-mismatch");
    put_generic_fix(&t.fix, "key-mismatch");
    emit(c, "key-mismatch", TP_SEV_ERROR, &t);
}

static bool idx_is_extra(const struct tp_verify_result *v, int idx)
{
    for (size_t i = 0; i < v->n_extra && i < TP_MAX_CHAIN_CERTS; i++)
        if (v->extra_index[i] == idx)
            return true;
    return false;
}

static void r_chain_order(struct diag_ctx *c)
{
    struct diag_chain chains[2];
    size_t n = collect_chains(c, chains);
    for (size_t k = 0; k < n; k++) {
        const struct tp_verify_result *v = chains[k].v;
        int m = v->misordered_index;
        if (v->order_ok || m < 0 || (size_t)m + 1 >= chains[k].sent->n)
            continue;
        /* An extra certificate at the end is extra-certificates, not an order problem. */
        if (idx_is_extra(v, m) || idx_is_extra(v, m + 1))
            continue;
        struct texts t;
        texts_init(&t);
        tp_sb_put(&t.sum, chain_owner(c, &chains[k]));
        tp_sb_printf(&t.sum, " chain is out of order: #%d ", m + 1);
        diag_put_cert(&t.sum, chains[k].sent->info[m + 1]);
        tp_sb_printf(&t.sum, " is not the issuer of #%d ", m);
        diag_put_cert(&t.sum, chains[k].sent->info[m]);
        tp_sb_putc(&t.sum, '.');
        put_sent_intro(&t.expl, c, &chains[k]);
        put_generic_expl(&t.expl, "chain-order");
        put_generic_fix(&t.fix, "chain-order");
        emit(c, "chain-order", TP_SEV_WARNING, &t);
    }
}

static void r_chain_contains_root(struct diag_ctx *c)
{
    struct diag_chain chains[2];
    size_t n = collect_chains(c, chains);
    for (size_t k = 0; k < n; k++) {
        const struct tp_verify_result *v = chains[k].v;
        /* An untrusted root sent along is unknown-authority's business; a lone
         * self-signed leaf is self-signed's. */
        if (!v->root_sent || (v->status != TP_PATH_OK && v->status != TP_PATH_MISSING_INTERMEDIATE))
            continue;
        const struct tp_cert_info *root = NULL;
        for (size_t i = 1; i < chains[k].sent->n; i++)
            if (chains[k].sent->info[i] && chains[k].sent->info[i]->self_signed)
                root = chains[k].sent->info[i];
        if (!root)
            continue; /* nothing sent after the leaf is a root */
        struct texts t;
        texts_init(&t);
        tp_sb_put(&t.sum, chain_owner(c, &chains[k]));
        tp_sb_put(&t.sum, " chain includes the root ");
        diag_put_cert(&t.sum, root);
        tp_sb_putc(&t.sum, '.');
        put_sent_intro(&t.expl, c, &chains[k]);
        put_generic_expl(&t.expl, "chain-contains-root");
        put_generic_fix(&t.fix, "chain-contains-root");
        emit(c, "chain-contains-root", TP_SEV_WARNING, &t);
    }
}

static void r_extra_certificates(struct diag_ctx *c)
{
    struct diag_chain chains[2];
    size_t n = collect_chains(c, chains);
    for (size_t k = 0; k < n; k++) {
        const struct tp_verify_result *v = chains[k].v;
        if (!v->n_extra)
            continue;
        struct texts t;
        texts_init(&t);
        tp_sb_put(&t.sum, chain_owner(c, &chains[k]));
        tp_sb_printf(&t.sum, " chain holds %zu certificate%s not on the path: ", v->n_extra, v->n_extra == 1 ? "" : "s");
        for (size_t i = 0; i < v->n_extra && i < TP_MAX_CHAIN_CERTS; i++) {
            int x = v->extra_index[i];
            if (i)
                tp_sb_put(&t.sum, ", ");
            tp_sb_printf(&t.sum, "#%d ", x);
            if (x >= 0 && (size_t)x < chains[k].sent->n)
                diag_put_cert(&t.sum, chains[k].sent->info[x]);
        }
        tp_sb_putc(&t.sum, '.');
        put_sent_intro(&t.expl, c, &chains[k]);
        put_generic_expl(&t.expl, "extra-certificates");
        put_generic_fix(&t.fix, "extra-certificates");
        emit(c, "extra-certificates", TP_SEV_WARNING, &t);
    }
}

/* ------------------------------------------------------------------------ */

static void r_deprecated_version(struct diag_ctx *c)
{
    struct tp_session *s = c->s;
    if (c->version_explained || c->role == DIAG_CHECK)
        return;
    bool negotiated = s->version && s->version < TP_TLS1_2;
    bool offered = !s->version && s->offered_max_version && s->offered_max_version < TP_TLS1_2 &&
                   c->role != DIAG_CLIENT;
    if (!negotiated && !offered)
        return;
    struct texts t;
    texts_init(&t);
    if (negotiated) {
        tp_sb_put(&t.sum, "The connection uses ");
        put_version(&t.sum, s->version);
        tp_sb_put(&t.sum, ", which is deprecated");
        if (s->offered_max_version >= TP_TLS1_2) {
            tp_sb_put(&t.sum, " (the client offered up to ");
            put_version(&t.sum, s->offered_max_version);
            tp_sb_put(&t.sum, ": the server supports nothing newer)");
        }
        tp_sb_putc(&t.sum, '.');
    } else {
        tp_sb_put(&t.sum, "The client offers at most ");
        put_version(&t.sum, s->offered_max_version);
        tp_sb_put(&t.sum, ", which is deprecated.");
    }
    put_generic_expl(&t.expl, "deprecated-version");
    put_generic_fix(&t.fix, "deprecated-version");
    emit(c, "deprecated-version", TP_SEV_WARNING, &t);
}

static bool peer_alert(const struct diag_ctx *c, const struct tp_msg *m)
{
    int peer = diag_peer_dir(c);
    return peer < 0 || (int)m->dir == peer;
}

static bool benign_alert(const struct tp_msg *m)
{
    /* close_notify, user_canceled, no_renegotiation at warning level: normal life. */
    return m->alert_desc == 0 || (m->alert_level == 1 && (m->alert_desc == 90 || m->alert_desc == 100));
}

static void r_connection_reset(struct diag_ctx *c)
{
    struct tp_session *s = c->s;
    if (c->close_explained || s->handshake_complete)
        return;
    if (s->outcome.status != TP_CONN_RESET && s->outcome.status != TP_CONN_CLOSED)
        return;
    /* A client that connected and closed without a byte is a TCP probe or a load
     * balancer's health check, not a failed handshake: no finding (listen's
     * header and summary count it as a probe). */
    if (c->role == DIAG_SERVER && s->n_msgs == 0 && s->decode[TP_C2S].bytes == 0)
        return;
    /* An alert from the peer before the close explains it (remote-alert). */
    for (size_t i = 0; i < s->n_msgs; i++)
        if (s->msgs[i].kind == TP_MSG_ALERT && peer_alert(c, &s->msgs[i]) && !benign_alert(&s->msgs[i]))
            return;
    int peer = c->role == DIAG_SERVER ? TP_C2S : TP_S2C;
    int me = peer == TP_C2S ? TP_S2C : TP_C2S;
    struct texts t;
    texts_init(&t);
    tp_sb_put(&t.sum, diag_Who(c, peer));
    tp_sb_put(&t.sum, s->outcome.status == TP_CONN_RESET ? " reset the connection" : " closed the connection");
    int last = diag_prev_from(s, s->n_msgs, me);
    if (last >= 0) {
        tp_sb_put(&t.sum, " right after ");
        tp_sb_put(&t.sum, (c->role == DIAG_CLIENT || c->role == DIAG_SERVER) ? "our " : (me == TP_C2S ? "the client's " : "the server's "));
        diag_put_msg(&t.sum, &s->msgs[last]);
    }
    tp_sb_put(&t.sum, ", without an alert, before the handshake finished.");
    if (last >= 0 && s->msgs[last].kind == TP_MSG_HANDSHAKE && s->msgs[last].hs_type == TP_HS_CLIENT_HELLO &&
        peer == TP_S2C)
        tp_sb_put(&t.expl, "A server that hangs up on the ClientHello did not like something in it: the versions "
                           "(an old TLS 1.0-only server, or a TLS 1.3-only one), the SNI name (unknown to it, or "
                           "required and absent), or a firewall/IPS blocked it. ");
    else if (peer == TP_C2S)
        tp_sb_put(&t.expl, "A client that hangs up after the server's certificate without an alert usually "
                           "rejected the certificate silently (some stacks do not send alerts; a user closing a "
                           "browser warning does the same). ");
    put_generic_expl(&t.expl, "connection-reset");
    if (s->outcome.detail[0]) {
        tp_sb_put(&t.expl, " (");
        tp_sb_put_escaped(&t.expl, (const uint8_t *)s->outcome.detail, strnlen(s->outcome.detail, sizeof s->outcome.detail));
        tp_sb_putc(&t.expl, ')');
    }
    put_generic_fix(&t.fix, "connection-reset");
    emit(c, "connection-reset", TP_SEV_ERROR, &t);
    c->close_explained = true;
}

static bool any_error_finding(const struct tp_session *s)
{
    for (size_t i = 0; i < s->n_findings; i++)
        if (s->findings[i].severity == TP_SEV_ERROR)
            return true;
    return false;
}

static void r_remote_alert(struct diag_ctx *c)
{
    struct tp_session *s = c->s;
    size_t emitted = 0;
    bool had_error = any_error_finding(s);
    for (size_t i = 0; i < s->n_msgs && emitted < 3; i++) {
        const struct tp_msg *a = &s->msgs[i];
        if (a->kind != TP_MSG_ALERT || c->alert_explained[i] || benign_alert(a))
            continue;
        bool fatal = a->alert_level != 1;
        /* Our own alerts: only when nothing else explains the failure. */
        if (!peer_alert(c, a) && (had_error || !fatal))
            continue;
        struct texts t;
        texts_init(&t);
        const char *meaning = tp_alert_meaning(a->alert_desc);
        tp_sb_put(&t.sum, diag_Who(c, (int)a->dir));
        tp_sb_put(&t.sum, fatal ? " sent fatal alert " : " sent warning alert ");
        diag_put_alert(&t.sum, a->alert_desc);
        tp_sb_putc(&t.sum, ' ');
        put_after(&t.sum, c, i);
        tp_sb_putc(&t.sum, '.');
        if (meaning) {
            tp_sb_put(&t.expl, tp_name_alert(a->alert_desc) ? tp_name_alert(a->alert_desc) : "This alert");
            tp_sb_put(&t.expl, ": ");
            tp_sb_put(&t.expl, meaning);
            tp_sb_put(&t.expl, " ");
        }
        put_generic_expl(&t.expl, "remote-alert");
        put_generic_fix(&t.fix, "remote-alert");
        emit(c, "remote-alert", fatal ? TP_SEV_ERROR : TP_SEV_WARNING, &t);
        c->alert_explained[i] = true;
        emitted++;
        had_error = had_error || fatal;
    }
}

/* The peer's direction with a decode issue (the peer's first; observer: either). */
static int issue_dir(const struct diag_ctx *c)
{
    int peer = diag_peer_dir(c);
    if (peer >= 0)
        return c->s->decode[peer].issue != TP_DEC_NONE ? peer : -1;
    for (int d = 0; d < 2; d++)
        if (c->s->decode[d].issue != TP_DEC_NONE)
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

static void r_handshake_failed(struct diag_ctx *c)
{
    struct tp_session *s = c->s;
    if (c->close_explained || s->outcome.status != TP_CONN_TLS_FAILED || any_error_finding(s))
        return;
    int peer = diag_peer_dir(c) >= 0 ? diag_peer_dir(c) : TP_S2C;
    int d = issue_dir(c);
    const char *who = d >= 0 ? diag_Who(c, d) : diag_Who(c, peer);
    const struct tp_decode_facts *df = d >= 0 ? &s->decode[d] : NULL;
    struct texts t;
    texts_init(&t);
    if (df && df->issue == TP_DEC_RECORD_TOO_LONG) {
        tp_sb_printf(&t.sum, "%s sent a TLS record claiming %u bytes; TLS allows at most 16,384 + 2,048.", who,
                     (unsigned)df->claimed_len);
        tp_sb_printf(&t.expl, "The record header at byte %llu of that direction claims a length no TLS "
                              "implementation may send (RFC 8446 §5.1, §5.2): the peer is not a correct TLS "
                              "implementation or the bytes are corrupted. ",
                     (unsigned long long)df->offset);
    } else if (df && df->issue == TP_DEC_HS_TOO_LARGE) {
        const char *ty = tp_name_hs_type(df->hs_type);
        tp_sb_printf(&t.sum, "%s sent a %s handshake message claiming %u bytes (%.1f MiB), over our limit of %u "
                             "KiB for one message.",
                     who, ty ? ty : "handshake", (unsigned)df->claimed_len, df->claimed_len / 1048576.0,
                     (unsigned)(TP_MAX_HANDSHAKE_MSG / 1024));
        const struct tp_chain *ch = d == TP_S2C ? &s->server_chain : &s->client_chain;
        if (df->hs_type == TP_HS_CERTIFICATE && ch->n_total > 0)
            tp_sb_printf(&t.expl, "It carried %zu certificate%s (%u bytes): no real chain is that large (a "
                                  "normal chain is 2-4 certificates, a few KiB). ",
                         ch->n_total, ch->n_total == 1 ? "" : "s", (unsigned)df->claimed_len);
        else if (df->hs_type == TP_HS_CERTIFICATE)
            tp_sb_put(&t.expl, "A normal certificate chain is 2-4 certificates, a few KiB; one this large is a "
                               "hostile or broken peer (thousands of certificates or a giant certificate). ");
        else
            tp_sb_put(&t.expl, "No handshake message of a correct peer comes near this size. ");
    } else if (df && (df->issue == TP_DEC_BAD_RECORD || df->issue == TP_DEC_BAD_MESSAGE)) {
        tp_sb_printf(&t.sum, "%s sent bytes that do not parse as TLS (%s at byte %llu of its stream).", who,
                     tp_decode_issue_name(df->issue), (unsigned long long)df->offset);
    } else if (count_hs_from(s, peer, TP_HS_HELLO_REQUEST) > 0) {
        size_t n = count_hs_from(s, peer, TP_HS_HELLO_REQUEST);
        tp_sb_printf(&t.sum, "%s sent %zu HelloRequest message%s in the middle of the handshake.", diag_Who(c, peer), n,
                     n == 1 ? "" : "s");
        tp_sb_put(&t.expl, "A server may send HelloRequest only to ask for a new handshake, never during one "
                           "(RFC 5246 §7.4.1.1); our TLS library ended the handshake on them. ");
    } else if (s->decode[peer].records > 0 &&
               s->decode[peer].bytes < s->decode[peer].records * 10) {
        tp_sb_printf(&t.sum, "%s split its handshake into %llu tiny records; our TLS library (wolfSSL) could not "
                             "parse them.",
                     diag_Who(c, peer), (unsigned long long)s->decode[peer].records);
        tp_sb_put(&t.expl, "TLS allows a handshake message, even its 4-byte header, to be split across records "
                           "(RFC 8446 §5.1), and tlsprobe's own decoder reassembled the messages shown above; "
                           "the wolfSSL version the probe uses cannot parse a handshake header split across "
                           "records. This is a limitation of the probe's TLS library, but real clients built on "
                           "such libraries fail the same way, and no common TLS stack splits records like this: "
                           "it is reported as an error. ");
    } else {
        tp_sb_put(&t.sum, "The TLS handshake failed without an alert");
        if (s->outcome.detail[0]) {
            tp_sb_put(&t.sum, ": ");
            tp_sb_put_escaped(&t.sum, (const uint8_t *)s->outcome.detail,
                              strnlen(s->outcome.detail, sizeof s->outcome.detail));
        }
        tp_sb_putc(&t.sum, '.');
    }
    put_generic_expl(&t.expl, "handshake-failed");
    if (s->outcome.detail[0]) {
        tp_sb_put(&t.expl, " (Our TLS library said: ");
        tp_sb_put_escaped(&t.expl, (const uint8_t *)s->outcome.detail,
                          strnlen(s->outcome.detail, sizeof s->outcome.detail));
        tp_sb_put(&t.expl, ".)");
    }
    put_generic_fix(&t.fix, "handshake-failed");
    emit(c, "handshake-failed", TP_SEV_ERROR, &t);
    c->close_explained = true;
}

/* The checks, parallel to rule_table. */
typedef void (*rule_fn)(struct diag_ctx *);
static const rule_fn rule_fns[] = {
    r_name_resolution, r_connection_refused, r_timeout, r_not_tls,
    r_protocol_version, r_no_shared_cipher, r_client_cert_required, r_client_cert_rejected,
    r_server_cert_rejected, r_unknown_authority, r_self_signed, r_missing_intermediate,
    r_name_constraint_violation, r_ca_not_authorized, r_path_length_exceeded, r_issuer_eku_mismatch,
    r_unknown_critical_extension, r_malformed_certificate, r_path_building_limit, r_chain_too_long,
    r_hostname_mismatch, r_cn_only, r_expired, r_not_yet_valid, r_expiring_soon,
    r_weak_key, r_weak_signature, r_wrong_key_usage, r_key_mismatch, r_chain_order,
    r_chain_contains_root, r_extra_certificates, r_deprecated_version, r_connection_reset,
    r_remote_alert, r_handshake_failed,
};
_Static_assert(sizeof rule_fns / sizeof rule_fns[0] == N_RULES, "one function per rule");

void diag_run_rules(struct diag_ctx *c)
{
    for (size_t i = 0; i < N_RULES; i++)
        rule_fns[i](c);
}
