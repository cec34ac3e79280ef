/* writev() and readv() over an array of iovecs, advanced past what each call moved. */
#include "framing.h"
#include <errno.h>
#include <sys/uio.h>

/* Moves every byte described by iov[0..n) with op (readv or writev). 1: all moved; 0: EOF
 * before any byte; -1: error, or EOF after some. */
static int move_all(int fd, struct iovec *iov, int n, ssize_t (*op)(int, const struct iovec *, int))
{
    size_t done = 0;
    while (n > 0) {
        if (iov->iov_len == 0) {
            iov++, n--;
            continue;
        }
        ssize_t r = op(fd, iov, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            return done == 0 ? 0 : -1;
        done += (size_t)r;
        for (size_t left = (size_t)r; left > 0;) {      /* skip what went through */
            size_t step = left < iov->iov_len ? left : iov->iov_len;
            iov->iov_base = (char *)iov->iov_base + step;
            iov->iov_len -= step;
            left -= step;
            if (iov->iov_len == 0)
                iov++, n--;
        }
    }
    return 1;
}

int send_msg(int fd, const void *buf, uint32_t len)
{
    if (len == 0) {
        errno = EINVAL;
        return -1;
    }
    unsigned char h[4] = { len >> 24, (len >> 16) & 255, (len >> 8) & 255, len & 255 };
    struct iovec iov[2] = { { h, 4 }, { (void *)buf, len } };
    return move_all(fd, iov, 2, writev) == 1 ? 0 : -1;
}

ssize_t recv_msg(int fd, void *buf, size_t cap)
{
    unsigned char h[4];
    struct iovec head = { h, 4 };
    int r = move_all(fd, &head, 1, readv);
    if (r <= 0)
        return r;
    size_t len = (size_t)h[0] << 24 | (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
    if (len == 0 || len > cap)
        return -1;
    struct iovec body = { buf, len };
    return move_all(fd, &body, 1, readv) == 1 ? (ssize_t)len : -1;
}
