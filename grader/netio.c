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

#include "deadline.h"

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

static int new_socket(int domain, int type)
{
    return socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
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
    /* A UNIX stream connect completes at once or fails (EAGAIN when the backlog is full). */
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
        return close_keeping_errno(fd);
    return fd;
}

int tcp_connect(const char *ip, uint16_t port, int64_t deadline)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
    if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) {
        errno = EINVAL;
        return -1;
    }
    int fd = new_socket(AF_INET, SOCK_STREAM);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
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
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0
        || getsockname(fd, (struct sockaddr *)&a, &len) < 0)
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
    struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = IN6ADDR_LOOPBACK_INIT };
    int fd = new_socket(AF_INET6, type);
    int on = 1;
    if (fd < 0)
        return -1;
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) < 0
        || bind(fd, (struct sockaddr *)&a, sizeof a) < 0
        || (type == SOCK_STREAM && listen(fd, 64) < 0))
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
    for (;;) {
        int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0 || (errno != EAGAIN && errno != EINTR))
            return fd;
        if (!wait_readable(listen_fd, deadline)) {
            errno = ETIMEDOUT;
            return -1;
        }
    }
}

enum io_result send_all(int fd, const void *bytes, size_t n, int64_t deadline)
{
    const char *p = bytes;
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
            continue;
        }
        if (errno != EAGAIN && errno != EINTR)
            return IO_ERROR;
        struct pollfd pf = { .fd = fd, .events = POLLOUT };
        int r = poll(&pf, 1, ms_left(deadline));
        if (r == 0)
            return IO_TIMEOUT;
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
        text_append(in, buf, (size_t)r);
        return IO_OK;
    }
    if (r == 0)
        return IO_EOF;
    return errno == EAGAIN || errno == EINTR ? IO_OK : IO_ERROR;
}

enum io_result recv_until(int fd, struct text *in, size_t cap, bool stop_at_newline, int64_t deadline)
{
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
        if (poll(&pf, 1, ms_left(deadline)) == 0)
            return IO_TIMEOUT;
    }
}

enum io_result exchange(int fd, const void *out, size_t n, bool shut_wr, struct text *in, size_t cap,
                        int64_t deadline)
{
    const char *p = out;
    size_t left = n;
    bool shut = false;
    for (;;) {
        if (left == 0 && shut_wr && !shut) {
            if (shutdown(fd, SHUT_WR) < 0)
                return IO_ERROR;
            shut = true;
        }
        struct pollfd pf = { .fd = fd, .events = POLLIN | (left > 0 ? POLLOUT : 0) };
        int r = poll(&pf, 1, ms_left(deadline));
        if (r == 0)
            return IO_TIMEOUT;
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
                p += w;
                left -= (size_t)w;
            } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
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
    return sendto(fd, bytes, n, 0, (struct sockaddr *)&a, sizeof a) == (ssize_t)n ? 0 : -1;
}

enum io_result recv_datagram(int fd, struct text *in, size_t cap, struct sockaddr_storage *from,
                             socklen_t *from_len, int64_t deadline)
{
    char buf[65536];
    for (;;) {
        struct sockaddr_storage ignored;
        socklen_t ignored_len = sizeof ignored;
        if (from_len)
            *from_len = sizeof *from;
        ssize_t r = recvfrom(fd, buf, cap < sizeof buf ? cap : sizeof buf, 0,
                             (struct sockaddr *)(from ? from : &ignored), from_len ? from_len : &ignored_len);
        if (r >= 0) {
            text_append(in, buf, (size_t)r);
            return IO_OK;
        }
        if (errno != EAGAIN && errno != EINTR)
            return IO_ERROR;
        if (!wait_readable(fd, deadline))
            return IO_TIMEOUT;
    }
}
