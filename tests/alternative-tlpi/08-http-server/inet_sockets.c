/* inet_sockets.c - see inet_sockets.h. */
#define _GNU_SOURCE
#include "inet_sockets.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BACKLOG 50

int inetBindAny(const char *service, int type)
{
    long port = strtol(service, NULL, 10);
    int on = 1, off = 0;
    int fd = socket(AF_INET6, type, 0);
    if (fd != -1) {
        struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port),
                                  .sin6_addr = IN6ADDR_ANY_INIT };
        if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) == -1
            || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1
            || bind(fd, (struct sockaddr *)&a, sizeof a) == -1) {
            close(fd);
            return -1;
        }
    } else {                        /* no IPv6 here: IPv4 alone */
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                                 .sin_addr.s_addr = htonl(INADDR_ANY) };
        fd = socket(AF_INET, type, 0);
        if (fd == -1)
            return -1;
        if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1
            || bind(fd, (struct sockaddr *)&a, sizeof a) == -1) {
            close(fd);
            return -1;
        }
    }
    if (type == SOCK_STREAM && listen(fd, BACKLOG) == -1) {
        close(fd);
        return -1;
    }
    return fd;
}

int inetConnect(const char *host, const char *service, int type)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = type }, *result;
    if (getaddrinfo(host, service, &hints, &result) != 0) {
        errno = ENOENT;
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *rp = result; rp != NULL; rp = rp->ai_next) {
        fd = socket(rp->ai_family, rp->ai_socktype, rp->ai_protocol);
        if (fd == -1)
            continue;
        if (connect(fd, rp->ai_addr, rp->ai_addrlen) != -1)
            break;
        int saved = errno;
        close(fd);
        errno = saved;
        fd = -1;
    }
    freeaddrinfo(result);
    return fd;
}

ssize_t readLine(int fd, char *buf, size_t n)
{
    size_t total = 0;
    for (;;) {
        char ch;
        ssize_t r = read(fd, &ch, 1);
        if (r == -1) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (r == 0)
            break;
        if (total < n - 1)
            buf[total++] = ch;
        if (ch == '\n')
            break;
    }
    buf[total] = '\0';
    return (ssize_t)total;
}
