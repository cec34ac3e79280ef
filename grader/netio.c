/* netio.c - non-blocking sockets with deadlines, for the tests' side of each conversation. */
#define _GNU_SOURCE
#include "netio.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "conversation.h"
#include "deadline.h"

/* A path as the conversation shows it: relative to the check's folder (where it works). */
static const char *shown_path(const char *path)
{
    static __thread char cwd[512];
    if (getcwd(cwd, sizeof cwd) == NULL)
        return path;
    size_t n = strlen(cwd);
    return strncmp(path, cwd, n) == 0 && path[n] == '/' ? path + n + 1 : path;
}

static void failed_call(int fd, const char *call, int err)
{
    conversation_note(fd, CONV_ERROR, "{check}'s %s failed with %s", call, errno_text(err));
}

const char *errno_text(int err)
{
    static __thread char buf[128];
    const char *name = strerrorname_np(err);
    snprintf(buf, sizeof buf, "%s (%s)", name ? name : "unknown error", strerror(err));
    return buf;
}

static int fill_unix_address(struct sockaddr_un *a, const char *path)
{
    *a = (struct sockaddr_un){ .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof a->sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(a->sun_path, path);
    return 0;
}

/* "connect() to WHERE", for a note. */
static const char *fmt_connect(const char *where)
{
    static __thread char buf[600];
    snprintf(buf, sizeof buf, "connect() to %s", where);
    return buf;
}

static int new_socket(int domain, int type)
{
    int fd = socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    /* The kernel stamps each datagram on arrival from now on: a datagram the check reads late
     * (after the client ended) is put in the conversation when it came (arrival_ns). */
    int on = 1;
    if (fd >= 0 && type == SOCK_DGRAM && domain != AF_UNIX)
        setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
    return fd;
}

static int close_keeping_errno(int fd)
{
    int e = errno;
    close(fd);
    errno = e;
    return -1;
}

int unix_connect(const char *path, int type)
{
    struct sockaddr_un a;
    if (fill_unix_address(&a, path) < 0)
        return -1;
    int fd = new_socket(AF_UNIX, type);
    if (fd < 0)
        return -1;
    /* A UNIX stream connect completes at once or fails (EAGAIN when the backlog is full). A
     * datagram connect only sets where sends go: the harness's probe, not news. */
    conversation_operation();
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        if (type == SOCK_STREAM)
            failed_call(-1, fmt_connect(shown_path(path)), errno);
        return close_keeping_errno(fd);
    }
    if (type == SOCK_STREAM)
        conversation_connected(fd, true, shown_path(path));
    return fd;
}

static int tcp_connect_once(const struct sockaddr_in *a, int64_t deadline);

int tcp_connect(const char *ip, uint16_t port, int64_t deadline)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
    if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) {
        errno = EINVAL;
        return -1;
    }
    char where[64];
    snprintf(where, sizeof where, "%s:%u", ip, port);
    conversation_operation();
    int fd = tcp_connect_once(&a, deadline);
    if (fd >= 0)
        conversation_connected(fd, true, where);
    else
        failed_call(-1, fmt_connect(where), errno);
    return fd;
}

static int tcp_connect_once(const struct sockaddr_in *a, int64_t deadline)
{
    int fd = new_socket(AF_INET, SOCK_STREAM);
    if (fd < 0)
        return -1;
    if (connect(fd, (const struct sockaddr *)a, sizeof *a) == 0)
        return fd;
    if (errno != EINPROGRESS)
        return close_keeping_errno(fd);
    struct pollfd p = { .fd = fd, .events = POLLOUT };
    int r = poll(&p, 1, ms_left(deadline));
    if (r == 0) {
        close(fd);
        errno = ETIMEDOUT;
        return -1;
    }
    int err = 0;
    socklen_t len = sizeof err;
    if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        return close_keeping_errno(fd);
    if (err != 0) {
        close(fd);
        errno = err;
        return -1;
    }
    return fd;
}

static int bind_unix(int type, const char *path)
{
    struct sockaddr_un a;
    if (fill_unix_address(&a, path) < 0)
        return -1;
    int fd = new_socket(AF_UNIX, type);
    if (fd < 0)
        return -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0)
        return close_keeping_errno(fd);
    return fd;
}

