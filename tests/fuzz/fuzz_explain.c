/* libFuzzer target for the judge: (a) the explain matcher on arbitrary text,
 * (b) tp_diagnose on sessions the decoder builds from arbitrary two-direction
 * byte streams (every source role, every outcome), so rule functions meet
 * whatever transcripts hostile bytes can produce.
 * Input: byte 0 selects the mode (even: text, bits 1-2 the side given; odd:
 * session), the rest is data. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tlsprobe/diagnose.h"
#include "tlsprobe/limits.h"

/* Text: the side the caller gives (bits 1-2 of byte 0: none, client, server,
 * unknown), then everything a match feeds: the sentence in words, the stack's
 * fix and --stack key, and the pattern table. */
static void fuzz_text(const uint8_t *p, size_t n, unsigned sel)
{
    if (n > TP_MAX_EXPLAIN_TEXT)
        n = TP_MAX_EXPLAIN_TEXT;
    char *t = malloc(n + 1);
    if (!t)
        return;
    memcpy(t, p, n);
    t[n] = '\0';
    struct tp_explain_match m;
    unsigned side = (sel >> 1) & 3;
    bool hit = side == 0 ? tp_explain_match(t, &m)
                         : tp_explain_match_side(t, (enum tp_explain_side)(side == 3 ? 0 : side), &m);
    if (hit) {
        if (!m.rule_id || !tp_rule_find(m.rule_id) || !m.stack || !m.note)
            abort();
        char words[512];
        if (strlen(tp_explain_in_words(&m, words, sizeof words)) >= sizeof words)
            abort();
        (void)tp_explain_in_words(&m, words, 8);
        const char *key = tp_explain_stack_key(m.stack);
        if (key && !tp_explain_stack_valid(key))
            abort();
        for (int sd = 0; sd < 3; sd++)
            (void)tp_explain_stack_fix(m.rule_id, key ? key : m.stack, (enum tp_explain_side)sd);
        (void)tp_explain_side_name(m.side);
        (void)tp_explain_side_name(m.peer);
    }
    if (strlen(m.host) > TP_MAX_NAME_LEN)
        abort();
    /* the text as a --stack name */
    if (n < 16 && tp_explain_stack_valid(t))
        (void)tp_explain_stack_fix("no-shared-cipher", t, TP_EXPLAIN_SIDE_CLIENT);
    size_t np = 0;
    if (!tp_explain_patterns(&np) || np == 0)
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
        fuzz_text(data + 1, size - 1, data[0]);
    return 0;
}
