/* The scan rules (rules.def, tp_diagnose_scan): they read f->scan only, the
 * server's accepted versions and suites (tlsprobe/scan.h), and are silent for
 * every other source. */
#include <string.h>
#include "diagnose/diag_int.h"
#include "tlsprobe/names.h"
#include "tlsprobe/scan.h"

static const struct tp_scan_result *scan_of(const struct diag_ctx *c)
{
    return c->f->role == DIAG_SCAN ? c->f->scan : NULL;
}

static const char *vname(uint16_t v)
{
    const char *n = tp_name_version(v);
    return n ? n : "?";
}

/* deprecated-version for a scan (r_deprecated_version hands over). */
void diag_scan_deprecated(struct diag_ctx *c)
{
    const struct tp_scan_result *r = scan_of(c);
    if (!r)
        return;
    size_t n = 0;
    bool ssl3 = false;
    for (int i = 0; i < TP_SCAN_N_VERSIONS; i++) {
        const struct tp_scan_version *v = &r->versions[i];
        if (v->accepted != TP_SCAN_YES || v->version >= TP_TLS1_2)
            continue;
        tp_sb_printf(&c->t.sum, "%s%s", n ? ", " : "The server accepts ", vname(v->version));
        ssl3 |= v->version == TP_SSL3_0;
        n++;
    }
    if (!n)
        return;
    tp_sb_put(&c->t.sum, n == 1 ? ": a deprecated version." : ": deprecated versions.");
    tp_sb_put(&c->t.fix, "Accept TLS 1.2 and 1.3 only. nginx: 'ssl_protocols TLSv1.2 TLSv1.3;'. Apache: "
                         "'SSLProtocol -all +TLSv1.2 +TLSv1.3'. HAProxy: 'ssl-default-bind-options ssl-min-ver "
                         "TLSv1.2'. Go: tls.Config{MinVersion: tls.VersionTLS12}. Java: list SSLv3, TLSv1, "
                         "TLSv1.1 in jdk.tls.disabledAlgorithms (java.security).");
    diag_report(c, ssl3 ? TP_SEV_ERROR : TP_SEV_WARNING);
}

static bool weak(const struct tp_suite_info *si, uint16_t version)
{
    return si && (si->weak || (version <= TP_TLS1_0 && si->block_len));
}

static bool no_fs(const struct tp_suite_info *si)
{
    return si && !si->tls13 &&
           !(si->kx == TP_KX_DHE || si->kx == TP_KX_ECDHE || si->kx == TP_KX_DHE_PSK || si->kx == TP_KX_ECDHE_PSK);
}

/* "N suites in V (A, B, and M more)" for the suites pred selects. */
static size_t list_suites(struct tp_sb *sb, const struct tp_scan_result *r, bool (*pred)(const struct tp_suite_info *,
                                                                                         uint16_t))
{
    size_t total = 0;
    for (int i = 0; i < TP_SCAN_N_VERSIONS; i++) {
        const struct tp_scan_version *v = &r->versions[i];
        size_t n = 0, shown = 0;
        for (size_t k = 0; k < v->n_suites; k++)
            if (pred(tp_suite_info(v->suites[k]), v->version))
                n++;
        if (!n)
            continue;
        tp_sb_printf(sb, "%s%s: ", total ? "; " : " ", vname(v->version));
        for (size_t k = 0; k < v->n_suites && shown < 3; k++) {
            const struct tp_suite_info *si = tp_suite_info(v->suites[k]);
            if (pred(si, v->version))
                tp_sb_printf(sb, "%s%s", shown++ ? ", " : "", si->name);
        }
        if (n > shown)
            tp_sb_printf(sb, " and %zu more", n - shown);
        total += n;
    }
    return total;
}

static bool weak_pred(const struct tp_suite_info *si, uint16_t version)
{
    return weak(si, version);
}

static bool no_fs_pred(const struct tp_suite_info *si, uint16_t version)
{
    (void)version;
    return no_fs(si);
}

void r_weak_cipher(struct diag_ctx *c)
{
    const struct tp_scan_result *r = scan_of(c);
    if (!r)
        return;
    struct tp_sb list;
    tp_sb_init(&list);
    size_t n = list_suites(&list, r, weak_pred);
    if (n) {
        tp_sb_printf(&c->t.sum, "The server accepts %zu weak cipher suite%s:", n, n == 1 ? "" : "s");
        tp_sb_put(&c->t.sum, tp_sb_str(&list));
        tp_sb_putc(&c->t.sum, '.');
        diag_report(c, TP_SEV_WARNING);
    }
    tp_sb_free(&list);
}

void r_no_forward_secrecy(struct diag_ctx *c)
{
    const struct tp_scan_result *r = scan_of(c);
    if (!r)
        return;
    struct tp_sb list;
    tp_sb_init(&list);
    size_t n = list_suites(&list, r, no_fs_pred);
    if (n) {
        tp_sb_printf(&c->t.sum, "The server accepts %zu suite%s without forward secrecy:", n, n == 1 ? "" : "s");
        tp_sb_put(&c->t.sum, tp_sb_str(&list));
        tp_sb_putc(&c->t.sum, '.');
        diag_report(c, TP_SEV_WARNING);
    }
    tp_sb_free(&list);
}

void r_no_tls13(struct diag_ctx *c)
{
    const struct tp_scan_result *r = scan_of(c);
    if (!r || r->unreachable || r->versions[TP_SCAN_N_VERSIONS - 1].accepted != TP_SCAN_NO)
        return;
    bool any = false;
    for (int i = 0; i < TP_SCAN_N_VERSIONS - 1; i++)
        any |= r->versions[i].accepted == TP_SCAN_YES;
    if (!any)
        return;
    tp_sb_put(&c->t.sum, "The server does not accept TLS 1.3.");
    diag_report(c, TP_SEV_WARNING);
}

void r_no_server_preference(struct diag_ctx *c)
{
    const struct tp_scan_result *r = scan_of(c);
    if (!r)
        return;
    size_t n = 0;
    for (int i = 0; i < TP_SCAN_N_VERSIONS; i++) {
        const struct tp_scan_version *v = &r->versions[i];
        /* TLS 1.3 suites are all AEAD with forward secrecy: the client's pick is fine */
        if (v->server_order != TP_SCAN_NO || v->version >= TP_TLS1_3)
            continue;
        tp_sb_printf(&c->t.sum, "%s%s", n ? ", " : "The server takes the client's first suite it supports in ",
                     vname(v->version));
        n++;
    }
    if (!n)
        return;
    tp_sb_putc(&c->t.sum, '.');
    diag_report(c, TP_SEV_INFO);
}
