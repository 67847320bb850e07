/* Certificate Transparency rules (sct-bad-signature, ct-insufficient): the
 * leaf's SCTs as judged by the verifier (tp_verify_result.ct, tlsprobe/sct.h).
 * Chain rules; they read facts only. */
#include <stdio.h>
#include <string.h>
#include "diagnose/diag_int.h"
#include "tlsprobe/sct.h"

void r_ct_insufficient(struct diag_ctx *c, const struct diag_chain *ch)
{
    const struct tp_ct_result *ct = ch->v->ct;
    /* Not met only because SCTs come from logs the list does not know (a stale
     * list, most likely): the CT lines say so; no finding on every site. */
    if (ch->is_client || !ct || (ct->chrome_ok && ct->apple_ok) || ct->undetermined)
        return;
    diag_say(&c->t.sum, "The leaf's SCTs are not enough for %s", ct->missing);
    diag_say(&c->t.sum, ".");
    if (ct->n_unknown)
        diag_say(&c->t.note, " %u SCT%s came from logs not in the log list (%s): they cannot be checked and are not "
                             "counted.",
                 (unsigned)ct->n_unknown, ct->n_unknown == 1 ? "" : "s", ct->logs_desc);
    if (ct->n_bad)
        diag_say(&c->t.note, " %u SCT%s did not verify (sct-bad-signature).", (unsigned)ct->n_bad,
                 ct->n_bad == 1 ? "" : "s");
    diag_report(c, TP_SEV_WARNING);
}

void r_sct_bad_signature(struct diag_ctx *c, const struct diag_chain *ch)
{
    const struct tp_ct_result *ct = ch->v->ct;
    if (ch->is_client || !ct || !ct->n_bad)
        return;
    for (size_t i = 0; i < ct->n; i++) {
        const struct tp_ct_sct *s = &ct->scts[i];
        if (s->status != TP_SCT_BAD_SIGNATURE)
            continue;
        diag_say(&c->t.sum, "The SCT from %s (%s) %s does not verify with the log's key.", s->log_name,
                 s->log_operator,
                 s->source == TP_SCT_EMBEDDED ? "embedded in the certificate"
                 : s->source == TP_SCT_TLS    ? "sent in the TLS extension"
                                              : "in the stapled OCSP response");
        break;
    }
    if (ct->n_bad > 1)
        diag_say(&c->t.note, " %u SCTs in all do not verify.", (unsigned)ct->n_bad);
    diag_report(c, TP_SEV_WARNING);
}
