/* udp_echo_server.c - UDP echo server on a dual-stack socket (after TLPI's id_echo_sv.c). */
#include <stdio.h>
#include <sys/socket.h>

#include "inet_sockets.h"

#define BUF_SIZE 8192

int main(int argc, char *argv[])
{
    if (argc != 2) {
        fprintf(stderr, "Usage: %s PORT\n", argv[0]);
        return 1;
    }
    int sfd = inetBindAny(argv[1], SOCK_DGRAM);
    if (sfd == -1) {
        perror("udp_echo_server");
        return 1;
    }
    for (;;) {
        struct sockaddr_storage claddr;
        socklen_t len = sizeof claddr;
        char buf[BUF_SIZE];
        ssize_t numRead = recvfrom(sfd, buf, BUF_SIZE, 0, (struct sockaddr *)&claddr, &len);
        if (numRead == -1)
            continue;
        if (sendto(sfd, buf, (size_t)numRead, 0, (struct sockaddr *)&claddr, len) != numRead)
            perror("sendto");
    }
}
