/* Our own path building and validation (RFC 5280 §6.1, RFC 4158 for building).
 *
 * Candidates: the trust store's anchors, the chain as sent, --intermediates and,
 * once, certificates fetched from an AIA caIssuers URL. From the leaf, a
 * depth-first search tries every candidate issuer whose subject matches the
 * issuer name (AKI/SKI not contradicting) and whose key verifies the signature,
 * anchors first, with loop detection (same subject and key) and work bounds
 * (signature checks, wall time, paths judged: limits.h). Every complete path to
 * an anchor is judged by the §6.1 checks below; the first that passes them all
 * is the answer. When none does, the failing path to an anchor with the fewest
 * problems is reported with them, or, with no path to an anchor at all, the
 * longest dead end (unknown authority vs self-signed vs bad signature). Other
 * paths judged are listed with why each failed. A path that needs a certificate
 * the server did not send is missing-intermediate, not valid.
 *
 * Checks on a path (leaf first, anchor last):
 *  - every certificate: decodable extensions, none twice, no critical extension
 *    we do not process, version and algorithm fields consistent, inside its
 *    validity period at the validation time (anchors too, as Go and OpenSSL);
 *  - every issuer below the anchor: basicConstraints cA=TRUE (v3), keyUsage
 *    keyCertSign when keyUsage is present (the anchor too);
 *  - pathLenConstraint of every issuer (anchor included): the non-self-issued
 *    intermediates below it;
 *  - nameConstraints of every CA (anchor included) over the names of every
 *    certificate below it, except self-issued intermediates (§6.1.3 (b));
 *  - extendedKeyUsage of every CA that has one must allow the purpose (EKU
 *    nesting, as Go, Chrome and Windows do; RFC 5280 does not say it);
 *  - the leaf: name (RFC 6125, SAN only for the verdict), extended key usage
 *    for the purpose (its keyUsage is a finding, not the verdict), profile
 *    rules (keyCertSign only with cA, no nameConstraints);
 *  - keys and signature hashes no mainstream client accepts. */
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include "tlsprobe/policy.h"
#include "tlsprobe/sct.h"
#include "x509_int.h"
#include "store_int.h"

void tp_verify_result_free(struct tp_verify_result *res)
{
    if (!res)
        return;
    for (size_t i = 0; i < res->path_len; i++)
        tp_cert_free(res->path[i].cert);
    free(res->ct);
    free(res);
}

/* A copy for the result: the same facts without checking a self-signature again. */
static struct tp_cert_info *cert_copy(const struct tp_cert_info *ci)
{
    struct tp_cert_info *c = NULL;
    if (cert_parse_ex(ci->der, ci->der_len, false, &c) != TP_OK)
        return NULL;
    c->self_signed = ci->self_signed;
    return c;
}

struct cand {
    struct tp_cert_info *ci;
    bool own;                   /* parsed here (sent, AIA): freed with the builder */
    enum tp_path_src src;
    int sent_index;             /* -1 when not sent */
    bool anchor;
};

#define MAX_AIA_CERTS 8

struct builder {
    const struct tp_verify_opts *opts;
    struct tp_verify_result *res;
    time_t now;
    bool client;
    struct cand *c;
    size_t n, cap;
    int8_t *sig;                /* cap x cap: 0 unknown, 1 verifies, -1 does not */
    struct timespec t0;
    bool stop;
    bool aia_done;
    size_t path[TP_MAX_PATH_DEPTH], depth;
    /* the answer so far */
    bool found;
    size_t best[TP_MAX_PATH_DEPTH], best_depth;
    bool best_anchored;
    bool best_name_only;        /* dead end: a name-linked issuer whose signature failed */
    struct tp_path_problem best_problems[TP_MAX_PATH_PROBLEMS];
    size_t best_n_problems;
    size_t best_path_id;
    size_t best_score;          /* problems of the best failing anchored path */
    struct { struct tp_path_attempt a; size_t id; } tried[TP_MAX_PATH_ATTEMPTS + 1];
    size_t n_tried;
    unsigned nc_work;
};

static double elapsed_ms(const struct builder *b)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - b->t0.tv_sec) * 1e3 + (double)(t.tv_nsec - b->t0.tv_nsec) / 1e6;
}

static bool over_budget(struct builder *b)
{
    if (b->res->sig_checks > TP_MAX_PATH_SIG_CHECKS || b->res->n_paths >= TP_MAX_PATHS_TRIED ||
        elapsed_ms(b) > TP_MAX_PATH_MS) {
        b->res->search_limited = true;
        b->stop = true;
    }
    return b->stop;
}

/* Does c[parent] issue c[child]: 1 yes, 0 no, cached. */
static int sig_ok(struct builder *b, size_t child, size_t parent)
{
    int8_t *s = &b->sig[child * b->cap + parent];
    if (*s == 0) {
        b->res->sig_checks++;
        *s = cert_sig_verifies(b->c[child].ci, b->c[parent].ci) ? 1 : -1;
    }
    return *s > 0;
}

/* Go's alreadyInChain: the same subject and key is a loop, whatever the bytes
 * (mutual cross-signatures). */
static bool in_path(const struct builder *b, size_t j)
{
    const struct tp_cert_info *x = b->c[j].ci;
    for (size_t k = 0; k < b->depth; k++) {
        const struct tp_cert_info *y = b->c[b->path[k]].ci;
        if (!memcmp(x->sha256, y->sha256, 32) ||
            (!strcmp(x->subject, y->subject) && !memcmp(x->spki_sha256, y->spki_sha256, 32)))
            return true;
    }
    return false;
}

