/* Name constraints (RFC 5280 §4.2.1.10, §6.1.3 (b)-(c), §6.1.4 (g)): may a CA
 * certify the names a certificate below it claims?
 *
 * Forms evaluated: dNSName, iPAddress (IPv4/IPv6 with masks), rfc822Name, URI
 * (its host) and directoryName. A dNSName constraint with a leading period
 * means "subdomains only", as Go, NSS and BoringSSL read it. Names a CA
 * constrains but that cannot be parsed (a DNS name with an empty label, a URI
 * without a host) are violations: a verifier that cannot tell whether a name is
 * inside the subtree must not accept it. A constraint of a form we do not
 * evaluate (otherName, x400Address, ediPartyName, registeredID) rejects only a
 * certificate below that has a name of that form (RFC 5280 asks to evaluate the
 * constraints for the names present). */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "x509_int.h"

enum { GN_EMAIL = 1, GN_DNS = 2, GN_DIR = 4, GN_URI = 6, GN_IP = 7 };

/* Tag number of a GeneralName (context class), -1 for anything else. */
static int gn_type(uint8_t tag)
{
    if ((tag & 0xc0) != 0x80)
        return -1;
    return tag & 0x1f;
}

bool nc_well_formed(struct tp_cert_info *ci)
{
    struct tp_bytes lists[2] = { ci->nc_permitted, ci->nc_excluded };
    for (int l = 0; l < 2; l++) {
        struct tp_reader r;
        tp_reader_from(&r, lists[l]);
        while (tp_reader_left(&r) > 0) {
            struct tp_reader st;
            struct der_tlv base, tmp;
            if (!der_expect(&r, DER_SEQUENCE, NULL, &st) || !der_next(&st, &base))
                return false;
            /* minimum must be 0 and maximum absent in this profile (§4.2.1.10) */
            if (der_optional(&st, DER_CTX(0), &tmp) && !(tmp.val.len == 1 && tmp.val.p[0] == 0))
                return false;
            if (der_optional(&st, DER_CTX(1), &tmp) || !tp_reader_expect_end(&st))
                return false;
            int t = gn_type(base.tag);
            switch (t) {
            case GN_EMAIL: case GN_DNS: case GN_URI:
                if (base.tag != DER_CTX(t))
                    return false;
                break;
            case GN_IP:
                if (base.tag != DER_CTX(7) || (base.val.len != 8 && base.val.len != 32))
                    return false;
                break;
            case GN_DIR:
                if (base.tag != DER_CTXC(4))
                    return false;
                break;
            default:
                /* otherName, x400Address, ediPartyName, registeredID: judged only
                 * when a certificate below has a name of that form (nc_permits) */
                break;
            }
        }
        if (!tp_reader_ok(&r))
            return false;
    }
    return true;
}

/* ---- matching one name against one constraint ---- */

/* Split a DNS name into labels, right to left. false when not a DNS name we can
 * judge: empty, an empty label, or bytes outside printable ASCII. */
static bool rev_labels(const uint8_t *p, size_t n, struct tp_bytes *out, size_t cap, size_t *count)
{
    *count = 0;
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (p[i] <= 0x20 || p[i] >= 0x7f)
            return false;
    size_t end = n;
    for (size_t i = n; i-- > 0;) {
        if (p[i] == '.') {
            if (end == i + 1 || *count == cap)
                return false;
            out[(*count)++] = tp_bytes_make(p + i + 1, end - i - 1);
            end = i;
        }
    }
    if (end == 0 || *count == cap)
        return false;
    out[(*count)++] = tp_bytes_make(p, end);
    return true;
}

static bool label_eq(struct tp_bytes a, struct tp_bytes b)
{
    return a.len == b.len && strncasecmp((const char *)a.p, (const char *)b.p, a.len) == 0;
}

/* 1 match, 0 no match, -1 the name or the constraint cannot be judged.
 * `excluded`: a wildcard name "*.a.b" is excluded by "x.a.b", since it would
 * match x.a.b (Go 1.24, webpki). */
