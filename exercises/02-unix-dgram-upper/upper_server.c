/* upper_server.c - a UNIX domain datagram server that answers each datagram in capitals.
 *
 * Usage: upper_server PATH
 *
 * Your task: replace each TODO(n) below with code, in order. Until you do, the program stops
 * at the first one it reaches and says which. `make check EX=02-unix-dgram-upper` grades it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_DATAGRAM 4096

#define TODO(n) do { \
        fprintf(stderr, "upper_server: TODO %d is not done yet (see upper_server.c)\n", (n)); \
        exit(3); \
    } while (0)

/* Turns the ASCII letters a-z of buf[0..len) into A-Z, leaving every other byte alone. */
void to_upper_ascii(char *buf, size_t len)
{
    /* TODO 4: one loop over the bytes. toupper() would also depend on the locale, and the
     * buffer is not a string: it may hold NUL bytes. */
    (void)buf; (void)len;
    TODO(4);
}

int main(int argc, char *argv[])
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PATH\n", argv[0]);
        return 1;
    }

    /* TODO 1: create a UNIX domain datagram socket. man 2 socket, man 7 unix */
    TODO(1);

    /* TODO 2: bind() it to PATH, after removing a stale file an earlier run may have left
     * there. man 2 bind, man 2 unlink, TLPI 57.3 */
    TODO(2);

    /* TODO 3: forever: recvfrom() one datagram (up to MAX_DATAGRAM bytes) together with the
     * sender's address and its length; convert it with to_upper_ascii(); sendto() exactly
     * that many bytes back to the sender's address. One datagram in, one datagram out.
     * man 2 recvfrom, man 2 sendto */
    TODO(3);
    return 0;
}
