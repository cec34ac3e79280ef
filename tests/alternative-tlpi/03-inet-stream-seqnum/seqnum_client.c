/* seqnum_client.c - asks seqnum_server for a sequence number (after TLPI's is_seqnum_cl.c). */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "inet_sockets.h"

#define INT_LEN 30

int main(int argc, char *argv[])
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "Usage: %s HOST PORT [N]\n", argv[0]);
        return 1;
    }
    int cfd = inetConnect(argv[1], argv[2], SOCK_STREAM);
    if (cfd == -1) {
        perror("seqnum_client: connect");
        return 1;
    }
    char req[INT_LEN + 2], seqNumStr[INT_LEN];
    snprintf(req, sizeof req, "%s\n", argc > 3 ? argv[3] : "1");
    if (send(cfd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req)) {
        perror("seqnum_client: send");
        return 1;
    }
    ssize_t n = readLine(cfd, seqNumStr, INT_LEN);
    if (n <= 0) {
        fprintf(stderr, "seqnum_client: no reply\n");
        return 1;
    }
    fputs(seqNumStr, stdout);
    if (seqNumStr[n - 1] != '\n')
        putchar('\n');
    return 0;
}