static int dns_in(struct tp_bytes name, struct tp_bytes c, bool excluded)
{
    if (c.len == 0)
        return 1; /* an empty constraint is the whole name space (as NSS and Go) */
    bool sub_only = c.p[0] == '.';
    if (sub_only)
        c = tp_bytes_make(c.p + 1, c.len - 1);
    struct tp_bytes nl[128], cl[128];
    size_t nn, nc;
    if (!rev_labels(name.p, name.len, nl, 128, &nn))
        return -1;
    if (!rev_labels(c.p, c.len, cl, 128, &nc))
        return -1;
    bool wildcard = nl[nn - 1].len == 1 && nl[nn - 1].p[0] == '*';
    if (excluded && wildcard && nn > 1 && nc == nn && !sub_only) {
        /* "*.a.b" against "x.a.b": the wildcard label stands for x */
        for (size_t i = 0; i + 1 < nc; i++)
            if (!label_eq(cl[i], nl[i]))
                return 0;
        return 1;
    }
    if (nn < nc || (sub_only && nn == nc))
        return 0;
    for (size_t i = 0; i < nc; i++)
        if (!label_eq(cl[i], nl[i]))
            return 0;
    return 1;
}

static int ip_in(struct tp_bytes ip, struct tp_bytes c)
{
    if (ip.len != 4 && ip.len != 16)
        return -1;
    if (c.len != 8 && c.len != 32)
        return -1;
    if (c.len != ip.len * 2)
        return 0; /* the other family */
    const uint8_t *net = c.p, *mask = c.p + ip.len;
    /* a mask is ones then zeros */
    bool zeros = false;
    for (size_t i = 0; i < ip.len; i++)
        for (int b = 7; b >= 0; b--) {
            bool one = mask[i] >> b & 1;
            if (one && zeros)
                return -1;
            zeros = zeros || !one;
        }
    for (size_t i = 0; i < ip.len; i++)
        if ((ip.p[i] & mask[i]) != (net[i] & mask[i]))
            return 0;
    return 1;
}

/* rfc822Name: "user@host" exactly (local part case-sensitive), "host" any
 * mailbox at host, ".host" any mailbox under host (§4.2.1.10). */
static int email_in(struct tp_bytes name, struct tp_bytes c)
{
    const uint8_t *at = NULL;
    for (size_t i = 0; i < name.len; i++)
        if (name.p[i] == '@') {
            if (at)
                return -1; /* a second '@' outside quotes: not an RFC 5321 Mailbox */
            at = name.p + i;
        }
    if (!at || at == name.p || at == name.p + name.len - 1)
        return -1;
    struct tp_bytes local = tp_bytes_make(name.p, (size_t)(at - name.p));
    struct tp_bytes dom = tp_bytes_make(at + 1, name.len - local.len - 1);
    const uint8_t *cat = memchr(c.p, '@', c.len);
    if (cat) {
        size_t ll = (size_t)(cat - c.p);
        if (ll != local.len || memcmp(c.p, local.p, ll) != 0)
            return 0;
        struct tp_bytes cd = tp_bytes_make(cat + 1, c.len - ll - 1);
        return label_eq(cd, dom) ? 1 : 0;
    }
    if (c.len && c.p[0] == '.')
        return dns_in(dom, c, false);
    struct tp_bytes dl[128];
    size_t nd;
    if (!rev_labels(dom.p, dom.len, dl, 128, &nd))
        return -1;
    return label_eq(dom, c) ? 1 : 0;
}

/* The host of a URI (RFC 3986 §3.2.2), without userinfo and port. */
static bool uri_host(struct tp_bytes uri, struct tp_bytes *host)
{
    const uint8_t *p = uri.p, *end = uri.p + uri.len;
    const uint8_t *colon = memchr(p, ':', uri.len);
    if (!colon || end - colon < 3 || colon[1] != '/' || colon[2] != '/')
        return false;
    p = colon + 3;
    const uint8_t *stop = p;
    while (stop < end && *stop != '/' && *stop != '?' && *stop != '#')
        stop++;
    for (const uint8_t *q = p; q < stop; q++)
        if (*q == '@')
            p = q + 1;
    if (p < stop && *p == '[')
        return false; /* an IP literal: not a domain a constraint can hold */
    const uint8_t *hend = p;
    while (hend < stop && *hend != ':')
        hend++;
    if (hend == p)
        return false;
    *host = tp_bytes_make(p, (size_t)(hend - p));
    char buf[64];
    if (host->len < sizeof buf) {
        memcpy(buf, host->p, host->len);
        buf[host->len] = '\0';
        unsigned char ip[16];
        if (inet_pton(AF_INET, buf, ip) == 1)
            return false;
    }
    return true;
}

static int uri_in(struct tp_bytes uri, struct tp_bytes c)
{
    struct tp_bytes host;
    if (!uri_host(uri, &host))
        return -1;
    return dns_in(host, c, false);
}

