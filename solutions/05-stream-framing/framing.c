/* framing.c - messages over a byte stream: a 4-byte big-endian length, then the bytes.
 *
 * A stream socket may move fewer bytes than asked in one call (a short read or write), and a
 * call may be interrupted by a signal before it moves anything (EINTR). Both helpers below
 * loop until the whole count has moved. */
#include "framing.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

/* Writes all n bytes. Returns 0, or -1 on error. */
static int write_fully(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads exactly n bytes. Returns n; 0 at end-of-file before the first byte; -1 on error or at
 * end-of-file after some bytes (a cut frame). */
static ssize_t read_fully(int fd, void *buf, size_t n)
{
    char *p = buf;
    size_t got = 0;
    while (got < n) {
        ssize_t r = recv(fd, p + got, n - got, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (r == 0)
            return got == 0 ? 0 : -1;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

int send_msg(int fd, const void *buf, uint32_t len)
{
    if (len == 0) {                     /* messages are never empty: 0 from recv_msg means EOF */
        errno = EINVAL;
        return -1;
    }
    uint32_t header = htonl(len);       /* network byte order: big-endian */
    if (write_fully(fd, &header, sizeof header) < 0)
        return -1;
    return write_fully(fd, buf, len);
}

ssize_t recv_msg(int fd, void *buf, size_t cap)
{
    uint32_t header;
    ssize_t r = read_fully(fd, &header, sizeof header);
    if (r <= 0)
        return r;                       /* 0: clean end-of-file; -1: error or a cut header */
    uint32_t len = ntohl(header);
    if (len == 0 || len > cap)
        return -1;                      /* an empty message is a protocol error; never write past cap */
    return read_fully(fd, buf, len) == (ssize_t)len ? (ssize_t)len : -1;
}
