/* connect()ed UDP: the kernel drops datagrams from anyone else; SO_RCVTIMEO bounds each wait. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

int main(int argc, char **argv)
{
    if (argc != 4)
        return 1;
    struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_DGRAM }, *res;
    if (getaddrinfo(argv[1], argv[2], &hints, &res) != 0)
        return 1;
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct timeval tv = { 0, 500000 };
    if (s < 0 || connect(s, res->ai_addr, res->ai_addrlen) < 0
        || setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0)
        return 1;
    for (int i = 0; i < 4; i++) {
        send(s, argv[3], strlen(argv[3]), 0);
        char buf[8193];
        ssize_t n = recv(s, buf, sizeof buf - 1, 0);
        if (n >= 0) {
            printf("%.*s\n", (int)n, buf);
            return 0;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNREFUSED)
            return 1;
    }
    fprintf(stderr, "udp_echo_client: no answer\n");
    return 2;
}
