/* echo_client.c - UNIX domain stream echo client with one process per direction (after TLPI's
 * is_echo_cl.c): the child copies stdin to the socket, then shuts down the writing side; the
 * parent copies the socket to stdout, then waits for the child, so that when it exits all the
 * output has been written. Reading and writing at once cannot deadlock. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tlpi_err.h"

#define BUF_SIZE 100

/* Copies in to out until end-of-file; -1 on an error. */
static int copy(int in, int out)
{
    char buf[BUF_SIZE];
    for (;;) {
        ssize_t n = read(in, buf, BUF_SIZE);
        if (n == 0)
            return 0;
        if (n == -1) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w == -1 && errno != EINTR)
                return -1;
            off += w > 0 ? w : 0;
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
        fprintf(stderr, "echo_client: path too long\n");
        return 1;
    }
    strncpy(addr.sun_path, argv[1], sizeof addr.sun_path - 1);
    int sfd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (sfd == -1)
        errExit("socket");
    if (connect(sfd, (struct sockaddr *)&addr, sizeof(struct sockaddr_un)) == -1)
        errExit("connect");

    pid_t child = fork();
    if (child == -1)
        errExit("fork");
    if (child == 0) {
        if (copy(STDIN_FILENO, sfd) == -1 || shutdown(sfd, SHUT_WR) == -1)
            errExit("send");
        _exit(EXIT_SUCCESS);
    }
    int failed = copy(sfd, STDOUT_FILENO) == -1;
    if (failed)
        perror("recv");
    int status;
    if (waitpid(child, &status, 0) == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        failed = 1;
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
