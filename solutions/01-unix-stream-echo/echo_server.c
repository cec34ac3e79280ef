/* echo_server.c - an iterative UNIX domain stream server that echoes what each client sends.
 *
 * Usage: echo_server PATH
 *
 * Binds an AF_UNIX SOCK_STREAM socket to PATH (removing a stale file left there by an earlier
 * run), then serves one client at a time, forever: every byte received is sent back, until the
 * client shuts down its writing side (recv() returns 0); then the connection is closed. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define BACKLOG 5

/* Sends all len bytes: send() may write fewer than asked. */
static int send_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Echoes everything the client sends until it shuts down its side. */
static void serve(int client)
{
    char buf[4096];
    for (;;) {
        ssize_t n = recv(client, buf, sizeof buf, 0);
        if (n == 0)
            return;                         /* the client is done sending */
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("recv");
            return;
        }
        if (send_all(client, buf, (size_t)n) < 0) {
            perror("send");
            return;
        }
    }
}

int main(int argc, char *argv[])
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PATH\n", argv[0]);
        return 1;
    }
    const char *path = argv[1];

    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof addr.sun_path) {
        fprintf(stderr, "echo_server: path too long: %s\n", path);
        return 1;
    }
    strcpy(addr.sun_path, path);

    /* A client that disconnects early must not kill us with SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);

    int listener = socket(AF_UNIX, SOCK_STREAM, 0);
    if (listener < 0) {
        perror("socket");
        return 1;
    }
    /* bind() fails with EADDRINUSE if the path exists, e.g. left over from an earlier run. */
    if (unlink(path) < 0 && errno != ENOENT) {
        perror("unlink");
        return 1;
    }
    if (bind(listener, (struct sockaddr *)&addr, sizeof addr) < 0) {
        perror("bind");
        return 1;
    }
    if (listen(listener, BACKLOG) < 0) {
        perror("listen");
        return 1;
    }

    for (;;) {                              /* iterative: one client at a time */
        int client = accept(listener, NULL, NULL);
        if (client < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            perror("accept");
            return 1;
        }
        serve(client);
        if (close(client) < 0)
            perror("close");
    }
}
