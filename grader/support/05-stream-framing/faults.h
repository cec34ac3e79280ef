/* faults.h - fault injection for the framing drivers.
 *
 * Two kinds, so that a framing.c cannot step around them:
 * - From the check's side (FAULT_SIGNALS): the driver catches SIGUSR1 with a handler installed
 *   without SA_RESTART and keeps a small send buffer. The check then feeds bytes one at a time,
 *   lets sends fill the buffer, and sends SIGUSR1 while a call waits: the kernel itself makes
 *   that call fail with EINTR or return short, however framing.c makes it.
 * - In the driver (FAULT_SHORT, FAULT_EINTR): the drivers are linked with
 *   -Wl,--wrap=read,--wrap=recv,... so every such call in framing.c goes through faults.c first,
 *   which can make it move fewer bytes than asked or fail with EINTR, every time. The grader
 *   refuses a framing.c that calls anything else to move bytes (see grader/symbols.h). */
#ifndef FAULTS_H
#define FAULTS_H

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

enum {
    FAULT_SHORT = 1,   /* reads return at most 1 byte, writes move at most 3 */
    FAULT_EINTR = 2,   /* every other call fails with EINTR before doing anything */
    FAULT_SIGNALS = 4, /* SIGUSR1 interrupts calls (no SA_RESTART); a small send buffer */
};

/* The most a read, and a write, moves under FAULT_SHORT. */
#define SHORT_READ 1
#define SHORT_WRITE 3
/* At most this many iovec entries are passed on under FAULT_SHORT (the rest are cut off). */
#define MAX_IOV 64

static int fault_fd = -1;
static int fault_mode;
static unsigned long calls;

static void on_signal(int sig)
{
    (void)sig; /* nothing to do: being caught is what interrupts the call */
}

/* SIGUSR1 caught without SA_RESTART, so a waiting call fails with EINTR (or returns what it
 * moved so far). */
static void catch_signal(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    if (sigaction(SIGUSR1, &sa, NULL) < 0 || sigprocmask(SIG_UNBLOCK, &usr1, NULL) < 0) {
        perror("driver: catching SIGUSR1");
        exit(1);
    }
}

/* Injects the faults in mode (a mix of FAULT_*) into calls on fd. Under FAULT_SIGNALS, gives fd
 * a send buffer as small as the kernel allows, so that a long send waits. */
static void faults_inject(int fd, int mode)
{
    fault_fd = fd;
    fault_mode = mode;
    int small = 1;
    if ((mode & FAULT_SIGNALS) && setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof small) < 0) {
        perror("driver: setsockopt(SO_SNDBUF)");
        exit(1);
    }
}

/* Reads the options ("--short", "--eintr", "--signals") at argv[*i...]; returns the mode, or -1
 * for an unknown option (so that a check passing a wrong one finds out at once). With
 * --signals, it starts catching SIGUSR1 at once: before the driver connects, so that the check's
 * first signal cannot find it unprepared. */
static int faults_parse_options(int argc, char *argv[], int *i)
{
    int mode = 0;
    for (; *i < argc && strncmp(argv[*i], "--", 2) == 0; (*i)++) {
        if (strcmp(argv[*i], "--short") == 0)
            mode |= FAULT_SHORT;
        else if (strcmp(argv[*i], "--eintr") == 0)
            mode |= FAULT_EINTR;
        else if (strcmp(argv[*i], "--signals") == 0)
            mode |= FAULT_SIGNALS;
        else
            return -1;
    }
    if (mode & FAULT_SIGNALS)
        catch_signal();
    return mode;
}

/* True when this call should fail with EINTR instead of doing its work. */
static int interrupted(int fd)
{
    if (fd != fault_fd || !(fault_mode & FAULT_EINTR) || calls++ % 2 != 0)
        return 0;
    errno = EINTR;
    return 1;
}

static size_t shortened(int fd, size_t n, size_t most)
{
    return fd == fault_fd && (fault_mode & FAULT_SHORT) && n > most ? most : n;
}

/* A copy of iov[0..*count) that holds at most `most` bytes in all, in out[]; *count is updated.
 * Returns iov itself when nothing needs cutting. */
