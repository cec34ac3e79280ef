/* gc-trace.c - the kit's record of a program's socket calls, linked into every program the
 * grader builds (grader/build.c), so that a failed check can show what the program did:
 * "bind(3, 0.0.0.0:31066) = 0", "recv(4, 1023, 0) = 1 \"1\"", "connect(3, ...) = -1 ECONNREFUSED".
 *
 * How it is put between the program and the C library: this file defines recv(), bind(), ...
 * itself, so the program's calls come here, and each passes the call on to the next definition,
 * found with dlsym(RTLD_NEXT): AddressSanitizer's interceptor when it is linked (it still checks
 * the buffers and reports with the student's line), then the C library. The kit's --wrap
 * wrappers (05) reach this file through __real_recv. Every definition is weak: a program that
 * defines a function of the same name keeps its own.
 *
 * What it writes, only when the grader asked for it ($GC_TRACE set): one file per process,
 * .gc-trace.<first pid>.<pid> in the folder the program started in, made of fixed slots of
 * TRACE_SLOT bytes, one record a slot, each a line padded with spaces:
 *     <CLOCK_MONOTONIC ns> <pid> <sequence number> <call> = <result>
 * The first TRACE_HEAD records fill the first slots; later ones go round a ring of TRACE_TAIL
 * slots after them, so a file never exceeds TRACE_FILE_MAX bytes and keeps both how the program
 * started and what it did last. A call that may wait (accept, recv, poll, ...) is written once
 * before it starts, with the result "?", and again in the same slot when it returns: a program
 * stuck in a call shows which one.
 *
 * The grader only ever shows these records (grader/trace.c), never trusts them: the program can
 * write anything there. Everything here is safe in a signal handler (a SIGCHLD handler calls
 * waitpid()): no malloc, no stdio, records formatted on the stack and written with one pwrite().
 * errno is kept as the real call left it. This file is not instrumented by the sanitizers. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TRACE_SLOT 256
#define TRACE_HEAD 160
#define TRACE_TAIL 96
#define TRACE_FILE_MAX ((TRACE_HEAD + TRACE_TAIL) * TRACE_SLOT)
#define DATA_SHOWN 28       /* bytes of data quoted in a record */
#define DATA_END 8          /* of them, from its end when it is longer */
#define NAME_SHOWN 108      /* bytes of a path or host name (a UNIX socket path's most) */
#define MAX_TRACKED_FD 1024 /* descriptors known to be sockets (read/write are traced on them) */
#define MAX_LISTED 6        /* descriptors listed for poll() and select() */

/* Not instrumented: the tracer reads the program's buffers only where the real call has just
 * read or written them, and must not add reports of its own; and kept out of line so that a
 * sanitizer's stack trace still names the student's function below it. */
#define TR __attribute__((no_sanitize("address", "undefined"), noinline))
#define WRAPPER __attribute__((weak, no_sanitize("address", "undefined"), noinline))

static struct {
    int enabled;
    int fd;       /* the open record file of this process, or -1 */
    int failed;   /* could not open it: stop trying */
    pid_t pid;    /* this process (set again in a forked child) */
    pid_t root;   /* the process the program started as */
    uint64_t seq; /* records written by this process */
    char dir[512];
} tr = { .fd = -1 };

static unsigned char socket_fds[MAX_TRACKED_FD / 8];

TR static void mark_socket(int fd, int yes)
{
    if (fd < 0 || fd >= MAX_TRACKED_FD)
        return;
    if (yes)
        __atomic_or_fetch(&socket_fds[fd / 8], (unsigned char)(1u << (fd % 8)), __ATOMIC_RELAXED);
    else
        __atomic_and_fetch(&socket_fds[fd / 8], (unsigned char)~(1u << (fd % 8)), __ATOMIC_RELAXED);
}

TR static int is_socket(int fd)
{
    return fd >= 0 && fd < MAX_TRACKED_FD
           && (__atomic_load_n(&socket_fds[fd / 8], __ATOMIC_RELAXED) >> (fd % 8) & 1);
}

/* --- Formatting a record, on the stack -------------------------------------------------- */

struct rec {
    char b[TRACE_SLOT];
    size_t n;
};

TR static void put_char(struct rec *r, char c)
{
    if (r->n < sizeof r->b)
        r->b[r->n++] = c;
}

TR static void put(struct rec *r, const char *s)
{
    while (*s)
        put_char(r, *s++);
}

