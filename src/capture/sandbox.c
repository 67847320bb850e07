/* Least privilege for the capture path: drop root (as tcpdump -Z does) and a
 * seccomp allow-list for the decoding process (tlsprobe/sandbox.h).
 *
 * The filter is classic BPF over struct seccomp_data: check the architecture
 * (a foreign ABI, x32 included, kills the process: its numbers mean other
 * calls), then compare the system call number with the allow-list. clone is
 * allowed only with CLONE_THREAD (threads, not processes); clone3 answers
 * ENOSYS, which makes glibc fall back to clone, whose flags a filter can see;
 * ioctl only for the terminal queries the renderers make. Anything else fails
 * with EPERM, so a forgotten lazy open shows up as an error, not a crash. */
#include <errno.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "tlsprobe/sandbox.h"

enum tp_err tp_drop_privileges(const char *user, bool *dropped, char *err, size_t errlen)
{
    *dropped = false;
    if (geteuid() != 0)
        return TP_OK;
    const char *name = user && *user ? user : "nobody";
    errno = 0;
    struct passwd *pw = getpwnam(name);
    if (!pw) {
        snprintf(err, errlen, "cannot drop privileges: no user '%s'", name);
        return TP_ERR_USAGE;
    }
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    if (setgroups(1, &gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
        snprintf(err, errlen, "cannot drop privileges to '%s': %s", name, strerror(errno));
        return TP_ERR_IO;
    }
    if (uid != 0 && (setuid(0) == 0 || geteuid() == 0)) {
        snprintf(err, errlen, "dropped privileges to '%s' but root could be regained", name);
        return TP_ERR_IO;
    }
    *dropped = true;
    return TP_OK;
}

/* LeakSanitizer checks at exit from a tracer process it clones and reads
 * /proc/self/maps: a sanitizer build runs unconfined (tests say so). */
#if defined(__SANITIZE_ADDRESS__)
#define TP_NO_SECCOMP "not in an AddressSanitizer build"
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TP_NO_SECCOMP "not in an AddressSanitizer build"
#endif
#endif

#if defined(TP_NO_SECCOMP) || !defined(SYS_seccomp) || !defined(SYS_clone3)
/* no filter */
#elif defined(__x86_64__)
#define TP_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define TP_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

#ifdef TP_AUDIT_ARCH

#define LD_W(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
#define NR_OFF offsetof(struct seccomp_data, nr)
#define ARCH_OFF offsetof(struct seccomp_data, arch)
#define ARG_LO(i) offsetof(struct seccomp_data, args[i]) /* little endian: low word first */

/* Allowed outright, both needs. */
static const int allowed[] = {
    SYS_read, SYS_write, SYS_writev, SYS_pread64, SYS_lseek, SYS_close, SYS_fstat, SYS_newfstatat,
#ifdef SYS_fstatat64
    SYS_fstatat64,
#endif
    SYS_mmap, SYS_munmap, SYS_mremap, SYS_mprotect, SYS_madvise, SYS_brk,
    SYS_futex, SYS_set_robust_list, SYS_rseq, SYS_sched_yield, SYS_sched_getaffinity,
    SYS_rt_sigprocmask, SYS_rt_sigaction, SYS_rt_sigreturn, SYS_sigaltstack, SYS_restart_syscall,
    SYS_exit, SYS_exit_group, SYS_getpid, SYS_gettid, SYS_tgkill,
    SYS_clock_gettime, SYS_clock_nanosleep, SYS_nanosleep, SYS_gettimeofday, SYS_getrandom,
    SYS_ppoll, SYS_pselect6,
#ifdef SYS_poll
    SYS_poll,
#endif
#ifdef SYS_select
    SYS_select,
#endif
};
/* Allowed for a live capture: the packet socket's reads and statistics. */
static const int allowed_live[] = { SYS_recvfrom, SYS_recvmsg, SYS_getsockopt };

/* Terminal queries (colour and width decisions) and bytes-waiting. */
static const unsigned long ioctls[] = { TCGETS, TIOCGWINSZ, FIONREAD };

struct prog {
    struct sock_filter f[160];
    unsigned short n;
};

__attribute__((noinline)) static void emit(struct prog *p, struct sock_filter ins)
{
    if (p->n < sizeof p->f / sizeof p->f[0])
        p->f[p->n] = ins;
    p->n++;
}

/* if (nr == x) return ALLOW; (the number is in the accumulator) */
static void allow_nr(struct prog *p, int nr)
{
    emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 1));
    emit(p, (struct sock_filter)RET(SECCOMP_RET_ALLOW));
}

