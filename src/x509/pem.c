/* PEM encoding (RFC 7468 §2): base64 in 64-column lines between the
 * "-----BEGIN label-----" and "-----END label-----" lines. The decoder is
 * tp_file_parse (file.c); this is the one encoder. */
#include <stdint.h>
#include "tlsprobe/strbuf.h"
#include "tlsprobe/x509.h"

void tp_pem_encode(struct tp_sb *out, const char *label, const uint8_t *der, size_t n)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    tp_sb_printf(out, "-----BEGIN %s-----\n", label);
    size_t col = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)der[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)der[i + 1] << 8;
        if (i + 2 < n)
            v |= der[i + 2];
        char q[4] = { b64[(v >> 18) & 63], b64[(v >> 12) & 63], i + 1 < n ? b64[(v >> 6) & 63] : '=',
                      i + 2 < n ? b64[v & 63] : '=' };
        tp_sb_putn(out, q, 4);
        col += 4;
        if (col == 64) {
            tp_sb_putc(out, '\n');
            col = 0;
        }
    }
    if (col)
        tp_sb_putc(out, '\n');
    tp_sb_printf(out, "-----END %s-----\n", label);
}