TR static void put_unsigned(struct rec *r, unsigned long long v)
{
    char digits[24];
    int k = 0;
    do {
        digits[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    while (k > 0)
        put_char(r, digits[--k]);
}

TR static void put_int(struct rec *r, long long v)
{
    if (v < 0) {
        put_char(r, '-');
        put_unsigned(r, 0ULL - (unsigned long long)v);
    } else {
        put_unsigned(r, (unsigned long long)v);
    }
}

TR static void put_hex(struct rec *r, unsigned v, int width)
{
    static const char hex[] = "0123456789abcdef";
    for (int shift = (width - 1) * 4; shift >= 0; shift -= 4)
        put_char(r, hex[(v >> shift) & 0xf]);
}

TR static void put_escaped(struct rec *r, const unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = b[i];
        if (c == '\n')
            put(r, "\\n");
        else if (c == '\r')
            put(r, "\\r");
        else if (c == '\t')
            put(r, "\\t");
        else if (c == '"' || c == '\\') {
            put_char(r, '\\');
            put_char(r, (char)c);
        } else if (c >= 0x20 && c < 0x7f)
            put_char(r, (char)c);
        else {
            put(r, "\\x");
            put_hex(r, c, 2);
        }
    }
}

/* Data as a C literal: all of it when it is short, else its first DATA_SHOWN - DATA_END bytes
 * and its last DATA_END ("GET / HTTP/1.0\r\nHost"..."\r\n\r\n"): how a message ends shows
 * whether it was whole. */
TR static void put_data(struct rec *r, const void *bytes, size_t n)
{
    const unsigned char *b = bytes;
    put_char(r, '"');
    if (n <= DATA_SHOWN) {
        put_escaped(r, b, n);
        put_char(r, '"');
        return;
    }
    put_escaped(r, b, DATA_SHOWN - DATA_END);
    put(r, "\"...\"");
    put_escaped(r, b + n - DATA_END, DATA_END);
    put_char(r, '"');
}

/* A name (a path, a host) as a C literal, at most max bytes of it, then "..." when longer. */
TR static void put_quoted(struct rec *r, const void *bytes, size_t n, size_t max)
{
    put_char(r, '"');
    put_escaped(r, bytes, n < max ? n : max);
    put_char(r, '"');
    if (n > max)
        put(r, "...");
}

struct name {
    long value;
    const char *name;
};

#define N(x) \
    { \
        x, #x \
    }

/* The name of value in table, or the number. */
TR static void put_named(struct rec *r, const struct name *table, long value)
{
    for (int i = 0; table[i].name; i++) {
        if (table[i].value == value) {
            put(r, table[i].name);
            return;
        }
    }
    put_int(r, value);
}

/* Flags as A|B|0x40, or 0. */
TR static void put_flags(struct rec *r, const struct name *table, long flags)
{
    if (flags == 0) {
        put_char(r, '0');
        return;
    }
    int first = 1;
    for (int i = 0; table[i].name; i++) {
        if (table[i].value != 0 && (flags & table[i].value) == table[i].value) {
            if (!first)
                put_char(r, '|');
            put(r, table[i].name);
            flags &= ~table[i].value;
            first = 0;
        }
    }
    if (flags != 0) {
        if (!first)
            put_char(r, '|');
        put(r, "0x");
        put_hex(r, (unsigned)flags, 1 + (flags > 0xf) + (flags > 0xff) + (flags > 0xfff));
    }
}

static const struct name errno_names[] = {
    N(EAGAIN),      N(EINTR),         N(ECONNREFUSED),    N(ECONNRESET), N(EPIPE),
    N(EADDRINUSE),  N(EADDRNOTAVAIL), N(EACCES),          N(EPERM),      N(EBADF),
    N(ENOTSOCK),    N(EINVAL),        N(ENOENT),          N(EFAULT),     N(EISCONN),
    N(ENOTCONN),    N(EDESTADDRREQ),  N(EMSGSIZE),        N(ETIMEDOUT),  N(EHOSTUNREACH),
    N(ENETUNREACH), N(EAFNOSUPPORT),  N(EPROTONOSUPPORT), N(EPROTOTYPE), N(EOPNOTSUPP),
    N(EMFILE),      N(ENFILE),        N(ENOBUFS),         N(ENOMEM),     N(ECHILD),
    N(EEXIST),      N(ENOTDIR),       N(EISDIR),          N(EROFS),      N(ENAMETOOLONG),
    N(ESPIPE),      N(EALREADY),      N(EINPROGRESS),     N(ENOSPC),     N(ELOOP),
    N(EIO),         N(ESRCH),         { 0, NULL },
};

static const struct name family_names[] = {
    N(AF_UNSPEC), N(AF_UNIX), N(AF_INET), N(AF_INET6), N(AF_NETLINK), N(AF_PACKET), { 0, NULL },
};

static const struct name type_names[] = {
    N(SOCK_STREAM), N(SOCK_DGRAM), N(SOCK_SEQPACKET), N(SOCK_RAW), { 0, NULL },
};

static const struct name type_flag_names[] = { N(SOCK_NONBLOCK), N(SOCK_CLOEXEC), { 0, NULL } };

static const struct name msg_flag_names[] = {
    N(MSG_PEEK), N(MSG_WAITALL), N(MSG_DONTWAIT), N(MSG_NOSIGNAL), N(MSG_OOB),          N(MSG_TRUNC),
    N(MSG_MORE), N(MSG_CTRUNC),  N(MSG_EOR),      N(MSG_CONFIRM),  N(MSG_CMSG_CLOEXEC), { 0, NULL },
};

static const struct name level_names[] = {
    N(SOL_SOCKET), N(IPPROTO_TCP), N(IPPROTO_IP), N(IPPROTO_IPV6), N(IPPROTO_UDP), { 0, NULL },
};

static const struct name sol_socket_names[] = {
    N(SO_REUSEADDR), N(SO_REUSEPORT), N(SO_RCVTIMEO), N(SO_SNDTIMEO),  N(SO_SNDBUF),
    N(SO_RCVBUF),    N(SO_KEEPALIVE), N(SO_LINGER),   N(SO_BROADCAST), N(SO_ERROR),
    N(SO_TYPE),      N(SO_RCVLOWAT),  N(SO_SNDLOWAT), N(SO_OOBINLINE), { 0, NULL },
};

static const struct name tcp_option_names[] = { N(TCP_NODELAY), N(TCP_CORK), N(TCP_QUICKACK), { 0, NULL } };
static const struct name ipv6_option_names[] = { N(IPV6_V6ONLY), { 0, NULL } };

static const struct name shutdown_names[] = { N(SHUT_RD), N(SHUT_WR), N(SHUT_RDWR), { 0, NULL } };

static const struct name signal_names[] = {
    N(SIGCHLD), N(SIGPIPE), N(SIGINT), N(SIGTERM), N(SIGHUP), N(SIGQUIT), N(SIGUSR1), N(SIGUSR2),  N(SIGALRM),
    N(SIGSEGV), N(SIGABRT), N(SIGBUS), N(SIGFPE),  N(SIGIO),  N(SIGURG),  N(SIGXCPU), { 0, NULL },
};

static const struct name sa_flag_names[] = {
    N(SA_RESTART), N(SA_NOCLDSTOP), N(SA_NOCLDWAIT), N(SA_SIGINFO),
    N(SA_NODEFER), N(SA_RESETHAND), N(SA_ONSTACK),   { 0, NULL },
};

static const struct name wait_option_names[] = { N(WNOHANG), N(WUNTRACED), N(WCONTINUED), { 0, NULL } };

static const struct name ai_flag_names[] = {
    N(AI_PASSIVE),  N(AI_CANONNAME), N(AI_NUMERICHOST), N(AI_NUMERICSERV),
    N(AI_V4MAPPED), N(AI_ALL),       N(AI_ADDRCONFIG),  { 0, NULL },
};

static const struct name eai_names[] = {
    N(EAI_NONAME), N(EAI_AGAIN),  N(EAI_FAIL),     N(EAI_FAMILY),     N(EAI_SOCKTYPE), N(EAI_SERVICE),
    N(EAI_MEMORY), N(EAI_SYSTEM), N(EAI_BADFLAGS), N(EAI_ADDRFAMILY), N(EAI_NODATA),   { 0, NULL },
};

static const struct name poll_event_names[] = {
    N(POLLIN), N(POLLOUT), N(POLLPRI), N(POLLERR), N(POLLHUP), N(POLLNVAL), N(POLLRDHUP), { 0, NULL },
};

/* "= 5", "= -1 ECONNREFUSED". */
TR static void put_result(struct rec *r, long ret, int err)
{
    put(r, " = ");
    put_int(r, ret);
    if (ret < 0) {
        put_char(r, ' ');
        for (int i = 0; errno_names[i].name; i++) {
            if (errno_names[i].value == err) {
                put(r, errno_names[i].name);
                return;
            }
        }
        put(r, "errno ");
        put_int(r, err);
    }
}

TR static void put_ipv4(struct rec *r, const unsigned char *a)
{
    for (int i = 0; i < 4; i++) {
        if (i > 0)
            put_char(r, '.');
        put_unsigned(r, a[i]);
    }
}

/* An IPv6 address as eight groups, the longest run of zero groups as "::". */
TR static void put_ipv6(struct rec *r, const unsigned char *a)
{
    unsigned g[8];
    for (int i = 0; i < 8; i++)
        g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
    int best = -1, best_len = 1;
    for (int i = 0; i < 8; i++) {
        int k = i;
        while (k < 8 && g[k] == 0)
            k++;
        if (k - i > best_len) {
            best = i;
            best_len = k - i;
        }
    }
    if (best == 0 && best_len == 5 && g[5] == 0xffff) { /* ::ffff:127.0.0.1 */
        put(r, "::ffff:");
        put_ipv4(r, a + 12);
        return;
    }
    for (int i = 0; i < 8; i++) {
        if (i == best) {
            put(r, "::");
            i += best_len - 1;
            continue;
        }
        if (i > 0 && i != best + best_len)
            put_char(r, ':');
        put_hex(r, g[i], 1 + (g[i] > 0xf) + (g[i] > 0xff) + (g[i] > 0xfff));
    }
}

/* An address as 127.0.0.1:31066, [::1]:31066, "/path", "@abstract" or (unnamed). Only the len
 * bytes the call read or wrote are looked at. */
TR static void put_address(struct rec *r, const void *addr, socklen_t len)
{
    struct sockaddr_storage ss;
    unsigned char *to = (unsigned char *)&ss;
    const unsigned char *from = addr;
    if (addr == NULL) {
        put(r, "NULL");
        return;
    }
    if (len > sizeof ss)
        len = sizeof ss;
    if (len < sizeof(sa_family_t)) {
        put(r, "(no address)");
        return;
    }
    for (socklen_t i = 0; i < len; i++)
        to[i] = from[i];
    if (ss.ss_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;
        put_ipv4(r, (const unsigned char *)&in->sin_addr);
        put_char(r, ':');
        put_unsigned(r, ntohs(in->sin_port));
    } else if (ss.ss_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;
        put_char(r, '[');
        put_ipv6(r, (const unsigned char *)&in6->sin6_addr);
        put(r, "]:");
        put_unsigned(r, ntohs(in6->sin6_port));
    } else if (ss.ss_family == AF_UNIX) {
        const struct sockaddr_un *un = (const struct sockaddr_un *)&ss;
        size_t n = len - offsetof(struct sockaddr_un, sun_path);
        if (n == 0) {
            put(r, "(unnamed)");
        } else if (un->sun_path[0] == '\0') {
            put_char(r, '@');
            put_quoted(r, un->sun_path + 1, n - 1, NAME_SHOWN);
        } else {
            size_t k = 0;
            while (k < n && un->sun_path[k] != '\0')
                k++;
            put_quoted(r, un->sun_path, k, NAME_SHOWN);
        }
    } else {
        put(r, "(family ");
        put_int(r, ss.ss_family);
        put(r, ", ");
        put_int(r, (long long)len);
        put(r, " bytes)");
    }
}

/* The address the call was given may be read when the call got as far as reading it: it
 * succeeded, or failed for a reason the kernel finds after copying the address. */
TR static int address_was_read(long ret, int err, socklen_t len)
{
    return len > 0 && len <= sizeof(struct sockaddr_storage)
           && (ret >= 0 || (err != EFAULT && err != EBADF && err != ENOTSOCK));
}

TR static void put_string(struct rec *r, const char *s)
{
    if (s == NULL) {
        put(r, "NULL");
        return;
    }
    size_t n = 0;
    while (n <= NAME_SHOWN && s[n] != '\0')
        n++;
    put_quoted(r, s, n, NAME_SHOWN);
}

/* --- Writing a record ---------------------------------------------------------------------- */

TR static pid_t current_pid(void)
{
    if (tr.pid == 0)
        tr.pid = (pid_t)syscall(SYS_getpid);
    return tr.pid;
}

/* The file of this process, opened on its first record (a process that makes no socket call
 * leaves none) at a descriptor number far above those the program uses. */
TR static int record_file(void)
{
    int fd = __atomic_load_n(&tr.fd, __ATOMIC_ACQUIRE);
    if (fd >= 0 || tr.failed)
        return fd;
    struct rec path = { .n = 0 };
    put(&path, tr.dir);
    put(&path, "/.gc-trace.");
    put_unsigned(&path, (unsigned long long)tr.root);
    put_char(&path, '.');
    put_unsigned(&path, (unsigned long long)current_pid());
    if (path.n >= sizeof path.b) {
        tr.failed = 1;
        return -1;
    }
    path.b[path.n] = '\0';
    int opened = (int)syscall(SYS_openat, AT_FDCWD, path.b,
                              O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (opened < 0) {
        if (errno != EMFILE && errno != ENFILE)
            tr.failed = 1;
        return -1;
    }
    struct rlimit rl;
    long high = 200;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 1024)
        high = (long)rl.rlim_cur - 24;
    if (high > opened) {
        int moved = fcntl(opened, F_DUPFD_CLOEXEC, (int)high);
        if (moved >= 0) {
            syscall(SYS_close, opened);
            opened = moved;
        }
    }
    int expected = -1;
    if (!__atomic_compare_exchange_n(&tr.fd, &expected, opened, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        syscall(SYS_close, opened); /* another thread opened it first */
        return expected;
    }
    return opened;
}

TR static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A new record number, or -1 when nothing is recorded. */
TR static int64_t next_seq(void)
{
    if (!tr.enabled)
        return -1;
    return (int64_t)__atomic_fetch_add(&tr.seq, 1, __ATOMIC_RELAXED);
}

/* Writes the record of call number seq in its slot. */
TR static void emit(int64_t seq, const struct rec *r)
{
    if (seq < 0)
        return;
    int fd = record_file();
    if (fd < 0)
        return;
    struct rec line = { .n = 0 };
    put_int(&line, now_ns());
    put_char(&line, ' ');
    put_int(&line, current_pid());
    put_char(&line, ' ');
    put_int(&line, seq);
    put_char(&line, ' ');
    size_t room = sizeof line.b - 1 - line.n;
    size_t n = r->n;
    for (size_t i = 0; i < n && i < room; i++)
        line.b[line.n++] = r->b[i];
    if (n > room) {
        line.b[line.n - 3] = line.b[line.n - 2] = line.b[line.n - 1] = '.';
    }
    while (line.n < sizeof line.b - 1)
        line.b[line.n++] = ' ';
    line.b[line.n++] = '\n';
    uint64_t s = (uint64_t)seq;
    uint64_t slot = s < TRACE_HEAD ? s : TRACE_HEAD + (s - TRACE_HEAD) % TRACE_TAIL;
    /* pwrite fails on a socket or pipe: should the program have closed this descriptor behind
     * our back (close_range) and got the number again for one of its own, nothing reaches it. */
    if (pwrite(fd, line.b, line.n, (off_t)(slot * TRACE_SLOT)) != (ssize_t)line.n)
        __atomic_store_n(&tr.fd, -1, __ATOMIC_RELEASE), tr.failed = 1;
}

/* A call that may wait: its record goes out before it starts, with the result "?". */
TR static int64_t emit_pending(struct rec *r)
{
    int64_t seq = next_seq();
    if (seq < 0)
        return seq;
    size_t mark = r->n;
    put(r, " = ?");
    emit(seq, r);
    r->n = mark;
    return seq;
}

/* "name(fd": how most calls' records begin. */
TR static void put_call(struct rec *r, const char *name, int fd)
{
    put(r, name);
    put_char(r, '(');
    put_int(r, fd);
}

/* How each wrapper ends: the record written in slot seq, errno as the real call left it, and
 * the call's result returned. */
TR static long done(int64_t seq, const struct rec *r, long ret, int err)
{
    emit(seq, r);
    errno = err;
    return ret;
}

/* --- Finding the next definition -------------------------------------------------------------- */

#define REAL(ret, name, ...) \
    static ret (*real_##name)(__VA_ARGS__); \
    TR static int resolve_##name(void) \
    { \
        if (real_##name == NULL) \
            real_##name = (ret(*)(__VA_ARGS__))dlsym(RTLD_NEXT, #name); \
        if (real_##name == NULL) \
            errno = ENOSYS; \
        return real_##name != NULL; \
    }

REAL(int, socket, int, int, int)
REAL(int, socketpair, int, int, int, int *)
REAL(int, bind, int, const struct sockaddr *, socklen_t)
REAL(int, listen, int, int)
REAL(int, accept, int, struct sockaddr *, socklen_t *)
REAL(int, accept4, int, struct sockaddr *, socklen_t *, int)
REAL(int, connect, int, const struct sockaddr *, socklen_t)
REAL(ssize_t, send, int, const void *, size_t, int)
REAL(ssize_t, recv, int, void *, size_t, int)
REAL(ssize_t, sendto, int, const void *, size_t, int, const struct sockaddr *, socklen_t)
REAL(ssize_t, recvfrom, int, void *, size_t, int, struct sockaddr *, socklen_t *)
REAL(ssize_t, sendmsg, int, const struct msghdr *, int)
REAL(ssize_t, recvmsg, int, struct msghdr *, int)
REAL(ssize_t, read, int, void *, size_t)
REAL(ssize_t, write, int, const void *, size_t)
REAL(ssize_t, readv, int, const struct iovec *, int)
REAL(ssize_t, writev, int, const struct iovec *, int)
REAL(int, shutdown, int, int)
REAL(int, close, int)
REAL(int, dup, int)
REAL(int, dup2, int, int)
REAL(int, dup3, int, int, int)
REAL(int, setsockopt, int, int, int, const void *, socklen_t)
REAL(int, getaddrinfo, const char *, const char *, const struct addrinfo *, struct addrinfo **)
REAL(int, poll, struct pollfd *, nfds_t, int)
REAL(int, select, int, fd_set *, fd_set *, fd_set *, struct timeval *)
REAL(pid_t, fork, void)
REAL(pid_t, waitpid, pid_t, int *, int)
REAL(pid_t, wait, int *)
REAL(int, sigaction, int, const struct sigaction *, struct sigaction *)
REAL(sighandler_t, signal, int, sighandler_t)
REAL(int, unlink, const char *)

/* --- Starting and forking ------------------------------------------------------------------- */

/* In a forked child (also one forked by daemon() or system()): its records go to a file of
 * its own, numbered from 0. The parent's descriptor is closed here, not written through. */
TR static void after_fork_in_child(void)
{
    int fd = tr.fd;
    tr.fd = -1;
    if (fd >= 0)
        syscall(SYS_close, fd);
    tr.pid = (pid_t)syscall(SYS_getpid);
    tr.seq = 0;
    tr.failed = 0;
}

__attribute__((constructor)) TR static void trace_start(void)
{
    if (getenv("GC_TRACE") == NULL)
        return;
    tr.pid = tr.root = (pid_t)syscall(SYS_getpid);
    if (getcwd(tr.dir, sizeof tr.dir - 64) == NULL)
        return;
    if (pthread_atfork(NULL, NULL, after_fork_in_child) != 0)
        return;
    tr.enabled = 1;
}

/* --- The calls ----------------------------------------------------------------------------- */

/* Each wrapper: the call's arguments into a record, the real call, its result, and errno as
 * the real call left it. */

WRAPPER int socket(int domain, int type, int protocol)
{
    if (!resolve_socket())
        return -1;
    int ret = real_socket(domain, type, protocol);
    int err = errno;
    mark_socket(ret, 1);
    struct rec r = { .n = 0 };
    put(&r, "socket(");
    put_named(&r, family_names, domain);
    put(&r, ", ");
    put_named(&r, type_names, type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (type & (SOCK_NONBLOCK | SOCK_CLOEXEC)) {
        put_char(&r, '|');
        put_flags(&r, type_flag_names, type & (SOCK_NONBLOCK | SOCK_CLOEXEC));
    }
    put(&r, ", ");
    put_int(&r, protocol);
    put_char(&r, ')');
    put_result(&r, ret, err);
    return done(next_seq(), &r, ret, err);
}

WRAPPER int socketpair(int domain, int type, int protocol, int sv[2])
{
    if (!resolve_socketpair())
        return -1;
    int ret = real_socketpair(domain, type, protocol, sv);
    int err = errno;
    struct rec r = { .n = 0 };
    put(&r, "socketpair(");
    put_named(&r, family_names, domain);
    put(&r, ", ");
    put_named(&r, type_names, type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC));
    put(&r, ", ");
    put_int(&r, protocol);
    put_char(&r, ')');
    put_result(&r, ret, err);
    if (ret == 0) {
        mark_socket(sv[0], 1);
        mark_socket(sv[1], 1);
        put(&r, " [");
        put_int(&r, sv[0]);
        put(&r, ", ");
        put_int(&r, sv[1]);
        put_char(&r, ']');
    }
    return done(next_seq(), &r, ret, err);
}

WRAPPER int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
    if (!resolve_bind())
        return -1;
    int ret = real_bind(fd, addr, len);
    int err = errno;
    struct rec r = { .n = 0 };
    put_call(&r, "bind", fd);
    put(&r, ", ");
    if (address_was_read(ret, err, len))
        put_address(&r, addr, len);
    else
        put(&r, "?");
    put_char(&r, ')');
    put_result(&r, ret, err);
    return done(next_seq(), &r, ret, err);
}

WRAPPER int listen(int fd, int backlog)
{
    if (!resolve_listen())
        return -1;
    int ret = real_listen(fd, backlog);
    int err = errno;
    struct rec r = { .n = 0 };
    put_call(&r, "listen", fd);
    put(&r, ", ");
    put_int(&r, backlog);
    put_char(&r, ')');
    put_result(&r, ret, err);
    return done(next_seq(), &r, ret, err);
}

/* accept() and accept4(): the new descriptor, and the peer's address when the caller asked. */
TR static int traced_accept(int fd, struct sockaddr *addr, socklen_t *len, int flags, int four)
{
    struct rec r = { .n = 0 };
    put(&r, four ? "accept4(" : "accept(");
    put_int(&r, fd);
    if (four) {
        put(&r, ", ");
        put_flags(&r, type_flag_names, flags);
    }
    put_char(&r, ')');
    int64_t seq = emit_pending(&r);
    int ret = four ? real_accept4(fd, addr, len, flags) : real_accept(fd, addr, len);
    int err = errno;
    mark_socket(ret, 1);
    put_result(&r, ret, err);
    if (ret >= 0 && addr != NULL && len != NULL) {
        put(&r, " from ");
        put_address(&r, addr, *len);
    }
    return done(seq, &r, ret, err);
}

WRAPPER int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
    if (!resolve_accept())
        return -1;
    return traced_accept(fd, addr, len, 0, 0);
}

WRAPPER int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
    if (!resolve_accept4())
        return -1;
    return traced_accept(fd, addr, len, flags, 1);
}

WRAPPER int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
    if (!resolve_connect())
        return -1;
    struct rec r = { .n = 0 };
    put_call(&r, "connect", fd);
    put(&r, ", ");
    size_t mark = r.n;
    put(&r, "...)");
    int64_t seq = emit_pending(&r);
    int ret = real_connect(fd, addr, len);
    int err = errno;
    r.n = mark;
    if (address_was_read(ret, err, len))
        put_address(&r, addr, len);
    else
        put(&r, "?");
    put_char(&r, ')');
    put_result(&r, ret, err);
    return done(seq, &r, ret, err);
}

/* ", 5 bytes, MSG_NOSIGNAL)" style tails, and data that moved. */
TR static void put_sent(struct rec *r, const void *buf, size_t n, long ret)
{
    if (ret > 0)
        put_data(r, buf, (size_t)ret < n ? (size_t)ret : n);
    else
        put(r, "...");
    put(r, ", ");
    put_unsigned(r, n);
}

/* A call that sends, recorded before it starts: it may wait for room, or be the one that
 * SIGPIPE kills. Its data is not looked at until the call has read it. */
TR static int64_t pending_send(const char *name, int fd, size_t n, int flags, int with_flags)
{
    struct rec r = { .n = 0 };
    put_call(&r, name, fd);
    put(&r, ", ..., ");
    put_unsigned(&r, n);
    if (with_flags) {
        put(&r, ", ");
        put_flags(&r, msg_flag_names, flags);
    }
    put_char(&r, ')');
    return emit_pending(&r);
}

WRAPPER ssize_t send(int fd, const void *buf, size_t n, int flags)
{
    if (!resolve_send())
        return -1;
    int64_t seq = pending_send("send", fd, n, flags, 1);
    ssize_t ret = real_send(fd, buf, n, flags);
    int err = errno;
    struct rec r = { .n = 0 };
    put_call(&r, "send", fd);
    put(&r, ", ");
    put_sent(&r, buf, n, ret);
    put(&r, ", ");
    put_flags(&r, msg_flag_names, flags);
    put_char(&r, ')');
    put_result(&r, ret, err);
    return done(seq, &r, ret, err);
}

WRAPPER ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *addr, socklen_t len)
{
    if (!resolve_sendto())
        return -1;
    int64_t seq = pending_send("sendto", fd, n, flags, 1);
    ssize_t ret = real_sendto(fd, buf, n, flags, addr, len);
    int err = errno;
    struct rec r = { .n = 0 };
    put_call(&r, "sendto", fd);
    put(&r, ", ");
    put_sent(&r, buf, n, ret);
    put(&r, ", ");
    put_flags(&r, msg_flag_names, flags);
    put(&r, ", ");
    if (addr == NULL)
        put(&r, "NULL");
    else if (address_was_read(ret, err, len))
        put_address(&r, addr, len);
    else
        put(&r, "?");
    put_char(&r, ')');
    put_result(&r, ret, err);
    return done(seq, &r, ret, err);
}