int unix_listen(const char *path)
{
    int fd = bind_unix(SOCK_STREAM, path);
    if (fd >= 0 && listen(fd, 64) < 0)
        return close_keeping_errno(fd);
    return fd;
}

int unix_dgram_bind(const char *path)
{
    return bind_unix(SOCK_DGRAM, path);
}

static int bind_inet(int type, const char *ip, uint16_t *port)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(*port) };
    if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) {
        errno = EINVAL;
        return -1;
    }
    int fd = new_socket(AF_INET, type);
    if (fd < 0)
        return -1;
    socklen_t len = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || getsockname(fd, (struct sockaddr *)&a, &len) < 0)
        return close_keeping_errno(fd);
    *port = ntohs(a.sin_port);
    return fd;
}

int tcp_listen_loopback(uint16_t *port)
{
    *port = 0;
    int fd = bind_inet(SOCK_STREAM, "127.0.0.1", port);
    if (fd >= 0 && listen(fd, 64) < 0)
        return close_keeping_errno(fd);
    return fd;
}

int udp_bind(const char *ip, uint16_t *port)
{
    return bind_inet(SOCK_DGRAM, ip, port);
}

/* [::1]:port, IPv6 only (so it never takes the IPv4 port too). -1 with errno on failure. */
static int bind_ip6_loopback(int type, uint16_t port)
{
    struct sockaddr_in6 a = { .sin6_family = AF_INET6,
                              .sin6_port = htons(port),
                              .sin6_addr = IN6ADDR_LOOPBACK_INIT };
    int fd = new_socket(AF_INET6, type);
    int on = 1;
    if (fd < 0)
        return -1;
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) < 0
        || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || (type == SOCK_STREAM && listen(fd, 64) < 0))
        return close_keeping_errno(fd);
    return fd;
}

/* A few tries: the port the kernel picks for 127.0.0.1 may be taken on [::1]. */
#define LOOPBACK_PAIR_TRIES 8

int loopback_pair(int type, int fds[2], uint16_t *port)
{
    for (int i = 1;; i++) {
        *port = 0;
        fds[0] = bind_inet(type, "127.0.0.1", port);
        if (fds[0] < 0 || (type == SOCK_STREAM && listen(fds[0], 64) < 0))
            return fds[0] < 0 ? -1 : close_keeping_errno(fds[0]);
        fds[1] = bind_ip6_loopback(type, *port);
        /* Done; or no IPv6 here; or, after a few ports taken on [::1], 127.0.0.1 alone. */
        if (fds[1] >= 0 || errno != EADDRINUSE || i == LOOPBACK_PAIR_TRIES)
            return 0;
        close(fds[0]);
    }
}

bool wait_readable(int fd, int64_t deadline)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    for (;;) {
        int r = poll(&p, 1, ms_left(deadline));
        if (r > 0)
            return true;
        if (r == 0 || errno != EINTR)
            return false;
    }
}

int accept_until(int listen_fd, int64_t deadline)
{
    int64_t start = now_ms();
    conversation_operation();
    for (;;) {
        int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            conversation_connected(fd, false, NULL);
            return fd;
        }
        if (errno != EAGAIN && errno != EINTR) {
            failed_call(-1, "accept()", errno);
            return -1;
        }
        if (!wait_readable(listen_fd, deadline)) {
            conversation_gave_up(-1, start, deadline, "{peer} to connect");
            errno = ETIMEDOUT;
            return -1;
        }
    }
}

enum io_result send_all(int fd, const void *bytes, size_t n, int64_t deadline)
{
    const char *p = bytes;
    int64_t start = now_ms();
    conversation_operation();
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w > 0) {
            conversation_data(fd, p, (size_t)w, true, false);
            p += w;
            n -= (size_t)w;
            continue;
        }
        if (errno != EAGAIN && errno != EINTR) {
            failed_call(fd, "send() to {peer}", errno);
            return IO_ERROR;
        }
        struct pollfd pf = { .fd = fd, .events = POLLOUT };
        int r = poll(&pf, 1, ms_left(deadline));
        if (r == 0) {
            conversation_gave_up(fd, start, deadline, "room to send to {peer}: it stopped reading");
            return IO_TIMEOUT;
        }
    }
    return IO_OK;
}

