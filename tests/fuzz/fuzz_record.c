/* libFuzzer: a byte stream read as TLS records, handshake messages reassembled
 * across them and dispatched to every message parser (both TLS 1.2 and 1.3
 * readings, a few version/suite combinations), alerts and CCS. The first byte
 * picks the suite/version used for ServerKeyExchange / ClientKeyExchange. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "tlsprobe/wire.h"
#include "tlsprobe/names.h"

static const uint16_t suites[] = { 0xc02b, 0xc030, 0x009e, 0x00a8, 0xc037, 0x00aa, 0x002f, 0x0018,
                                   0xc018, 0x00ae, 0x1301, 0xeeee, 0x0000, 0xc0b4, 0xcca8, 0x0035 };
static const uint16_t versions[] = { TP_SSL3_0, TP_TLS1_0, TP_TLS1_1, TP_TLS1_2 };

static struct tp_client_hello ch;
static struct tp_server_hello sh;
static struct tp_encrypted_extensions ee;
static struct tp_certificate cert;
static struct tp_certificate_request cr;
static struct tp_new_session_ticket nst;

static void dispatch(struct tp_bytes msg, uint16_t version, uint16_t suite)
{
    struct tp_hs_header h;
    if (tp_hs_header_parse(msg, &h) != TP_OK)
        return;
    (void)tp_name_hs_type(h.type);
    struct tp_server_key_exchange ske;
    struct tp_client_key_exchange cke;
    struct tp_certificate_verify cv;
    struct tp_finished fin;
    struct tp_key_update ku;
    struct tp_certificate_status cs;
    char s[512], md5[33], ja4[40];
    switch (h.type) {
    case TP_HS_CLIENT_HELLO:
        if (tp_client_hello_parse(h.body, &ch) == TP_OK) {
            (void)tp_ja3(&ch, s, sizeof s, md5);
            tp_ja4(&ch, false, ja4);
            (void)tp_client_hello_max_version(&ch);
        }
        break;
    case TP_HS_SERVER_HELLO:
        if (tp_server_hello_parse(h.body, &sh) == TP_OK) {
            (void)tp_ja3s(&sh, s, sizeof s, md5);
            (void)tp_name_cipher_suite(sh.suite);
        }
        break;
    case TP_HS_ENCRYPTED_EXTENSIONS: (void)tp_encrypted_extensions_parse(h.body, &ee); break;
    case TP_HS_CERTIFICATE:
        (void)tp_certificate_parse(h.body, false, &cert);
        (void)tp_certificate_parse(h.body, true, &cert);
        break;
    case TP_HS_CERTIFICATE_REQUEST:
        (void)tp_certificate_request_parse(h.body, false, &cr);
        (void)tp_certificate_request_parse(h.body, true, &cr);
        break;
    case TP_HS_SERVER_KEY_EXCHANGE:
        (void)tp_server_key_exchange_parse(h.body, version, suite, &ske);
        break;
    case TP_HS_CLIENT_KEY_EXCHANGE:
        (void)tp_client_key_exchange_parse(h.body, version, suite, &cke);
        break;
    case TP_HS_CERTIFICATE_VERIFY:
        (void)tp_certificate_verify_parse(h.body, version, &cv);
        (void)tp_certificate_verify_parse(h.body, TP_TLS1_3, &cv);
        break;
    case TP_HS_FINISHED: (void)tp_finished_parse(h.body, &fin); break;
    case TP_HS_NEW_SESSION_TICKET:
        (void)tp_new_session_ticket_parse(h.body, false, &nst);
        (void)tp_new_session_ticket_parse(h.body, true, &nst);
        break;
    case TP_HS_KEY_UPDATE: (void)tp_key_update_parse(h.body, &ku); break;
    case TP_HS_CERTIFICATE_STATUS: (void)tp_certificate_status_parse(h.body, &cs); break;
    default: break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint16_t suite = suites[data[0] & 15];
    uint16_t version = versions[(data[0] >> 4) & 3];
    data++;
    size--;

    if (tp_sslv2_hello_detect(data, size))
        (void)tp_sslv2_hello_parse(tp_bytes_make(data, size), &ch);

    struct tp_hs_reasm ra;
    tp_hs_reasm_init(&ra);
    size_t off = 0;
    while (off < size) {
        struct tp_record rec;
        size_t used;
        (void)tp_record_header_plausible(data + off, size - off);
        if (tp_record_parse(data + off, size - off, &rec, &used) != TP_OK)
            break;
        off += used;
        if (rec.type == TP_CT_HANDSHAKE) {
            if (tp_hs_reasm_push(&ra, rec.body) != TP_OK)
                break;
            struct tp_bytes msg;
            enum tp_err e;
            while ((e = tp_hs_reasm_next(&ra, &msg)) == TP_OK)
                dispatch(msg, version, suite);
            if (e == TP_ERR_LIMIT)
                break;
        } else if (rec.type == TP_CT_ALERT) {
            struct tp_alert a;
            if (tp_alert_parse(rec.body, &a) == TP_OK) {
                (void)tp_name_alert(a.description);
                (void)tp_alert_meaning(a.description);
            }
        } else if (rec.type == TP_CT_CHANGE_CIPHER_SPEC) {
            (void)tp_ccs_parse(rec.body);
        }
    }
    (void)tp_hs_reasm_pending(&ra);
    tp_hs_reasm_reset(&ra);
    tp_hs_reasm_free(&ra);
    return 0;
}
