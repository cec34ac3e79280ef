/* seqnum_client.c - asks seqnum_server for a sequence number (after TLPI 59.11).
 *
 * Usage: seqnum_client HOST PORT [N]
 *
 * Your task: replace each TODO(n) below with code, in order. Until you do, the program stops
 * at the first one it reaches and says which. `make check EX=03-inet-stream-seqnum` grades it.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define TODO(n) do { \
        fprintf(stderr, "seqnum_client: TODO %d is not done yet (see seqnum_client.c)\n", (n)); \
        exit(3); \
    } while (0)

int main(int argc, char *argv[])
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s HOST PORT [N]\n", argv[0]);
        return 1;
    }

    /* TODO 1: turn HOST and PORT into socket addresses with getaddrinfo(): a name such as
     * localhost or a dotted address like 127.0.0.1. Ask for IPv4 stream sockets in the hints.
     * man 3 getaddrinfo, TLPI 59.10 */
    TODO(1);

    /* TODO 2: try the addresses in turn: socket() and connect() until one works. If none
     * does, say why on stderr and exit with status 1. Then freeaddrinfo(). man 2 connect */
    TODO(2);

    /* TODO 3: send the request: N (default "1") and a newline. man 2 send */
    TODO(3);

    /* TODO 4: receive the reply until its newline (it may come in pieces, or the server may
     * close right after it), print it as one line on stdout, and exit with status 0.
     * man 2 recv */
    TODO(4);
    return 0;
}
