/* Private to the HTML report (html.c: the page, the session section and its
 * findings; html_svg.c: the handshake ladder; html_cert.c: the chain trees).
 * Every byte of text the report shows goes through these two escapers, so
 * nothing from the wire can become markup: rh_esc for our own words (and text
 * already escaped for a terminal, such as rf_facts), rh_wire for untrusted bytes. */
#ifndef TP_RENDER_HTML_INT_H
#define TP_RENDER_HTML_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include "render_int.h"

/* n bytes of text as HTML: '&' '<' '>' always, '"' and '\'' too when quotes (an
 * attribute value, or text that may end up in one); valid in element content and
 * in quoted attribute values alike. NUL bytes are dropped (the input is ours or
 * already escaped for a terminal, which shows NUL as \x00). */
void rh_escn(struct tp_sb *o, const char *p, size_t n, bool quotes);
static inline void rh_esc(struct tp_sb *o, const char *p, size_t n)
{
    rh_escn(o, p, n, true);
}
static inline void rh_str(struct tp_sb *o, const char *s)
{
    if (s)
        rh_escn(o, s, strlen(s), true);
}
/* Untrusted bytes (names, SANs, SNI, finding texts that quote them): escaped for
 * a terminal first (tp_sb_put_escaped: controls, NUL and invalid UTF-8 as \xHH),
 * then as rh_esc. */
void rh_wire(struct tp_sb *o, const void *p, size_t n);
static inline void rh_wire_str(struct tp_sb *o, const char *s)
{
    if (s)
        rh_wire(o, s, strlen(s));
}

/* The handshake as a ladder diagram: an inline <svg>, one <g class="msg"> per
 * message (html_svg.c). */
void rh_ladder(struct tp_sb *o, const struct tp_session *s, const struct tp_render_opts *ro);
/* The server's and the client's chains as trees, leaf first, with where each
 * certificate came from and its key facts; the verification verdict (html_cert.c). */
void rh_chains(struct tp_sb *o, const struct tp_session *s, const struct tp_render_opts *ro);

#endif
