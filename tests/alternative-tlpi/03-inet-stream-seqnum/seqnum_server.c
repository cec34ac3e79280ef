/* seqnum_server.c - iterative sequence-number server on a dual-stack socket (after TLPI's
 * is_seqnum_sv.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "inet_sockets.h"

#define INT_LEN 30

/* The count in line ("N\n", 1 <= N <= 1000), or -1. */
static long parse_count(const char *line)
{
    char *end;
    errno = 0;
    long n = strtol(line, &end, 10);
    if (end == line || strcmp(end, "\n") != 0 || errno != 0 || n < 1 || n > 1000 || line[0] == '+'
        || line[0] == ' ')
        return -1;
    return n;
}

int main(int argc, char *argv[])
{
    if (argc != 2) {
        fprintf(stderr, "Usage: %s PORT\n", argv[0]);
        return 1;
    }
    int lfd = inetBindAny(argv[1], SOCK_STREAM);
    if (lfd == -1) {
        perror("seqnum_server");
        return 1;
    }
    long seqNum = 0;
    for (;;) {
        int cfd = accept(lfd, NULL, NULL);
        if (cfd == -1)
            continue;
        char reqLenStr[INT_LEN], seqNumStr[INT_LEN + 2];
        if (readLine(cfd, reqLenStr, INT_LEN) > 0) {
            long reqLen = parse_count(reqLenStr);
            if (reqLen < 0)
                snprintf(seqNumStr, sizeof seqNumStr, "ERR\n");
            else
                snprintf(seqNumStr, sizeof seqNumStr, "%ld\n", seqNum);
            if (send(cfd, seqNumStr, strlen(seqNumStr), MSG_NOSIGNAL) == (ssize_t)strlen(seqNumStr)
                && reqLen > 0)
                seqNum += reqLen;
        }
        close(cfd);
    }
}
