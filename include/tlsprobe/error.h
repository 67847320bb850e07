/* Error codes: one list, name and text from one X-macro (STYLE.md "Errors").
 *
 * Owns: every error code of every module, its name and its text (module core).
 * Must not: print, or carry context: a caller adds its own line (err, errlen).
 */
#ifndef TLSPROBE_ERROR_H
#define TLSPROBE_ERROR_H

#define TP_MUST_USE __attribute__((warn_unused_result))

#define TP_ERROR_LIST(X)                                                        \
    X(TP_OK,              "ok")                                                 \
    X(TP_ERR_TRUNCATED,   "input ends before the structure it started does")    \
    X(TP_ERR_MALFORMED,   "input is not a valid encoding of what it claims")    \
    X(TP_ERR_LIMIT,       "input exceeds a documented limit (docs/limits.md)")  \
    X(TP_ERR_NOMEM,       "out of memory")                                      \
    X(TP_ERR_IO,          "input/output error")                                 \
    X(TP_ERR_UNSUPPORTED, "not supported")                                      \
    X(TP_ERR_DECRYPT,     "decryption or authentication failed")                \
    X(TP_ERR_NOKEY,       "no key material for this session")                  \
    X(TP_ERR_USAGE,       "invalid arguments")                                  \
    X(TP_ERR_NOTFOUND,    "not found")                                          \
    X(TP_ERR_TIMEOUT,     "deadline reached")                                   \
    X(TP_ERR_CRYPTO,      "cryptographic library error")

enum tp_err {
#define TP_ERR_ENUM(name, text) name,
    TP_ERROR_LIST(TP_ERR_ENUM)
#undef TP_ERR_ENUM
    TP_ERR__COUNT
};

/* Stable symbolic name ("TP_ERR_TRUNCATED"); never NULL. */
const char *tp_err_name(enum tp_err e);
/* One-line English text; never NULL. */
const char *tp_err_text(enum tp_err e);

#endif