/* The start of a received-into call: "recv(4, 512, 0)"; pending until it returns. */
TR static void put_receive_call(struct rec *r, const char *name, int fd, size_t n, int flags, int with_flags)
{
    put_call(r, name, fd);
    put(r, ", ");
    put_unsigned(r, n);
    if (with_flags) {
        put(r, ", ");
        put_flags(r, msg_flag_names, flags);
    }
    put_char(r, ')');
}

/* " = 5 \"hello\"": what arrived. */
TR static void put_received(struct rec *r, const void *buf, long ret, int err)
{
    put_result(r, ret, err);
    if (ret > 0) {
        put_char(r, ' ');
        put_data(r, buf, (size_t)ret);
    }
}

WRAPPER ssize_t recv(int fd, void *buf, size_t n, int flags)
{
    if (!resolve_recv())
        return -1;
    struct rec r = { .n = 0 };
    put_receive_call(&r, "recv", fd, n, flags, 1);
    int64_t seq = emit_pending(&r);
    ssize_t ret = real_recv(fd, buf, n, flags);
    int err = errno;
    put_received(&r, buf, ret, err);
    return done(seq, &r, ret, err);
}

WRAPPER ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *addr, socklen_t *len)
{
    if (!resolve_recvfrom())
        return -1;
    struct rec r = { .n = 0 };
    put_receive_call(&r, "recvfrom", fd, n, flags, 1);
    int64_t seq = emit_pending(&r);
    ssize_t ret = real_recvfrom(fd, buf, n, flags, addr, len);
    int err = errno;
    put_received(&r, buf, ret, err);
    if (ret >= 0 && addr != NULL && len != NULL) {
        put(&r, " from ");
        put_address(&r, addr, *len);
    }
    return done(seq, &r, ret, err);
}

