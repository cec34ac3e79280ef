/* echo_client.c - sends its standard input to echo_server over a UNIX domain stream socket and
 * copies what comes back to standard output.
 *
 * Usage: echo_client PATH < input
 *
 * Your task: replace each TODO(n) below with code, in order. Until you do, the program stops
 * at the first one it reaches and says which. `make check EX=01-unix-stream-echo` grades it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define TODO(n) do { \
        fprintf(stderr, "echo_client: TODO %d is not done yet (see echo_client.c)\n", (n)); \
        exit(3); \
    } while (0)

/* Copies everything from one descriptor to another until end-of-file. Returns 0, or -1. */
int copy(int from, int to)
{
    /* TODO 3: loop: read() from `from`; 0 means end-of-file; write() all the bytes you got to
     * `to` (write() too may write fewer than asked). Binary-safe: no string functions.
     * man 2 read, man 2 write */
    (void)from; (void)to;
    TODO(3);
    return -1;
}

int main(int argc, char *argv[])
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PATH\n", argv[0]);
        return 1;
    }

    /* TODO 1: create a UNIX domain stream socket. man 2 socket, man 7 unix */
    TODO(1);

    /* TODO 2: connect() it to the server's address, a struct sockaddr_un holding PATH. On
     * failure, say why on stderr (perror) and exit with status 1. man 2 connect */
    TODO(2);

    /* TODO 4: copy() all of stdin to the socket, then shutdown() its writing side (SHUT_WR):
     * the server echoes until it sees that end-of-file, and you can still read the reply,
     * which close() would prevent. man 2 shutdown */
    TODO(4);

    /* TODO 5: copy() everything the server sends back to stdout, until end-of-file. */
    TODO(5);
    return 0;
}
