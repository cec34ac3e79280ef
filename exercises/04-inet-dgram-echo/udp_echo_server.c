/* udp_echo_server.c - a UDP server that sends every datagram back to where it came from.
 *
 * Usage: udp_echo_server PORT
 *
 * Your task: replace each TODO(n) below with code, in order. Until you do, the program stops
 * at the first one it reaches and says which. `make check EX=04-inet-dgram-echo` grades it.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_DATAGRAM 8192

#define TODO(n) do { \
        fprintf(stderr, "udp_echo_server: TODO %d is not done yet (see udp_echo_server.c)\n", (n)); \
        exit(3); \
    } while (0)

int main(int argc, char *argv[])
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PORT\n", argv[0]);
        return 1;
    }

    /* TODO 1: create an Internet domain (IPv4) datagram socket. man 2 socket, man 7 udp */
    TODO(1);

    /* TODO 2: bind() it to PORT on every IPv4 address of the host (network byte order!).
     * man 7 ip, man 3 htons */
    TODO(2);

    /* TODO 3: forever: recvfrom() a datagram of up to MAX_DATAGRAM bytes with its sender's
     * address, and sendto() the same bytes back to that address. man 2 recvfrom, man 2 sendto */
    TODO(3);
    return 0;
}