TR static size_t iov_total(const struct iovec *iov, int count)
{
    size_t total = 0;
    for (int i = 0; i < count; i++)
        total += iov[i].iov_len;
    return total;
}

/* " = 5 \"hello\"": the result, and the first bytes that moved through iov (ret of them):
 * those of its first non-empty entry. */
TR static void put_iov_result(struct rec *r, const struct iovec *iov, int count, long ret, int err)
{
    put_result(r, ret, err);
    if (ret <= 0)
        return;
    put_char(r, ' ');
    for (int i = 0; i < count; i++) {
        if (iov[i].iov_len == 0)
            continue;
        size_t n = (size_t)ret < iov[i].iov_len ? (size_t)ret : iov[i].iov_len;
        put_data(r, iov[i].iov_base, n);
        if ((size_t)ret > n)
            put(r, "...");
        return;
    }
}

WRAPPER ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
    if (!resolve_sendmsg())
        return -1;
    struct rec pending = { .n = 0 };
    put_call(&pending, "sendmsg", fd);
    put(&pending, ", ..., ");
    put_flags(&pending, msg_flag_names, flags);
    put_char(&pending, ')');
    int64_t seq = emit_pending(&pending);
    ssize_t ret = real_sendmsg(fd, msg, flags);
    int err = errno;
    struct rec r = { .n = 0 };
    put_call(&r, "sendmsg", fd);
    put(&r, ", ");
    if (ret >= 0) {
        if (msg->msg_name != NULL) {
            put(&r, "to ");
            put_address(&r, msg->msg_name, msg->msg_namelen);
            put(&r, ", ");
        }
        put_int(&r, (long long)msg->msg_iovlen);
        put(&r, " iov, ");
        put_unsigned(&r, iov_total(msg->msg_iov, (int)msg->msg_iovlen));
        put(&r, " bytes, ");
    }
    put_flags(&r, msg_flag_names, flags);
    put_char(&r, ')');
    put_iov_result(&r, msg->msg_iov, (int)msg->msg_iovlen, ret, err);
    return done(seq, &r, ret, err);
}

