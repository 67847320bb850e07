/* Shared helpers for unit tests. Include after cmocka's prerequisites:
 *   #include <stdarg.h> <stddef.h> <stdint.h> <setjmp.h> then <cmocka.h> */
#ifndef TP_TESTUTIL_H
#define TP_TESTUTIL_H
#include <stddef.h>
#include <stdint.h>

/* Decode a hex string (whitespace ignored) into a malloc'd buffer; *len set. */
uint8_t *tu_hex(const char *hex, size_t *len);
/* Read a fixture file (path relative to fixtures/) into a malloc'd buffer. */
uint8_t *tu_fixture(const char *rel, size_t *len);
/* Copy of buf in an exact-size heap block so ASan catches any over-read. */
uint8_t *tu_exact(const uint8_t *buf, size_t len);

#endif
