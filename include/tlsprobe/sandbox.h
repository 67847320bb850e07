/* Least privilege for the capture path (issue 23): give up root once the
 * capture device and every input are open, then confine the decoding process
 * to the few system calls decoding needs (read and write open descriptors,
 * memory, threads, clocks, poll the capture socket).
 *
 * Owns no state. Touches only the process's credentials and its seccomp
 * filter; must not be called before every file the run needs is open and every
 * lazily loaded resource (trust store, time zone, dlopen'ed libraries) loaded:
 * after tp_sandbox_enter, opening a file fails with EPERM. */
#ifndef TLSPROBE_SANDBOX_H
#define TLSPROBE_SANDBOX_H
#include <stdbool.h>
#include <stddef.h>
#include "tlsprobe/error.h"

/* When running as root: switch to user (NULL: "nobody"), its group and no
 * supplementary groups, and check that root cannot be regained; *dropped says
 * whether anything was dropped. Not root: nothing to do, TP_OK. An unknown user
 * or a failed set*id call is TP_ERR_USAGE / TP_ERR_IO with a line in err. */
enum tp_err tp_drop_privileges(const char *user, bool *dropped, char *err, size_t errlen);

/* What the confined process still needs beyond reading and writing. */
enum tp_sandbox_need {
    TP_SANDBOX_FILE = 0, /* decoding a capture file */
    TP_SANDBOX_LIVE = 1, /* + the live capture socket: recvfrom, getsockopt */
};

/* Install the seccomp filter for this process and every thread it has or will
 * have (no_new_privs first). TP_ERR_UNSUPPORTED when the kernel has no seccomp
 * filter support (the caller goes on unconfined and may say so). System calls
 * outside the list fail with EPERM; a foreign ABI kills the process. */
enum tp_err tp_sandbox_enter(enum tp_sandbox_need need, char *err, size_t errlen);

#endif
