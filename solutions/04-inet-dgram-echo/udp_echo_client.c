/* udp_echo_client.c - sends one message to a UDP echo server and prints the reply.
 *
 * Usage: udp_echo_client HOST PORT MSG
 *
 * UDP may lose datagrams, so the client waits up to 500 ms for the reply and sends again, up to
 * 3 more times; then it gives up with exit status 2. Anyone can send a datagram to our port:
 * only a reply from HOST:PORT counts, anything else is ignored. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_DATAGRAM 8192
#define WAIT_MS 500
#define RESENDS 3

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int same_address(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
    return a->sin_addr.s_addr == b->sin_addr.s_addr && a->sin_port == b->sin_port;
}

/* Waits until the deadline for a datagram from server. Returns its length, 0 at the deadline,
 * -1 on error. */
static ssize_t await_reply(int fd, const struct sockaddr_in *server, char *buf, size_t size, long deadline)
{
    for (;;) {
        long left = deadline - now_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int r = poll(&p, 1, (int)left);
        if (r < 0 && errno != EINTR)
            return -1;
        if (r <= 0)
            continue;
        struct sockaddr_in from;
        socklen_t from_len = sizeof from;
        ssize_t n = recvfrom(fd, buf, size, 0, (struct sockaddr *)&from, &from_len);
        if (n < 0)
            return errno == EINTR ? 0 : -1;
        if (same_address(&from, server))
            return n;
        /* a stray datagram from someone else: ignore it and keep waiting */
    }
}

int main(int argc, char *argv[])
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s HOST PORT MSG\n", argv[0]);
        return 1;
    }
    struct addrinfo hints, *res;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_DGRAM;
    int rc = getaddrinfo(argv[1], argv[2], &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "udp_echo_client: %s: %s\n", argv[1], gai_strerror(rc));
        return 1;
    }
    struct sockaddr_in server;
    memcpy(&server, res->ai_addr, sizeof server);
    freeaddrinfo(res);

    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) {
        perror("socket");
        return 1;
    }
    const char *msg = argv[3];
    size_t len = strlen(msg);
    for (int attempt = 0; attempt <= RESENDS; attempt++) {
        if (sendto(fd, msg, len, 0, (struct sockaddr *)&server, sizeof server) < 0) {
            perror("sendto");
            return 1;
        }
        char reply[MAX_DATAGRAM];
        ssize_t n = await_reply(fd, &server, reply, sizeof reply, now_ms() + WAIT_MS);
        if (n < 0) {
            perror("recvfrom");
            return 1;
        }
        if (n > 0) {
            printf("%.*s\n", (int)n, reply);
            return 0;
        }
    }
    fprintf(stderr, "udp_echo_client: no reply from %s:%s after %d tries\n", argv[1], argv[2], RESENDS + 1);
    return 2;
}
