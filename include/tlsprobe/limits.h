/* Every limit in one place, each with why. docs/limits.md mirrors this file
 * (a test checks that every TP_MAX_* here is documented there).
 *
 * Owns: every limit (module core).
 */
#ifndef TLSPROBE_LIMITS_H
#define TLSPROBE_LIMITS_H

/* RFC 8446 §5.2: TLSCiphertext.length MUST NOT exceed 2^14 + 256; RFC 5246 §6.2.3
 * allows 2^14 + 2048 for TLS 1.2 ciphertext. We accept the larger. */
#define TP_MAX_RECORD_LEN        (16384 + 2048)
/* A handshake message's 24-bit length may claim 16 MiB. Real chains are < 64 KiB;
 * OpenSSL's default max_cert_list is 100 KiB. 256 KiB leaves room for absurd but
 * real chains while capping what a hostile peer makes us buffer per message. */
#define TP_MAX_HANDSHAKE_MSG     (256 * 1024)
/* Certificates kept per chain. Real chains have 2-5; RFC 5280 sets no limit;
 * OpenSSL's default verify depth is 100. Beyond this we count and drop. */
#define TP_MAX_CHAIN_CERTS       32
/* Path building (x509/verify.c). Certificates a verification takes as
 * candidates from the chain as sent (a TLS Certificate message within
 * TP_MAX_HANDSHAKE_MSG holds at most a few hundred); more are counted, reported
 * as a finding and not used. */
#define TP_MAX_VERIFY_CERTS      256
/* Certificates in one built path: RFC 5280 sets no limit; real paths have 2-5;
 * OpenSSL's default depth is 100, Chrome's path builder stops at 40ish. */
#define TP_MAX_PATH_DEPTH        (TP_MAX_CHAIN_CERTS + 4)
/* Signature checks one path search may make (each link's result is cached):
 * Go stops at 100; a hostile chain of cross-signed look-alikes otherwise costs
 * n^2 checks. */
#define TP_MAX_PATH_SIG_CHECKS   400
/* Wall time one path search may take, in milliseconds (x509-limbo's
 * denial-of-service cases must end well under a second). */
#define TP_MAX_PATH_MS           800
/* Complete candidate paths judged per search (each may fail a check; a valid
 * one ends the search). */
#define TP_MAX_PATHS_TRIED       64
/* Name-constraint comparisons per path (Go: 250,000). */
#define TP_MAX_NC_CHECKS         100000
/* Extensions kept per hello/EE/Certificate entry. Types are 16-bit, each unique
 * (RFC 8446 §4.2), real ClientHellos carry < 30. */
#define TP_MAX_EXTENSIONS        64
/* Cipher suites kept per ClientHello (2^16/2 possible; browsers offer < 100). */
#define TP_MAX_CIPHER_SUITES     256
/* Entries kept for each list in an extension (groups, sig algs, ALPN, versions,
 * key shares, PSK identities, CA names...). */
#define TP_MAX_LIST_ITEMS        64
/* Messages recorded per session (a renegotiation / KeyUpdate storm is counted,
 * not stored). */
#define TP_MAX_SESSION_MESSAGES  256
/* Alerts stored per session (an alert storm is counted beyond this). */
#define TP_MAX_SESSION_ALERTS    32
/* Host names (RFC 1035: 253 characters) and SNI values. */
#define TP_MAX_NAME_LEN          255
/* Bytes of TCP payload buffered per flow direction while waiting for a record
 * to complete (a full record + a handshake message that spans records). */
#define TP_MAX_FLOW_BUFFER       (TP_MAX_HANDSHAKE_MSG + TP_MAX_RECORD_LEN)
/* Out-of-order TCP segments held per flow direction. */
#define TP_MAX_OOO_SEGMENTS      64
/* Flows tracked at once; the least recently active is evicted beyond this. */
#define TP_MAX_FLOWS             65536
/* Bytes the tracked flows of a capture may hold at once (sessions, decoder and
 * TCP buffers; the flow structs are bounded by TP_MAX_FLOWS): over it the least
 * recently active flow is evicted (pcap --max-flow-memory). */