/* One non-blocking read into in. IO_OK: read some (or nothing yet); IO_EOF; IO_ERROR. */
static enum io_result read_some(int fd, struct text *in, size_t cap)
{
    char buf[65536];
    size_t room = cap > in->len ? cap - in->len : 0;
    if (room == 0)
        return IO_FULL;
    ssize_t r = recv(fd, buf, room < sizeof buf ? room : sizeof buf, 0);
    if (r > 0) {
        conversation_data(fd, buf, (size_t)r, false, false);
        text_append(in, buf, (size_t)r);
        return IO_OK;
    }
    if (r == 0) {
        conversation_note(fd, CONV_EOF, "{check} reads end-of-file: {peer} closed its side");
        return IO_EOF;
    }
    if (errno == EAGAIN || errno == EINTR)
        return IO_OK;
    failed_call(fd, "recv() from {peer}", errno);
    return IO_ERROR;
}

const char *recv_awaited(bool stop_at_newline)
{
    return stop_at_newline ? "a line from {peer}" : "{peer} to send more or close";
}

enum io_result recv_until(int fd, struct text *in, size_t cap, bool stop_at_newline, int64_t deadline)
{
    conversation_operation();
    return recv_more(fd, in, cap, stop_at_newline, deadline);
}

enum io_result recv_more(int fd, struct text *in, size_t cap, bool stop_at_newline, int64_t deadline)
{
    int64_t start = now_ms();
    for (;;) {
        if (stop_at_newline && in->len > 0 && memchr(in->data, '\n', in->len))
            return IO_OK;
        if (in->len >= cap)
            return IO_FULL;
        enum io_result r = read_some(fd, in, cap);
        if (r != IO_OK)
            return r;
        if ((stop_at_newline && in->len > 0 && memchr(in->data, '\n', in->len)) || in->len >= cap)
            continue;
        struct pollfd pf = { .fd = fd, .events = POLLIN };
        if (poll(&pf, 1, ms_left(deadline)) == 0) {
            conversation_gave_up(fd, start, deadline, recv_awaited(stop_at_newline));
            return IO_TIMEOUT;
        }
    }
}

enum io_result exchange(int fd, const void *out, size_t n, bool shut_wr, struct text *in, size_t cap,
                        int64_t deadline)
{
    const char *p = out;
    size_t left = n;
    bool shut = false;
    int64_t start = now_ms();
    conversation_operation();
    for (;;) {
        if (left == 0 && shut_wr && !shut) {
            /* Noted first: the program may see end-of-file before shutdown() returns. */
            conversation_note(fd, CONV_SHUTDOWN, "{check} shuts down its sending side: shutdown(SHUT_WR)");
            if (shutdown(fd, SHUT_WR) < 0) {
                failed_call(fd, "shutdown(SHUT_WR)", errno);
                return IO_ERROR;
            }
            shut = true;
        }
        struct pollfd pf = { .fd = fd, .events = POLLIN | (left > 0 ? POLLOUT : 0) };
        int r = poll(&pf, 1, ms_left(deadline));
        if (r == 0) {
            conversation_gave_up(fd, start, deadline,
                                 left > 0 ? "{peer} to read the rest: it stopped reading"
                                          : "{peer} to send more or close");
            return IO_TIMEOUT;
        }
        if (r < 0 && errno != EINTR)
            return IO_ERROR;
        if (pf.revents & (POLLIN | POLLHUP | POLLERR)) {
            enum io_result got = read_some(fd, in, cap);
            if (got != IO_OK)
                return got;
        }
        if (left > 0 && (pf.revents & POLLOUT)) {
            ssize_t w = send(fd, p, left, MSG_NOSIGNAL);
            if (w > 0) {
                conversation_data(fd, p, (size_t)w, true, false);
                p += w;
                left -= (size_t)w;
            } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
                failed_call(fd, "send() to {peer}", errno);
                return IO_ERROR;
            }
        }
    }
}

int unix_sendto(int fd, const char *path, const void *bytes, size_t n)
{
    struct sockaddr_un a;
    if (fill_unix_address(&a, path) < 0)
        return -1;
    return net_sendto(fd, bytes, n, (struct sockaddr *)&a, sizeof a) == (ssize_t)n ? 0 : -1;
}

