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

/* The same bounded, recorded line I/O for the proxy's CONNECT exchange
 * (src/probe/proxy.c): lines noted go to s->proxy. Sent bytes are not noted
 * (tp_plain_note shows them as the caller wants: a password redacted);
 * received lines are, as read. NULL: out of memory. */
struct tp_plain_io;
struct tp_plain_io *tp_plain_open(int fd, int64_t deadline_mono_us, struct tp_session *s, struct tp_pcapw_flow *flow);
void tp_plain_note(struct tp_plain_io *io, enum tp_dir dir, const char *text, size_t len);
bool tp_plain_send(struct tp_plain_io *io, const void *p, size_t n);
/* One line, CR LF stripped, into out (NUL-terminated, cut at cap). false: see tp_plain_failure. */
bool tp_plain_read_line(struct tp_plain_io *io, char *out, size_t cap);
enum tp_starttls_status tp_plain_failure(const struct tp_plain_io *io); /* TIMEOUT, CLOSED, UNEXPECTED (too long) */
size_t tp_plain_pending(const struct tp_plain_io *io); /* bytes received past the last line */
void tp_plain_close(struct tp_plain_io *io);
#endif
