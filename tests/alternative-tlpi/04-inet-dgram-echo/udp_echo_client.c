/* udp_echo_client.c - UDP echo client (after TLPI's id_echo_cl.c) on a connect()ed socket of
 * whatever family getaddrinfo() gives first: the kernel then drops datagrams from anyone but
 * HOST:PORT. select() waits 500 ms for each of the 4 tries. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>

#include "inet_sockets.h"

#define BUF_SIZE 8192
#define TRIES 4
#define WAIT_USEC 500000

int main(int argc, char *argv[])
{
    if (argc != 4) {
        fprintf(stderr, "Usage: %s HOST PORT MSG\n", argv[0]);
        return 1;
    }
    int sfd = inetConnect(argv[1], argv[2], SOCK_DGRAM);
    if (sfd == -1) {
        perror("udp_echo_client: connect");
        return 1;
    }
    size_t len = strlen(argv[3]);
    for (int try = 0; try < TRIES; try++) {
        if (send(sfd, argv[3], len, 0) != (ssize_t)len && errno != ECONNREFUSED) {
            perror("udp_echo_client: send");
            return 1;
        }
        struct timeval timeout = { .tv_sec = 0, .tv_usec = WAIT_USEC };   /* select() changes it */
        for (;;) {
            fd_set readfds;
            FD_ZERO(&readfds);
            FD_SET(sfd, &readfds);
            int ready = select(sfd + 1, &readfds, NULL, NULL, &timeout);
            if (ready == -1 && errno == EINTR)
                continue;
            if (ready <= 0)
                break;
            char buf[BUF_SIZE];
            ssize_t n = recv(sfd, buf, BUF_SIZE, 0);
            if (n >= 0) {
                printf("%.*s\n", (int)n, buf);
                return 0;
            }
            /* ECONNREFUSED: an ICMP error for an earlier try; keep waiting */
        }
    }
    fprintf(stderr, "udp_echo_client: no reply from %s after %d tries\n", argv[1], TRIES);
    return 2;
}
