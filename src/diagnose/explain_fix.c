/* explain: who is speaking, in words, and the fix for one stack.
 *
 * Fixes are data: (finding id, stack, side that printed the message) -> text.
 * The side matters: a client that does not trust the server fixes its RootCAs;
 * a server that does not trust a client certificate fixes its ClientCAs. For Go
 * each fix names the tls.Config / x509.CertPool field and shows a short snippet.
 * Never "skip verification". */
#include <stdio.h>
#include <string.h>
#include "tlsprobe/diagnose.h"
#include "tlsprobe/names.h"

static const char *const stack_keys[] = { "go", "openssl", "curl", "python", "node", "java", "dotnet", "gnutls",
                                          "browser" };

bool tp_explain_stack_valid(const char *name)
{
    for (size_t i = 0; name && i < sizeof stack_keys / sizeof stack_keys[0]; i++)
        if (!strcmp(name, stack_keys[i]))
            return true;
    return false;
}

const char *tp_explain_stack_key(const char *stack)
{
    static const struct { const char *shown, *key; } map[] = {
        { "Go", "go" }, { "OpenSSL", "openssl" }, { "curl", "curl" }, { "Python", "python" },
        { "Node.js", "node" }, { "Java", "java" }, { ".NET", "dotnet" }, { "GnuTLS", "gnutls" }, { "Windows", "dotnet" },
        { "Chrome", "browser" }, { "Firefox", "browser" }, { "Safari", "browser" }, { "browser", "browser" },
    };
    for (size_t i = 0; stack && i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(stack, map[i].shown))
            return map[i].key;
    return NULL;
}

/* side: 'c' the message was printed by the client, 's' by the server, 0 either. */
struct stack_fix {
    const char *id, *stack;
    char side;
    const char *fix;
};

#define GO_ROOTCAS                                                                              \
    "On the Go client, trust the CA that issued the server's chain in tls.Config.RootCAs:\n"   \
    "    pem, err := os.ReadFile(\"ca.pem\")\n"                                                  \
    "    pool := x509.NewCertPool()\n"                                                           \
    "    pool.AppendCertsFromPEM(pem)\n"                                                         \
    "    cfg := &tls.Config{RootCAs: pool}\n"                                                    \
    "(nil RootCAs means the system pool, which lacks private CAs.)"
#define GO_CLIENTCAS                                                                             \
    "On the Go server, trust the CA that issued the client certificates in tls.Config.ClientCAs " \
    "(not RootCAs, which only a client uses):\n"                                                  \
    "    pool := x509.NewCertPool()\n"                                                            \
    "    pool.AppendCertsFromPEM(clientCAPEM)\n"                                                  \
    "    cfg := &tls.Config{ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert}\n"       \
    "The client must send its intermediates with its certificate."
#define GO_FULLCHAIN                                                                             \
    "On the Go server, load the full chain into tls.Config.Certificates (leaf first, then the " \
    "intermediates, in one PEM file):\n"                                                          \
    "    cert, err := tls.LoadX509KeyPair(\"fullchain.pem\", \"server.key\")\n"                  \
    "    if err != nil { log.Fatal(err) }\n"                                                      \
    "    cfg := &tls.Config{Certificates: []tls.Certificate{cert}}\n"                             \
    "Each tls.Certificate.Certificate entry is one DER certificate the server sends."
#define GO_CLIENTCERT                                                                            \
    "On the Go client, present a certificate from a CA in the server's ClientCAs, in "          \
    "tls.Config.Certificates or, to choose per request, GetClientCertificate:\n"                  \
    "    cert, err := tls.LoadX509KeyPair(\"client-fullchain.pem\", \"client.key\")\n"           \
    "    cfg := &tls.Config{GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {\n" \
    "        return &cert, nil\n"                                                                 \
    "    }}\n"                                                                                    \
    "It needs the clientAuth extended key usage."

