/* The library module (src/lib): libtlsprobe's public API (tlsprobe/tlsprobe.h,
 * the only installed header) on top of the other modules, plus the few hooks the
 * CLI needs to print exactly what it printed before it went through that API.
 *
 * Owns: the options and result handles, the mapping of internal errors to the
 * public codes, the `check` pipeline (read chain and key, verify, pair the key,
 * judge) and the other entry points' glue. Must not: print, keep global state,
 * or export anything but tlsprobe_* from libtlsprobe.so (src/lib/libtlsprobe.map).
 *
 * The tp_lib_* hooks are for the CLI only: they are not exported by the shared
 * library (the CLI links the static modules). */
#ifndef TLSPROBE_LIB_H
#define TLSPROBE_LIB_H
#include "tlsprobe/render.h"
#include "tlsprobe/tlsprobe.h"
#include "tlsprobe/x509.h"

/* How text and JSON are rendered (colour, width, --explain, --no-times). */
void tp_lib_options_set_render(tlsprobe_options *o, const struct tp_render_opts *ro);
/* How input files are read: the CLI reads "-" from standard input once. */
typedef enum tp_err (*tp_lib_reader)(const char *path, struct tp_file **out);
void tp_lib_options_set_reader(tlsprobe_options *o, tp_lib_reader read);
/* check: the host name as typed, when it was an internationalised name (shown
 * beside the A-label). NULL: none. Returns TLSPROBE_OK or an error code. */
int tp_lib_options_set_host_unicode(tlsprobe_options *o, const char *name);
/* check --ocsp-response: an OCSP response file (DER or PEM) judged for the
 * leaf (docs/revocation.md). NULL: none. Returns TLSPROBE_OK or an error code. */
int tp_lib_options_set_ocsp_response(tlsprobe_options *o, const char *path);
/* check --crl: a CRL file (DER or PEM) judged for the leaf. NULL: none. */
int tp_lib_options_set_crl(tlsprobe_options *o, const char *path);
/* check --check-revocation: ask the leaf's OCSP responder, then its CRL
 * distribution point (over the network). */
int tp_lib_options_set_check_revocation(tlsprobe_options *o, bool on);
/* The report in the format of the render options (text or JSON). */
const char *tp_lib_result_report(tlsprobe_result *r);

#endif
