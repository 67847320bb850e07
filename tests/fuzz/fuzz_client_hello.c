/* libFuzzer: bytes as a ClientHello body (and as a ServerHello body, an SSLv2
 * hello, an EncryptedExtensions body, and an extensions block in every context), then the fingerprints JA3,
 * JA4 and JA3S over whatever parsed. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "tlsprobe/wire.h"
#include "tlsprobe/names.h"

static struct tp_client_hello ch;
static struct tp_server_hello sh;
static struct tp_exts ex;
static struct tp_encrypted_extensions ee;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tp_bytes b = tp_bytes_make(data, size);
    char s[16384], small[16], md5[33], ja4[40];
    if (tp_client_hello_parse(b, &ch) == TP_OK) {
        (void)tp_ja3(&ch, s, sizeof s, md5);
        (void)tp_ja3(&ch, small, sizeof small, md5);
        tp_ja4(&ch, false, ja4);
        tp_ja4(&ch, true, ja4);
        for (size_t i = 0; i < ch.n_suites; i++)
            (void)tp_suite_info(ch.suites[i]);
        for (size_t i = 0; i < ch.ext.all.n; i++)
            (void)tp_name_extension(ch.ext.all.items[i].type);
    }
    if (tp_server_hello_parse(b, &sh) == TP_OK) {
        (void)tp_ja3s(&sh, s, sizeof s, md5);
        (void)tp_ja4s(&sh, false, ja4, s, sizeof s);
        (void)tp_ja4s(&sh, true, ja4, small, sizeof small);
    }
    /* the bytes as an extensions block in every context */
    for (int ctx = TP_EXTCTX_CLIENT_HELLO; ctx <= TP_EXTCTX_NEW_SESSION_TICKET; ctx++)
        (void)tp_exts_parse(b, (enum tp_ext_ctx)ctx, &ex);
    (void)tp_encrypted_extensions_parse(b, &ee);
    if (tp_sslv2_hello_parse(b, &ch) == TP_OK) {
        (void)tp_ja3(&ch, s, sizeof s, md5);
        tp_ja4(&ch, false, ja4);
    }
    return 0;
}
