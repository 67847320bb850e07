/* connect --starttls (src/probe/starttls.c): the plain-text upgrade to TLS.
 * Private to the probe module; the protocol list is public in tlsprobe/probe.h. */
#ifndef TLSPROBE_PROBE_STARTTLS_H
#define TLSPROBE_PROBE_STARTTLS_H
#include <stdint.h>
#include "tlsprobe/pcapw.h"
#include "tlsprobe/probe.h"
#include "tlsprobe/session.h"

/* Run the exchange for proto (TP_ST_SMTP...) on the connected socket fd, within
 * the deadline; the transcript and status go into s->starttls, the bytes into
 * flow (NULL: none). host: the name for protocols that send one (XMPP's 'to'). */
enum tp_starttls_status tp_starttls_run(int fd, int proto, const char *host, int64_t deadline_mono_us,
                                        struct tp_session *s, struct tp_pcapw_flow *flow);
#endif