static void build(struct prog *p, enum tp_sandbox_need need)
{
    const unsigned deny = SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA);
    p->n = 0;
    emit(p, (struct sock_filter)LD_W(ARCH_OFF));
    emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TP_AUDIT_ARCH, 1, 0));
    emit(p, (struct sock_filter)RET(SECCOMP_RET_KILL_PROCESS));
    emit(p, (struct sock_filter)LD_W(NR_OFF));
#ifdef __x86_64__
    /* x32 numbers carry bit 30 */
    emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 1));
    emit(p, (struct sock_filter)RET(SECCOMP_RET_KILL_PROCESS));
#endif
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        allow_nr(p, allowed[i]);
    if (need == TP_SANDBOX_LIVE)
        for (size_t i = 0; i < sizeof allowed_live / sizeof allowed_live[0]; i++)
            allow_nr(p, allowed_live[i]);
    /* clone3: ENOSYS, so glibc uses clone */
    emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1));
    emit(p, (struct sock_filter)RET(SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)));
    /* clone: only with CLONE_THREAD (flags are the first argument on both ABIs) */
    emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 4));
    emit(p, (struct sock_filter)LD_W(ARG_LO(0)));
    emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_THREAD, 0, 1));
    emit(p, (struct sock_filter)RET(SECCOMP_RET_ALLOW));
    emit(p, (struct sock_filter)RET(deny));
    /* ioctl: the listed requests only (the request's low word; all fit in 32 bits) */
    size_t ni = sizeof ioctls / sizeof ioctls[0];
    emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_ioctl, 0, (unsigned char)(2 + 2 * ni)));
    emit(p, (struct sock_filter)LD_W(ARG_LO(1)));
    for (size_t i = 0; i < ni; i++) {
        emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)ioctls[i], 0, 1));
        emit(p, (struct sock_filter)RET(SECCOMP_RET_ALLOW));
    }
    emit(p, (struct sock_filter)RET(deny));
    emit(p, (struct sock_filter)RET(deny));
}

enum tp_err tp_sandbox_enter(enum tp_sandbox_need need, char *err, size_t errlen)
{
    struct prog p;
    build(&p, need);
    if (p.n > sizeof p.f / sizeof p.f[0]) {
        snprintf(err, errlen, "seccomp filter too long (%u instructions)", p.n);
        return TP_ERR_LIMIT;
    }
    struct sock_fprog fp = { .len = p.n, .filter = p.f };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        snprintf(err, errlen, "no_new_privs: %s", strerror(errno));
        return errno == EINVAL ? TP_ERR_UNSUPPORTED : TP_ERR_IO;
    }
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &fp) != 0) {
        int e = errno;
        snprintf(err, errlen, "seccomp: %s", strerror(e));
        return e == ENOSYS || e == EINVAL ? TP_ERR_UNSUPPORTED : TP_ERR_IO;
    }
    return TP_OK;
}

#else /* no filter for this build */

#ifndef TP_NO_SECCOMP
#define TP_NO_SECCOMP "not built for this architecture"
#endif

enum tp_err tp_sandbox_enter(enum tp_sandbox_need need, char *err, size_t errlen)
{
    (void)need;
    snprintf(err, errlen, "seccomp filter %s", TP_NO_SECCOMP);
    return TP_ERR_UNSUPPORTED;
}

#endif