static const struct iovec *shortened_iov(int fd, const struct iovec *iov, int *count, size_t most,
                                         struct iovec out[MAX_IOV])
{
    if (fd != fault_fd || !(fault_mode & FAULT_SHORT))
        return iov;
    int n = 0;
    for (int k = 0; k < *count && k < MAX_IOV && most > 0; k++) {
        out[n] = iov[k];
        if (out[n].iov_len > most)
            out[n].iov_len = most;
        most -= out[n].iov_len;
        n++;
    }
    *count = n;
    return out;
}

ssize_t __real_read(int fd, void *buf, size_t n);
ssize_t __real_recv(int fd, void *buf, size_t n, int flags);
ssize_t __real_recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *from, socklen_t *len);
ssize_t __real_recvmsg(int fd, struct msghdr *msg, int flags);
ssize_t __real_readv(int fd, const struct iovec *iov, int count);
ssize_t __real_write(int fd, const void *buf, size_t n);
ssize_t __real_send(int fd, const void *buf, size_t n, int flags);
ssize_t __real_sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *to, socklen_t len);
ssize_t __real_sendmsg(int fd, const struct msghdr *msg, int flags);
ssize_t __real_writev(int fd, const struct iovec *iov, int count);

ssize_t __wrap_read(int fd, void *buf, size_t n)
{
    return interrupted(fd) ? -1 : __real_read(fd, buf, shortened(fd, n, SHORT_READ));
}

ssize_t __wrap_recv(int fd, void *buf, size_t n, int flags)
{
    return interrupted(fd) ? -1 : __real_recv(fd, buf, shortened(fd, n, SHORT_READ), flags & ~MSG_WAITALL);
}

ssize_t __wrap_recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *from, socklen_t *len)
{
    return interrupted(fd)
               ? -1
               : __real_recvfrom(fd, buf, shortened(fd, n, SHORT_READ), flags & ~MSG_WAITALL, from, len);
}

ssize_t __wrap_recvmsg(int fd, struct msghdr *msg, int flags)
{
    if (interrupted(fd))
        return -1;
    struct iovec cut[MAX_IOV];
    struct msghdr m = *msg;
    int count = (int)m.msg_iovlen;
    m.msg_iov = (struct iovec *)shortened_iov(fd, msg->msg_iov, &count, SHORT_READ, cut);
    m.msg_iovlen = (size_t)count;
    ssize_t r = __real_recvmsg(fd, &m, flags & ~MSG_WAITALL);
    msg->msg_flags = m.msg_flags; /* what the caller may look at afterwards */
    msg->msg_controllen = m.msg_controllen;
    msg->msg_namelen = m.msg_namelen;
    return r;
}

ssize_t __wrap_readv(int fd, const struct iovec *iov, int count)
{
    if (interrupted(fd))
        return -1;
    struct iovec cut[MAX_IOV];
    iov = shortened_iov(fd, iov, &count, SHORT_READ, cut); /* before count is passed on */
    return __real_readv(fd, iov, count);
}

ssize_t __wrap_write(int fd, const void *buf, size_t n)
{
    return interrupted(fd) ? -1 : __real_write(fd, buf, shortened(fd, n, SHORT_WRITE));
}

ssize_t __wrap_send(int fd, const void *buf, size_t n, int flags)
{
    return interrupted(fd) ? -1 : __real_send(fd, buf, shortened(fd, n, SHORT_WRITE), flags);
}

ssize_t __wrap_sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *to, socklen_t len)
{
    return interrupted(fd) ? -1 : __real_sendto(fd, buf, shortened(fd, n, SHORT_WRITE), flags, to, len);
}

ssize_t __wrap_sendmsg(int fd, const struct msghdr *msg, int flags)
{
    if (interrupted(fd))
        return -1;
    struct iovec cut[MAX_IOV];
    struct msghdr m = *msg;
    int count = (int)m.msg_iovlen;
    m.msg_iov = (struct iovec *)shortened_iov(fd, msg->msg_iov, &count, SHORT_WRITE, cut);
    m.msg_iovlen = (size_t)count;
    return __real_sendmsg(fd, &m, flags);
}

ssize_t __wrap_writev(int fd, const struct iovec *iov, int count)
{
    if (interrupted(fd))
        return -1;
    struct iovec cut[MAX_IOV];
    iov = shortened_iov(fd, iov, &count, SHORT_WRITE, cut); /* before count is passed on */
    return __real_writev(fd, iov, count);
}

#endif
