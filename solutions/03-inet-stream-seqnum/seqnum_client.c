/* seqnum_client.c - asks seqnum_server for a sequence number (after TLPI 59.11).
 *
 * Usage: seqnum_client HOST PORT [N]
 *
 * Resolves HOST with getaddrinfo() (a name such as localhost, or a dotted address), connects,
 * sends N (default 1) as one line, and prints the line the server sends back. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Connects to the first address of host:port that accepts. Returns the socket, or -1. */
static int connect_to(const char *host, const char *port)
{
    struct addrinfo hints, *list;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_INET;          /* IPv4 only in this kit */
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(host, port, &hints, &list);
    if (rc != 0) {
        fprintf(stderr, "seqnum_client: %s: %s\n", host, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *a = list; a != NULL; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
            break;
        close(fd);
        fd = -1;
    }
    if (fd < 0)
        perror("connect");
    freeaddrinfo(list);
    return fd;
}

int main(int argc, char *argv[])
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s HOST PORT [N]\n", argv[0]);
        return 1;
    }
    int fd = connect_to(argv[1], argv[2]);
    if (fd < 0)
        return 1;

    char request[64];
    int len = snprintf(request, sizeof request, "%s\n", argc == 4 ? argv[3] : "1");
    for (int sent = 0; sent < len;) {
        ssize_t n = send(fd, request + sent, (size_t)(len - sent), 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("send");
            return 1;
        }
        sent += (int)n;
    }

    /* The reply may come in pieces: read until the newline (or the server closes). */
    char reply[64];
    size_t got = 0;
    while (got < sizeof reply - 1 && (got == 0 || reply[got - 1] != '\n')) {
        ssize_t n = recv(fd, reply + got, sizeof reply - 1 - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            perror("recv");
            return 1;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    if (got == 0) {
        fprintf(stderr, "seqnum_client: the server closed the connection without replying\n");
        return 1;
    }
    if (reply[got - 1] != '\n')
        reply[got++] = '\n';
    fwrite(reply, 1, got, stdout);
    close(fd);
    return 0;
}