WRAPPER ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
    if (!resolve_recvmsg())
        return -1;
    struct rec r = { .n = 0 };
    put_call(&r, "recvmsg", fd);
    put(&r, ", ");
    put_flags(&r, msg_flag_names, flags);
    put_char(&r, ')');
    int64_t seq = emit_pending(&r);
    ssize_t ret = real_recvmsg(fd, msg, flags);
    int err = errno;
    put_iov_result(&r, msg->msg_iov, (int)msg->msg_iovlen, ret, err);
    if (ret >= 0 && msg->msg_name != NULL && msg->msg_namelen > 0) {
        put(&r, " from ");
        put_address(&r, msg->msg_name, msg->msg_namelen);
    }
    return done(seq, &r, ret, err);
}

WRAPPER ssize_t read(int fd, void *buf, size_t n)
{
    if (!resolve_read())
        return -1;
    if (!is_socket(fd))
        return real_read(fd, buf, n);
    struct rec r = { .n = 0 };
    put_receive_call(&r, "read", fd, n, 0, 0);
    int64_t seq = emit_pending(&r);
    ssize_t ret = real_read(fd, buf, n);
    int err = errno;
    put_received(&r, buf, ret, err);
    return done(seq, &r, ret, err);
}

WRAPPER ssize_t write(int fd, const void *buf, size_t n)
{
    if (!resolve_write())
        return -1;
    if (!is_socket(fd))
        return real_write(fd, buf, n);
    int64_t seq = pending_send("write", fd, n, 0, 0);
    ssize_t ret = real_write(fd, buf, n);
    int err = errno;
    struct rec r = { .n = 0 };
    put_call(&r, "write", fd);
    put(&r, ", ");
    put_sent(&r, buf, n, ret);
    put_char(&r, ')');
    put_result(&r, ret, err);
    return done(seq, &r, ret, err);
}