/* directoryName: the constraint's RDNs are the first RDNs of the name. */
static int dir_in(struct tp_bytes name, struct tp_bytes c)
{
    struct tp_reader nr, cr;
    tp_reader_from(&nr, name);
    tp_reader_from(&cr, c);
    while (tp_reader_left(&cr) > 0) {
        struct der_tlv a, b;
        if (!der_expect(&cr, DER_SET, &b, NULL))
            return -1;
        if (tp_reader_left(&nr) == 0)
            return 0;
        if (!der_expect(&nr, DER_SET, &a, NULL))
            return -1;
        if (a.whole.len != b.whole.len || memcmp(a.whole.p, b.whole.p, a.whole.len) != 0)
            return 0;
    }
    return tp_reader_ok(&cr) ? 1 : -1;
}

static int match(int type, struct tp_bytes name, struct tp_bytes c, bool excluded)
{
    switch (type) {
    case GN_DNS: return dns_in(name, c, excluded);
    case GN_IP: return ip_in(name, c);
    case GN_EMAIL: return email_in(name, c);
    case GN_URI: return uri_in(name, c);
    case GN_DIR: return dir_in(name, c);
    default: return 0;
    }
}

static const char *type_word(int t)
{
    switch (t) {
    case GN_DNS: return "DNS name";
    case GN_IP: return "IP address";
    case GN_EMAIL: return "email address";
    case GN_URI: return "URI";
    default: return "directory name";
    }
}

/* Text of a name or constraint for people. */
static void put_gn(struct tp_sb *sb, int type, struct tp_bytes v, bool constraint)
{
    char buf[INET6_ADDRSTRLEN];
    if (type == GN_IP) {
        size_t al = constraint ? v.len / 2 : v.len;
        int fam = al == 4 ? AF_INET : AF_INET6;
        if ((al == 4 || al == 16) && inet_ntop(fam, v.p, buf, sizeof buf)) {
            tp_sb_put(sb, buf);
            if (constraint) {
                int bits = 0;
                for (size_t i = 0; i < al; i++)
                    for (int b = 7; b >= 0; b--)
                        bits += v.p[al + i] >> b & 1;
                tp_sb_printf(sb, "/%d", bits);
            }
        } else {
            tp_sb_put_hex(sb, v.p, v.len, 0);
        }
    } else if (type == GN_DIR) {
        if (!name_text(v, sb))
            tp_sb_put(sb, "(unreadable name)");
    } else if (v.len == 0) {
        tp_sb_put(sb, "(empty: every name)");
    } else {
        tp_sb_put_escaped(sb, v.p, v.len);
    }
}

/* The value of a GeneralName for matching: the text or bytes, or for a
 * directoryName ([4] EXPLICIT Name) the Name's RDNs. false when unreadable. */
static bool gn_value(const struct der_tlv *gn, int type, struct tp_bytes *out)
{
    *out = gn->val;
    if (type != GN_DIR)
        return true;
    struct tp_reader dr;
    struct der_tlv seq;
    tp_reader_from(&dr, gn->val);
    if (!der_expect(&dr, DER_SEQUENCE, &seq, NULL))
        return false;
    *out = seq.val;
    return true;
}

/* Next GeneralSubtree of a list: its form and value (nc_well_formed checked the
 * layout when the certificate was read). false at the end. */
static bool subtree_next(struct tp_reader *r, int *type, struct tp_bytes *value)
{
    while (tp_reader_left(r) > 0) {
        struct tp_reader st;
        struct der_tlv base;
        if (!der_expect(r, DER_SEQUENCE, NULL, &st) || !der_next(&st, &base))
            return false;
        *type = gn_type(base.tag);
        if (gn_value(&base, *type, value))
            return true;
    }
    return false;
}

struct nc_name {
    int type;
    struct tp_bytes v;  /* DNS/email/URI text, IP bytes, directoryName content */
};

/* The next subtree of the given name type in r (a GeneralSubtrees list). */
static bool next_of_type(struct tp_reader *r, int type, struct tp_bytes *value)
{
    int t;
    while (subtree_next(r, &t, value))
        if (t == type)
            return true;
    return false;
}

