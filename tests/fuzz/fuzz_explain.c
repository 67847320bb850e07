/* libFuzzer target for the judge: (a) the explain matcher on arbitrary text,
 * (b) tp_diagnose on sessions the decoder builds from arbitrary two-direction
 * byte streams (every source role, every outcome), so rule functions meet
 * whatever transcripts hostile bytes can produce.
 * Input: byte 0 selects the mode (even: text; odd: session), the rest is data. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/diagnose.h"
#include "tlsprobe/limits.h"

static void fuzz_text(const uint8_t *p, size_t n)
{
    if (n > TP_MAX_EXPLAIN_TEXT)
        n = TP_MAX_EXPLAIN_TEXT;
    char *t = malloc(n + 1);
    if (!t)
        return;
    memcpy(t, p, n);
    t[n] = '\0';
    struct tp_explain_match m;
    if (tp_explain_match(t, &m)) {
        if (!m.rule_id || !tp_rule_find(m.rule_id) || !m.stack || !m.note)
            abort();
    }
    if (strlen(m.host) > TP_MAX_NAME_LEN)
        abort();
    free(t);
}

/* Session: byte 0 = source (0..2) and outcome (>> 2); then chunks of
 * [dir:1 bit | len_hi:7 bits][len_lo] bytes. */
static void fuzz_session(const uint8_t *p, size_t n)
{
    if (n < 1)
        return;
    enum tp_source src = (enum tp_source)(p[0] % 3);
    int outcome = (p[0] >> 2) % 10;
    struct tp_session *s = tp_session_new(src, 0);
    if (!s)
        return;
    size_t i = 1;
    int64_t t = 0;
    while (i + 2 <= n) {
        enum tp_dir dir = (p[i] & 0x80) ? TP_S2C : TP_C2S;
        size_t len = ((size_t)(p[i] & 0x7f) << 8) | p[i + 1];
        i += 2;
        if (len > n - i)
            len = n - i;
        if (tp_session_feed(s, dir, p + i, len, t += 1000) != TP_OK)
            break;
        i += len;
    }
    tp_session_finish(s);
    s->outcome.status = (enum tp_conn_status)outcome;
    tp_diagnose(s);
    for (size_t k = 0; k < s->n_findings; k++) {
        const struct tp_finding *f = &s->findings[k];
        if (!tp_rule_find(f->id) || !f->summary || !f->explanation || !f->fix)
            abort();
        for (const char *c = f->summary; *c; c++)
            if ((unsigned char)*c < 0x20)
                abort(); /* wire text must arrive escaped */
    }
    (void)tp_exit_status(s);
    tp_diagnose(s); /* idempotent, no leak */
    tp_session_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); /* libFuzzer's entry point */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1)
        fuzz_session(data + 1, size - 1);
    else
        fuzz_text(data + 1, size - 1);
    return 0;
}