WRAPPER ssize_t readv(int fd, const struct iovec *iov, int count)
{
    if (!resolve_readv())
        return -1;
    if (!is_socket(fd))
        return real_readv(fd, iov, count);
    struct rec r = { .n = 0 };
    put_call(&r, "readv", fd);
    put(&r, ", ");
    put_int(&r, count);
    put(&r, " iov)");
    int64_t seq = emit_pending(&r);
    ssize_t ret = real_readv(fd, iov, count);
    int err = errno;
    put_iov_result(&r, iov, count, ret, err);
    return done(seq, &r, ret, err);
}

WRAPPER ssize_t writev(int fd, const struct iovec *iov, int count)
{
    if (!resolve_writev())
        return -1;
    if (!is_socket(fd))
        return real_writev(fd, iov, count);
    struct rec pending = { .n = 0 };
    put_call(&pending, "writev", fd);
    put(&pending, ", ");
    put_int(&pending, count);
    put(&pending, " iov)");
    int64_t seq = emit_pending(&pending);
    ssize_t ret = real_writev(fd, iov, count);
    int err = errno;
    struct rec r = { .n = 0 };
    put_call(&r, "writev", fd);
    put(&r, ", ");
    put_int(&r, count);
    put(&r, " iov");
    if (ret >= 0) {
        put(&r, ", ");
        put_unsigned(&r, iov_total(iov, count));
        put(&r, " bytes");
    }
    put_char(&r, ')');
    put_iov_result(&r, iov, count, ret, err);
    return done(seq, &r, ret, err);
}

WRAPPER int shutdown(int fd, int how)
{
    if (!resolve_shutdown())
        return -1;
    int ret = real_shutdown(fd, how);
    int err = errno;
    struct rec r = { .n = 0 };
    put_call(&r, "shutdown", fd);
    put(&r, ", ");
    put_named(&r, shutdown_names, how);
    put_char(&r, ')');
    put_result(&r, ret, err);
    return done(next_seq(), &r, ret, err);
}

