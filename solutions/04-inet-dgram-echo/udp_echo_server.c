/* udp_echo_server.c - a UDP server that sends every datagram back to where it came from.
 *
 * Usage: udp_echo_server PORT
 *
 * There are no connections: each recvfrom() returns one datagram (up to 8192 bytes here) and
 * the sender's address, and one sendto() answers it. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_DATAGRAM 8192

static long parse_port(const char *s)
{
    char *end;
    long port = strtol(s, &end, 10);
    return *s != '\0' && *end == '\0' && port > 0 && port <= 65535 ? port : -1;
}

int main(int argc, char *argv[])
{
    long port = argc == 2 ? parse_port(argv[1]) : -1;
    if (port < 0) {
        fprintf(stderr, "usage: %s PORT\n", argv[0]);
        return 1;
    }
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) {
        perror("socket");
        return 1;
    }
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    addr.sin_port = htons((uint16_t)port);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        perror("bind");
        return 1;
    }

    for (;;) {
        char buf[MAX_DATAGRAM];
        struct sockaddr_in from;
        socklen_t from_len = sizeof from;
        ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &from_len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("recvfrom");
            return 1;
        }
        if (sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, from_len) != n)
            perror("sendto");
    }
}
