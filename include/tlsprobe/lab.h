/* The demo lab (tlsprobe demo), part of the probe module (src/probe/lab*.c). A
 * lab PKI generated at run time with wolfCrypt (EC P-256, valid from now, so the
 * demo never expires), a wolfSSL server on 127.0.0.1 (ephemeral port, one
 * thread) configured per scenario, and the client probe (tp_probe_connect)
 * pointed at it.
 *
 * Owns: the lab PKI, its server thread and the temporary trust files of a run.
 * Must not touch: diagnosis or rendering (it returns a diagnosed session; the
 * caller renders it). */
#ifndef TLSPROBE_LAB_H
#define TLSPROBE_LAB_H
#include <stdbool.h>
#include <stddef.h>
#include "tlsprobe/error.h"
#include "tlsprobe/session.h"

struct tp_lab_scenario {
    const char *name;        /* "missing-intermediate" */
    const char *finding;     /* the finding id it shows on purpose, NULL for "good" */
    const char *title;       /* one line for --list */
    const char *setup;       /* what the lab does, one or two sentences */
};
/* Every scenario, "good" first. */
const struct tp_lab_scenario *tp_lab_scenarios(size_t *n);
const struct tp_lab_scenario *tp_lab_scenario_find(const char *name);

struct tp_lab; /* a generated PKI; reused across scenarios of one run */
/* Generate the lab PKI (a few ms). NULL with err set on failure. */
struct tp_lab *tp_lab_new(char *err, size_t errlen);
void tp_lab_free(struct tp_lab *lab);
/* Write the PKI as PEM files plus a README (a minica for learners) into dir
 * (created if missing). TP_ERR_IO with err set on failure. */
enum tp_err tp_lab_write(const struct tp_lab *lab, const char *dir, char *err, size_t errlen) TP_MUST_USE;

/* Run one scenario: start the lab server, probe it with tp_probe_connect, stop
 * the server, delete the temporary trust files. On TP_OK *out is the finished,
 * diagnosed session (free with tp_session_free). timeout_ms bounds the probe. */
enum tp_err tp_lab_run(struct tp_lab *lab, const struct tp_lab_scenario *sc, int timeout_ms, struct tp_session **out,
                       char *err, size_t errlen) TP_MUST_USE;

#endif