WRAPPER int close(int fd)
{
    if (!resolve_close())
        return -1;
    if (fd >= 0 && fd == __atomic_load_n(&tr.fd, __ATOMIC_ACQUIRE)) {
        __atomic_store_n(&tr.fd, -1, __ATOMIC_RELEASE); /* the program's to close */
        tr.failed = 1;
    }
    int sock = is_socket(fd);
    int ret = real_close(fd);
    int err = errno;
    if (!sock)
        return ret;
    mark_socket(fd, 0);
    struct rec r = { .n = 0 };
    put_call(&r, "close", fd);
    put_char(&r, ')');
    put_result(&r, ret, err);
    return done(next_seq(), &r, ret, err);
}

/* dup(), dup2() and dup3() of a socket make another socket descriptor (a server that serves on
 * stdin and stdout, inetd style); one that replaces the record file ends the records. */
TR static int traced_dup(const char *name, int oldfd, int newfd, int ret, int err)
{
    if (newfd >= 0 && newfd == __atomic_load_n(&tr.fd, __ATOMIC_ACQUIRE) && ret >= 0) {
        __atomic_store_n(&tr.fd, -1, __ATOMIC_RELEASE);
        tr.failed = 1;
    }
    if (ret < 0 || !is_socket(oldfd)) {
        if (ret >= 0 && ret != oldfd)
            mark_socket(ret, 0);
        errno = err;
        return ret;
    }
    mark_socket(ret, 1);
    struct rec r = { .n = 0 };
    put_call(&r, name, oldfd);
    if (newfd >= 0) {
        put(&r, ", ");
        put_int(&r, newfd);
    }
    put_char(&r, ')');
    put_result(&r, ret, err);
    return done(next_seq(), &r, ret, err);
}

WRAPPER int dup(int oldfd)
{
    if (!resolve_dup())
        return -1;
    int ret = real_dup(oldfd);
    return traced_dup("dup", oldfd, -1, ret, errno);
}

WRAPPER int dup2(int oldfd, int newfd)
{
    if (!resolve_dup2())
        return -1;
    int ret = real_dup2(oldfd, newfd);
    return traced_dup("dup2", oldfd, newfd, ret, errno);
}

WRAPPER int dup3(int oldfd, int newfd, int flags)
{
    if (!resolve_dup3())
        return -1;
    int ret = real_dup3(oldfd, newfd, flags);
    return traced_dup("dup3", oldfd, newfd, ret, errno);
}

TR static void put_option(struct rec *r, int level, int name)
{
    put_named(r, level_names, level);
    put(r, ", ");
    if (level == SOL_SOCKET)
        put_named(r, sol_socket_names, name);
    else if (level == IPPROTO_TCP)
        put_named(r, tcp_option_names, name);
    else if (level == IPPROTO_IPV6)
        put_named(r, ipv6_option_names, name);
    else
        put_int(r, name);
}

WRAPPER int setsockopt(int fd, int level, int name, const void *value, socklen_t len)
{
    if (!resolve_setsockopt())
        return -1;
    int ret = real_setsockopt(fd, level, name, value, len);
    int err = errno;
    struct rec r = { .n = 0 };
    put_call(&r, "setsockopt", fd);
    put(&r, ", ");
    put_option(&r, level, name);
    put(&r, ", ");
    if (value == NULL || (ret < 0 && (err == EFAULT || err == EBADF || err == ENOTSOCK))) {
        put(&r, "?");
    } else if (len == sizeof(int)) {
        const unsigned char *b = value;
        int v = 0;
        unsigned char *to = (unsigned char *)&v;
        for (size_t i = 0; i < sizeof v; i++)
            to[i] = b[i];
        put_int(&r, v);
    } else if (len == sizeof(struct timeval)) {
        struct timeval tv;
        const unsigned char *b = value;
        unsigned char *to = (unsigned char *)&tv;
        for (size_t i = 0; i < sizeof tv; i++)
            to[i] = b[i];
        put_int(&r, tv.tv_sec);
        put_char(&r, '.');
        put_char(&r, (char)('0' + (tv.tv_usec / 100000) % 10));
        put_char(&r, (char)('0' + (tv.tv_usec / 10000) % 10));
        put_char(&r, (char)('0' + (tv.tv_usec / 1000) % 10));
        put(&r, " s");
    } else {
        put_unsigned(&r, len);
        put(&r, " bytes");
    }
    put_char(&r, ')');
    put_result(&r, ret, err);
    return done(next_seq(), &r, ret, err);
}

WRAPPER int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                        struct addrinfo **res)
{
    if (!resolve_getaddrinfo())
        return EAI_SYSTEM;
    int ret = real_getaddrinfo(node, service, hints, res);
    int err = errno;
    struct rec r = { .n = 0 };
    put(&r, "getaddrinfo(");
    put_string(&r, node);
    put(&r, ", ");
    put_string(&r, service);
    put(&r, ", ");
    if (hints == NULL) {
        put(&r, "NULL");
    } else {
        put_named(&r, family_names, hints->ai_family);
        put_char(&r, ' ');
        put_named(&r, type_names, hints->ai_socktype);
        put_char(&r, ' ');
        put_flags(&r, ai_flag_names, hints->ai_flags);
    }
    put(&r, ") = ");
    if (ret != 0) {
        put_named(&r, eai_names, ret);
    } else {
        put_char(&r, '0');
        int k = 0;
        for (const struct addrinfo *ai = *res; ai != NULL && k < 4; ai = ai->ai_next, k++) {
            put(&r, k == 0 ? ": " : ", ");
            put_address(&r, ai->ai_addr, ai->ai_addrlen);
        }
    }
    return done(next_seq(), &r, ret, err);
}

TR static void put_poll_fds(struct rec *r, const struct pollfd *fds, nfds_t n, int returned)
{
    int listed = 0;
    for (nfds_t i = 0; i < n; i++) {
        short events = returned ? fds[i].revents : fds[i].events;
        if (returned && events == 0)
            continue;
        if (listed == MAX_LISTED) {
            put(r, " ...");
            break;
        }
        if (listed++ > 0)
            put_char(r, ' ');
        put_int(r, fds[i].fd);
        put_char(r, ':');
        put_flags(r, poll_event_names, events);
    }
}

