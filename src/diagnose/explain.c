/* explain: error texts as real TLS stacks print them -> the same finding ids.
 *
 * A data table of patterns on the stable part of each message. Matching is
 * case-insensitive, '_' counts as a space (so OpenSSL reason texts, Python's
 * [SSL: CODE] and Node's ERR_SSL_CODE forms meet), runs of white space count as
 * one, '*' matches any text, '<' and '>' assert a word boundary (for numeric
 * codes such as wolfSSL's -188). A pattern matches anywhere in the text. The
 * first matching entry wins: specific entries come before generic ones.
 * Matching is a glob with one backtrack point: linear-ish, no recursion, safe on
 * hostile input (tests/fuzz/fuzz_explain.c). */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "tlsprobe/diagnose.h"
#include "tlsprobe/limits.h"

#define P(stack, pat, id, note) { stack, pat, id, note }

static const char N_GO_UNKNOWN[] =
    "Go found no path from the server's certificate to a root in its pool. It says this both when the root is "
    "not trusted and when the server did not send an intermediate (or sent a self-signed certificate): "
    "'tlsprobe connect' tells these apart.";
static const char N_OSSL_20[] =
    "OpenSSL could not find the issuer of the last certificate it had in its trust store (X509_V_ERR 20). Either "
    "the root is not trusted, or the server did not send the intermediate: 'tlsprobe connect' tells them apart.";
static const char N_OSSL_21[] =
    "OpenSSL (X509_V_ERR 21) had only the leaf and could not find its issuer: the server almost certainly does not "
    "send its intermediate certificate.";
static const char N_SELF_IN_CHAIN[] =
    "The chain ends in a self-signed root that the client does not trust (it was sent along, but a root is only "
    "trusted when the client already has it).";
static const char N_SELF[] = "The leaf certificate is self-signed (depth 0) and not trusted.";
static const char N_EXPIRED[] = "A certificate in the chain is past its notAfter date (or the client's clock is wrong).";
static const char N_NOTYET[] = "A certificate's notBefore date is in the future (or the client's clock is behind).";
static const char N_HOST[] = "No subjectAltName of the certificate matches the name the client connected to.";
static const char N_ALERT_HF[] =
    "The peer sent handshake_failure. Right after the ClientHello it means no common cipher suite, group or "
    "signature algorithm; in TLS 1.2 it is also how servers refuse a missing client certificate.";
static const char N_ALERT_BADCERT_C[] =
    "The peer sent bad_certificate. Seen by a client: the server rejected our client certificate (mTLS). Seen in a "
    "server's log: the client rejected the server's certificate.";
static const char N_ALERT_UNKNOWNCA_C[] =
    "The peer sent unknown_ca. Seen by a client: the server does not trust the CA of our client certificate. Seen "
    "in a server's log: the client does not trust the server's chain.";
static const char N_ALERT_PV[] = "The peer sent protocol_version: no TLS version in common.";
static const char N_ALERT_CR[] = "The server sent certificate_required (TLS 1.3): it needs a client certificate and got none.";
static const char N_WRONGVER[] =
    "The bytes that came back are not a TLS record: usually plain HTTP (or another protocol) on the port, or a "
    "proxy answering in clear text.";
static const char N_EOF[] = "The peer closed the connection in the middle of the handshake without an alert.";
static const char N_REFUSED[] = "The TCP connection was refused: nothing listens on that address and port.";
static const char N_DNS[] = "The host name did not resolve.";
static const char N_TIMEOUT[] = "The connection or the handshake did not complete in time.";
static const char N_RESET[] = "The peer reset the TCP connection.";
static const char N_KEY[] = "The private key does not belong to the certificate.";

