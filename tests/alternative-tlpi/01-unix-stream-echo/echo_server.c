/* echo_server.c - iterative UNIX domain stream echo server (after TLPI's us_xfr_sv.c).
 *
 * Replies go out with MSG_NOSIGNAL: a client that leaves early makes send() fail with EPIPE
 * instead of killing the server with SIGPIPE. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tlpi_err.h"

#define BUF_SIZE 500        /* not a power of two, on purpose */

static void serve(int cfd)
{
    char buf[BUF_SIZE];
    ssize_t numRead;
    while ((numRead = read(cfd, buf, BUF_SIZE)) != 0) {
        if (numRead == -1) {
            if (errno == EINTR)
                continue;
            return;
        }
        for (ssize_t off = 0; off < numRead;) {
            ssize_t w = send(cfd, buf + off, (size_t)(numRead - off), MSG_NOSIGNAL);
            if (w == -1) {
                if (errno == EINTR)
                    continue;
                return;         /* EPIPE: the client is gone */
            }
            off += w;
        }
    }
}

int main(int argc, char *argv[])
{
    if (argc != 2) {
        fprintf(stderr, "Usage: %s PATH\n", argv[0]);
        return 1;
    }
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    if (strlen(argv[1]) >= sizeof addr.sun_path) {
        fprintf(stderr, "echo_server: path too long\n");
        return 1;
    }
    strncpy(addr.sun_path, argv[1], sizeof addr.sun_path - 1);

    int sfd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (sfd == -1)
        errExit("socket");
    if (remove(argv[1]) == -1 && errno != ENOENT)
        errExit("remove");
    if (bind(sfd, (struct sockaddr *)&addr, sizeof(struct sockaddr_un)) == -1)
        errExit("bind");
    if (listen(sfd, 5) == -1)
        errExit("listen");
    for (;;) {
        int cfd = accept(sfd, NULL, NULL);
        if (cfd == -1) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            errExit("accept");
        }
        serve(cfd);
        if (close(cfd) == -1)
            errExit("close");
    }
}
