#!/usr/bin/env python3
"""Build corpus.tsv: the hand-collected messages (messages.txt) plus one row per
TLS alert per stack, written with each stack's own format string:
  Go         crypto/tls conn.go: "remote error: tls: " + alertText[a]; net/http server.go:
             "http: TLS handshake error from %s: %v"
  OpenSSL    ssl_err.c reason texts, as Python prints them ("[SSL: CODE] reason (_ssl.c:N)")
             and nginx logs them ("SSL_do_handshake() failed (SSL: error:0A0004xx:...:SSL alert number N)")
  Java       sun.security.ssl.Alert: "Received fatal alert: " + name
  GnuTLS     gnutls-cli: "*** Received alert [%d]: %s" with gnutls_alert_get_name
  .NET       SR.net_auth_tls_alert: "Authentication failed because the remote party sent a TLS alert: '%s'."
The expected finding follows RFC 8446 §6.2: a certificate alert is about the
receiver's certificate. Run: python3 make_corpus.py > corpus.tsv"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))

# code, iana, go, openssl reason, gnutls name, .NET name
ALERTS = [
    (10, "unexpected_message", "unexpected message", "sslv3 alert unexpected message", "Unexpected message", "UnexpectedMessage"),
    (20, "bad_record_mac", "bad record MAC", "sslv3 alert bad record mac", "Bad record MAC", "BadRecordMac"),
    (21, "decryption_failed", "decryption failed", "tlsv1 alert decryption failed", "Decryption failed", None),
    (22, "record_overflow", "record overflow", "tlsv1 alert record overflow", "Record overflow", "RecordOverflow"),
    (30, "decompression_failure", "decompression failure", "sslv3 alert decompression failure", "Decompression failed", None),
    (40, "handshake_failure", "handshake failure", "sslv3 alert handshake failure", "Handshake failed", "HandshakeFailure"),
    (41, "no_certificate", None, None, "No certificate (SSL 3.0)", None),
    (42, "bad_certificate", "bad certificate", "sslv3 alert bad certificate", "Certificate is bad", "BadCertificate"),
    (43, "unsupported_certificate", "unsupported certificate", "sslv3 alert unsupported certificate", "Certificate is not supported", "UnsupportedCert"),
    (44, "certificate_revoked", "revoked certificate", "sslv3 alert certificate revoked", "Certificate was revoked", "CertificateRevoked"),
    (45, "certificate_expired", "expired certificate", "sslv3 alert certificate expired", "Certificate is expired", "CertificateExpired"),
    (46, "certificate_unknown", "unknown certificate", "sslv3 alert certificate unknown", "Unknown certificate", "CertificateUnknown"),
    (47, "illegal_parameter", "illegal parameter", "sslv3 alert illegal parameter", "Illegal parameter", "IllegalParameter"),
    (48, "unknown_ca", "unknown certificate authority", "tlsv1 alert unknown ca", "CA is unknown", "UnknownCA"),
    (49, "access_denied", "access denied", "tlsv1 alert access denied", "Access was denied", "AccessDenied"),
    (50, "decode_error", "error decoding message", "tlsv1 alert decode error", "Decode error", "DecodeError"),
    (51, "decrypt_error", "error decrypting message", "tlsv1 alert decrypt error", "Decrypt error", "DecryptError"),
    (60, "export_restriction", "export restriction", "tlsv1 alert export restriction", "Export restriction", None),
    (70, "protocol_version", "protocol version not supported", "tlsv1 alert protocol version", "Error in protocol version", "ProtocolVersion"),
    (71, "insufficient_security", "insufficient security level", "tlsv1 alert insufficient security", "Insufficient security", "InsufficientSecurity"),
    (80, "internal_error", "internal error", "tlsv1 alert internal error", "Internal error", "InternalError"),
    (86, "inappropriate_fallback", "inappropriate fallback", "tlsv1 alert inappropriate fallback", "Inappropriate fallback", None),
    (90, "user_canceled", "user canceled", "tlsv1 alert user cancelled", "User canceled", "UserCanceled"),
    (100, "no_renegotiation", "no renegotiation", "tlsv1 alert no renegotiation", "No renegotiation is allowed", "NoRenegotiation"),
    (109, "missing_extension", "missing extension", "tlsv13 alert missing extension", "An extension was expected but was not seen", None),
    (110, "unsupported_extension", "unsupported extension", "tlsv1 unsupported extension", "An unsupported extension was sent", None),
    (111, "certificate_unobtainable", "certificate unobtainable", "tlsv1 certificate unobtainable", "Could not retrieve the specified certificate", None),
    (112, "unrecognized_name", "unrecognized name", "tlsv1 unrecognized name", "The server name sent was not recognized", None),
    (113, "bad_certificate_status_response", "bad certificate status response", "tlsv1 bad certificate status response", "Bad certificate status response", None),
    (114, "bad_certificate_hash_value", "bad certificate hash value", "tlsv1 bad certificate hash value", "Bad certificate hash value", None),
    (115, "unknown_psk_identity", "unknown PSK identity", None, "The SRP/PSK username is missing or not known", None),
    (116, "certificate_required", "certificate required", "tlsv13 alert certificate required", "Certificate is required", None),
    (120, "no_application_protocol", "no application protocol", "tlsv1 alert no application protocol", "No supported application protocol could be negotiated", None),
    (121, "ech_required", "encrypted client hello required", None, None, None),
]


def expect(code, sender):
    if code in (40, 71):
        return "no-shared-cipher"
    if code in (70, 86):
        return "protocol-version-mismatch"
    if code == 116:
        return "client-cert-required"
    if code in (42, 43, 44, 45, 46, 48):
        return "server-cert-rejected" if sender == "client" else "client-cert-rejected"
    if code == 51:
        return "key-mismatch"
    return "remote-alert"


def rows():
    out = []
    for code, iana, go, ossl, gnutls, dotnet in ALERTS:
        if go:
            out.append(("Go", "client", expect(code, "server"),
                        f'Get "https://svc.example:8443/api": remote error: tls: {go}'))
            out.append(("Go", "server", expect(code, "client"),
                        f"http: TLS handshake error from 192.0.2.10:53122: remote error: tls: {go}"))
        if ossl:
            out.append(("Python", "client", expect(code, "server"),
                        f"ssl.SSLError: [SSL: {ossl.upper().replace(' ', '_')}] {ossl} (_ssl.c:1006)"))
            out.append(("nginx", "server", expect(code, "client"),
                        f"SSL_do_handshake() failed (SSL: error:0A{1000 + code:06X}:SSL routines::{ossl}:SSL alert number {code}) "
                        f"while SSL handshaking, client: 198.51.100.7, server: 0.0.0.0:443"))
        if code != 121:
            out.append(("Java", "client", expect(code, "server"),
                        f"javax.net.ssl.SSLHandshakeException: Received fatal alert: {iana}"))
        if gnutls:
            out.append(("GnuTLS", "client", expect(code, "server"),
                        f"*** Fatal error: A TLS fatal alert has been received.\\n*** Received alert [{code}]: {gnutls}"))
        if dotnet:
            out.append((".NET", "client", expect(code, "server"),
                        f"System.Security.Authentication.AuthenticationException: Authentication failed because the remote "
                        f"party sent a TLS alert: '{dotnet}'."))
    return out


def main():
    print("# explain corpus (tests/explain/make_corpus.py): stack<TAB>side<TAB>finding<TAB>message")
    print("# side: client|server (which program printed it) or any (the text cannot say); finding '-': must not match.")
    print("# '\\n' in a message is a line break. Hand-collected rows first, then one row per alert per stack.")
    with open(os.path.join(HERE, "messages.txt"), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            stack, side, finding, msg = line.split("|", 3)
            print("\t".join((stack, side, finding, msg)))
    print("# per-alert rows")
    for r in rows():
        print("\t".join(r))


if __name__ == "__main__":
    main()
