/* chat_server.c - one process, many clients: a chat relay built on poll() (TLPI 63.2).
 *
 * Usage: chat_server PORT
 *
 * Your task: replace each TODO(n) below with code, in order. Until you do, the program stops
 * at the first one it reaches and says which. `make check EX=07-poll-chat` grades it.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CLIENTS 256
#define MAX_LINE 1024

#define TODO(n) do { \
        fprintf(stderr, "chat_server: TODO %d is not done yet (see chat_server.c)\n", (n)); \
        exit(3); \
    } while (0)

struct client {
    int fd;
    unsigned long number;   /* 1, 2, ... in order of connection */
    char line[MAX_LINE];    /* what has arrived of the current line */
    size_t len;
};

int main(int argc, char *argv[])
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PORT\n", argv[0]);
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);   /* a client that vanished must not kill the server */

    /* TODO 1: a TCP socket listening on PORT on every IPv4 address, as in exercise 03. */
    TODO(1);

    /* TODO 2: forever: build an array of struct pollfd (the listening socket, then every
     * client's socket, each waiting for POLLIN) and call poll() with no timeout.
     * man 2 poll, TLPI 63.2.2 */
    TODO(2);

    /* TODO 3: when the listening socket is ready, accept() the new client and give it the next
     * number. man 2 accept */
    TODO(3);

    /* TODO 4: when a client's socket is ready, recv() ONCE into what is left of its line
     * buffer: a second recv() could block the whole server. 0 or an error means the client
     * left: close() its socket and forget it. */
    TODO(4);

    /* TODO 5: for each complete line now in its buffer ('\n' included), send
     * "<number>: <line>" to every OTHER client, then move what follows to the front of the
     * buffer (man 3 memmove). A full buffer without a newline is a line too long: drop the
     * client. */
    TODO(5);
    return 0;
}