static const struct stack_fix fixes[] = {
    /* ---- Go: every entry names the tls.Config / x509.CertPool field, with 3-6 lines of code ---- */
    { "unknown-authority", "go", 'c', GO_ROOTCAS },
    { "self-signed", "go", 'c', GO_ROOTCAS },
    { "missing-intermediate", "go", 'c',
      "The server must send its intermediate: Go never downloads it. " GO_FULLCHAIN },
    { "missing-intermediate", "go", 's', GO_FULLCHAIN },
    { "client-cert-rejected", "go", 's', GO_CLIENTCAS },
    { "client-cert-rejected", "go", 'c',
      "The server does not accept this client's certificate. " GO_CLIENTCERT
      " On a Go server, its CA belongs in tls.Config.ClientCAs." },
    { "client-cert-required", "go", 'c', GO_CLIENTCERT },
    { "client-cert-required", "go", 's',
      "The Go server asks for a certificate (tls.Config.ClientAuth is RequireAnyClientCert or "
      "RequireAndVerifyClientCert) and the client sent none: configure the client's tls.Config.Certificates (or "
      "GetClientCertificate) with a certificate from a CA in the server's ClientCAs:\n"
      "    // server\n"
      "    srvCfg := &tls.Config{ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert}\n"
      "    // client\n"
      "    cliCfg := &tls.Config{Certificates: []tls.Certificate{clientCert}}" },
    { "server-cert-rejected", "go", 's',
      "The client does not accept this server's certificate: serve a chain the client trusts, covering the name "
      "it asks for, in date. " GO_FULLCHAIN " On a Go client, its CA belongs in tls.Config.RootCAs." },
    { "server-cert-rejected", "go", 'c', GO_ROOTCAS },
    { "hostname-mismatch", "go", 'c',
      "Reissue the server certificate with a subjectAltName for the name or address the client dials: DNS:NAME for a "
      "name, IP:ADDR for an IP address (Go never matches an IP against DNS names, nor a name against the Common "
      "Name). Or dial a name the certificate covers, and set it as the name to check (tls.Config.ServerName):\n"
      "    cfg := &tls.Config{\n"
      "        ServerName: \"name.in.cert\", // SNI and the name verified\n"
      "        RootCAs:    pool,\n"
      "    }" },
    { "cn-only", "go", 'c',
      "Go >= 1.15 ignores the Common Name and nothing in tls.Config brings it back: reissue with a subjectAltName. "
      "With crypto/x509 (a test CA) that is the template's DNSNames / IPAddresses:\n"
      "    tmpl := &x509.Certificate{\n"
      "        DNSNames:    []string{\"name.example\"},\n"
      "        IPAddresses: []net.IP{net.ParseIP(\"10.0.0.7\")},\n"
      "    }" },
    { "expired", "go", 0,
      "Renew the certificate and reload it (tls.Config.Certificates, or GetCertificate to reload without a "
      "restart):\n"
      "    cfg := &tls.Config{GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {\n"
      "        return current.Load(), nil // swapped in by your renewal job\n"
      "    }}\n"
      "Go judges dates by tls.Config.Time (time.Now when nil): check the clock." },
    { "not-yet-valid", "go", 0,
      "Check the clock of the machine that rejects it: Go judges dates by tls.Config.Time (time.Now when nil), and "
      "only tests should set it. If the clock is right, reissue with a notBefore in the past:\n"
      "    tmpl := &x509.Certificate{\n"
      "        NotBefore: time.Now().Add(-time.Hour), // allow for clock skew\n"
      "        NotAfter:  time.Now().Add(90 * 24 * time.Hour),\n"
      "    }" },
    { "wrong-key-usage", "go", 0,
      "Reissue with the right usage: ExtKeyUsage serverAuth for a server, clientAuth for a client; an issuer needs "
      "IsCA and KeyUsageCertSign (crypto/x509 template fields):\n"
      "    leaf := &x509.Certificate{ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}\n"
      "    ca := &x509.Certificate{IsCA: true, BasicConstraintsValid: true,\n"
      "        KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}" },
    { "key-mismatch", "go", 0,
      "Load the certificate and key that belong together; tls.LoadX509KeyPair checks it for you (a hand-built "
      "tls.Certificate does not):\n"
      "    cert, err := tls.LoadX509KeyPair(\"fullchain.pem\", \"key.pem\") // certificate first, then key\n"
      "    if err != nil { log.Fatal(err) } // \"private key does not match public key\"\n"
      "    cfg := &tls.Config{Certificates: []tls.Certificate{cert}}" },
    { "protocol-version-mismatch", "go", 0,
      "Allow a version both sides speak: tls.Config.MinVersion / MaxVersion (Go's default minimum is TLS 1.2); "
      "upgrade the other side if it only speaks TLS 1.0/1.1:\n"
      "    cfg := &tls.Config{\n"
      "        MinVersion: tls.VersionTLS12, // no MaxVersion: TLS 1.3 too\n"
      "    }" },
    { "no-shared-cipher", "go", 0,
      "Leave tls.Config.CipherSuites and CurvePreferences nil (Go's defaults fit every current peer), or add what "
      "the peer offers (TLS 1.3 suites are not configurable in Go):\n"
      "    cfg := &tls.Config{\n"
      "        CipherSuites:     nil, // Go's defaults\n"
      "        CurvePreferences: nil,\n"
      "    }" },
    { "not-tls", "go", 'c',
      "The port does not serve TLS: use http:// for a plain HTTP port, or the TLS port for https://. A Go server "
      "serves TLS with its certificate files (tls.Config.Certificates filled from them):\n"
      "    srv := &http.Server{Addr: \":8443\", Handler: mux}\n"
      "    // Certificates loaded from the two files:\n"
      "    log.Fatal(srv.ListenAndServeTLS(\"fullchain.pem\", \"key.pem\"))" },
    { "not-tls", "go", 's',
      "A client sent plain HTTP (or another protocol) to this TLS port: make it use https:// (or the plain-HTTP "
      "port). Nothing to change on the Go server; a scanner or an http:// health check also causes this line. To "
      "keep them out of the log, give the server its own logger:\n"
      "    srv := &http.Server{\n"
      "        ErrorLog: log.New(io.Discard, \"\", 0), // or a filtering writer\n"
      "    }" },
    { "connection-reset", "go", 's',
      "The client hung up during the handshake. A load balancer's TCP health check does this every few seconds "
      "(point it at an HTTPS check), a client that silently rejects the certificate does it too: run 'tlsprobe "
      "connect' against this server to see what clients see. To filter the log lines:\n"
      "    srv := &http.Server{\n"
      "        // w: an io.Writer that drops lines ending in \": EOF\"\n"
      "        ErrorLog: log.New(w, \"\", log.LstdFlags),\n"
      "    }" },
    { "connection-reset", "go", 'c',
      "The server closed the connection without an alert: check its log for the reason (a TLS 1.2 server that wants "
      "a client certificate, an SNI name it does not know, a version it refuses). Offer a certificate if it wants "
      "one, and send the name it expects:\n"
      "    cfg := &tls.Config{\n"
      "        ServerName:   \"name.the.server.knows\",\n"
      "        Certificates: []tls.Certificate{clientCert},\n"
      "    }" },
    { "timeout", "go", 'c',
      "Find out why the handshake stalls (tlsprobe connect shows where); if the server is just slow, raise the "
      "transport's limit:\n"
      "    tr := &http.Transport{TLSHandshakeTimeout: 30 * time.Second}\n"
      "    client := &http.Client{Transport: tr, Timeout: time.Minute}\n"
      "    resp, err := client.Get(url)" },
    { "timeout", "go", 's',
      "The client did not finish the handshake in time: a slow or stuck client, or a deadline set too short on the "
      "Go server:\n"
      "    srv := &http.Server{\n"
      "        ReadHeaderTimeout: 10 * time.Second, // includes the TLS handshake\n"
      "    }" },

    /* ---- OpenSSL (s_client / s_server and the C API) ---- */
    { "unknown-authority", "openssl", 'c',
      "Give the client the CA: openssl s_client -CAfile ca.pem (C: SSL_CTX_load_verify_locations(ctx, \"ca.pem\", "
      "NULL)), or install it in the system store (update-ca-certificates)." },
    { "missing-intermediate", "openssl", 0,
      "Make the server send its intermediate: s_server -cert leaf.pem -cert_chain int.pem (nginx: ssl_certificate "
      "fullchain.pem; C: SSL_CTX_use_certificate_chain_file)." },
    { "client-cert-rejected", "openssl", 's',
      "Trust the client's CA on the server: s_server -Verify 1 -CAfile client-ca.pem (nginx: ssl_client_certificate "
      "client-ca.pem; C: SSL_CTX_load_verify_locations + SSL_CTX_set_client_CA_list)." },
    { "client-cert-rejected", "openssl", 'c',
      "Send a certificate from a CA the server trusts, with its intermediates: s_client -cert client.pem -key "
      "client.key -cert_chain client-int.pem." },
    { "client-cert-required", "openssl", 0,
      "Give the client a certificate: s_client -cert client.pem -key client.key (C: SSL_CTX_use_certificate_chain_file "
      "+ SSL_CTX_use_PrivateKey_file)." },
    { "server-cert-rejected", "openssl", 0,
      "Serve the full chain from a CA the clients trust, for the name they use: s_server -cert leaf.pem -cert_chain "
      "int.pem; nginx: ssl_certificate fullchain.pem." },
    { "hostname-mismatch", "openssl", 0,
      "Reissue with the name clients use: openssl req ... -addext 'subjectAltName=DNS:NAME' (IP:ADDR for an IP "
      "address); check with s_client -verify_hostname NAME (or -verify_ip ADDR)." },
    { "key-mismatch", "openssl", 0,
      "Compare the two public keys: openssl x509 -in cert.pem -noout -pubkey and openssl pkey -in key.pem -pubout must "
      "print the same key." },
    { "protocol-version-mismatch", "openssl", 0,
      "Allow TLS 1.2 and 1.3 on both sides: -tls1_2 / -tls1_3 pin one version; in openssl.cnf MinProtocol = TLSv1.2." },

    /* ---- curl ---- */
    { "unknown-authority", "curl", 'c', "curl --cacert ca.pem https://HOST/ (or add the CA to the system store: "
                                        "update-ca-certificates; curl --capath DIR)." },
    { "self-signed", "curl", 'c', "curl --cacert server-cert.pem https://HOST/ trusts exactly that certificate." },
    { "missing-intermediate", "curl", 'c',
      "curl does not fetch missing intermediates: the server must send them (fullchain.pem). Meanwhile curl --cacert "
      "with the intermediate and root in one file works." },
    { "client-cert-required", "curl", 'c', "curl --cert client.pem --key client.key https://HOST/" },
    { "client-cert-rejected", "curl", 'c',
      "curl --cert client-fullchain.pem --key client.key with a certificate from a CA the server trusts (clientAuth "
      "usage)." },
    { "hostname-mismatch", "curl", 'c',
      "Use a name the certificate covers, or reissue it with DNS:NAME (IP:ADDR for an IP); to test a name on another "
      "address: curl --resolve NAME:443:ADDR https://NAME/." },
    { "not-tls", "curl", 'c', "Use http:// for a plain-HTTP port and https:// only on the TLS port." },

    /* ---- Python (ssl, requests) ---- */
    { "unknown-authority", "python", 'c',
      "ctx = ssl.create_default_context(cafile=\"ca.pem\") (requests: verify=\"ca.pem\" or REQUESTS_CA_BUNDLE)." },
    { "self-signed", "python", 'c', "ssl.create_default_context(cafile=\"server-cert.pem\") (requests: verify=...)." },
    { "missing-intermediate", "python", 'c',
      "Python does not fetch intermediates: the server must send them. Meanwhile cafile= with intermediate and root."
    },
    { "client-cert-rejected", "python", 's',
      "ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.verify_mode = ssl.CERT_REQUIRED; "
      "ctx.load_verify_locations(\"client-ca.pem\")" },
    { "client-cert-rejected", "python", 'c',
      "ctx.load_cert_chain(\"client-fullchain.pem\", \"client.key\") with a certificate from a CA the server trusts "
      "(requests: cert=(\"client.pem\", \"client.key\"))." },
    { "client-cert-required", "python", 'c',
      "ctx.load_cert_chain(\"client.pem\", \"client.key\") (requests: cert=(\"client.pem\", \"client.key\"))." },
    { "key-mismatch", "python", 0, "ctx.load_cert_chain(certfile, keyfile): the key must be the certificate's, both PEM." },

    /* ---- Node.js ---- */
    { "unknown-authority", "node", 'c',
      "tls.connect({ ca: fs.readFileSync(\"ca.pem\") }) or NODE_EXTRA_CA_CERTS=ca.pem for the whole process." },
    { "self-signed", "node", 'c', "tls.connect({ ca: fs.readFileSync(\"server-cert.pem\") })." },
    { "missing-intermediate", "node", 'c',
      "Node does not fetch intermediates: the server must send them (cert: fullchain.pem)." },
    { "client-cert-rejected", "node", 's',
      "tls.createServer({ requestCert: true, rejectUnauthorized: true, ca: fs.readFileSync(\"client-ca.pem\") })." },
    { "client-cert-rejected", "node", 'c',
      "tls.connect({ cert: fs.readFileSync(\"client.pem\"), key: fs.readFileSync(\"client.key\") }) with a "
      "certificate from a CA the server trusts." },
    { "client-cert-required", "node", 'c',
      "tls.connect({ cert: fs.readFileSync(\"client.pem\"), key: fs.readFileSync(\"client.key\") })." },

    /* ---- Java ---- */
    { "unknown-authority", "java", 'c',
      "keytool -importcert -alias myca -file ca.pem -keystore truststore.p12, then "
      "-Djavax.net.ssl.trustStore=truststore.p12 (or add it to the JDK's cacerts)." },
    { "missing-intermediate", "java", 'c',
      "Java does not fetch intermediates by default (-Dcom.sun.security.enableAIAcaIssuers=true): the server must "
      "send them." },
    { "client-cert-rejected", "java", 's',
      "Put the client CA in the server's truststore (-Djavax.net.ssl.trustStore) and setNeedClientAuth(true)." },
    { "client-cert-rejected", "java", 'c',
      "-Djavax.net.ssl.keyStore=client.p12 -Djavax.net.ssl.keyStorePassword=... with a certificate from a CA the "
      "server trusts." },
    { "client-cert-required", "java", 'c',
      "-Djavax.net.ssl.keyStore=client.p12 -Djavax.net.ssl.keyStorePassword=... (a KeyManager with the client key)." },

    /* ---- .NET ---- */
    { "unknown-authority", "dotnet", 'c',
      "Install the CA in the trusted root store (Linux: /usr/local/share/ca-certificates + update-ca-certificates; "
      "Windows: Trusted Root Certification Authorities), or set X509ChainPolicy.CustomTrustStore with "
      "TrustMode = X509ChainTrustMode.CustomRootTrust." },
    { "client-cert-rejected", "dotnet", 's',
      "SslServerAuthenticationOptions { ClientCertificateRequired = true } and trust the client CA "
      "(CertificateChainPolicy with a CustomTrustStore)." },
    { "client-cert-required", "dotnet", 'c',
      "HttpClientHandler { ClientCertificates = { X509Certificate2.CreateFromPemFile(\"client.pem\", \"client.key\") } }." },

    /* ---- GnuTLS ---- */
    { "unknown-authority", "gnutls", 'c', "gnutls-cli --x509cafile ca.pem HOST (C: gnutls_certificate_set_x509_trust_file)." },
    { "client-cert-rejected", "gnutls", 's',
      "gnutls-serv --require-client-cert --x509cafile client-ca.pem ... (C: gnutls_certificate_set_x509_trust_file "
      "on the server's credentials)." },
    { "client-cert-required", "gnutls", 'c', "gnutls-cli --x509certfile client.pem --x509keyfile client.key HOST" },
    { "client-cert-rejected", "gnutls", 'c',
      "gnutls-cli --x509certfile client.pem --x509keyfile client.key with a certificate from a CA the server trusts." },

    /* ---- browsers ---- */
    { "unknown-authority", "browser", 'c',
      "For a private CA, import its root into the OS or browser store (Firefox: Settings > Certificates > Import). "
      "For a public site, the server needs a publicly trusted certificate." },
    { "missing-intermediate", "browser", 'c',
      "Browsers often recover (AIA fetch, cache), other clients do not: make the server send its intermediate." },
    { "client-cert-required", "browser", 'c',
      "Import the client certificate with its key (a .p12) into the browser or OS store and pick it when asked." },
};

