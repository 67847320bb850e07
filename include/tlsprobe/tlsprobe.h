/* libtlsprobe: tlsprobe's probe, capture, check and explain as a C library.
 *
 * This is the one installed header of the library (the other headers under
 * include/tlsprobe/ are the modules' internal contracts and are not installed).
 * It is self-contained, C11 and C++ (extern "C"), and needs no other header of
 * tlsprobe, wolfSSL or libpcap. Link with `pkg-config --cflags --libs tlsprobe`.
 * Reference, stability promise and an example: docs/library.md.
 *
 * The model. Every entry point takes an optional options handle (NULL: the
 * defaults, the same as the command line's) and gives back a result handle: the
 * verdict (the CLI's exit status), the findings (stable ids from docs/rules.md,
 * severity, one-line title) and the whole report as the same JSON Lines the CLI
 * prints with --format json (docs/json.md, docs/schema/) or as the same text.
 *
 * Errors. Every function that can fail returns an int: TLSPROBE_OK (0) or one of
 * the TLSPROBE_ERR_* codes below (tlsprobe_strerror names them). A result is
 * also made for most failures, holding a one-line message for people
 * (tlsprobe_result_error): *res is NULL only for TLSPROBE_ERR_ARG with res NULL
 * and for TLSPROBE_ERR_NOMEM. A network failure of a probe (refused, timeout,
 * handshake failure) is not an error: it is a finding of the result.
 *
 * Memory. Strings passed in are copied; strings handed out belong to the handle
 * they come from and live until it is freed. Free every result with
 * tlsprobe_result_free and every options handle with tlsprobe_options_free
 * (both accept NULL).
 *
 * Threads. Every function may be called from several threads at once on
 * different handles; the library keeps no global state of its own. One handle
 * must not be used by two threads at the same time (accessors of a result fill
 * a cache on first use); an options handle that is no longer changed may be
 * shared by calls on several threads. tlsprobe_version and tlsprobe_strerror
 * return static strings and are always safe.
 */
#ifndef TLSPROBE_TLSPROBE_H
#define TLSPROBE_TLSPROBE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this header; tlsprobe_version() is the library's. The SONAME
 * (libtlsprobe.so.0) changes only when the ABI breaks (docs/library.md). */
#define TLSPROBE_VERSION_MAJOR 0
#define TLSPROBE_VERSION_MINOR 1
#define TLSPROBE_VERSION_PATCH 0
#define TLSPROBE_VERSION "0.1.0"

#if defined(__GNUC__) && !defined(TLSPROBE_NO_VISIBILITY)
#define TLSPROBE_API __attribute__((visibility("default")))
#else
#define TLSPROBE_API
#endif

/* Error codes (return values). The numbers are stable. */
#define TLSPROBE_OK 0
#define TLSPROBE_ERR_ARG 1      /* a NULL, empty or out-of-range argument */
#define TLSPROBE_ERR_NOMEM 2    /* out of memory */
#define TLSPROBE_ERR_IO 3       /* an input (file, trust store, key log) cannot be read */
#define TLSPROBE_ERR_INPUT 4    /* an input was read but is unusable (no certificate, corrupt capture) */
#define TLSPROBE_ERR_INTERNAL 5 /* anything else (a cryptographic library error) */

/* Severities of findings, and verdicts (= the CLI's exit status). */
#define TLSPROBE_SEVERITY_INFO 0
#define TLSPROBE_SEVERITY_WARNING 1
#define TLSPROBE_SEVERITY_ERROR 2
#define TLSPROBE_VERDICT_OK 0   /* nothing wrong (warnings may be present) */
#define TLSPROBE_VERDICT_FAIL 1 /* at least one finding of severity error */

/* tlsprobe_options_set_purpose */
#define TLSPROBE_PURPOSE_SERVER 0
#define TLSPROBE_PURPOSE_CLIENT 1
/* tlsprobe_options_set_side (explain: who printed the message) */
#define TLSPROBE_SIDE_UNKNOWN 0
#define TLSPROBE_SIDE_CLIENT 1
#define TLSPROBE_SIDE_SERVER 2

typedef struct tlsprobe_options tlsprobe_options;
typedef struct tlsprobe_result tlsprobe_result;

/* "0.1.0": the library's version at run time. */
TLSPROBE_API const char *tlsprobe_version(void);
/* One English line for an error code ("out of memory"); never NULL. */
TLSPROBE_API const char *tlsprobe_strerror(int code);

/* ---- options: a builder; every setter returns TLSPROBE_OK or TLSPROBE_ERR_ARG
 * (then the handle is unchanged). A setter that does not apply to an entry
 * point is ignored by it. Path and name arguments are copied; NULL resets. */
TLSPROBE_API tlsprobe_options *tlsprobe_options_new(void); /* NULL: out of memory */
TLSPROBE_API void tlsprobe_options_free(tlsprobe_options *o);
/* Trust anchors (connect, check, pcap): a PEM file, a directory of them.
 * Default: the system store (SSL_CERT_FILE / SSL_CERT_DIR honoured). */
TLSPROBE_API int tlsprobe_options_set_cafile(tlsprobe_options *o, const char *path);
TLSPROBE_API int tlsprobe_options_set_capath(tlsprobe_options *o, const char *path);
/* Candidate intermediates, never trusted as roots (connect, check): file or directory. */
TLSPROBE_API int tlsprobe_options_set_intermediates(tlsprobe_options *o, const char *path);
/* Fetch a missing issuer from the leaf's AIA URL: connect does by default,
 * check does not. on: 0 or 1. */
