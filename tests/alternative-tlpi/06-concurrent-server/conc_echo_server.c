/* conc_echo_server.c - concurrent echo server, one child per client (after TLPI's
 * is_echo_sv.c). SIGCHLD is set to SIG_IGN, so the kernel reaps the children itself: no
 * zombies, and no handler whose signals could merge. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "inet_sockets.h"

#define BUF_SIZE 4096

static void handleRequest(int cfd)
{
    char buf[BUF_SIZE];
    ssize_t numRead;
    while ((numRead = recv(cfd, buf, BUF_SIZE, 0)) != 0) {
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
                return;
            }
            off += w;
        }
    }
}

int main(int argc, char *argv[])
{
    if (argc != 2) {
        fprintf(stderr, "Usage: %s PORT\n", argv[0]);
        return 1;
    }
    if (signal(SIGCHLD, SIG_IGN) == SIG_ERR) {
        perror("signal");
        return 1;
    }
    int lfd = inetBindAny(argv[1], SOCK_STREAM);
    if (lfd == -1) {
        perror("conc_echo_server");
        return 1;
    }
    for (;;) {
        int cfd = accept(lfd, NULL, NULL);
        if (cfd == -1)
            continue;
        switch (fork()) {
        case -1:
            close(cfd);         /* cannot serve this one; the next may work */
            break;
        case 0:
            close(lfd);
            handleRequest(cfd);
            _exit(EXIT_SUCCESS);
        default:
            close(cfd);
            break;
        }
    }
}
