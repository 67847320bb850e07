/* connect --proxy (src/probe/proxy.c): the tunnel through an HTTP proxy.
 * Private to the probe module; URL parsing and NO_PROXY matching are public in
 * tlsprobe/probe.h. */
#ifndef TLSPROBE_PROBE_PROXY_H
#define TLSPROBE_PROBE_PROXY_H
#include <stdbool.h>
#include <stdint.h>
#include "tlsprobe/pcapw.h"
#include "tlsprobe/probe.h"
#include "tlsprobe/session.h"

/* Whether this connection goes through o->proxy: fills s->proxy (url, source;
 * TP_PROXY_BYPASSED with the NO_PROXY entry when the host is excluded) and u.
 * false: connect directly. o->proxy must have parsed (tp_proxy_url_parse). */
bool tp_proxy_plan(const struct tp_connect_opts *o, struct tp_session *s, struct tp_proxy_url *u);

/* The CONNECT exchange (RFC 9110 §9.3.6) on fd, connected to the proxy:
 * "CONNECT host:port", Proxy-Authorization Basic when u has a user; the reply's
 * status line and headers. Every line (the password redacted) goes into
 * s->proxy, the bytes into flow. Returns s->proxy.status: TP_PROXY_OK when the
 * tunnel is open. */
enum tp_proxy_status tp_proxy_connect(int fd, const struct tp_proxy_url *u, const char *host, uint16_t port,
                                      int64_t deadline_mono_us, struct tp_session *s, struct tp_pcapw_flow *flow);

/* "HTTP/1.1 407 Proxy Authentication Required" -> 407 and the reason (cut at
 * cap, may be NULL). 0: not an HTTP/1.x status line. */
int tp_proxy_status_line(const char *line, char *reason, size_t cap);
#endif
