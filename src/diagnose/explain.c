/* explain's data: the message patterns of real TLS stacks (Go, OpenSSL, curl,
 * Python, Node, Java, .NET, GnuTLS, wolfSSL, browsers, servers) and the finding
 * id each one means. Pure data, in priority order: explain_match.c matches a text
 * against it, first match wins, so specific entries come before generic ones.
 * Pattern syntax (explain_match.c): case-insensitive, '_' = space, '*' any text,
 * '<' '>' word boundaries. */
#include <stddef.h>
#include "diagnose/explain_int.h"

#define P(stack, pat, id, note) { stack, pat, id, note, 0 }
/* Messages only a client (PC) or only a server (PS) prints. */
#define PC(stack, pat, id, note) { stack, pat, id, note, 'c' }
#define PS(stack, pat, id, note) { stack, pat, id, note, 's' }

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
static const char N_WRONGVER[] =
    "The bytes that came back are not a TLS record: usually plain HTTP (or another protocol) on the port, or a "
    "proxy answering in clear text.";
static const char N_EOF[] = "The peer closed the connection in the middle of the handshake without an alert.";
static const char N_REFUSED[] = "The TCP connection was refused: nothing listens on that address and port.";
static const char N_DNS[] = "The host name did not resolve.";
static const char N_TIMEOUT[] = "The connection or the handshake did not complete in time.";
static const char N_RESET[] = "The peer reset the TCP connection.";
static const char N_KEY[] = "The private key does not belong to the certificate.";

