/* Proxy rules (connect --proxy): the CONNECT tunnel did not open
 * (proxy-unreachable, proxy-auth-required, proxy-refused, proxy-upstream-failed,
 * proxy-bad-reply), and a chain that a TLS-inspecting proxy issued
 * (tls-inspection). They read facts only. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "diagnose/diag_int.h"

/* ---- the tunnel ---- */

static void proxy_finding(struct diag_ctx *c, enum tp_proxy_status want, const char *what)
{
    const struct tp_session *s = c->f->s;
    const struct tp_proxy *px = &s->proxy;
    if (s->outcome.status != TP_CONN_PROXY_FAILED || px->status != want)
        return;
    struct diag_texts *t = &c->t;
    if (what[0])
        diag_say(&t->sum, "The proxy %F%s: %F; the TLS handshake never started.", DIAG_F(px->url), what,
                 DIAG_F(px->detail));
    else
        diag_say(&t->sum, "Through the proxy %F: %F; the TLS handshake never started.", DIAG_F(px->url),
                 DIAG_F(px->detail));
    if (want == TP_PROXY_AUTH_REQUIRED && px->credentials)
        tp_sb_put(&t->note, " Credentials were sent (Basic): the proxy rejected them, or wants another scheme.");
    if (px->source[0] && strcmp(px->source, "--proxy"))
        diag_say(&t->note, " The proxy came from the environment variable %F.", DIAG_F(px->source));
    diag_report(c, TP_SEV_ERROR);
}

/* (the details of the other three say it in the proxy's words already) */
void r_proxy_unreachable(struct diag_ctx *c) { proxy_finding(c, TP_PROXY_UNREACHABLE, " could not be reached"); }
void r_proxy_auth_required(struct diag_ctx *c) { proxy_finding(c, TP_PROXY_AUTH_REQUIRED, ""); }
void r_proxy_refused(struct diag_ctx *c) { proxy_finding(c, TP_PROXY_REFUSED, ""); }
void r_proxy_upstream_failed(struct diag_ctx *c) { proxy_finding(c, TP_PROXY_UPSTREAM_FAILED, ""); }
void r_proxy_bad_reply(struct diag_ctx *c) { proxy_finding(c, TP_PROXY_BAD_REPLY, " did not answer as an HTTP proxy"); }

/* ---- TLS inspection ---- */

/* Words in a CA's name that say which inspection product issued it: data,
 * matched as whole words, case-insensitively, against the names of the chain. */
static const struct {
    const char *word, *product;
} inspectors[] = {
    { "Zscaler", "Zscaler" },
    { "Netskope", "Netskope" },
    { "Palo Alto", "Palo Alto Networks SSL decryption" },
    { "PAN-OS", "Palo Alto Networks SSL decryption" },
    { "Fortinet", "Fortinet FortiGate SSL inspection" },
    { "FortiGate", "Fortinet FortiGate SSL inspection" },
    { "Blue Coat", "Blue Coat / Symantec ProxySG" },
    { "BlueCoat", "Blue Coat / Symantec ProxySG" },
    { "ProxySG", "Blue Coat / Symantec ProxySG" },
    { "Symantec Web Security", "Symantec Web Security Service" },
    { "Cisco Umbrella", "Cisco Umbrella" },
    { "OpenDNS", "Cisco Umbrella" },
    { "Sophos", "Sophos" },
    { "Forcepoint", "Forcepoint" },
    { "Websense", "Forcepoint (Websense)" },
    { "Check Point", "Check Point HTTPS inspection" },
    { "Skyhigh", "Skyhigh / McAfee Web Gateway" },
    { "McAfee Web Gateway", "Skyhigh / McAfee Web Gateway" },
    { "Barracuda", "Barracuda" },
    { "mitmproxy", "mitmproxy" },
    { "Charles Proxy", "Charles Proxy" },
    { "Fiddler", "Fiddler" },
    { "FiddlerRoot", "Fiddler" },
    { "PortSwigger", "Burp Suite" },
    { "Burp", "Burp Suite" },
    { "Squid", "Squid (ssl-bump)" },
    { "Kaspersky", "Kaspersky web anti-virus" },
    { "ESET", "ESET SSL/TLS filtering" },
    { "Avast", "Avast Web Shield" },
    { "AVG", "AVG Web Shield" },
    { "Bitdefender", "Bitdefender web protection" },
    { "Proxy CA", "a TLS-inspecting proxy" },
    { "Proxy Root", "a TLS-inspecting proxy" },
    { "SSL Inspection", "a TLS-inspecting proxy" },
    { "TLS Inspection", "a TLS-inspecting proxy" },
    { "HTTPS Inspection", "a TLS-inspecting proxy" },
};

