/* framing.c - messages over a byte stream: a 4-byte big-endian length, then the bytes.
 *
 * Implement the two functions declared in framing.h (read it first). Until you do, they stop
 * the program with a message. `make check EX=05-stream-framing` grades them: the grader links
 * this file into its own small driver programs and forces short reads, short writes and EINTR.
 * Call only what framing needs (README.md lists it): anything else is refused.
 */
#include "framing.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define TODO(n) do { \
        fprintf(stderr, "framing.c: TODO %d is not done yet\n", (n)); \
        exit(3); \
    } while (0)

int send_msg(int fd, const void *buf, uint32_t len)
{
    /* TODO 1: messages are never empty: if len is 0, set errno to EINVAL and return -1.
     * Then send the 4-byte length, converted to network byte order (man 3 htonl), then the
     * len bytes of buf. send() may move fewer bytes than asked, or fail with EINTR before moving
     * any: loop until everything is sent. A helper that "writes fully" serves both.
     * man 2 send, TLPI 61.1 */
    (void)fd; (void)buf; (void)len;
    TODO(1);
    return -1;
}

ssize_t recv_msg(int fd, void *buf, size_t cap)
{
    /* TODO 2: read exactly 4 bytes of length (loop: recv() may return fewer; retry on EINTR).
     * End-of-file before the first byte is a clean end: return 0. End-of-file later is a cut
     * frame: return -1. man 2 recv */
    /* TODO 3: convert the length from network byte order (man 3 ntohl). A length of 0 is an
     * error (-1): 0 from recv_msg means end-of-file only. If it is more than cap, return -1
     * without reading into buf: never write past cap. */
    /* TODO 4: read exactly that many bytes into buf, the same way, and return the length. */
    (void)fd; (void)buf; (void)cap;
    TODO(2);
    return -1;
}