const struct tp_explain_pattern diag_explain_patterns[] = {
    /* ---- HTTP proxies (CONNECT), before the generic connection messages ---- */
    PC("curl", "connect tunnel failed, response 407", "proxy-auth-required",
       "The HTTP proxy answered CONNECT with 407: it wants credentials (or rejected the ones sent)."),
    PC("curl", "connect tunnel failed, response 403", "proxy-refused",
       "The HTTP proxy refused to open a tunnel to this host or port (403)."),
    PC("curl", "connect tunnel failed, response 5", "proxy-upstream-failed",
       "The HTTP proxy could not reach the server (a 5xx answer to CONNECT: 502, 503, 504)."),
    PC("curl", "could not resolve proxy", "proxy-unreachable", "The proxy's host name did not resolve."),
    PC("Python", "tunnel connection failed: 407", "proxy-auth-required",
       "The HTTP proxy answered CONNECT with 407 Proxy Authentication Required."),
    PC("Python", "tunnel connection failed: 403", "proxy-refused",
       "The HTTP proxy refused to open a tunnel to this host or port (403)."),
    PC("Python", "tunnel connection failed: 5", "proxy-upstream-failed",
       "The HTTP proxy could not reach the server (a 5xx answer to CONNECT)."),
    PC("Java", "unable to tunnel through proxy. proxy returns \"http/1.* 407", "proxy-auth-required",
       "The HTTP proxy answered CONNECT with 407 Proxy Authentication Required."),
    PC("Java", "unable to tunnel through proxy. proxy returns \"http/1.* 403", "proxy-refused",
       "The HTTP proxy refused to open a tunnel to this host or port (403)."),
    PC("Java", "unable to tunnel through proxy. proxy returns \"http/1.* 5", "proxy-upstream-failed",
       "The HTTP proxy could not reach the server (a 5xx answer to CONNECT)."),
    PC("Go", "proxyconnect tcp: proxy authentication required", "proxy-auth-required",
       "Go's HTTP proxy (HTTPS_PROXY) answered CONNECT with 407 Proxy Authentication Required."),
    PC("Go", "proxyconnect tcp: dial tcp", "proxy-unreachable",
       "Go could not open a connection to the HTTP proxy named by HTTPS_PROXY (refused, timed out, or no such host)."),
    /* ---- Go (crypto/tls, crypto/x509, net/http) ---- */
    PC("Go", "http: server gave http response to https client", "not-tls",
       "A Go client spoke TLS (https://) to a port that answered in plain HTTP."),
    PC("Go", "client sent an http request to an https server", "not-tls",
       "A Go HTTPS server answered this client's plain HTTP request (http:// on an https port) with a 400 and this text."),
    PS("Go", "tls handshake error from *tls: first record does not look like a tls handshake", "not-tls",
       "In a Go server's log: the client did not start with a TLS ClientHello: plain HTTP (http://) or another "
       "protocol on the TLS port, or a scanner."),
    PS("Go", "tls handshake error from *: eof", "connection-reset",
       "In a Go server's log: the client closed the connection during the handshake without an alert. Common "
       "causes: a load balancer's or monitor's TCP health check (connect and close), a port scan, or a client "
       "that rejected the server's certificate without sending an alert."),
    PS("Go", "tls handshake error from *connection reset by peer", "connection-reset",
       "In a Go server's log: the client reset the connection during the handshake (a health check, a scan, or a "
       "client that gave up on the certificate)."),
    PS("Go", "tls handshake error from *i/o timeout", "timeout",
       "In a Go server's log: the client did not finish the handshake in time (srv.ReadTimeout / a slow or stuck client)."),
    PC("Go", "net/http: tls handshake timeout", "timeout",
       "A Go client's http.Transport gave up waiting for the TLS handshake (TLSHandshakeTimeout, 10 s by default)."),
    PC("Go", "tls: invalid signature by the server certificate", "key-mismatch",
       "The server's handshake signature does not verify with the public key in its certificate: the server holds "
       "a private key that does not belong to the certificate it sends (a hand-built tls.Certificate, or cert and key "
       "files from different issuances)."),
    PS("Go", "tls: invalid signature by the client certificate", "key-mismatch",
       "The client's CertificateVerify does not verify with its certificate's key: the client's key and certificate "
       "do not belong together."),
    PS("Go", "tls: no certificates configured", "key-mismatch",
       "A Go server has no certificate to present: tls.Config has neither Certificates nor GetCertificate (the "
       "certificate and key were never loaded)."),
    P("Go", "tls: failed to find certificate pem data in certificate input, but did find a private key", "key-mismatch",
      "tls.LoadX509KeyPair / X509KeyPair got a key where the certificate should be: the two file arguments are swapped."),
    P("Go", "tls: found a certificate rather than a key in the pem for the private key", "key-mismatch",
      "tls.LoadX509KeyPair got a certificate where the private key should be: the two file arguments are swapped "
      "(or the key file holds a certificate)."),
    P("Go", "tls: failed to find any pem data in certificate input", "key-mismatch",
      "The certificate file given to tls.LoadX509KeyPair has no PEM block: wrong path, an empty file, or DER where PEM "
      "is expected."),
    P("Go", "tls: failed to find any pem data in key input", "key-mismatch",
      "The key file given to tls.LoadX509KeyPair has no PEM block: wrong path, an empty file, or DER where PEM is "
      "expected."),
    P("Go", "tls: failed to parse private key", "key-mismatch",
      "Go could not read the private key (an encrypted key, or an unsupported format): tls.LoadX509KeyPair needs an "
      "unencrypted PKCS#1, PKCS#8 or SEC 1 key."),
    P("Go", "x509: certificate is not authorized to sign other certificates", "wrong-key-usage",
      "A certificate used as an issuer in the chain is not a CA (basicConstraints CA:FALSE or missing, or no "
      "keyCertSign): often a leaf certificate put where the CA belongs (RootCAs / ClientCAs holds the leaf, and "
      "another certificate claims it as issuer)."),
    PS("Go", "tls: failed to verify client certificate: x509: certificate signed by unknown authority", "client-cert-rejected",
       "A Go server could not chain the client's certificate to a CA in its tls.Config.ClientCAs."),
    PS("Go", "tls: client didn't provide a certificate", "client-cert-required",
       "A Go server requires a client certificate (ClientAuth RequireAnyClientCert / RequireAndVerifyClientCert) and "
       "the client sent none."),
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
    P("Go", "tls: first record does not look like a tls handshake", "not-tls", N_WRONGVER),
    PC("Go", "tls: server selected unsupported protocol version", "protocol-version-mismatch",
      "The server picked a version Go does not accept (TLS 1.0/1.1 are off by default since Go 1.18)."),
    PS("Go", "tls: client offered only unsupported versions", "protocol-version-mismatch",
      "A Go server got a ClientHello with only versions it does not accept."),
    PS("Go", "tls: no cipher suite supported by both client and server", "no-shared-cipher",
      "A Go server found no cipher suite in common with the client."),
    P("Go", "remote error: tls: ", "remote-alert", "The peer sent the TLS alert named after 'remote error: tls:'."),
    PC("Go", "get \"*\": eof", "connection-reset",
       "A Go client's request ended with EOF: the server (or a proxy) closed the connection during the handshake "
       "without an alert; often a TLS 1.2 server that wants a client certificate, or a server that does not speak "
       "TLS on that port and hung up."),
    PC("Go", "post \"*\": eof", "connection-reset",
       "A Go client's request ended with EOF: the server (or a proxy) closed the connection without an alert."),
    P("Go", "dial tcp: lookup * no such host", "name-resolution", N_DNS),
    PC("Go", "client.timeout exceeded", "timeout",
       "A Go http.Client's Timeout ran out (connect, TLS handshake and response together)."),
    PC("Go", "context deadline exceeded", "timeout",
       "A Go request's context deadline passed before the connection, the handshake or the answer completed."),

    /* ---- curl ---- */
    PC("curl", "curl: (7) failed to connect to * port *: couldn't connect to server", "connection-refused", N_REFUSED),
    PC("curl", "curl: (52) empty reply from server", "not-tls",
       "curl (plain HTTP) got no answer: with http:// on a TLS port the server waits for a ClientHello and closes."),
    PC("curl", "curl: (60) ssl certificate problem: certificate has expired", "expired", N_EXPIRED),
    P("curl", "curl: (6) could not resolve host", "name-resolution", N_DNS),
    P("curl", "curl: (7) failed to connect to *connection refused", "connection-refused", N_REFUSED),
    P("curl", "curl: (28) ", "timeout", N_TIMEOUT),
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
    PC("Java", "doesn't match any of the subject alternative names", "hostname-mismatch",
       "Apache HttpClient's hostname verifier: the certificate's subjectAltNames do not include the host."),
    P("Java", "received fatal alert: ", "remote-alert", "The peer sent the TLS alert named after 'Received fatal alert:'."),
    P("Java", "no appropriate protocol", "protocol-version-mismatch",
      "Java has no enabled protocol version (or suite) usable with the peer: TLS 1.0/1.1 are disabled in "
      "java.security (jdk.tls.disabledAlgorithms) since Java 8u291/11.0.11."),
    P("Java", "the server selected protocol version * is not accepted by client preferences", "protocol-version-mismatch",
      "The server chose a version (often TLS10/TLS11) the Java client has disabled."),
    PS("Java", "client requested protocol * is not enabled or supported in server context", "protocol-version-mismatch",
      "A Java server got a ClientHello for a version it has disabled."),
    PS("Java", "no cipher suites in common", "no-shared-cipher", "A Java server found no cipher suite in common with the client."),
    P("Java", "unsupported or unrecognized ssl message", "not-tls", N_WRONGVER),
    P("Java", "remote host terminated the handshake", "connection-reset", N_EOF),
    P("Java", "certificates do not conform to algorithm constraints", "weak-signature",
      "A certificate uses an algorithm or key size Java disables (SHA-1, MD5, RSA < 2048)."),
    P("Java", "extended key usage does not permit use for tls server authentication", "wrong-key-usage",
      "The leaf lacks the serverAuth extended key usage."),
    PS("Java", "empty client certificate chain", "client-cert-required",
      "A Java server requires a client certificate and the client sent none."),
    P("Java", "java.net.unknownhostexception", "name-resolution", N_DNS),
    P("Java", "java.net.sockettimeoutexception", "timeout", N_TIMEOUT),

    /* ---- .NET (SslStream, HttpClient; SChannel texts on Windows) ---- */
    P(".NET", "because of errors in the certificate chain: partialchain", "missing-intermediate",
      ".NET (PartialChain) could not complete the chain: the peer did not send its intermediate and it is not in the store."),
    P(".NET", "because of errors in the certificate chain: untrustedroot", "unknown-authority",
      ".NET (UntrustedRoot): the chain ends at a root that is not in the trusted store."),
    P(".NET", "because of errors in the certificate chain: nottimevalid", "expired",
      ".NET (NotTimeValid): a certificate in the chain is expired or not yet valid."),
    P(".NET", "because of errors in the certificate chain: notsignaturevalid", "unknown-authority",
      ".NET (NotSignatureValid): a signature in the chain does not verify."),
    P(".NET", "because of errors in the certificate chain: revoked", "remote-alert",
      ".NET (Revoked): a certificate in the chain is revoked."),
    P(".NET", "remotecertificatenotavailable", "client-cert-required",
      ".NET (RemoteCertificateNotAvailable): the peer sent no certificate; on a server that requires client "
      "certificates, the client sent none."),
    P(".NET", "remotecertificatenamemismatch", "hostname-mismatch", N_HOST),
    P(".NET", "remotecertificatechainerrors", "unknown-authority",
      ".NET could not build a trusted chain (root not trusted, intermediate missing, or self-signed)."),
    PC(".NET", "the certificate chain was issued by an authority that is not trusted", "unknown-authority",
       "SChannel (SEC_E_UNTRUSTED_ROOT): the server's chain ends at a root Windows does not trust."),
    PC(".NET", "the target principal name is incorrect", "hostname-mismatch",
       "SChannel (SEC_E_WRONG_PRINCIPAL): the certificate does not name the host the client asked for."),
    P(".NET", "the received certificate has expired", "expired", N_EXPIRED),
    PC("Windows", "sec e untrusted root", "unknown-authority",
       "SChannel SEC_E_UNTRUSTED_ROOT (0x80090325): the chain ends at a root Windows does not trust."),
    PC("Windows", "sec e wrong principal", "hostname-mismatch",
       "SChannel SEC_E_WRONG_PRINCIPAL (0x80090322): the certificate does not name the host."),
    P("Windows", "sec e cert expired", "expired", "SChannel SEC_E_CERT_EXPIRED (0x80090328): a certificate has expired."),
    P("Windows", "sec e algorithm mismatch", "no-shared-cipher",
      "SChannel SEC_E_ALGORITHM_MISMATCH (0x80090331): no TLS version or cipher suite in common."),
    P(".NET", "do not possess a common algorithm", "no-shared-cipher",
      "SChannel (SEC_E_ALGORITHM_MISMATCH): no TLS version or cipher suite in common with the peer."),
    P(".NET", "received an unexpected eof or 0 bytes from the transport stream", "connection-reset", N_EOF),
    P(".NET", "cannot determine the frame size or a corrupted frame was received", "not-tls",
      ".NET read bytes that are not a TLS record: the peer does not speak TLS on that port (plain HTTP?)."),
    P(".NET", "the message received was unexpected or badly formatted", "not-tls",
      "SChannel (SEC_E_ILLEGAL_MESSAGE): the peer sent something that is not a valid TLS message, or an alert it "
      "does not name."),
    P(".NET", "the remote certificate is invalid according to the validation procedure", "unknown-authority",
      ".NET rejected the peer's certificate; the SslPolicyErrors after the colon say why (most often a chain error)."),
    P(".NET", "the credentials supplied to the package were not recognized", "key-mismatch",
      "SChannel (SEC_E_UNKNOWN_CREDENTIALS): the certificate has no usable private key (not imported with its key, "
      "or no access to it)."),

    /* ---- GnuTLS (gnutls-cli, gnutls-serv, and programs built on it: curl, wget, git, emacs) ---- */
    P("GnuTLS", "the certificate issuer is unknown", "unknown-authority",
      "GnuTLS found no trusted issuer for the chain (GNUTLS_CERT_SIGNER_NOT_FOUND): the root is not in its CA file or "
      "the peer did not send the intermediate."),
    P("GnuTLS", "the certificate chain uses expired certificate", "expired", N_EXPIRED),
    P("GnuTLS", "the certificate chain uses not yet valid certificate", "not-yet-valid", N_NOTYET),
    P("GnuTLS", "the name in the certificate does not match the expected", "hostname-mismatch", N_HOST),
    P("GnuTLS", "the certificate issuer is not a ca", "wrong-key-usage",
      "GnuTLS (GNUTLS_CERT_SIGNER_NOT_CA): an issuer in the chain is not a CA certificate."),
    P("GnuTLS", "the certificate chain uses insecure algorithm", "weak-signature",
      "GnuTLS (GNUTLS_CERT_INSECURE_ALGORITHM): a certificate is signed with SHA-1 or MD5."),
    P("GnuTLS", "the certificate chain does not match the intended purpose", "wrong-key-usage",
      "GnuTLS (GNUTLS_CERT_PURPOSE_MISMATCH): the extended key usage does not allow this use."),
    P("GnuTLS", "could not find a certificate issued by a trusted", "unknown-authority",
      "GnuTLS found no trusted issuer for the chain."),
    P("GnuTLS", "the peer did not send any certificate", "client-cert-required",
      "GnuTLS (GNUTLS_E_NO_CERTIFICATE_FOUND): the peer sent no certificate; on a server that requires one, the "
      "client sent none."),
    P("GnuTLS", "an unexpected tls packet was received", "not-tls",
      "GnuTLS got a record it did not expect: often a peer that does not speak TLS on that port."),
    P("GnuTLS", "a packet with illegal or unsupported version was received", "not-tls",
      "GnuTLS read a record with an impossible version: the peer does not speak TLS (plain HTTP?)."),
    P("GnuTLS", "a tls packet with unexpected length was received", "not-tls",
      "GnuTLS read a record whose length makes no sense: the peer does not speak TLS (plain HTTP?)."),
    P("GnuTLS", "the tls connection was non-properly terminated", "connection-reset", N_EOF),
    P("GnuTLS", "could not negotiate a supported cipher suite", "no-shared-cipher",
      "GnuTLS (GNUTLS_E_UNKNOWN_CIPHER_SUITE): no cipher suite in common with the peer."),
    P("GnuTLS", "no supported cipher suites have been found", "no-shared-cipher",
      "GnuTLS (GNUTLS_E_NO_CIPHER_SUITES): no cipher suite usable with this configuration and peer."),
    P("GnuTLS", "the public key in the certificate does not match the private key", "key-mismatch", N_KEY),
    P("GnuTLS", "the certificate and the given key do not match", "key-mismatch", N_KEY),
    P("GnuTLS", "base64 decoding error", "key-mismatch",
      "GnuTLS could not read a PEM file (GNUTLS_E_BASE64_DECODING_ERROR): the certificate or key file is not what it "
      "should be (wrong file, DER instead of PEM, or the two swapped)."),
    P("GnuTLS", "error in the certificate verification", "unknown-authority",
      "GnuTLS (GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) rejected the peer's certificate."),
    PC("curl", "curl: (35) gnutls", "remote-alert",
       "curl built with GnuTLS failed the handshake; the GnuTLS text after it says why."),
    P("GnuTLS", "the certificate is not trusted", "unknown-authority",
      "GnuTLS did not trust the peer's certificate; the reasons printed with it say why (most often: issuer unknown)."),

    /* ---- Python (ssl module, requests/urllib3) ---- */
    PS("Python", "[ssl: http request]", "not-tls",
       "A Python TLS server received a plain HTTP request on its TLS port: the client used http:// on an https port."),
    PC("Python", "[ssl: wrong version number]", "not-tls",
       "Python read an answer that is not TLS: plain HTTP (or another protocol) on the port, or a proxy answering in "
       "clear text."),
    P("Python", "[ssl] pem lib", "key-mismatch",
      "ssl.load_cert_chain could not read the certificate or key file (PEM lib): wrong path, not PEM, an encrypted key "
      "without its password, or the two files swapped."),
    P("Python", "[x509: key values mismatch]", "key-mismatch", N_KEY),
    PC("Python", "the handshake operation timed out", "timeout", N_TIMEOUT),
    P("Python", "ip address mismatch, certificate is not valid for", "hostname-mismatch",
      "Python connected to an IP address and the certificate has no IP subjectAltName for it."),
    P("Python", "hostname mismatch, certificate is not valid for", "hostname-mismatch", N_HOST),
    P("Python", "eof occurred in violation of protocol", "connection-reset", N_EOF),
    P("Python", "name or service not known", "name-resolution", N_DNS),
    P("Python", "temporary failure in name resolution", "name-resolution", N_DNS),
    P("Python", "nodename nor servname provided", "name-resolution", N_DNS),
    P("Python", "connectionrefusederror", "connection-refused", N_REFUSED),
    P("Python", "connectionreseterror", "connection-reset", N_RESET),

    /* ---- Node.js (codes) ---- */
    P("Node.js", "ERR_OSSL_X509_KEY_VALUES_MISMATCH", "key-mismatch", N_KEY),
    P("Node.js", "ERR_OSSL_PEM_NO_START_LINE", "key-mismatch",
      "Node could not read a PEM file for the key or certificate (no start line): wrong file, DER instead of PEM, or "
      "the two swapped."),
    PC("Node.js", "ERR_SSL_WRONG_VERSION_NUMBER", "not-tls", N_WRONGVER),
    PC("Node.js", "is not in the cert's list", "hostname-mismatch",
       "Node connected to an IP address and the certificate has no IP subjectAltName for it."),
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
    P("Firefox", "SSL_ERROR_RX_RECORD_TOO_LONG", "not-tls",
      "Firefox got something that is not a TLS record: plain HTTP on the HTTPS port."),

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
    PS("OpenSSL", "client ssl certificate verify error", "client-cert-rejected",
       "nginx could not verify the client certificate (ssl_verify_client with ssl_client_certificate): the numbers "
       "in brackets are OpenSSL's verify error."),
    PS("OpenSSL", "client sent no required ssl certificate", "client-cert-required",
       "nginx requires a client certificate (ssl_verify_client on) and the client sent none."),
    PC("OpenSSL", "no required ssl certificate was sent", "client-cert-required",
       "nginx's 400 page: it requires a client certificate (ssl_verify_client on) and this client sent none."),
    PC("OpenSSL", "the plain http request was sent to https port", "not-tls",
       "nginx's 400 page: this client sent plain HTTP (http://) to the HTTPS port."),
    PS("OpenSSL", "certificate verification: error (", "client-cert-rejected",
       "Apache mod_ssl (AH02039) could not verify the client certificate (SSLVerifyClient with SSLCACertificateFile); "
       "the number is OpenSSL's verify error."),
    P("OpenSSL", "invalid signature by the", "key-mismatch", N_KEY),
    P("OpenSSL", "bad signature", "key-mismatch",
      "A handshake signature did not verify with the certificate's key: the peer's private key does not belong to its "
      "certificate."),
    P("OpenSSL", "no start line", "key-mismatch",
      "OpenSSL found no PEM block where it expected a certificate or key: wrong file, DER instead of PEM, or the two "
      "swapped."),
    P("OpenSSL", "invalid ca certificate", "wrong-key-usage",
      "OpenSSL (X509_V_ERR 24): an issuer in the chain is not a CA (basicConstraints CA:FALSE or missing)."),
    PS("OpenSSL", "ssl routines*http request", "not-tls",
       "An OpenSSL server received a plain HTTP request on its TLS port: the client used http:// on an https port."),
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
    PS("OpenSSL", "peer did not return a certificate", "client-cert-required",
      "An OpenSSL server requires a client certificate and the client sent none."),
    P("OpenSSL", "unsupported protocol", "protocol-version-mismatch",
      "OpenSSL and the peer have no version in common (OpenSSL 3 refuses TLS 1.0/1.1 at its default security level)."),
    P("OpenSSL", "no protocols available", "protocol-version-mismatch",
      "Every protocol version is disabled by the configuration (MinProtocol/MaxProtocol, security level)."),
    PS("OpenSSL", "no shared cipher", "no-shared-cipher", "An OpenSSL server found no cipher suite in common with the client."),
    P("OpenSSL", "no ciphers available", "no-shared-cipher", "No cipher suite is usable with this configuration and peer."),
    P("OpenSSL", "wrong version number", "not-tls", N_WRONGVER),
    P("OpenSSL", "packet length too long", "not-tls", N_WRONGVER),
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

const size_t diag_n_explain_patterns = sizeof diag_explain_patterns / sizeof diag_explain_patterns[0];

const struct tp_explain_pattern *tp_explain_patterns(size_t *n)
{
    if (n)
        *n = diag_n_explain_patterns;
    return diag_explain_patterns;
}
