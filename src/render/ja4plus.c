/* JA4S in the session views (docs/fingerprints.md). JA4S and JA4X are FoxIO's
 * JA4+ methods (FoxIO License 1.1); without TP_JA4PLUS their functions answer
 * false and these keys are null. */
#include <stdlib.h>
#include "render_int.h"
#include "jw.h"

/* FoxIO's tools fingerprint the first ServerHello of a connection, a
 * HelloRetryRequest included; tlsprobe sessions are TCP ('t'). */
void rj_ja4s(struct jw *w, const struct tp_session *s, struct tp_render_memo *memo)
{
    char ja4s[40], raw[TP_JA4S_RAW_MAX];
    bool ok = false;
    for (size_t i = 0; i < s->n_msgs; i++) {
        const struct tp_msg *m = &s->msgs[i];
        if (m->dir != TP_S2C || m->kind != TP_MSG_HANDSHAKE || m->hs_type != TP_HS_SERVER_HELLO)
            continue;
        struct rmsg *r = malloc(sizeof *r);
        if (!r) {
            w->o->oom = true;
            break;
        }
        rm_parse(s, m, r);
        if (r->kind == RM_SH)
            ok = tp_ja4s_memo(rj_ja(memo), &r->u.sh, false, ja4s, raw, sizeof raw);
        free(r);
        break;
    }
    jw_str(w, "ja4s", ok ? ja4s : NULL);
    jw_str(w, "ja4s_r", ok ? raw : NULL);
}
