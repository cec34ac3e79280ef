/* udp_echo_client.c - sends one message to a UDP echo server and prints the reply.
 *
 * Usage: udp_echo_client HOST PORT MSG
 *
 * Your task: replace each TODO(n) below with code, in order. Until you do, the program stops
 * at the first one it reaches and says which. `make check EX=04-inet-dgram-echo` grades it.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_DATAGRAM 8192
#define WAIT_MS 500     /* how long to wait for a reply before sending again */
#define RESENDS 3       /* how many times to send again */

#define TODO(n) do { \
        fprintf(stderr, "udp_echo_client: TODO %d is not done yet (see udp_echo_client.c)\n", (n)); \
        exit(3); \
    } while (0)

int main(int argc, char *argv[])
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s HOST PORT MSG\n", argv[0]);
        return 1;
    }

    /* TODO 1: resolve HOST and PORT with getaddrinfo(), asking for an IPv4 datagram socket
     * address; keep the server's address. On failure, exit with status 1.
     * man 3 getaddrinfo */
    TODO(1);

    /* TODO 2: create an IPv4 datagram socket. man 2 socket, man 7 udp */
    TODO(2);

    /* TODO 3: sendto() MSG, then wait up to WAIT_MS for a reply (poll() with a timeout, or
     * the SO_RCVTIMEO socket option); if none comes, send again, up to RESENDS more times.
     * Anyone may send to your port: a datagram whose source address (from recvfrom()) is not
     * the server's must be ignored, and the wait goes on. man 2 poll, man 2 recvfrom */
    TODO(3);

    /* TODO 4: print the reply on stdout followed by a newline and exit with status 0; after
     * the last try, print a message on stderr and exit with status 2. */
    TODO(4);
    return 0;
}