const char *tp_explain_stack_fix(const char *rule_id, const char *stack, enum tp_explain_side side)
{
    if (!rule_id || !stack)
        return NULL;
    if (!strcmp(rule_id, "tls-inspection")) /* the fix is the same: trust that CA in the stack's store */
        rule_id = "unknown-authority";
    char want = side == TP_EXPLAIN_SIDE_SERVER ? 's' : side == TP_EXPLAIN_SIDE_CLIENT ? 'c' : 0;
    const char *any = NULL;
    for (size_t i = 0; i < sizeof fixes / sizeof fixes[0]; i++) {
        if (strcmp(fixes[i].id, rule_id) || strcmp(fixes[i].stack, stack))
            continue;
        if (fixes[i].side == want)
            return fixes[i].fix;
        if (!fixes[i].side || !want)
            any = any ? any : fixes[i].fix;
    }
    return any;
}

char *tp_explain_in_words(const struct tp_explain_match *m, char *out, size_t n)
{
    if (!n)
        return out;
    out[0] = '\0';
    if (!m->rule_id)
        return out;
    const char *side = tp_explain_side_name(m->side);
    const char *peer = tp_explain_side_name(m->peer);
    if (!side)
        return out;
    size_t o = 0;
#define ADD(...)                                                                 \
    do {                                                                         \
        if (o < n) {                                                             \
            int k_ = snprintf(out + o, n - o, __VA_ARGS__);                      \
            o += k_ > 0 ? (size_t)k_ : 0;                                        \
        }                                                                        \
    } while (0)
    if (m->side_given)
        ADD("Printed by the %s (as --side says).", side);
    else if (m->side_inferred)
        ADD("Printed by the %s (its own error or log).", side);
    else
        ADD("Read as the %s's message (nothing in the text says which side printed it; --side server if it "
            "came from a server's log).", side);
    const char *id = m->rule_id;
    if (m->alert_known) {
        const char *from = tp_explain_side_name(m->alert_from);
        const char *an = tp_name_alert(m->alert);
        ADD(" The %s sent the alert %s (%u)%s.", from ? from : "peer", an ? an : "?", m->alert,
            m->alert_from == m->side ? ": this side ended the handshake" : "");
    }
    if (!strcmp(id, "server-cert-rejected"))
        ADD(" The client rejected the server's certificate: the fix is on the server (its chain) or in the client's "
            "trust store.");
    else if (!strcmp(id, "client-cert-rejected"))
        ADD(" The server rejected the client's certificate: the fix is the client's certificate or the server's "
            "client-CA list.");
    else if (!strcmp(id, "client-cert-required"))
        ADD(" The server wants a client certificate and the client sent none.");
    else if (!strcmp(id, "key-mismatch") && m->cert_of)
        ADD(" The %s's private key does not match its certificate%s.", tp_explain_side_name(m->cert_of),
            m->alert_known ? " (its handshake signature did not verify)" : "");
    else if (m->cert_of && m->cert_of != m->side)
        ADD(" The %s judged the %s's certificate and rejected it.", side, tp_explain_side_name(m->cert_of));
    else if (!strcmp(id, "not-tls"))
        ADD(m->side == TP_EXPLAIN_SIDE_SERVER ? " The client did not speak TLS to this TLS port (plain HTTP?)."
                                              : " The server's answer is not TLS (a plain-HTTP port?).");
    else if (!strcmp(id, "connection-reset") && m->side == TP_EXPLAIN_SIDE_SERVER)
        ADD(" The client hung up without an alert: a health check or port probe, or a client that rejected the "
            "certificate silently.");
    else if (!strcmp(id, "connection-reset"))
        ADD(" The %s hung up without an alert.", peer ? peer : "peer");
    else if (m->alert_known && m->alert_from != m->side)
        ADD(" The %s refused the handshake.", peer ? peer : "peer");
#undef ADD
    return out;
}