WRAPPER int poll(struct pollfd *fds, nfds_t n, int timeout)
{
    if (!resolve_poll())
        return -1;
    struct rec r = { .n = 0 };
    put(&r, "poll([");
    put_poll_fds(&r, fds, n, 0);
    put(&r, "], ");
    put_int(&r, timeout);
    put_char(&r, ')');
    int64_t seq = emit_pending(&r);
    int ret = real_poll(fds, n, timeout);
    int err = errno;
    put_result(&r, ret, err);
    if (ret > 0) {
        put(&r, " [");
        put_poll_fds(&r, fds, n, 1);
        put_char(&r, ']');
    }
    return done(seq, &r, ret, err);
}

TR static void put_fd_set(struct rec *r, const fd_set *set, int nfds)
{
    put_char(r, '{');
    int listed = 0;
    for (int fd = 0; set != NULL && fd < nfds && fd < FD_SETSIZE; fd++) {
        if (!FD_ISSET(fd, set))
            continue;
        if (listed == MAX_LISTED) {
            put(r, " ...");
            break;
        }
        if (listed++ > 0)
            put_char(r, ' ');
        put_int(r, fd);
    }
    put_char(r, '}');
}

WRAPPER int select(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds, struct timeval *timeout)
{
    if (!resolve_select())
        return -1;
    struct rec r = { .n = 0 };
    put(&r, "select(");
    put_int(&r, nfds);
    put(&r, ", ");
    put_fd_set(&r, readfds, nfds);
    put(&r, ", ");
    put_fd_set(&r, writefds, nfds);
    put(&r, ", ");
    if (timeout == NULL) {
        put(&r, "NULL");
    } else {
        put_int(&r, timeout->tv_sec);
        put_char(&r, '.');
        put_char(&r, (char)('0' + (timeout->tv_usec / 100000) % 10));
        put_char(&r, (char)('0' + (timeout->tv_usec / 10000) % 10));
        put_char(&r, (char)('0' + (timeout->tv_usec / 1000) % 10));
        put(&r, " s");
    }
    put_char(&r, ')');
    int64_t seq = emit_pending(&r);
    int ret = real_select(nfds, readfds, writefds, exceptfds, timeout);
    int err = errno;
    put_result(&r, ret, err);
    if (ret > 0) {
        put(&r, " ");
        put_fd_set(&r, readfds, nfds);
        put(&r, " ");
        put_fd_set(&r, writefds, nfds);
    }
    return done(seq, &r, ret, err);
}

WRAPPER pid_t fork(void)
{
    if (!resolve_fork())
        return -1;
    pid_t ret = real_fork();
    int err = errno;
    struct rec r = { .n = 0 };
    put(&r, "fork()");
    put_result(&r, ret, err);
    if (ret == 0) {
        put(&r, " (in the child of ");
        put_int(&r, (long long)syscall(SYS_getppid));
        put_char(&r, ')');
    }
    return done(next_seq(), &r, ret, err);
}

/* "exited 0", "killed by SIGSEGV". */
TR static void put_status(struct rec *r, int status)
{
    if (WIFEXITED(status)) {
        put(r, " exited ");
        put_int(r, WEXITSTATUS(status));
    } else if (WIFSIGNALED(status)) {
        put(r, " killed by ");
        put_named(r, signal_names, WTERMSIG(status));
    } else if (WIFSTOPPED(status)) {
        put(r, " stopped");
    }
}

WRAPPER pid_t waitpid(pid_t pid, int *status, int options)
{
    if (!resolve_waitpid())
        return -1;
    struct rec r = { .n = 0 };
    put(&r, "waitpid(");
    put_int(&r, pid);
    put(&r, ", ");
    put_flags(&r, wait_option_names, options);
    put_char(&r, ')');
    int64_t seq = (options & WNOHANG) ? next_seq() : emit_pending(&r);
    int local;
    pid_t ret = real_waitpid(pid, status ? status : &local, options);
    int err = errno;
    put_result(&r, ret, err);
    if (ret > 0)
        put_status(&r, status ? *status : local);
    return done(seq, &r, ret, err);
}

WRAPPER pid_t wait(int *status)
{
    if (!resolve_wait())
        return -1;
    struct rec r = { .n = 0 };
    put(&r, "wait()");
    int64_t seq = emit_pending(&r);
    int local;
    pid_t ret = real_wait(status ? status : &local);
    int err = errno;
    put_result(&r, ret, err);
    if (ret > 0)
        put_status(&r, status ? *status : local);
    return done(seq, &r, ret, err);
}

TR static void put_handler(struct rec *r, sighandler_t h)
{
    if (h == SIG_IGN)
        put(r, "SIG_IGN");
    else if (h == SIG_DFL)
        put(r, "SIG_DFL");
    else
        put(r, "handler");
}

WRAPPER int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
    if (!resolve_sigaction())
        return -1;
    int ret = real_sigaction(sig, act, old);
    int err = errno;
    if (act == NULL) { /* only asking: nothing changed */
        errno = err;
        return ret;
    }
    struct rec r = { .n = 0 };
    put(&r, "sigaction(");
    put_named(&r, signal_names, sig);
    put(&r, ", ");
    if (ret < 0 && err == EFAULT) {
        put(&r, "?");
    } else {
        put_handler(&r, act->sa_handler); /* shares its bits with sa_sigaction */
        put(&r, ", ");
        put_flags(&r, sa_flag_names, act->sa_flags & ~0x04000000 /* SA_RESTORER */);
    }
    put_char(&r, ')');
    put_result(&r, ret, err);
    return done(next_seq(), &r, ret, err);
}

WRAPPER sighandler_t signal(int sig, sighandler_t handler)
{
    if (!resolve_signal())
        return SIG_ERR;
    sighandler_t ret = real_signal(sig, handler);
    int err = errno;
    struct rec r = { .n = 0 };
    put(&r, "signal(");
    put_named(&r, signal_names, sig);
    put(&r, ", ");
    put_handler(&r, handler);
    put_char(&r, ')');
    put_result(&r, ret == SIG_ERR ? -1 : 0, err);
    return done(next_seq(), &r, ret, err);
}

WRAPPER int unlink(const char *path)
{
    if (!resolve_unlink())
        return -1;
    int ret = real_unlink(path);
    int err = errno;
    struct rec r = { .n = 0 };
    put(&r, "unlink(");
    if (ret < 0 && err == EFAULT)
        put(&r, "?");
    else
        put_string(&r, path);
    put_char(&r, ')');
    put_result(&r, ret, err);
    return done(next_seq(), &r, ret, err);
}