TLSPROBE_API int tlsprobe_options_set_aia(tlsprobe_options *o, int on);
/* Verify and judge dates as of this time (seconds since the epoch, > 0) instead of now. */
TLSPROBE_API int tlsprobe_options_set_time(tlsprobe_options *o, int64_t unix_seconds);
/* connect: SNI and the name to check (default: host; none for an IP literal). */
TLSPROBE_API int tlsprobe_options_set_servername(tlsprobe_options *o, const char *name);
/* connect: one deadline for DNS, connect and handshake, 1 .. 3600000 ms (default 10000). */
TLSPROBE_API int tlsprobe_options_set_timeout_ms(tlsprobe_options *o, int ms);
/* check: the server's private key (PEM or DER); it must belong to the leaf. */
TLSPROBE_API int tlsprobe_options_set_key(tlsprobe_options *o, const char *path);
/* check: TLSPROBE_PURPOSE_SERVER (default) or _CLIENT (extendedKeyUsage). */
TLSPROBE_API int tlsprobe_options_set_purpose(tlsprobe_options *o, int purpose);
/* check: at most this many intermediates between leaf and root, 0 .. 255; -1: no limit (default). */
TLSPROBE_API int tlsprobe_options_set_max_depth(tlsprobe_options *o, int depth);
/* pcap: an NSS key log (SSLKEYLOGFILE format) to decrypt sessions with. */
TLSPROBE_API int tlsprobe_options_set_keylog(tlsprobe_options *o, const char *path);
/* Also give each finding's fix for this stack: go, openssl, curl, python, node,
 * java, dotnet, gnutls or browser (explain: instead of the message's own stack). */
TLSPROBE_API int tlsprobe_options_set_stack(tlsprobe_options *o, const char *stack);
/* explain: which program printed the message, when the text does not say. */
TLSPROBE_API int tlsprobe_options_set_side(tlsprobe_options *o, int side);

/* ---- entry points ---- */
/* Probe a TLS server as a client (tlsprobe connect HOST:PORT). host: a DNS name
 * (an A-label for internationalised names) or an IP literal (IPv6 without
 * brackets); port 0 means 443. Blocks up to the timeout. */
TLSPROBE_API int tlsprobe_connect(const char *host, uint16_t port, const tlsprobe_options *o, tlsprobe_result **res);
/* Judge a chain file (PEM or DER, leaf first) for a host name before deploying
 * it (tlsprobe check --chain PATH --host HOST). host may be NULL (no name check). */
TLSPROBE_API int tlsprobe_check_chain(const char *chain_path, const char *host, const tlsprobe_options *o,
                                      tlsprobe_result **res);
/* Map an error message from a TLS stack to its cause and fix (tlsprobe explain).
 * A message that is not recognised gives a result with no findings. */
TLSPROBE_API int tlsprobe_explain(const char *message, const tlsprobe_options *o, tlsprobe_result **res);
/* Read a pcap or pcapng file (tlsprobe pcap PATH) and call on_session once per
 * TLS session, in the order of their first packet, from the calling thread. The
 * result is borrowed: valid during the call only, not to be freed (its strings
 * neither: copy what you keep). Sessions are judged as `tlsprobe pcap` judges
 * them (chains as of the capture's time; cafile, capath, keylog and time
 * options apply; a pcapng file's Decryption Secrets Blocks are used when no
 * keylog is given). Returns
 * TLSPROBE_OK also for a file truncated at the end (read as far as it goes). */
typedef void (*tlsprobe_session_cb)(tlsprobe_result *res, void *ctx);
TLSPROBE_API int tlsprobe_pcap_file(const char *path, const tlsprobe_options *o, tlsprobe_session_cb on_session,
                                    void *ctx);

/* ---- results ---- */
TLSPROBE_API void tlsprobe_result_free(tlsprobe_result *r);
/* The one-line reason an entry point failed; NULL when it did not. */
TLSPROBE_API const char *tlsprobe_result_error(const tlsprobe_result *r);
/* TLSPROBE_VERDICT_OK or TLSPROBE_VERDICT_FAIL (explain: always OK). */
TLSPROBE_API int tlsprobe_result_verdict(const tlsprobe_result *r);
/* Findings, in the order the report lists them (explain: the one it stands for). */
TLSPROBE_API size_t tlsprobe_result_findings(const tlsprobe_result *r);
/* Finding i (0-based): its stable id ("missing-intermediate"), severity
 * (TLSPROBE_SEVERITY_*), one-line title; NULL / -1 when i is out of range. */
TLSPROBE_API const char *tlsprobe_result_finding_id(const tlsprobe_result *r, size_t i);
TLSPROBE_API int tlsprobe_result_finding_severity(const tlsprobe_result *r, size_t i);
TLSPROBE_API const char *tlsprobe_result_finding_title(const tlsprobe_result *r, size_t i);
/* The whole report as the CLI prints it with --format json: one JSON line
 * ending in '\n' (docs/json.md). NULL: out of memory, or a failed call. */
TLSPROBE_API const char *tlsprobe_result_json(tlsprobe_result *r);
/* The same as the CLI's text report (no colour, 80 columns). */
TLSPROBE_API const char *tlsprobe_result_text(tlsprobe_result *r);
/* check: the chain to serve (leaf, then the intermediates in order, no root) as
 * PEM, what `check --save-chain` writes; *n_certs (may be NULL) its count.
 * NULL for other results. */
TLSPROBE_API const char *tlsprobe_result_chain_pem(tlsprobe_result *r, size_t *n_certs);

#ifdef __cplusplus
}
#endif
#endif