static const struct tp_explain_pattern patterns[] = {
    /* ---- Go (crypto/tls, crypto/x509) ---- */
    P("Go", "certificate relies on legacy common name field", "cn-only",
      "Go >= 1.15 ignores the Common Name; the certificate has no subjectAltName for the name."),
    P("Go", "x509: certificate is valid for *, not ", "hostname-mismatch",
      "Go lists the names the certificate holds, then the name it wanted."),
    P("Go", "x509: certificate is not valid for any names", "hostname-mismatch",
      "The certificate has no subjectAltName that could match the name Go wanted."),
    P("Go", "x509: cannot validate certificate for * because it doesn't contain any ip sans", "hostname-mismatch",
      "Go connected to an IP address and the certificate has no IP subjectAltName."),
    P("Go", "x509: certificate has expired or is not yet valid: current time * is before", "not-yet-valid", N_NOTYET),
    P("Go", "x509: certificate has expired or is not yet valid", "expired", N_EXPIRED),
    P("Go", "x509: certificate signed by unknown authority", "unknown-authority", N_GO_UNKNOWN),
    P("Go", "x509: certificate specifies an incompatible key usage", "wrong-key-usage",
      "The leaf's extendedKeyUsage does not include serverAuth (or clientAuth for a client certificate)."),
    P("Go", "x509: cannot verify signature: insecure algorithm", "weak-signature",
      "A certificate is signed with SHA-1 or MD5, which Go >= 1.18 rejects."),
    P("Go", "tls: private key does not match public key", "key-mismatch", N_KEY),
    P("Go", "tls: client didn't provide a certificate", "client-cert-required",
      "A Go server requires a client certificate and the client sent none."),
    P("Go", "remote error: tls: certificate required", "client-cert-required", N_ALERT_CR),
    P("Go", "tls handshake error from *remote error: tls: bad certificate", "server-cert-rejected",
      "In a Go server's log: the client rejected the server's certificate with bad_certificate."),
    P("Go", "tls handshake error from *remote error: tls: unknown certificate authority", "server-cert-rejected",
      "In a Go server's log: the client does not trust the server's chain (unknown_ca)."),
    P("Go", "remote error: tls: bad certificate", "client-cert-rejected", N_ALERT_BADCERT_C),
    P("Go", "remote error: tls: unknown certificate authority", "client-cert-rejected", N_ALERT_UNKNOWNCA_C),
    P("Go", "remote error: tls: expired certificate", "client-cert-rejected",
      "The peer says the certificate it got (our client certificate, seen from a client) has expired."),
    P("Go", "remote error: tls: handshake failure", "no-shared-cipher", N_ALERT_HF),
    P("Go", "remote error: tls: protocol version not supported", "protocol-version-mismatch", N_ALERT_PV),
    P("Go", "tls: first record does not look like a tls handshake", "not-tls", N_WRONGVER),
    P("Go", "tls: server selected unsupported protocol version", "protocol-version-mismatch",
      "The server picked a version Go does not accept (TLS 1.0/1.1 are off by default since Go 1.18)."),
    P("Go", "tls: client offered only unsupported versions", "protocol-version-mismatch",
      "A Go server got a ClientHello with only versions it does not accept."),
    P("Go", "tls: no cipher suite supported by both client and server", "no-shared-cipher",
      "A Go server found no cipher suite in common with the client."),
    P("Go", "remote error: tls: ", "remote-alert", "The peer sent the TLS alert named after 'remote error: tls:'."),
    P("Go", "dial tcp: lookup * no such host", "name-resolution", N_DNS),

    /* ---- curl ---- */
    P("curl", "curl: (6) could not resolve host", "name-resolution", N_DNS),
    P("curl", "curl: (7) failed to connect to *connection refused", "connection-refused", N_REFUSED),
    P("curl", "curl: (28) *timed out", "timeout", N_TIMEOUT),
    P("curl", "ssl: no alternative certificate subject name matches target host name", "hostname-mismatch",
      "curl found no subjectAltName matching the host in the URL."),
    P("curl", "ssl: certificate subject name * does not match target host", "hostname-mismatch",
      "curl fell back to the Common Name (the certificate has no subjectAltName) and it does not match."),
    P("curl", "ssl certificate problem: unable to get local issuer certificate", "unknown-authority", N_OSSL_20),
    P("curl", "curl: (35) *ssl_error_syscall", "connection-reset",
      "The server closed or reset the connection during the handshake without an alert."),
    P("curl", "curl: (58) unable to set private key file", "key-mismatch",
      "curl could not use the --key with the --cert: usually a key that does not belong to the certificate."),
    P("curl", "server certificate verification failed", "unknown-authority",
      "curl built with GnuTLS could not verify the server's chain against its CA file."),

    /* ---- Java (JSSE) ---- */
    P("Java", "unable to find valid certification path to requested target", "unknown-authority",
      "Java's PKIX validator found no path to a root in its truststore (cacerts): the root is not trusted or the "
      "server does not send its intermediate."),
    P("Java", "pkix path building failed", "unknown-authority",
      "Java could not build a path to a trusted root (truststore lacks the CA, or an intermediate is missing)."),
    P("Java", "pkix path validation failed*validity check failed", "expired", N_EXPIRED),
    P("Java", "certificateexpiredexception", "expired", N_EXPIRED),
    P("Java", "certificatenotyetvalidexception", "not-yet-valid", N_NOTYET),
    P("Java", "no subject alternative dns name matching * found", "hostname-mismatch", N_HOST),
    P("Java", "no subject alternative names matching ip address * found", "hostname-mismatch",
      "Java connected to an IP address and the certificate has no matching IP subjectAltName."),
    P("Java", "no subject alternative names present", "hostname-mismatch",
      "The certificate has no subjectAltName at all (Java will not use the CN for IP addresses)."),
    P("Java", "no name matching * found", "hostname-mismatch", N_HOST),
    P("Java", "received fatal alert: handshake failure", "no-shared-cipher", N_ALERT_HF),
    P("Java", "received fatal alert: bad certificate", "client-cert-rejected", N_ALERT_BADCERT_C),
    P("Java", "received fatal alert: certificate unknown", "server-cert-rejected",
      "The peer sent certificate_unknown. In a Java server's log: the client did not accept the server's "
      "certificate. Seen by a client: the server did not accept our client certificate."),
    P("Java", "received fatal alert: unknown ca", "client-cert-rejected", N_ALERT_UNKNOWNCA_C),
    P("Java", "received fatal alert: certificate expired", "client-cert-rejected",
      "The peer says the certificate it got has expired (seen by a client: our client certificate)."),
    P("Java", "received fatal alert: protocol version", "protocol-version-mismatch", N_ALERT_PV),
    P("Java", "received fatal alert: certificate required", "client-cert-required", N_ALERT_CR),
    P("Java", "received fatal alert: ", "remote-alert", "The peer sent the TLS alert named after 'Received fatal alert:'."),
    P("Java", "no appropriate protocol", "protocol-version-mismatch",
      "Java has no enabled protocol version (or suite) usable with the peer: TLS 1.0/1.1 are disabled in "
      "java.security (jdk.tls.disabledAlgorithms) since Java 8u291/11.0.11."),
    P("Java", "the server selected protocol version * is not accepted by client preferences", "protocol-version-mismatch",
      "The server chose a version (often TLS10/TLS11) the Java client has disabled."),
    P("Java", "client requested protocol * is not enabled or supported in server context", "protocol-version-mismatch",
      "A Java server got a ClientHello for a version it has disabled."),
    P("Java", "no cipher suites in common", "no-shared-cipher", "A Java server found no cipher suite in common with the client."),
    P("Java", "unsupported or unrecognized ssl message", "not-tls", N_WRONGVER),
    P("Java", "remote host terminated the handshake", "connection-reset", N_EOF),
    P("Java", "certificates do not conform to algorithm constraints", "weak-signature",
      "A certificate uses an algorithm or key size Java disables (SHA-1, MD5, RSA < 2048)."),
    P("Java", "extended key usage does not permit use for tls server authentication", "wrong-key-usage",
      "The leaf lacks the serverAuth extended key usage."),
    P("Java", "empty client certificate chain", "client-cert-required",
      "A Java server requires a client certificate and the client sent none."),
    P("Java", "java.net.unknownhostexception", "name-resolution", N_DNS),
    P("Java", "java.net.sockettimeoutexception", "timeout", N_TIMEOUT),

    /* ---- .NET ---- */
    P(".NET", "remotecertificatenamemismatch", "hostname-mismatch", N_HOST),
    P(".NET", "remotecertificatechainerrors", "unknown-authority",
      ".NET could not build a trusted chain (root not trusted, intermediate missing, or self-signed)."),

    /* ---- Python (ssl module, requests/urllib3) ---- */
    P("Python", "hostname mismatch, certificate is not valid for", "hostname-mismatch", N_HOST),
    P("Python", "eof occurred in violation of protocol", "connection-reset", N_EOF),
    P("Python", "name or service not known", "name-resolution", N_DNS),
    P("Python", "temporary failure in name resolution", "name-resolution", N_DNS),
    P("Python", "nodename nor servname provided", "name-resolution", N_DNS),
    P("Python", "connectionrefusederror", "connection-refused", N_REFUSED),
    P("Python", "connectionreseterror", "connection-reset", N_RESET),

    /* ---- Node.js (codes) ---- */
    P("Node.js", "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "missing-intermediate", N_OSSL_21),
    P("Node.js", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "unknown-authority", N_OSSL_20),
    P("Node.js", "SELF_SIGNED_CERT_IN_CHAIN", "unknown-authority", N_SELF_IN_CHAIN),
    P("Node.js", "DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed", N_SELF),
    P("Node.js", "CERT_HAS_EXPIRED", "expired", N_EXPIRED),
    P("Node.js", "CERT_NOT_YET_VALID", "not-yet-valid", N_NOTYET),
    P("Node.js", "ERR_TLS_CERT_ALTNAME_INVALID", "hostname-mismatch", N_HOST),
    P("Node.js", "hostname/ip does not match certificate's altnames", "hostname-mismatch", N_HOST),
    P("Node.js", "client network socket disconnected before secure tls connection was established",
      "connection-reset", N_EOF),
    P("Node.js", "ERR_TLS_HANDSHAKE_TIMEOUT", "timeout", N_TIMEOUT),
    P("Node.js", "<ECONNREFUSED>", "connection-refused", N_REFUSED),
    P("Node.js", "<ENOTFOUND>", "name-resolution", N_DNS),
    P("Node.js", "<EAI_AGAIN>", "name-resolution", N_DNS),
    P("Node.js", "<ECONNRESET>", "connection-reset", N_RESET),
    P("Node.js", "socket hang up", "connection-reset", N_EOF),
    P("Node.js", "<ETIMEDOUT>", "timeout", N_TIMEOUT),

    /* ---- browsers (Chrome: NET::ERR_*, Firefox: SEC_ERROR_*, SSL_ERROR_*, MOZILLA_PKIX_*) ---- */
    P("Chrome", "ERR_CERT_AUTHORITY_INVALID", "unknown-authority",
      "Chrome found no trusted path: unknown or private CA, or a self-signed certificate (Chrome fetches missing "
      "intermediates via AIA, so a missing intermediate rarely shows here)."),
    P("Chrome", "ERR_CERT_COMMON_NAME_INVALID", "hostname-mismatch",
      "Chrome: the certificate does not cover the host name (Chrome also says this for CN-only certificates)."),
    P("Chrome", "ERR_CERT_DATE_INVALID", "expired", "Chrome: a certificate is expired or not yet valid (or the computer's clock is wrong)."),
    P("Chrome", "ERR_CERT_WEAK_SIGNATURE_ALGORITHM", "weak-signature", "Chrome: a certificate is signed with SHA-1 or MD5."),
    P("Chrome", "ERR_CERT_WEAK_KEY", "weak-key", "Chrome: a certificate has a key that is too small."),
    P("Chrome", "ERR_SSL_VERSION_OR_CIPHER_MISMATCH", "no-shared-cipher",
      "Chrome and the server have no cipher suite (or no version) in common."),
    P("Chrome", "ERR_SSL_OBSOLETE_VERSION", "deprecated-version", "The server only offers TLS 1.0/1.1, which Chrome refuses."),
    P("Chrome", "ERR_BAD_SSL_CLIENT_AUTH_CERT", "client-cert-rejected", "The server rejected the client certificate the browser sent."),
    P("Chrome", "ERR_SSL_CLIENT_AUTH_CERT_NEEDED", "client-cert-required", "The server requires a client certificate."),
    P("Chrome", "ERR_SSL_PROTOCOL_ERROR", "not-tls",
      "Chrome got an invalid TLS response: most often plain HTTP on the HTTPS port, or a server that aborts "
      "the handshake."),
    P("Chrome", "ERR_CONNECTION_REFUSED", "connection-refused", N_REFUSED),
    P("Chrome", "ERR_CONNECTION_RESET", "connection-reset", N_RESET),
    P("Chrome", "ERR_CONNECTION_TIMED_OUT", "timeout", N_TIMEOUT),
    P("Chrome", "ERR_TIMED_OUT", "timeout", N_TIMEOUT),
    P("Chrome", "ERR_NAME_NOT_RESOLVED", "name-resolution", N_DNS),
    P("Firefox", "SEC_ERROR_UNKNOWN_ISSUER", "unknown-authority",
      "Firefox found no trusted path: the CA is not trusted, or (if Firefox's intermediate preload misses it) an "
      "intermediate is missing."),
    P("Firefox", "SEC_ERROR_EXPIRED_ISSUER_CERTIFICATE", "expired", "Firefox: an intermediate or root in the chain has expired."),
    P("Firefox", "SEC_ERROR_EXPIRED_CERTIFICATE", "expired", N_EXPIRED),
    P("Firefox", "MOZILLA_PKIX_ERROR_NOT_YET_VALID", "not-yet-valid", N_NOTYET),
    P("Firefox", "SSL_ERROR_BAD_CERT_DOMAIN", "hostname-mismatch", N_HOST),
    P("Firefox", "MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT", "self-signed", N_SELF),
    P("Firefox", "SEC_ERROR_INADEQUATE_KEY_USAGE", "wrong-key-usage", "Firefox: the certificate's key usage does not allow TLS."),
    P("Firefox", "SEC_ERROR_INADEQUATE_CERT_TYPE", "wrong-key-usage", "Firefox: the certificate's extended key usage does not allow TLS server authentication."),
    P("Firefox", "SEC_ERROR_CERT_SIGNATURE_ALGORITHM_DISABLED", "weak-signature", "Firefox: a certificate is signed with a disabled algorithm (SHA-1, MD5)."),
    P("Firefox", "MOZILLA_PKIX_ERROR_INADEQUATE_KEY_SIZE", "weak-key", "Firefox: a certificate's key is too small."),
    P("Firefox", "SSL_ERROR_NO_CYPHER_OVERLAP", "no-shared-cipher", "Firefox and the server have no cipher suite in common."),
    P("Firefox", "SSL_ERROR_UNSUPPORTED_VERSION", "protocol-version-mismatch", "Firefox and the server have no TLS version in common."),
    P("Firefox", "SSL_ERROR_PROTOCOL_VERSION_ALERT", "protocol-version-mismatch", N_ALERT_PV),
    P("Firefox", "SSL_ERROR_RX_RECORD_TOO_LONG", "not-tls",
      "Firefox got something that is not a TLS record: plain HTTP on the HTTPS port."),
    P("Firefox", "SSL_ERROR_HANDSHAKE_FAILURE_ALERT", "no-shared-cipher", N_ALERT_HF),
    P("Firefox", "SSL_ERROR_BAD_CERT_ALERT", "client-cert-rejected", "The server rejected the client certificate."),
    P("Firefox", "SSL_ERROR_RX_CERTIFICATE_REQUIRED_ALERT", "client-cert-required", N_ALERT_CR),

    /* ---- wolfSSL (codes and names) ---- */
    P("wolfSSL", "ASN_NO_SIGNER_E", "unknown-authority",
      "wolfSSL's ASN_NO_SIGNER_E (-188): no trusted signer. It covers both an untrusted root and a missing "
      "intermediate: 'tlsprobe connect' tells them apart."),
    P("wolfSSL", "<-188>", "unknown-authority",
      "wolfSSL -188 (ASN_NO_SIGNER_E): no trusted signer. It covers both an untrusted root and a missing "
      "intermediate: 'tlsprobe connect' tells them apart."),
    P("wolfSSL", "DOMAIN_NAME_MISMATCH", "hostname-mismatch", "wolfSSL DOMAIN_NAME_MISMATCH (-322): " "the certificate does not cover the name."),
    P("wolfSSL", "<-322>", "hostname-mismatch", "wolfSSL -322 (DOMAIN_NAME_MISMATCH): the certificate does not cover the name."),
    P("wolfSSL", "<-325>", "hostname-mismatch", "wolfSSL -325 (IPADDR_MISMATCH): the certificate does not cover the IP address."),
    P("wolfSSL", "ASN_AFTER_DATE_E", "expired", "wolfSSL ASN_AFTER_DATE_E (-151): a certificate has expired."),
    P("wolfSSL", "<-151>", "expired", "wolfSSL -151 (ASN_AFTER_DATE_E): a certificate has expired."),
    P("wolfSSL", "ASN_BEFORE_DATE_E", "not-yet-valid", "wolfSSL ASN_BEFORE_DATE_E (-150): a certificate is not valid yet."),
    P("wolfSSL", "<-150>", "not-yet-valid", "wolfSSL -150 (ASN_BEFORE_DATE_E): a certificate is not valid yet."),
    P("wolfSSL", "<-155>", "unknown-authority", "wolfSSL -155 (ASN_SIG_CONFIRM_E): a signature in the chain does not verify."),
    P("wolfSSL", "ASN_SELF_SIGNED_E", "self-signed", "wolfSSL ASN_SELF_SIGNED_E (-275): the certificate is self-signed."),
    P("wolfSSL", "<-275>", "self-signed", "wolfSSL -275 (ASN_SELF_SIGNED_E): the certificate is self-signed."),
    P("wolfSSL", "<-313>", "remote-alert",
      "wolfSSL -313 (FATAL_ERROR): the peer sent a fatal alert; the alert (wolfSSL_get_alert_history) says which."),
    P("wolfSSL", "<-308>", "connection-reset", "wolfSSL -308 (SOCKET_ERROR_E): the connection failed or was reset by the peer."),
    P("wolfSSL", "<-397>", "connection-reset", "wolfSSL -397 (SOCKET_PEER_CLOSED_E): the peer closed the connection."),
    P("wolfSSL", "<-326>", "protocol-version-mismatch",
      "wolfSSL -326 (VERSION_ERROR): the peer's record or chosen version is not one this method accepts (also seen "
      "when a plain-text service answers a version-pinned client)."),
    P("wolfSSL", "<-341>", "not-tls", "wolfSSL -341 (LENGTH_ERROR): a record length makes no sense: the peer does not speak TLS (plain HTTP?)."),
    P("wolfSSL", "<-311>", "not-tls", "wolfSSL -311 (UNKNOWN_RECORD_TYPE): the peer does not speak TLS (an SSH banner, for example)."),
    P("wolfSSL", "<-345>", "client-cert-required", "wolfSSL -345 (NO_PEER_CERT): the server requires a client certificate and got none."),
    P("wolfSSL", "<-386>", "wrong-key-usage", "wolfSSL -386 (EXTKEYUSE_AUTH_E): the extended key usage does not allow this use."),
    P("wolfSSL", "<-501>", "no-shared-cipher", "wolfSSL -501 (MATCH_SUITE_ERROR): no cipher suite in common."),
    /* wolfSSL_ERR_error_string texts (Debian 12's 5.5.4). */
    P("wolfSSL", "peer subject name mismatch", "hostname-mismatch", "wolfSSL DOMAIN_NAME_MISMATCH (-322): the certificate does not cover the name."),
    P("wolfSSL", "peer ip address mismatch", "hostname-mismatch", "wolfSSL IPADDR_MISMATCH (-325): the certificate does not cover the IP address."),
    P("wolfSSL", "ASN date error, current date after", "expired", "wolfSSL ASN_AFTER_DATE_E (-151): a certificate has expired."),
    P("wolfSSL", "ASN date error, current date before", "not-yet-valid", "wolfSSL ASN_BEFORE_DATE_E (-150): a certificate is not valid yet."),
    P("wolfSSL", "ASN sig error, confirm failure", "unknown-authority", "wolfSSL ASN_SIG_CONFIRM_E (-155): a signature in the chain does not verify."),
    P("wolfSSL", "ASN self-signed certificate error", "self-signed", "wolfSSL ASN_SELF_SIGNED_E (-275): the certificate is self-signed."),
    P("wolfSSL", "received alert fatal error", "remote-alert",
      "wolfSSL FATAL_ERROR (-313): the peer sent a fatal alert; wolfSSL_get_alert_history says which."),
    P("wolfSSL", "error state on socket", "connection-reset", "wolfSSL SOCKET_ERROR_E (-308): the connection failed or was reset by the peer."),
    P("wolfSSL", "peer closed underlying transport", "connection-reset", "wolfSSL SOCKET_PEER_CLOSED_E (-397): the peer closed the connection."),
    P("wolfSSL", "record layer version error", "protocol-version-mismatch",
      "wolfSSL VERSION_ERROR (-326): the peer's version is not one this method accepts (also seen when a plain-text "
      "service answers a version-pinned client)."),
    P("wolfSSL", "record layer length error", "not-tls", "wolfSSL LENGTH_ERROR (-341): a record length makes no sense: the peer does not speak TLS."),
    P("wolfSSL", "unknown type in record hdr", "not-tls", "wolfSSL UNKNOWN_RECORD_TYPE (-311): the peer does not speak TLS."),
    P("wolfSSL", "Ext Key Use server/client auth not set", "wrong-key-usage", "wolfSSL EXTKEYUSE_AUTH_E (-386): the extended key usage does not allow this use."),
    P("wolfSSL", "can't match cipher suite", "no-shared-cipher", "wolfSSL MATCH_SUITE_ERROR (-501): no cipher suite in common."),

    /* ---- OpenSSL (verify errors, then error:0A0000xx reasons; also inside curl, Python, Node, Ruby, PHP...) ---- */
    P("OpenSSL", "num=20", "unknown-authority", N_OSSL_20),
    P("OpenSSL", "num=21", "missing-intermediate", N_OSSL_21),
    P("OpenSSL", "num=19", "unknown-authority", N_SELF_IN_CHAIN),
    P("OpenSSL", "num=18", "self-signed", N_SELF),
    P("OpenSSL", "num=10", "expired", N_EXPIRED),
    P("OpenSSL", "num=9:", "not-yet-valid", N_NOTYET),
    P("OpenSSL", "num=62", "hostname-mismatch", N_HOST),
    P("OpenSSL", "num=2:", "unknown-authority",
      "OpenSSL (X509_V_ERR 2) could not find the issuer of a certificate it had: typically a trust store that holds "
      "an intermediate but not its root."),
    P("OpenSSL", "unable to verify the first certificate", "missing-intermediate", N_OSSL_21),
    P("OpenSSL", "self*signed certificate in certificate chain", "unknown-authority", N_SELF_IN_CHAIN),
    P("OpenSSL", "self*signed certificate", "self-signed", N_SELF),
    P("OpenSSL", "unable to get local issuer certificate", "unknown-authority", N_OSSL_20),
    P("OpenSSL", "unable to get issuer certificate", "unknown-authority",
      "OpenSSL (X509_V_ERR 2) could not find the issuer of a certificate it had: typically a trust store that holds "
      "an intermediate but not its root."),
    P("OpenSSL", "certificate has expired", "expired", N_EXPIRED),
    P("OpenSSL", "certificate is not yet valid", "not-yet-valid", N_NOTYET),
    P("OpenSSL", "hostname mismatch", "hostname-mismatch", N_HOST),
    P("OpenSSL", "unsupported certificate purpose", "wrong-key-usage",
      "OpenSSL (X509_V_ERR 26): the certificate's extended key usage does not allow this use."),
    P("OpenSSL", "ee key too small", "weak-key", "OpenSSL's security level rejects the leaf's key size."),
    P("OpenSSL", "ca key too small", "weak-key", "OpenSSL's security level rejects a CA key's size."),
    P("OpenSSL", "dh key too small", "weak-key", "The server's Diffie-Hellman group is too small for this client."),
    P("OpenSSL", "ca md too weak", "weak-signature", "OpenSSL's security level rejects a SHA-1/MD5 signature in the chain."),
    P("OpenSSL", "key values mismatch", "key-mismatch", N_KEY),
    P("OpenSSL", "tlsv13 alert certificate required", "client-cert-required", N_ALERT_CR),
    P("OpenSSL", "peer did not return a certificate", "client-cert-required",
      "An OpenSSL server requires a client certificate and the client sent none."),
    P("OpenSSL", "alert handshake failure", "no-shared-cipher", N_ALERT_HF),
    P("OpenSSL", "alert bad certificate", "client-cert-rejected", N_ALERT_BADCERT_C),
    P("OpenSSL", "alert unknown ca", "client-cert-rejected", N_ALERT_UNKNOWNCA_C),
    P("OpenSSL", "alert certificate unknown", "client-cert-rejected",
      "The peer sent certificate_unknown: seen by a client, the server did not accept our client certificate; in a "
      "server's log, the client did not accept the server's certificate."),
    P("OpenSSL", "alert certificate expired", "client-cert-rejected",
      "The peer says the certificate it got has expired (seen by a client: our client certificate)."),
    P("OpenSSL", "alert protocol version", "protocol-version-mismatch", N_ALERT_PV),
    P("OpenSSL", "unsupported protocol", "protocol-version-mismatch",
      "OpenSSL and the peer have no version in common (OpenSSL 3 refuses TLS 1.0/1.1 at its default security level)."),
    P("OpenSSL", "no protocols available", "protocol-version-mismatch",
      "Every protocol version is disabled by the configuration (MinProtocol/MaxProtocol, security level)."),
    P("OpenSSL", "no shared cipher", "no-shared-cipher", "An OpenSSL server found no cipher suite in common with the client."),
    P("OpenSSL", "no ciphers available", "no-shared-cipher", "No cipher suite is usable with this configuration and peer."),
    P("OpenSSL", "wrong version number", "not-tls", N_WRONGVER),
    P("OpenSSL", "packet length too long", "not-tls", N_WRONGVER),
    P("OpenSSL", "ssl routines*http request", "not-tls",
      "An OpenSSL server received a plain HTTP request on its TLS port: the client used http:// on an https port."),
    P("OpenSSL", "unexpected eof while reading", "connection-reset", N_EOF),
    P("OpenSSL", "ssl error syscall", "connection-reset", N_EOF),
    P("OpenSSL", "certificate verify failed", "unknown-authority",
      "Certificate verification failed; the verify error printed with it says why (most often: issuer not "
      "trusted or not sent)."),
    P("OpenSSL", "connect:errno=111", "connection-refused", N_REFUSED),
    P("OpenSSL", "tlsv1 alert ", "remote-alert", "The peer sent the TLS alert named after 'tlsv1 alert'."),
    P("OpenSSL", "sslv3 alert ", "remote-alert", "The peer sent the TLS alert named after 'sslv3 alert'."),

    /* ---- any stack: operating-system texts ---- */
    P("any", "connection refused", "connection-refused", N_REFUSED),
    P("any", "no such host", "name-resolution", N_DNS),
    P("any", "could not resolve", "name-resolution", N_DNS),
    P("any", "getaddrinfo", "name-resolution", N_DNS),
    P("any", "connection reset by peer", "connection-reset", N_RESET),
    P("any", "i/o timeout", "timeout", N_TIMEOUT),
    P("any", "timed out", "timeout", N_TIMEOUT),
    P("Node.js", "<EPROTO>", "remote-alert",
      "EPROTO is Node's wrapper for an OpenSSL protocol error; the OpenSSL reason after it names the cause."),
};

const struct tp_explain_pattern *tp_explain_patterns(size_t *n)
{
    if (n)
        *n = sizeof patterns / sizeof patterns[0];
    return patterns;
}

/* ---- normalisation and matching ---- */

static unsigned char norm_char(unsigned char ch)
{
    if (ch == '_' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\v' || ch == '\f')
        return ' ';
    if (ch >= 'A' && ch <= 'Z')
        return (unsigned char)(ch - 'A' + 'a');
    return ch;
}

/* Lower-case, '_' and white space runs as one space, trimmed. out holds n+1. */
static size_t normalise(const char *in, size_t n, char *out)
{
    size_t o = 0;
    bool space = true; /* drop leading spaces */
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = norm_char((unsigned char)in[i]);
        if (ch == ' ') {
            if (!space)
                out[o++] = ' ';
            space = true;
            continue;
        }
        space = false;
        out[o++] = (char)ch;
    }
    while (o > 0 && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
    return o;
}

static bool is_word(unsigned char ch)
{
    return isalnum(ch) != 0;
}

/* Anchored glob of normalised pattern p (length pn) against t (length tn). One
 * backtrack point (the last '*'): O(pn * tn) worst case, no recursion. */
static bool glob(const char *p, size_t pn, const char *t, size_t tn)
{
    size_t pi = 0, ti = 0, star_p = SIZE_MAX, star_t = 0;
    for (;;) {
        if (pi < pn) {
            char pc = p[pi];
            if (pc == '*') {
                if (pi + 1 == pn)
                    return true;
                star_p = pi++;
                star_t = ti;
                continue;
            }
            if (pc == '<') {
                if (ti == 0 || !is_word((unsigned char)t[ti - 1])) {
                    pi++;
                    continue;
                }
            } else if (pc == '>') {
                if (ti == tn || !is_word((unsigned char)t[ti])) {
                    pi++;
                    continue;
                }
            } else if (ti < tn && pc == t[ti]) {
                pi++;
                ti++;
                continue;
            }
        } else if (ti == tn) {
            return true;
        }
        if (star_p == SIZE_MAX || star_t >= tn)
            return false;
        pi = star_p + 1;
        ti = ++star_t;
    }
}

/* Does normalised pattern pat occur anywhere in t? */
static bool search(const char *pat, const char *t, size_t tn)
{
    char buf[256];
    size_t pn = strlen(pat);
    if (pn + 3 > sizeof buf)
        return false;
    buf[0] = '*';
    size_t bn = 1 + normalise(pat, pn, buf + 1);
    /* normalise trims; keep a pattern's meaningful trailing space ("tlsv1 alert "). */
    if (pn && pat[pn - 1] == ' ')
        buf[bn++] = ' ';
    buf[bn++] = '*';
    buf[bn] = '\0';
    return glob(buf, bn, t, tn);
}

/* ---- the host named in a message ---- */

static bool host_char(unsigned char ch)
{
    return isalnum(ch) || ch == '.' || ch == '-' || ch == '*' || ch == '_';
}

/* Read a host (and :port) at t[i...] of the original text. */
static bool take_host(const char *t, size_t n, size_t i, struct tp_explain_match *m)
{
    size_t hs, he;
    if (i < n && t[i] == '[') {
        hs = ++i;
        while (i < n && t[i] != ']' && (isxdigit((unsigned char)t[i]) || t[i] == ':' || t[i] == '.'))
            i++;
        if (i >= n || t[i] != ']')
            return false;
        he = i++;
    } else {
        hs = i;
        while (i < n && host_char((unsigned char)t[i]))
            i++;
        he = i;
        while (he > hs && (t[he - 1] == '.' || t[he - 1] == '-'))
            he--;
        /* "host:443" */
    }
    size_t len = he - hs;
    if (len == 0 || len > TP_MAX_NAME_LEN)
        return false;
    bool letter = false, dot = false, colon = false;
    for (size_t k = hs; k < he; k++) {
        letter |= isalpha((unsigned char)t[k]) != 0;
        dot |= t[k] == '.';
        colon |= t[k] == ':';
    }
    /* A single word is a host only when it is "localhost": "connect to the
     * server" must not become "tlsprobe connect the:443". */
    if (!dot && !colon && !(len == 9 && !strncasecmp(t + hs, "localhost", 9)))
        return false;
    if (!letter && !colon) {
        /* digits and dots: an IPv4 address needs three dots */
        size_t dots = 0;
        for (size_t k = hs; k < he; k++)
            dots += t[k] == '.';
        if (dots != 3)
            return false;
    }
    memcpy(m->host, t + hs, len);
    m->host[len] = '\0';
    m->port = 0;
    if (i < n && t[i] == ':' && i + 1 < n && isdigit((unsigned char)t[i + 1])) {
        unsigned long port = 0;
        size_t k = i + 1;
        while (k < n && isdigit((unsigned char)t[k]) && port <= 65535)
            port = port * 10 + (unsigned long)(t[k++] - '0');
        if (port > 0 && port <= 65535)
            m->port = (unsigned)port;
    }
    return true;
}

/* Case-insensitive find of needle in t[from..n). */
static size_t find_ci(const char *t, size_t n, size_t from, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = from; i + k <= n; i++) {
        size_t j = 0;
        while (j < k && tolower((unsigned char)t[i + j]) == tolower((unsigned char)needle[j]))
            j++;
        if (j == k)
            return i;
    }
    return SIZE_MAX;
}

/* Where a host follows: (anchor that must appear first, or NULL; the text just before the host). */
static const struct { const char *anchor, *prefix; } host_marks[] = {
    { NULL, "but wanted to match " },
    { "certificate is valid for", ", not " },
    { NULL, "cannot validate certificate for " },
    { NULL, "certificate is not valid for '" },
    { NULL, "target host name '" },
    { NULL, "Host: " },
    { NULL, "DNS name matching " },
    { NULL, "IP address " },
    { NULL, "No name matching " },
    { NULL, "lookup " },
    { NULL, "Could not resolve host: " },
    { NULL, "Failed to connect to " },
    { NULL, "in connection to " },
    { NULL, "dial tcp " },
    { NULL, "getaddrinfo ENOTFOUND " },
    { NULL, "getaddrinfo EAI_AGAIN " },
    { NULL, "connect ECONNREFUSED " },
    { NULL, "UnknownHostException: " },
    { NULL, "host='" },
    { NULL, "https://" },
    { NULL, "connect to " },
};

static void find_host(const char *t, size_t n, struct tp_explain_match *m)
{
    for (size_t k = 0; k < sizeof host_marks / sizeof host_marks[0]; k++) {
        size_t from = 0;
        if (host_marks[k].anchor) {
            size_t a = find_ci(t, n, 0, host_marks[k].anchor);
            if (a == SIZE_MAX)
                continue;
            from = a;
        }
        size_t at = find_ci(t, n, from, host_marks[k].prefix);
        if (at == SIZE_MAX)
            continue;
        if (take_host(t, n, at + strlen(host_marks[k].prefix), m))
            return;
    }
    m->host[0] = '\0';
    m->port = 0;
}

/* The stack a generic message came from, by its markers (normalised text). */
static const char *guess_stack(const char *t, size_t tn)
{
    static const struct { const char *marker, *stack; } marks[] = {
        { "curl: (", "curl" },
        { "x509: ", "Go" },
        { "remote error: tls", "Go" },
        { "dial tcp", "Go" },
        { "javax.net.ssl", "Java" },
        { "java.", "Java" },
        { "sun.security", "Java" },
        { "[ssl: ", "Python" },
        { "ssl.ssl", "Python" },
        { "(ssl.c:", "Python" },
        { "urllib3", "Python" },
        { "errno", "Python" },
        { "net::err ", "Chrome" },
        { "sec error ", "Firefox" },
        { "ssl error ", "Firefox" },
        { "mozilla pkix", "Firefox" },
        { "err tls ", "Node.js" },
        { "err ssl ", "Node.js" },
        { "code: '", "Node.js" },
        { "wolfssl", "wolfSSL" },
        { "verify error:", "OpenSSL" },
        { "ssl routines", "OpenSSL" },
        { "s client", "OpenSSL" },
    };
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
        if (search(marks[i].marker, t, tn))
            return marks[i].stack;
    return NULL;
}

bool tp_explain_match(const char *text, struct tp_explain_match *m)
{
    memset(m, 0, sizeof *m);
    if (!text)
        return false;
    size_t n = strnlen(text, TP_MAX_EXPLAIN_TEXT);
    char *t = malloc(n + 1);
    if (!t)
        return false;
    /* Hosts keep their case and '_': look for them in a copy with only the
     * white space collapsed. */
    size_t hn = 0;
    bool space = true;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)text[i];
        bool ws = ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\v' || ch == '\f';
        if (ws) {
            if (!space)
                t[hn++] = ' ';
            space = true;
            continue;
        }
        space = false;
        t[hn++] = (char)ch;
    }
    find_host(t, hn, m);
    size_t tn = normalise(text, n, t);
    bool found = false;
    for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
        if (!search(patterns[i].pattern, t, tn))
            continue;
        m->rule_id = patterns[i].rule_id;
        m->stack = patterns[i].stack;
        m->pattern_name = patterns[i].pattern;
        m->note = patterns[i].note;
        /* OpenSSL reasons and OS texts also appear inside other stacks' messages. */
        if (!strcmp(m->stack, "OpenSSL") || !strcmp(m->stack, "any")) {
            const char *g = guess_stack(t, tn);
            if (g)
                m->stack = g;
            else if (!strcmp(m->stack, "any"))
                m->stack = "the operating system";
        }
        found = true;
        break;
    }
    free(t);
    return found;
}
