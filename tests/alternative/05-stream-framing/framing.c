/* read()/write() and a byte-by-byte header. */
#include "framing.h"
#include <errno.h>
#include <unistd.h>

static int put(int fd, const unsigned char *p, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, p + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        done += (size_t)w;
    }
    return 0;
}

/* 1: got all n; 0: EOF before any byte; -1: error or EOF after some. */
static int get(int fd, unsigned char *p, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t r = read(fd, p + done, n - done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            return done == 0 ? 0 : -1;
        done += (size_t)r;
    }
    return 1;
}

int send_msg(int fd, const void *buf, uint32_t len)
{
    unsigned char h[4] = { len >> 24, (len >> 16) & 255, (len >> 8) & 255, len & 255 };
    return put(fd, h, 4) == 0 && put(fd, buf, len) == 0 ? 0 : -1;
}

ssize_t recv_msg(int fd, void *buf, size_t cap)
{
    unsigned char h[4];
    int r = get(fd, h, 4);
    if (r <= 0)
        return r;
    size_t len = (size_t)h[0] << 24 | (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
    if (len > cap)
        return -1;
    return len == 0 ? 0 : get(fd, buf, len) == 1 ? (ssize_t)len : -1;
}
