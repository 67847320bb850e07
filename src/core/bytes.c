#include <string.h>
#include "tlsprobe/bytes.h"

bool tp_bytes_eq(struct tp_bytes a, struct tp_bytes b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

bool tp_bytes_eq_str(struct tp_bytes a, const char *s)
{
    size_t n = strlen(s);
    return a.len == n && (n == 0 || memcmp(a.p, s, n) == 0);
}