static bool add_cand(struct builder *b, struct tp_cert_info *ci, bool own, enum tp_path_src src, int sent_index,
                     bool anchor)
{
    if (b->n == b->cap) {
        if (own)
            tp_cert_free(ci);
        return false;
    }
    b->c[b->n++] = (struct cand){ ci, own, src, sent_index, anchor };
    return true;
}

static int find_cand(const struct builder *b, const uint8_t sha[32])
{
    for (size_t i = 0; i < b->n; i++)
        if (!memcmp(b->c[i].ci->sha256, sha, 32))
            return (int)i;
    return -1;
}

/* "'CN'" of a certificate, escaped, into sb. */
static void put_cn(struct tp_sb *sb, const struct tp_cert_info *ci)
{
    const char *n = ci->subject_cn && *ci->subject_cn ? ci->subject_cn : ci->subject;
    tp_sb_putc(sb, '\'');
    if (n && *n)
        tp_sb_put_escaped(sb, (const uint8_t *)n, strlen(n));
    else
        tp_sb_put(sb, "(empty subject)");
    tp_sb_putc(sb, '\'');
}

static const char *role_word(size_t k, size_t depth, bool anchored)
{
    if (k == 0)
        return "the leaf";
    if (anchored && k + 1 == depth)
        return "the trust anchor";
    return "the intermediate";
}

static void add_problem(struct tp_path_problem *out, size_t *n, const char *id, int index, int by_index,
                        struct tp_sb *text)
{
    if (*n < TP_MAX_PATH_PROBLEMS) {
        struct tp_path_problem *p = &out[(*n)++];
        snprintf(p->id, sizeof p->id, "%s", id);
        p->index = index;
        p->by_index = by_index;
        snprintf(p->text, sizeof p->text, "%s", tp_sb_str(text));
    }
    tp_sb_reset(text);
}

/* "The <role> <CN> <what>" as problem id of certificate k. */
struct cert_ctx {
    const struct tp_cert_info *ci;
    size_t k;
    const char *role;
    struct tp_path_problem *out;
    size_t *n;
    struct tp_sb *t;
};