#define TP_MAX_FLOW_MEMORY       ((size_t)64 << 20)
/* Output buffers (one rendered session) hard cap. */
#define TP_MAX_OUTPUT            (4 * 1024 * 1024)
/* Files read by inspect/check (a PEM bundle of a big CA store is ~250 KiB). */
#define TP_MAX_INPUT_FILE        (16 * 1024 * 1024)
/* AIA caIssuers fetch: size and time. */
#define TP_MAX_AIA_BYTES         (64 * 1024)
#define TP_AIA_TIMEOUT_MS        3000
/* connect --starttls: the plain-text exchange before TLS (greeting, capability
 * lists, the upgrade): bytes read in all, one line's length, lines kept. */
#define TP_MAX_PLAIN_BYTES       (64 * 1024)
#define TP_MAX_PLAIN_LINE        1024
#define TP_MAX_PLAIN_LINES       64
/* connect: after our close_notify, how long to wait for the peer's close_notify
 * and FIN (loopback answers in well under 1 ms; a far server in one RTT). */
#define TP_CLOSE_WAIT_MS         200
/* Key log lines kept (one per secret per session). */
#define TP_MAX_KEYLOG_ENTRIES    (1024 * 1024)

/* listen: worker threads serving clients at once (one connection each, from
 * accept to report), not counting those that only wait after the handshake for
 * the client's request (--linger). A new client waits (in the kernel's accept
 * backlog) only when all are busy. Why not more: each busy thread may grow
 * wolfSSL's per-thread ECC cache (FP_ECC, measured ~8 MiB under TLS 1.2 P-256
 * ECDHE), so 64 bounds that to ~0.5 GiB at full load; idle workers are reused
 * most-recent-first, so a light load touches only a few. */
#define TP_MAX_LISTEN_WORKERS    64

/* listen: threads in all, counting the workers that wait after the handshake
 * for the client's request (a KeyUpdate flood, a client that never asks): such a
 * worker frees its ECC cache and stops counting against TP_MAX_LISTEN_WORKERS
 * once it has waited LISTEN_SPIN_MS, so up to this many clients can keep a
 * worker through --linger without new clients waiting for one. */
#define TP_MAX_LISTEN_THREADS    256

/* connect/listen: raw TLS bytes recorded per direction per connection. A real
 * handshake (even with a 100 KiB chain) is far below; a hostile peer (16 MB
 * length claims, 10,000 certificates, an endless stream) is cut here, so memory
 * stays bounded. Above TP_MAX_FLOW_BUFFER so the decoder, not this cap, reports
 * an oversized handshake message first. */
#define TP_MAX_PROBE_RECORDED    (2 * 1024 * 1024)

/* explain: text read from one message (a pasted Java stack trace is a few KiB;
 * the stable part of any message is in its first lines). Keeps matching, which
 * is O(pattern x text) per table entry, fast on hostile input. */
#define TP_MAX_EXPLAIN_TEXT      (64 * 1024)

/* Certificate summaries cached across sessions (keyed by their DER):
 * a capture repeats the same few server chains across thousands of sessions
 * and tp_cert_parse verifies a signature each time (~0.3 ms). 1024 entries of
 * ~3 KiB bound the cache near 3 MiB; entries in use are never evicted. */
#define TP_MAX_CERT_CACHE        1024
/* subjectAltNames kept per certificate or CSR (x509). CDN certificates carry a few
 * hundred; beyond this they are counted (tp_cert_info.n_san_total), not stored. */
#define TP_MAX_CERT_SANS         1024
/* connect/listen: TLS 1.3 record keys kept per connection next to its secrets
 * (tp_keylog_add_traffic_key); more are derived as usual. */
