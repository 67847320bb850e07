/* Private to src/diagnose: the explain pattern table (explain.c, data)
 * shared with its matcher (explain_match.c). */
#ifndef TP_EXPLAIN_INT_H
#define TP_EXPLAIN_INT_H
#include <stddef.h>
#include "tlsprobe/diagnose.h"

extern const struct tp_explain_pattern diag_explain_patterns[];
extern const size_t diag_n_explain_patterns;

#endif