static void cert_problem(const struct cert_ctx *c, const char *id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void cert_problem(const struct cert_ctx *c, const char *id, const char *fmt, ...)
{
    va_list ap;
    tp_sb_printf(c->t, "T%s ", c->role + 1);
    put_cn(c->t, c->ci);
    va_start(ap, fmt);
    tp_sb_vprintf(c->t, fmt, ap);
    va_end(ap);
    add_problem(c->out, c->n, id, (int)c->k, -1, c->t);
}

/* The encoding problems of one certificate (malformed-certificate,
 * unknown-critical-extension). */
static void cert_problems(const struct tp_cert_info *ci, size_t k, const char *role, bool is_anchor,
                          struct tp_path_problem *out, size_t *n, struct tp_sb *t)
{
    const struct cert_ctx c = { ci, k, role, out, n, t };
    const char *mal = "malformed-certificate";
    if (ci->bad_ext[0])
        cert_problem(&c, mal, " has an extension that cannot be decoded: %s at byte %zu", ci->bad_ext,
                     ci->bad_ext_offset);
    if (ci->duplicate_ext[0])
        cert_problem(&c, mal, " has the extension %s twice (RFC 5280 §4.2 allows each once)", ci->duplicate_ext);
    if (ci->version_invalid)
        cert_problem(&c, mal, " has version %d with extensions, or an unknown version (RFC 5280 §4.1.2.1)",
                     ci->version);
    if (ci->sig_alg_mismatch)
        cert_problem(&c, mal, "%s",
                     " names a different signature algorithm inside and outside the signed part (RFC 5280 §4.1.1.2)");
    /* Profile rules for what a CA issues; an anchor is trusted as configured
     * (Starfield Root G2 has serial 0: every client accepts it). */
    if (ci->criticality_bad[0])
        cert_problem(&c, mal, " marks %s %s, which RFC 5280 §4.2 forbids", ci->criticality_bad,
                     strstr(ci->criticality_bad, "policyConstraints") ? "non-critical" : "critical");
    if (ci->serial_invalid || (ci->serial_zero && !is_anchor))
        cert_problem(&c, mal, "%s",
                     ci->serial_zero ? " has serial number 0 (RFC 5280 §4.1.2.2: a positive integer)"
                                     : " has a serial number that is negative or longer than 20 octets (RFC 5280 §4.1.2.2)");
    if (ci->unhandled_critical[0])
        cert_problem(&c, "unknown-critical-extension", " has a critical extension no client here processes: %s",
                     ci->unhandled_critical);
}

/* A key no mainstream client accepts any more: RSA and DSA under 2048 bits
 * (OpenSSL's security level 2, Debian's default; browsers), RSA whose modulus is
 * not a whole number of bytes and EC curves under 256 bits or without a named
 * curve (CA/Browser Forum BR 6.1.5, 7.1.3.1.2). Go alone still accepts some. */
static bool key_weak(const struct tp_cert_info *c)
{
    if (c->key_type == TP_KEY_RSA)
        return c->key_bits < TP_POLICY_MIN_RSA_BITS || c->key_bits % 8 != 0;
    if (c->key_type == TP_KEY_DSA)
        return true;
    if (c->key_type == TP_KEY_EC)
        return c->key_bits < TP_POLICY_MIN_EC_BITS || strstr(c->key_desc, "unknown curve") != NULL;
    return false;
}

/* One path being judged: where its problems go. */
struct judging {
    struct builder *b;
    const size_t *path;
    size_t depth;
    bool anchored;
    struct tp_path_problem *out;
    size_t n;
    struct tp_sb t;             /* the sentence being written */
};

static const struct tp_cert_info *jcert(const struct judging *j, size_t k)
{
    return j->b->c[j->path[k]].ci;
}

/* "The intermediate 'X'" into the sentence. */
static void jsubject(struct judging *j, size_t k)
{
    const char *role = role_word(k, j->depth, j->anchored);
    tp_sb_printf(&j->t, "T%s ", role + 1);
    put_cn(&j->t, jcert(j, k));
}

/* The leaf's own profile: §4.1.2.6 (an empty subject needs a critical SAN),
 * §4.2.1.9 (keyCertSign only with cA), CA/B BR 7.1.2.7.8, §4.2.1.10. */
static void leaf_checks(struct judging *j)
{
    const struct tp_cert_info *ci = jcert(j, 0);
    if (ci->subject_der.len == 0 && !(ci->has_san && ci->san_critical)) {
        tp_sb_put(&j->t, "The leaf has an empty subject and no critical subjectAltName (RFC 5280 §4.1.2.6)");
        add_problem(j->out, &j->n, "malformed-certificate", 0, -1, &j->t);
    }
    bool ca = ci->has_basic_constraints && ci->is_ca;
    const char *why = NULL;
    if (ci->has_key_usage && (ci->key_usage & TP_KU_KEY_CERT_SIGN) && !ca)
        why = " asserts keyUsage keyCertSign without basicConstraints cA=TRUE (RFC 5280 §4.2.1.9)";
    else if (ca && ci->has_key_usage && !(ci->key_usage & TP_KU_KEY_CERT_SIGN))
        why = " says cA=TRUE but may not sign certificates (no keyCertSign): a server certificate must not claim "
              "to be a CA (CA/Browser Forum BR 7.1.2.7.8)";
    if (why) {
        jsubject(j, 0);
        tp_sb_put(&j->t, why);
        add_problem(j->out, &j->n, "malformed-certificate", 0, -1, &j->t);
    }
    if (ci->has_name_constraints && !ca) {
        jsubject(j, 0);
        tp_sb_put(&j->t, " carries nameConstraints, which only a CA certificate may (RFC 5280 §4.2.1.10)");
        add_problem(j->out, &j->n, "malformed-certificate", 0, -1, &j->t);
    }
}

/* May issuer k sign: a CA (§4.2.1.9, §6.1.4 (k)) with keyCertSign when it has a
 * keyUsage (§6.1.4 (n)). An anchor is trusted as configured, but a v3 one
 * must still say it is a CA: a v1 root (no extensions) is accepted, as every
 * client does. */
static void ca_checks(struct judging *j, size_t k, bool is_anchor)
{
    const struct tp_cert_info *ci = jcert(j, k);
    if (ci->subject_der.len == 0) {
        tp_sb_printf(&j->t, "T%s has an empty subject, which a CA may not (RFC 5280 §4.1.2.6)",
                     role_word(k, j->depth, j->anchored) + 1);
        add_problem(j->out, &j->n, "malformed-certificate", (int)k, -1, &j->t);
    }
    if (is_anchor && ci->self_issued && ci->has_aki &&
        (ci->aki_len == 0 || (ci->ski_len && (ci->aki_len != ci->ski_len || memcmp(ci->aki, ci->ski, ci->ski_len))))) {
        jsubject(j, k);
        tp_sb_put(&j->t, " has an authorityKeyIdentifier without its own key identifier (CA/Browser Forum BR 7.1.2.1.3)");
        add_problem(j->out, &j->n, "malformed-certificate", (int)k, -1, &j->t);
    }
    bool ca_ok = ci->version == 3 ? ci->has_basic_constraints && ci->is_ca : is_anchor;
    if (!ca_ok) {
        jsubject(j, k);
        tp_sb_put(&j->t, ci->has_basic_constraints ? " says it is not a CA (basicConstraints cA=FALSE) but signs "
                                                   : " is not marked as a CA (no basicConstraints cA=TRUE) but signs ");
        put_cn(&j->t, jcert(j, k - 1));
        add_problem(j->out, &j->n, "ca-not-authorized", (int)k, -1, &j->t);
    }
    if (ci->has_key_usage && !(ci->key_usage & TP_KU_KEY_CERT_SIGN)) {
        jsubject(j, k);
        tp_sb_put(&j->t, " has a keyUsage without keyCertSign, so it may not sign certificates, but signs ");
        put_cn(&j->t, jcert(j, k - 1));
        add_problem(j->out, &j->n, "ca-not-authorized", (int)k, -1, &j->t);
    }
}

/* Non-self-issued intermediates strictly between the leaf and index k
 * (§6.1.4 (l): self-issued certificates, key rollovers, do not count). */
static int intermediates_below(const struct judging *j, size_t k)
{
    int below = 0;
    for (size_t i = 1; i < k; i++)
        if (!jcert(j, i)->self_issued)
            below++;
    return below;
}

/* pathLenConstraint of issuer k (§4.2.1.9), and check --max-depth at the top. */
static void length_checks(struct judging *j, size_t k)
{
    const struct tp_cert_info *ci = jcert(j, k);
    int below = intermediates_below(j, k);
    if (ci->has_basic_constraints && ci->path_len >= 0 && below > ci->path_len) {
        jsubject(j, k);
        tp_sb_printf(&j->t, " allows %d intermediate%s below it (pathLenConstraint) and has %d", ci->path_len,
                     ci->path_len == 1 ? "" : "s", below);
        add_problem(j->out, &j->n, "path-length-exceeded", (int)k, -1, &j->t);
    }
    const struct tp_verify_opts *o = j->b->opts;
    if (o && o->has_max_depth && k + 1 == j->depth && j->anchored && below > o->max_depth) {
        tp_sb_printf(&j->t, "The path has %d intermediates; --max-depth allows %d", below, o->max_depth);
        add_problem(j->out, &j->n, "path-length-exceeded", (int)k, -1, &j->t);
    }
}

/* nameConstraints of CA k over every certificate below it, except
 * self-issued intermediates (§6.1.3 (b)-(c), §6.1.4 (g)). */
static void name_checks(struct judging *j, size_t k)
{
    const struct tp_cert_info *ci = jcert(j, k);
    if (!ci->has_name_constraints)
        return;
    for (size_t i = 0; i < k; i++) {
        const struct tp_cert_info *sub = jcert(j, i);
        if (i > 0 && sub->self_issued)
            continue;
        char why[360];
        if (!nc_permits(ci, sub, why, sizeof why, &j->b->nc_work))
            continue;
        jsubject(j, k);
        tp_sb_printf(&j->t, " may only issue for the names its nameConstraints allow; %s ", role_word(i, j->depth, j->anchored));
        put_cn(&j->t, sub);
        tp_sb_put(&j->t, " breaks them: ");
        tp_sb_put(&j->t, why);
        add_problem(j->out, &j->n, "name-constraint-violation", (int)i, (int)k, &j->t);
        return;
    }
}

/* A CA's extendedKeyUsage must allow the purpose (EKU nesting). */
static void eku_checks(struct judging *j, size_t k)
{
    const struct tp_cert_info *ci = jcert(j, k);
    bool client = j->b->client;
    unsigned purpose_bit = client ? TP_EKU_CLIENT_AUTH : TP_EKU_SERVER_AUTH;
    if (!ci->has_ext_key_usage || (ci->ext_key_usage & (TP_EKU_ANY | purpose_bit)))
        return;
    jsubject(j, k);
    tp_sb_printf(&j->t, " lists extended key usages without %s, so the certificates below it may not be used for "
                        "TLS %s authentication",
                 client ? "clientAuth" : "serverAuth", client ? "client" : "server");
    add_problem(j->out, &j->n, "issuer-eku-mismatch", (int)k, -1, &j->t);
}

/* RFC 5280 §6.1 over one path (indices into b->c). Returns the problem count;
 * *soft is set to the first soft fact a valid path must also be free of (a
 * date, a weak signature, a weak key), NULL when none; *n_soft counts them. */
static size_t judge_path(struct builder *b, const size_t *path, size_t depth, bool anchored,
                         struct tp_path_problem *out, const char **soft, size_t *n_soft)
{
    struct judging j = { b, path, depth, anchored, out, 0, { 0 } };
    tp_sb_init(&j.t);
    const char *dates = NULL, *sig = NULL, *key = NULL;
    for (size_t k = 0; k < depth; k++) {
        const struct tp_cert_info *ci = jcert(&j, k);
        bool is_anchor = anchored && k + 1 == depth;
        cert_problems(ci, k, role_word(k, depth, anchored), is_anchor, out, &j.n, &j.t);
        if (b->now < ci->not_before || b->now > ci->not_after)
            dates = "a certificate on it is outside its validity period";
        if (ci->sig_weak && !is_anchor)
            sig = "a certificate on it has a weak (MD5/SHA-1) signature";
        if (key_weak(ci))
            key = "a certificate on it has a key no client accepts (RSA or DSA under " TP_POLICY_STR(
                TP_POLICY_MIN_RSA_BITS) " bits, EC under " TP_POLICY_STR(TP_POLICY_MIN_EC_BITS) ")";
        if (k == 0) {
            leaf_checks(&j);
            continue;
        }
        ca_checks(&j, k, is_anchor);
        length_checks(&j, k);
        name_checks(&j, k);
        eku_checks(&j, k);
    }
    tp_sb_free(&j.t);
    *soft = dates ? dates : sig ? sig : key;
    *n_soft = (size_t)(dates != NULL) + (size_t)(sig != NULL) + (size_t)(key != NULL);
    return j.n;
}

/* "'leaf' -> 'int' -> 'root'" */
static void put_path(struct tp_sb *sb, const struct builder *b, const size_t *path, size_t depth)
{
    for (size_t k = 0; k < depth; k++) {
        if (k)
            tp_sb_put(sb, " -> ");
        put_cn(sb, b->c[path[k]].ci);
    }
}

static void note_attempt(struct builder *b, const char *why)
{
    if (b->n_tried >= sizeof b->tried / sizeof b->tried[0])
        return;
    struct tp_sb sb;
    tp_sb_init(&sb);
    put_path(&sb, b, b->path, b->depth);
    tp_sb_put(&sb, ": ");
    tp_sb_put(&sb, why);
    snprintf(b->tried[b->n_tried].a.text, sizeof b->tried[b->n_tried].a.text, "%s", tp_sb_str(&sb));
    b->tried[b->n_tried].id = b->res->n_paths;
    b->n_tried++;
    tp_sb_free(&sb);
}

static void keep_best(struct builder *b, bool anchored, bool name_only, const struct tp_path_problem *p, size_t np)
{
    memcpy(b->best, b->path, b->depth * sizeof b->path[0]);
    b->best_depth = b->depth;
    b->best_anchored = anchored;
    b->best_name_only = name_only;
    memcpy(b->best_problems, p, np * sizeof *p);
    b->best_n_problems = np;
    b->best_path_id = b->res->n_paths;
}

/* A complete candidate: the current path ends at an anchor, or nowhere. */
static void judge(struct builder *b, bool anchored, bool name_only)
{
    b->res->n_paths++;
    struct tp_path_problem p[TP_MAX_PATH_PROBLEMS];
    const char *soft = NULL;
    size_t n_soft = 0;
    size_t np = judge_path(b, b->path, b->depth, anchored, p, &soft, &n_soft);
    if (anchored) {
        if (!np && !soft) {
            b->found = true;
            keep_best(b, true, false, p, 0);
            return;
        }
        /* Of the failing paths to an anchor, report the one with the fewest
         * problems (a problem every path shares, such as the leaf's own key,
         * then comes out as the reason, not an expired twin tried first). */
        size_t score = np + n_soft;
        if (!b->best_anchored || score < b->best_score) {
            keep_best(b, true, false, p, np);
            b->best_score = score;
        }
        note_attempt(b, np ? p[0].text : soft);
        return;
    }
    const struct tp_cert_info *top = b->c[b->path[b->depth - 1]].ci;
    struct tp_sb why;
    tp_sb_init(&why);
    if (name_only) {
        tp_sb_put(&why, "no certificate named '");
        tp_sb_put_escaped(&why, (const uint8_t *)top->issuer, strlen(top->issuer));
        tp_sb_put(&why, "' has the key that signed it");
    } else if (top->self_signed) {
        tp_sb_put(&why, "ends at a self-signed certificate that is not a trust anchor");
    } else if (b->depth >= TP_MAX_PATH_DEPTH) {
        tp_sb_printf(&why, "longer than %d certificates", TP_MAX_PATH_DEPTH);
    } else {
        tp_sb_put(&why, "its issuer '");
        tp_sb_put_escaped(&why, (const uint8_t *)top->issuer, strlen(top->issuer));
        tp_sb_put(&why, "' was not found");
    }
    if (!b->best_anchored && b->depth > b->best_depth)
        keep_best(b, false, name_only, p, 0);
    note_attempt(b, tp_sb_str(&why));
    tp_sb_free(&why);
}

/* Parse an AIA body: DER certificate, PEM, or PKCS#7 certs-only (RFC 5280 §4.2.2.1). */
static size_t aia_certs(const uint8_t *body, size_t len, struct tp_cert_info **out, size_t max)
{
    struct tp_file *f = NULL;
    size_t n = 0;
    if (tp_file_parse("AIA", body, len, &f) == TP_OK)
        for (size_t i = 0; i < f->n_objs && n < max; i++)
            if (f->objs[i].kind == TP_OBJ_CERTIFICATE && f->objs[i].cert) {
                out[n++] = f->objs[i].cert;
                f->objs[i].cert = NULL;
            }
    tp_file_free(f);
    return n;
}

/* Fetch cur's caIssuers once per verification; true when candidates were added. */
static bool try_aia(struct builder *b, const struct tp_cert_info *cur)
{
    struct tp_verify_result *res = b->res;
    if (b->aia_done || !b->opts || !b->opts->aia || !cur->aia_ca_issuers)
        return false;
    b->aia_done = true;
    res->aia_tried = true;
    snprintf(res->aia_url, sizeof res->aia_url, "%s", cur->aia_ca_issuers);
    uint8_t *body = NULL;
    size_t blen = 0;
    struct tp_cert_info *fetched[MAX_AIA_CERTS] = { 0 };
    size_t nf = 0;
    int ms = b->opts->aia_timeout_ms > 0 ? b->opts->aia_timeout_ms : TP_AIA_TIMEOUT_MS;
    if (http_get(cur->aia_ca_issuers, ms, TP_MAX_AIA_BYTES, &body, &blen, res->aia_error, sizeof res->aia_error) ==
        TP_OK) {
        nf = aia_certs(body, blen, fetched, MAX_AIA_CERTS);
        if (nf == 0)
            snprintf(res->aia_error, sizeof res->aia_error, "the URL did not return a certificate");
    }
    free(body);
    bool added = false;
    for (size_t i = 0; i < nf; i++) {
        if (!cert_name_links(cur, fetched[i])) {
            if (!res->aia_error[0])
                snprintf(res->aia_error, sizeof res->aia_error, "the fetched certificate does not issue '%s'",
                         cur->subject);
            tp_cert_free(fetched[i]);
            continue;
        }
        added = add_cand(b, fetched[i], true, TP_FROM_AIA, -1, false) || added;
    }
    return added;
}

static void search(struct builder *b)
{
    if (b->found || b->stop || over_budget(b))
        return;
    size_t cur = b->path[b->depth - 1];
    if (b->c[cur].anchor) {
        judge(b, true, false);
        return;
    }
    if (b->depth >= TP_MAX_PATH_DEPTH) {
        judge(b, false, false);
        return;
    }
    bool any = false, name_only = false;
    for (int pass = 0; pass < 2 && !any; pass++) {
        if (pass == 1 && !try_aia(b, b->c[cur].ci))
            break;
        for (size_t j = 0; j < b->n; j++) {
            if (j == cur || !cert_name_links(b->c[cur].ci, b->c[j].ci) || in_path(b, j))
                continue;
            if (over_budget(b))
                return;
            if (!sig_ok(b, cur, j)) {
                name_only = true;
                continue;
            }
            any = true;
            b->path[b->depth++] = j;
            search(b);
            b->depth--;
            if (b->found || b->stop)
                return;
        }
    }
    if (!any)
        judge(b, false, name_only);
}

/* The leaf is the first certificate, unless the sender put an issuer first: then
 * the first sent certificate that issues no other sent certificate. */
static size_t pick_leaf(struct tp_cert_info *const *sent, size_t ns)
{
    bool first_issues = false;
    for (size_t j = 1; sent[0] && j < ns && j < TP_MAX_CHAIN_CERTS; j++)
        if (sent[j] && cert_name_links(sent[j], sent[0]) && !sent[j]->self_signed && tp_cert_issued_by(sent[j], sent[0]))
            first_issues = true;
    if (!first_issues && sent[0])
        return 0;
    for (size_t i = 0; i < ns && i < TP_MAX_CHAIN_CERTS; i++) {
        bool issues = false;
        for (size_t j = 0; sent[i] && j < ns && j < TP_MAX_CHAIN_CERTS && !issues; j++)
            issues = j != i && sent[j] && cert_name_links(sent[j], sent[i]) && tp_cert_issued_by(sent[j], sent[i]);
        if (sent[i] && !issues)
            return i;
    }
    return 0;
}

static bool push(struct tp_verify_result *res, const struct cand *c)
{
    if (res->path_len >= sizeof res->path / sizeof res->path[0])
        return false;
    struct tp_cert_info *ci = cert_copy(c->ci);
    if (!ci)
        return false;
    res->path[res->path_len].cert = ci;
    res->path[res->path_len].src = c->src;
    res->path[res->path_len].sent_index = c->sent_index;
    res->path_len++;
    return true;
}

static const char *status_id(enum tp_path_status st)
{
    switch (st) {
    case TP_PATH_SELF_SIGNED: return "self-signed";
    case TP_PATH_BAD_SIGNATURE: return "bad-signature";
    case TP_PATH_EMPTY: return "empty";
    default: return "unknown-authority";
    }
}

/* Facts over the chosen path: shape of what was sent, dates, strength, name, purpose. */
static void path_facts(struct tp_verify_result *res, size_t ns, size_t n, bool anchored, const struct tp_verify_opts *opts,
                       time_t now)
{
    int expiring_days = opts && opts->expiring_days > 0 ? opts->expiring_days : TP_POLICY_EXPIRY_WARN_DAYS;
    for (size_t k = 0; k < res->path_len; k++) {
        int si = res->path[k].sent_index;
        if (si < 0)
            continue;
        if ((size_t)si != k && res->order_ok) {
            res->order_ok = false;
            res->misordered_index = (int)(k < ns ? k : (size_t)si);
        }
        /* a root sent along: a self-signed certificate above the leaf (a
         * self-signed leaf trusted as its own anchor is not "the root too") */
        if (k > 0 && res->path[k].cert->self_signed)
            res->root_sent = true;
    }
    for (size_t i = 0; i < n; i++) {
        bool used = false;
        for (size_t k = 0; k < res->path_len && !used; k++)
            used = res->path[k].sent_index == (int)i;
        if (used)
            continue;
        if (res->n_extra < TP_MAX_CHAIN_CERTS)
            res->extra_index[res->n_extra] = (int)i;
        res->n_extra++;
    }
    for (size_t k = 0; k < res->path_len; k++) {
        const struct tp_cert_info *c = res->path[k].cert;
        if (now < c->not_before) {
            if (res->not_yet_valid_index < 0)
                res->not_yet_valid_index = (int)k;
        } else if (now > c->not_after) {
            if (res->expired_index < 0)
                res->expired_index = (int)k;
        } else if (tp_cert_days_left(c, now) < expiring_days && res->expiring_soon_index < 0) {
            res->expiring_soon_index = (int)k;
        }
        if (key_weak(c) && res->weak_key_index < 0)
            res->weak_key_index = (int)k;
        /* A root's self-signature is never used by anyone: don't judge it. */
        bool is_anchor_end = k == res->path_len - 1 && (anchored || c->self_signed);
        if (c->sig_weak && !is_anchor_end && res->weak_sig_index < 0)
            res->weak_sig_index = (int)k;
    }
    const struct tp_cert_info *lc = res->path[0].cert;
    if (opts && opts->host && *opts->host) {
        snprintf(res->name, sizeof res->name, "%s", opts->host);
        res->name_status = tp_cert_match_name(lc, opts->host);
    }
    bool client = opts && opts->purpose == TP_PURPOSE_CLIENT;
    if (lc->has_key_usage)
        res->leaf_ku_ok = (lc->key_usage & (TP_KU_DIGITAL_SIGNATURE | TP_KU_KEY_AGREEMENT |
                                            (client ? 0 : TP_KU_KEY_ENCIPHERMENT))) != 0;
    if (lc->has_ext_key_usage)
        res->leaf_eku_ok = (lc->ext_key_usage & (TP_EKU_ANY | (client ? TP_EKU_CLIENT_AUTH : TP_EKU_SERVER_AUTH))) != 0;
}

static void verdict(struct tp_verify_result *res)
{
    const char *rej = "";
    if (res->status != TP_PATH_OK && res->status != TP_PATH_MISSING_INTERMEDIATE)
        rej = res->search_limited ? "path-building-limit" : status_id(res->status);
    else if (res->n_problems)
        rej = res->problems[0].id;
    else if (res->expired_index >= 0)
        rej = "expired";
    else if (res->not_yet_valid_index >= 0)
        rej = "not-yet-valid";
    else if (res->weak_sig_index >= 0)
        rej = "weak-signature";
    else if (res->weak_key_index >= 0)
        rej = "weak-key";
    if (!*rej && res->name_status == TP_NAME_MISMATCH)
        rej = "hostname-mismatch";
    if (!*rej && res->name_status == TP_NAME_OK_CN_ONLY)
        rej = "cn-only"; /* Go and browsers ignore the CN; OpenSSL and curl fall back to it */
    /* The leaf's keyUsage is a finding of its own (OpenSSL rejects, Go and webpki
     * do not look): only the extended key usage decides the verdict. */
    if (!*rej && !res->leaf_eku_ok)
        rej = "wrong-key-usage";
    /* A path exists only with certificates that were not sent (--intermediates,
     * AIA): browsers recover that way, Go, curl, OpenSSL and Java do not. */
    if (!*rej && res->status == TP_PATH_MISSING_INTERMEDIATE)
        rej = "missing-intermediate";
    res->valid = !*rej;
    snprintf(res->reject_id, sizeof res->reject_id, "%s", rej);
}

/* The candidates, anchors first (a path through an anchor is preferred to one
 * through a sent cross-certificate of the same CA), then the chain as sent
 * (a sent copy of an anchor, or a duplicate, becomes one entry), then
 * --intermediates. Returns the leaf's index. */
static int build_pool(struct builder *b, const struct tp_store *st, struct tp_cert_info *const *sent, size_t ns,
                      size_t leaf)
{
    for (size_t i = 0; st && i < st->n_roots; i++)
        add_cand(b, st->roots[i], false, TP_FROM_STORE, -1, true);
    for (size_t i = 0; i < ns; i++) {
        if (!sent[i])
            continue;
        int k = find_cand(b, sent[i]->sha256);
        if (k >= 0) {
            if (b->c[k].sent_index < 0)
                b->c[k].sent_index = (int)i;
            continue;
        }
        add_cand(b, sent[i], false, TP_FROM_SENT, (int)i, false);
    }
    for (size_t i = 0; st && i < st->n_inters; i++)
        if (find_cand(b, st->inters[i]->sha256) < 0)
            add_cand(b, st->inters[i], false, TP_FROM_INTERMEDIATES, -1, false);
    return find_cand(b, sent[leaf]->sha256);
}

/* Status of the chosen path and the issuer to name. */
static void path_status(struct tp_verify_result *res, bool anchored, bool name_only)
{
    const struct tp_cert_info *last = res->path[res->path_len - 1].cert;
    const char *name, *fetched = NULL;
    for (size_t k = 0; k < res->path_len; k++) {
        enum tp_path_src src = res->path[k].src;
        if ((src == TP_FROM_INTERMEDIATES || src == TP_FROM_AIA) && !fetched)
            fetched = res->path[k].cert->subject;
        res->aia_ok = res->aia_ok || src == TP_FROM_AIA; /* the fetch found an issuer on the path */
    }
    if (anchored) {
        res->status = fetched ? TP_PATH_MISSING_INTERMEDIATE : TP_PATH_OK;
        name = fetched ? fetched : "";
    } else if (name_only) {
        res->status = TP_PATH_BAD_SIGNATURE;
        name = last->issuer;
    } else if (res->path_len == 1 && last->self_signed) {
        res->status = TP_PATH_SELF_SIGNED;
        name = last->subject;
    } else if (last->self_issued && !last->self_signed &&
               !(last->aki_len && last->ski_len &&
                 (last->aki_len != last->ski_len || memcmp(last->aki, last->ski, last->ski_len)))) {
        /* Claims to be a root, its own signature fails. A self-issued
         * certificate whose AKI names another key is a key rollover (the new
         * key certified by the old one, RFC 4210 §4.4): its issuer is simply
         * missing, which is the unknown-authority case below. */
        res->status = TP_PATH_BAD_SIGNATURE;
        name = last->subject;
    } else {
        /* Either an untrusted root was reached, or an issuer could not be found.
         * Without AIA/--intermediates we cannot tell a missing intermediate from an
         * unknown CA: both are "unknown authority" (the enum's contract). */
        res->status = TP_PATH_UNKNOWN_AUTHORITY;
        name = last->self_signed ? last->subject : last->issuer;
    }
    snprintf(res->missing_issuer, sizeof res->missing_issuer, "%s", name);
}

/* The answer into res: the valid path, else the first failing path to an
 * anchor, else the longest dead end; its problems and the other paths judged. */
static enum tp_err take_answer(struct builder *b, struct tp_verify_result *res, int leaf_index)
{
    if (!b->best_depth) { /* stopped before any path was complete */
        b->best[0] = (size_t)leaf_index;
        b->best_depth = 1;
    }
    for (size_t k = 0; k < b->best_depth; k++)
        if (!push(res, &b->c[b->best[k]]))
            return TP_ERR_NOMEM;
    memcpy(res->problems, b->best_problems, b->best_n_problems * sizeof b->best_problems[0]);
    res->n_problems = b->best_n_problems;
    for (size_t i = 0; i < b->n_tried && res->n_tried < TP_MAX_PATH_ATTEMPTS; i++)
        if (b->tried[i].id != b->best_path_id)
            res->tried[res->n_tried++] = b->tried[i].a;
    path_status(res, b->best_anchored, b->best_name_only);
    return TP_OK;
}

static struct tp_verify_result *result_new(size_t n, const struct tp_verify_opts *opts, time_t now)
{
    struct tp_verify_result *res = calloc(1, sizeof *res);
    if (!res)
        return NULL;
    res->misordered_index = res->expired_index = res->not_yet_valid_index = res->expiring_soon_index = -1;
    res->weak_key_index = res->weak_sig_index = -1;
    res->order_ok = true;
    res->n_sent = n;
    res->leaf_ku_ok = res->leaf_eku_ok = true;
    const struct tp_store *st = opts ? opts->store : NULL;
    snprintf(res->store_desc, sizeof res->store_desc, "%s", tp_store_describe(st));
    res->store_roots = tp_store_count_roots(st);
    res->at = now;
    return res;
}

enum tp_err tp_chain_verify(const struct tp_bytes *chain, size_t n, const struct tp_verify_opts *opts,
                            struct tp_verify_result **out)
{
    time_t now = opts && opts->now ? opts->now : time(NULL);
    struct tp_verify_result *res = result_new(n, opts, now);
    *out = res;
    if (!res)
        return TP_ERR_NOMEM;
    if (n == 0 || !chain) {
        res->status = TP_PATH_EMPTY;
        verdict(res);
        return TP_OK;
    }
    size_t ns = n < TP_MAX_VERIFY_CERTS ? n : TP_MAX_VERIFY_CERTS;
    res->n_used = ns;
    /* A session keeps TP_MAX_CHAIN_CERTS of what was sent: the rest was never
     * a candidate, and the result says so. */
    if (opts && opts->n_sent_total > n)
        res->n_sent = opts->n_sent_total;
    res->sent_truncated = res->n_sent > ns;
    const struct tp_store *st = opts ? opts->store : NULL;
    struct builder b = { .opts = opts, .res = res, .now = now };
    b.client = opts && opts->purpose == TP_PURPOSE_CLIENT;
    clock_gettime(CLOCK_MONOTONIC, &b.t0);
    b.cap = (st ? st->n_roots + st->n_inters : 0) + ns + MAX_AIA_CERTS;
    b.c = calloc(b.cap, sizeof *b.c);
    b.sig = calloc(b.cap * b.cap, 1);
    struct tp_cert_info **sent = calloc(ns, sizeof *sent);
    enum tp_err err = TP_OK;
    if (!b.c || !b.sig || !sent) {
        err = TP_ERR_NOMEM;
        goto out;
    }
    /* Unparseable certificates stay NULL: never on a path. */
    for (size_t i = 0; i < ns; i++)
        if (tp_cert_parse(chain[i].p, chain[i].len, &sent[i]) != TP_OK)
            sent[i] = NULL;
    size_t leaf = pick_leaf(sent, ns);
    if (!sent[leaf]) {
        res->status = TP_PATH_BAD_SIGNATURE; /* nothing usable: the leaf isn't a certificate */
        snprintf(res->missing_issuer, sizeof res->missing_issuer, "(the first certificate could not be parsed)");
        verdict(res);
        snprintf(res->reject_id, sizeof res->reject_id, "malformed-certificate");
        goto out;
    }
    int li = build_pool(&b, st, sent, ns, leaf);
    b.path[0] = (size_t)li;
    b.depth = 1;
    search(&b);
    err = take_answer(&b, res, li);
    if (err == TP_OK) {
        path_facts(res, ns, n, b.best_anchored, opts, now);
        verdict(res);
        if (opts && opts->trust_db)
            tp_trust_judge(opts->trust_db, res, &res->trust);
        if (!b.client && res->path_len > 0) {
            /* Certificate Transparency (sct.c): the leaf's SCTs, checked with the
             * issuer this path found (a precert entry hashes the issuer's key). */
            struct tp_ct_input ci = {
                .leaf = res->path[0].cert,
                .issuer = res->path_len > 1 ? res->path[1].cert : NULL,
                .tls_list = opts ? opts->ct_tls_list : tp_bytes_make(NULL, 0),
                .ocsp_list = opts ? opts->ct_ocsp_list : tp_bytes_make(NULL, 0),
                .logs = opts ? opts->ct_logs : NULL,
                .now = now,
            };
            res->ct = tp_ct_judge(&ci);
        }
    }
out:
    for (size_t i = 0; i < b.n; i++)
        if (b.c[i].own)
            tp_cert_free(b.c[i].ci);
    for (size_t i = 0; sent && i < ns; i++)
        tp_cert_free(sent[i]);
    free(sent);
    free(b.c);
    free(b.sig);
    return err;
}