/* Check one name against the CA's subtrees. 0 allowed, 1 violation (why set). */
static int check_name(const struct tp_cert_info *ca, const struct nc_name *nm, struct tp_sb *why, unsigned *work)
{
    bool have_type = false;
    struct tp_bytes lists[2] = { ca->nc_excluded, ca->nc_permitted };
    const int t = nm->type;
    for (int l = 0; l < 2; l++) {
        struct tp_reader r;
        struct tp_bytes cv;
        tp_reader_from(&r, lists[l]);
        while (next_of_type(&r, t, &cv)) {
            if (++*work > TP_MAX_NC_CHECKS) {
                tp_sb_put(why, "too many name-constraint comparisons (a work bound)");
                return 1;
            }
            int m = match(t, nm->v, cv, l == 0);
            if (m < 0 || (l == 0 && m)) {
                tp_sb_printf(why, "its %s '", type_word(t));
                put_gn(why, t, nm->v, false);
                tp_sb_put(why, m < 0 ? "' cannot be checked against the constraint '" : "' is in the excluded subtree '");
                put_gn(why, t, cv, true);
                tp_sb_put(why, "'");
                return 1;
            }
            if (l == 1 && m)
                return 0; /* excluded ones were all checked first */
            have_type = have_type || l == 1;
        }
    }
    if (!have_type)
        return 0;
    tp_sb_printf(why, "its %s '", type_word(nm->type));
    put_gn(why, nm->type, nm->v, false);
    tp_sb_put(why, "' is outside the permitted ");
    /* list the permitted subtrees of that type (a few) */
    struct tp_reader r;
    struct tp_bytes cv;
    size_t shown = 0;
    tp_reader_from(&r, ca->nc_permitted);
    while (shown < 4 && next_of_type(&r, t, &cv)) {
        tp_sb_put(why, shown++ ? ", '" : "'");
        put_gn(why, nm->type, cv, true);
        tp_sb_putc(why, '\'');
    }
    return 1;
}

/* Does the CA constrain names of this type at all? */
static bool constrains(const struct tp_cert_info *ca, int type)
{
    struct tp_reader p, e;
    struct tp_bytes cv;
    tp_reader_from(&p, ca->nc_permitted);
    tp_reader_from(&e, ca->nc_excluded);
    return next_of_type(&p, type, &cv) || next_of_type(&e, type, &cv);
}

int nc_permits(const struct tp_cert_info *ca, const struct tp_cert_info *ci, char *why, size_t whylen,
               unsigned *work)
{
    if (!ca->has_name_constraints)
        return 0;
    struct tp_sb sb;
    tp_sb_init(&sb);
    int bad = 0;
    /* The subject as a directoryName, when it is not empty (§6.1.3 (b)). */
    if (ci->subject_der.len && constrains(ca, GN_DIR)) {
        struct nc_name nm = { GN_DIR, ci->subject_der };
        bad = check_name(ca, &nm, &sb, work);
    }
    /* Email addresses in the subject (emailAddress attributes) count as rfc822Names. */
    if (!bad && ci->subject_der.len && constrains(ca, GN_EMAIL)) {
        struct tp_reader r;
        tp_reader_from(&r, ci->subject_der);
        while (!bad && tp_reader_left(&r) > 0) {
            struct tp_reader rs;
            if (!der_expect(&r, DER_SET, NULL, &rs))
                break;
            while (!bad && tp_reader_left(&rs) > 0) {
                struct der_tlv oid, val;
                if (!der_ava(&rs, &oid, &val))
                    break;
                if (oid_is(oid.val, "1.2.840.113549.1.9.1")) {
                    struct nc_name nm = { GN_EMAIL, val.val };
                    bad = check_name(ca, &nm, &sb, work);
                }
            }
        }
    }
    /* Every subjectAltName entry of a form the CA constrains. */
    struct tp_reader r;
    tp_reader_from(&r, ci->san_der);
    while (!bad && tp_reader_left(&r) > 0) {
        struct der_tlv gn;
        if (!der_next(&r, &gn))
            break;
        int t = gn_type(gn.tag);
        if (t < 0 || !constrains(ca, t))
            continue;
        if (t != GN_DNS && t != GN_IP && t != GN_EMAIL && t != GN_URI && t != GN_DIR) {
            /* a form we cannot evaluate, constrained by the CA: not provably inside */
            tp_sb_printf(&sb, "it has a name of form [%d] that the CA constrains and tlsprobe cannot evaluate", t);
            bad = 1;
            break;
        }
        struct nc_name nm = { t, gn.val };
        if (!gn_value(&gn, t, &nm.v))
            continue;
        bad = check_name(ca, &nm, &sb, work);
    }
    if (bad)
        snprintf(why, whylen, "%s", tp_sb_str(&sb));
    tp_sb_free(&sb);
    return bad;
}