#define TP_KEYLOG_TRAFFIC_KEYS   8
/* RSA private keys a key log holds (pcap/sniff --key). */
#define TP_KEYLOG_RSA_KEYS       16
/* Pre-shared keys a key log holds (pcap/sniff --psk), and their longest length. */
#define TP_KEYLOG_PSKS           16
#define TP_PSK_MAX               64
/* listen: inner plaintexts of our own TLS 1.3 AES-GCM records, as wolfSSL sealed
 * them (tp_keylog_add_own_record), kept per connection: a handshake flight and a
 * ticket are ~8 records and ~2 KB; beyond these the records are decrypted as usual. */
#define TP_KEYLOG_OWN_RECORDS    16
#define TP_KEYLOG_OWN_BYTES      (64 * 1024)
/* Objects (PEM blocks) read from one file by inspect/--cafile/--chain (x509). A CA
 * bundle has ~150; a file of tiny bogus blocks could otherwise make ~500,000 objects
 * out of TP_MAX_INPUT_FILE. */
#define TP_MAX_FILE_OBJECTS      8192

/* --pass: a password read from pass:, env:, file:, fd: or stdin (x509/pass.c), as
 * OpenSSL's PEM_BUFSIZE; a longer one is refused rather than cut. */
#define TP_MAX_PASS_LEN          1024
/* PKCS#12 (x509/p12.c): safes in the AuthenticatedSafe and bags in all of them.
 * openssl pkcs12 -export writes 2 safes and one bag per certificate and key; a
 * Windows export of a long chain ~10 bags. */
#define TP_MAX_P12_SAFES         16
#define TP_MAX_P12_BAGS          64
/* PKCS#12 and PBES2 iteration counts we run (MAC and each encryption): OpenSSL's
 * default is 2048, OWASP asks 600,000 for PBKDF2-SHA256. A hostile file with 2^31
 * would keep a key-derivation busy for an hour; beyond this it is refused. */
#define TP_MAX_P12_ITERATIONS    1000000

/* The public trust-store data file (x509/truststores.c, docs/trust-stores.md):
 * today ~180 KB and ~760 roots, one line each; room for the stores to grow ten-fold. */
#define TP_MAX_TRUST_DATA_FILE   (4 * 1024 * 1024)
#define TP_MAX_TRUST_ROOTS       16384
/* Certificate Transparency (x509/sct.c): SCTs decoded per list (a certificate
 * carries 2-5; Chrome's policy asks at most 3), SCTs judged per certificate over
 * all three sources (embedded, TLS extension, OCSP), and logs in a log list file
 * (Google's list holds ~100 logs, most retired). */
#define TP_MAX_SCTS              16
#define TP_MAX_CT_SCTS           24
#define TP_MAX_CT_LOGS           512
/* OCSP responses (x509/ocsp.c): SingleResponses kept per response (a stapled one
 * has 1, a CA's batch response a few dozen) and certificates of its certs field
 * (a delegated responder and perhaps its issuer); more are counted, not kept. */
#define TP_MAX_OCSP_SINGLES      64
#define TP_MAX_OCSP_CERTS        8

/* CRL entries kept for display per CRL (x509/crl.c); a look-up reads them all
 * from the DER, so a CA's 100,000-entry CRL is still searched in full. */
#define TP_MAX_CRL_ENTRIES       1024

/* DTLS in captures (docs/capture.md#dtls-over-udp): handshake messages of one
 * direction being reassembled at once (later ones wait), DTLS flows open at once
 * (the oldest is evicted), and how long (capture time) a flow may be silent. */
#define TP_DTLS_REASM_SLOTS      8
#define TP_UDP_MAX_FLOWS         1024
#define TP_UDP_IDLE_US           (60 * 1000000LL)
/* What the open DTLS flows' sessions may hold together (reassembly, transcripts);
 * above it the least recently active flow is ended early (as an eviction). */
#define TP_UDP_MAX_MEMORY        (32u << 20)

#endif