/* Does the word occur in low (a name in lower case) as a whole word? The words
 * are compared in lower case too: one pass to lower the name, then strstr (glibc's
 * strcasestr sets up a two-way search per call, which for these short words cost
 * more than the search; every session with an unknown CA comes here, in a
 * capture tens of thousands of times). */
static bool has_word(const char *low, const char *word)
{
    char w[32];
    size_t n = strlen(word);
    if (n >= sizeof w)
        return false;
    for (size_t i = 0; i <= n; i++)
        w[i] = (char)tolower((unsigned char)word[i]);
    for (const char *p = low; (p = strstr(p, w)); p++) {
        bool start = p == low || !isalnum((unsigned char)p[-1]);
        bool end = !isalnum((unsigned char)p[n]);
        if (start && end)
            return true;
    }
    return false;
}

/* The product whose word is in name, or NULL. */
static const char *inspector_of(const char *name)
{
    if (!name)
        return NULL;
    char low[512];
    size_t n = strnlen(name, sizeof low - 1);
    for (size_t i = 0; i < n; i++)
        low[i] = (char)tolower((unsigned char)name[i]);
    low[n] = 0;
    for (size_t i = 0; i < sizeof inspectors / sizeof inspectors[0]; i++)
        if (has_word(low, inspectors[i].word))
            return inspectors[i].product;
    return NULL;
}

void r_tls_inspection(struct diag_ctx *c, const struct diag_chain *ch)
{
    const struct tp_verify_result *v = ch->v;
    const struct tp_session *s = c->f->s;
    if (ch->is_client || !v || (v->status != TP_PATH_UNKNOWN_AUTHORITY && v->status != TP_PATH_SELF_SIGNED))
        return;
    /* The CA's name: the issuer not found in the store, else the names in the chain as sent. */
    char issuer[sizeof v->missing_issuer];
    snprintf(issuer, sizeof issuer, "%.*s", (int)strnlen(v->missing_issuer, sizeof v->missing_issuer),
             v->missing_issuer);
    const char *product = inspector_of(issuer);
    for (size_t i = 0; !product && ch->sent && i < ch->sent->n; i++) {
        const struct tp_cert_info *ci = ch->sent->info[i];
        if (ci && (product = inspector_of(ci->issuer)) != NULL)
            snprintf(issuer, sizeof issuer, "%s", ci->issuer);
        else if (ci && (product = inspector_of(ci->subject)) != NULL)
            snprintf(issuer, sizeof issuer, "%s", ci->subject);
    }
    if (!issuer[0] && ch->sent && ch->sent->n && ch->sent->info[0] && ch->sent->info[0]->issuer)
        snprintf(issuer, sizeof issuer, "%s", ch->sent->info[0]->issuer);
    bool via_proxy = s->proxy.status == TP_PROXY_OK;
    if (!product && !via_proxy)
        return;
    struct diag_texts *t = &c->t;
    if (product)
        diag_say(&t->sum, "The certificate for this host was issued by '%e', the CA of %s: a TLS-inspecting proxy "
                          "on the path, and %T does not trust it.", issuer, product, v);
    else
        diag_say(&t->sum, "The connection went through the proxy %F and the certificate was issued by '%e', which "
                          "is not in %T: probably the proxy inspects TLS with its own CA.",
                 DIAG_F(s->proxy.url), issuer, v);
    if (product && via_proxy)
        diag_say(&t->note, " The connection went through the proxy %F.", DIAG_F(s->proxy.url));
    else if (product)
        tp_sb_put(&t->note, " No proxy was configured for this connection: the inspection is transparent (a "
                            "firewall on the path, or an anti-virus program on this machine).");
    /* a name match is evidence; a proxy alone is a likely explanation, and the
     * unknown-authority finding stays beside it */
    diag_report(c, product ? TP_SEV_ERROR : TP_SEV_WARNING);
}