ssize_t net_sendto(int fd, const void *bytes, size_t n, const struct sockaddr *to, socklen_t len)
{
    conversation_operation();
    ssize_t w = sendto(fd, bytes, n, 0, to, len);
    if (w >= 0)
        conversation_data(fd, bytes, (size_t)w, true, true);
    else
        failed_call(fd, "sendto() to {peer}", errno);
    return w;
}

static const char *fmt_shutdown(const char *how)
{
    static __thread char buf[64];
    snprintf(buf, sizeof buf, "shutdown(%s)", how);
    return buf;
}

int net_shutdown(int fd, int how)
{
    conversation_operation();
    const char *name = how == SHUT_WR ? "SHUT_WR" : how == SHUT_RD ? "SHUT_RD" : "SHUT_RDWR";
    /* Noted first: the program may see end-of-file before shutdown() returns. */
    conversation_note(fd, CONV_SHUTDOWN, "{check} shuts down its %s side: shutdown(%s)",
                      how == SHUT_WR   ? "sending"
                      : how == SHUT_RD ? "receiving"
                                       : "sending and receiving",
                      name);
    int r = shutdown(fd, how);
    if (r < 0)
        failed_call(fd, fmt_shutdown(name), errno);
    return r;
}

int net_close(int fd)
{
    if (conversation_knows(fd)) {
        conversation_operation();
        int type = 0;
        socklen_t len = sizeof type;
        getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len);
        conversation_note(fd, CONV_CLOSE,
                          type == SOCK_DGRAM ? "{check} closes its socket"
                                             : "{check} closes the connection to {peer}");
        conversation_forget(fd);
    }
    return close(fd);
}

/* When a datagram arrived (CLOCK_MONOTONIC), from the kernel's stamp in m's control data
 * (SO_TIMESTAMPNS, see new_socket): a check that reads late (after a client ended) would
 * otherwise put it after the client's end. 0 when there is none (UNIX sockets have none). */
static int64_t arrival_ns(struct msghdr *m)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
        struct timespec stamp, real, mono;
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS)
            continue;
        memcpy(&stamp, CMSG_DATA(c), sizeof stamp);
        if (clock_gettime(CLOCK_REALTIME, &real) < 0 || clock_gettime(CLOCK_MONOTONIC, &mono) < 0)
            return 0;
        int64_t ago = ((int64_t)real.tv_sec - stamp.tv_sec) * 1000000000 + (real.tv_nsec - stamp.tv_nsec);
        return (int64_t)mono.tv_sec * 1000000000 + mono.tv_nsec - ago;
    }
    return 0;
}

static int64_t last_arrival_ms;

int64_t last_datagram_arrival_ms(void)
{
    return last_arrival_ms;
}

enum io_result recv_datagram(int fd, struct text *in, size_t cap, struct sockaddr_storage *from,
                             socklen_t *from_len, int64_t deadline)
{
    char buf[65536];
    int64_t start = now_ms();
    conversation_operation();
    for (;;) {
        struct sockaddr_storage ignored;
        union {
            char bytes[CMSG_SPACE(sizeof(struct timespec))];
            struct cmsghdr align;
        } control;
        struct iovec iov = { buf, cap < sizeof buf ? cap : sizeof buf };
        struct msghdr m = {
            .msg_name = from ? from : &ignored,
            .msg_namelen = sizeof ignored,
            .msg_iov = &iov,
            .msg_iovlen = 1,
            .msg_control = control.bytes,
            .msg_controllen = sizeof control.bytes,
        };
        ssize_t r = recvmsg(fd, &m, 0);
        if (from_len)
            *from_len = m.msg_namelen;
        if (r >= 0) {
            int64_t arrived = arrival_ns(&m);
            last_arrival_ms = arrived ? arrived / 1000000 : now_ms();
            conversation_data_at(fd, buf, (size_t)r, false, true, arrived);
            text_append(in, buf, (size_t)r);
            return IO_OK;
        }
        if (errno != EAGAIN && errno != EINTR) {
            failed_call(fd, "recvmsg()", errno);
            return IO_ERROR;
        }
        if (!wait_readable(fd, deadline)) {
            conversation_gave_up(fd, start, deadline, "a datagram from {peer}");
            return IO_TIMEOUT;
        }
    }
}
