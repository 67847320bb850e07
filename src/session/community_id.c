/* Flow identity: endpoints as the sources write them, and the Community ID v1
 * (https://github.com/corelight/community-id-spec, README "Pseudo code"), the
 * flow hash Zeek, Suricata, Wireshark and Elastic's network.community_id share,
 * so a tlsprobe session joins their logs of the same connection. SHA-1 and
 * base64 are wolfCrypt's. Test vectors: tests/unit/test_session_community_id.c. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/coding.h>
#include <wolfssl/wolfcrypt/hash.h>
#include "tlsprobe/session.h"

bool tp_endpoint_parse(const char *text, struct tp_endpoint *ep)
{
    memset(ep, 0, sizeof *ep);
    if (!text || !*text)
        return false;
    const char *colon = strrchr(text, ':');
    const char *a = text, *ae = colon;
    if (!colon)
        return false;
    if (text[0] == '[') {
        if (colon == text || colon[-1] != ']')
            return false;
        a = text + 1;
        ae = colon - 1;
    }
    size_t alen = (size_t)(ae - a);
    if (alen == 0 || alen >= sizeof ep->ip)
        return false;
    char *end = NULL;
    const char *pt = colon + 1;
    if (*pt < '0' || *pt > '9')
        return false;
    unsigned long port = strtoul(pt, &end, 10);
    if (*end || port > 65535)
        return false;
    memcpy(ep->ip, a, alen);
    ep->ip[alen] = '\0';
    int fam = text[0] == '[' ? AF_INET6 : AF_INET;
    if (inet_pton(fam, ep->ip, ep->addr) != 1) {
        memset(ep, 0, sizeof *ep);
        return false;
    }
    ep->family = fam == AF_INET6 ? 6 : 4;
    ep->port = (uint16_t)port;
    return true;
}

bool tp_community_id_sha1(uint16_t seed, uint8_t proto, const uint8_t *saddr, const uint8_t *daddr, size_t alen,
                          uint16_t sport, uint16_t dport, uint8_t h[TP_COMMUNITY_ID_SHA1])
{
    if (alen != 4 && alen != 16)
        return false;
    /* "the smaller IP:port tuple comes first; if the IP addresses are equal,
     * the ports decide" (spec: order_endpoints) */
    int c = memcmp(saddr, daddr, alen);
    if (c > 0 || (c == 0 && sport > dport)) {
        const uint8_t *t = saddr;
        saddr = daddr;
        daddr = t;
        uint16_t tp = sport;
        sport = dport;
        dport = tp;
    }
    /* seed . saddr . daddr . proto . 0 . sport . dport, network order */
    uint8_t in[2 + 16 + 16 + 2 + 4];
    size_t n = 0;
    in[n++] = (uint8_t)(seed >> 8);
    in[n++] = (uint8_t)seed;
    memcpy(in + n, saddr, alen);
    n += alen;
    memcpy(in + n, daddr, alen);
    n += alen;
    in[n++] = proto;
    in[n++] = 0;
    in[n++] = (uint8_t)(sport >> 8);
    in[n++] = (uint8_t)sport;
    in[n++] = (uint8_t)(dport >> 8);
    in[n++] = (uint8_t)dport;
    return wc_ShaHash(in, (word32)n, h) == 0;
}

bool tp_community_id(uint16_t seed, uint8_t proto, const uint8_t *saddr, const uint8_t *daddr, size_t alen,
                     uint16_t sport, uint16_t dport, char out[TP_COMMUNITY_ID_LEN])
{
    out[0] = '\0';
    uint8_t h[TP_COMMUNITY_ID_SHA1];
    if (!tp_community_id_sha1(seed, proto, saddr, daddr, alen, sport, dport, h))
        return false;
    byte b64[TP_COMMUNITY_ID_LEN];
    word32 blen = sizeof b64;
    if (Base64_Encode_NoNl(h, sizeof h, b64, &blen) != 0 || blen + 3 > TP_COMMUNITY_ID_LEN)
        return false;
    out[0] = '1';
    out[1] = ':';
    memcpy(out + 2, b64, blen);
    out[2 + blen] = '\0';
    return true;
}

bool tp_session_community_id(const struct tp_session *s, uint16_t seed, char out[TP_COMMUNITY_ID_LEN])
{
    struct tp_endpoint c, v;
    out[0] = '\0';
    if (!tp_endpoint_parse(s->client, &c) || !tp_endpoint_parse(s->server, &v) || c.family != v.family)
        return false;
    return tp_community_id(seed, s->udp ? TP_PROTO_UDP : TP_PROTO_TCP, c.addr, v.addr, c.family == 6 ? 16 : 4, c.port, v.port, out);
}
