/* echo_client.c - sends its standard input to an echo server over a UNIX domain stream socket
 * and copies what comes back to standard output.
 *
 * Usage: echo_client PATH < input
 *
 * Sends all of stdin, then shutdown(SHUT_WR) so that the server sees end-of-file, then copies
 * everything received to stdout until the server closes the connection. Binary-safe. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Writes all len bytes to fd, which may be a socket or a file. */
static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
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

/* Copies from one descriptor to another until end-of-file. Returns 0, or -1 on error. */
static int copy(int from, int to)
{
    char buf[4096];
    for (;;) {
        ssize_t n = read(from, buf, sizeof buf);
        if (n == 0)
            return 0;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (write_all(to, buf, (size_t)n) < 0)
            return -1;
    }
}

int main(int argc, char *argv[])
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PATH\n", argv[0]);
        return 1;
    }
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (strlen(argv[1]) >= sizeof addr.sun_path) {
        fprintf(stderr, "echo_client: path too long: %s\n", argv[1]);
        return 1;
    }
    strcpy(addr.sun_path, argv[1]);

    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) {
        perror("socket");
        return 1;
    }
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        perror("connect");
        return 1;
    }
    /* First everything we have to say, then everything the server says back. */
    if (copy(STDIN_FILENO, fd) < 0) {
        perror("send");
        return 1;
    }
    if (shutdown(fd, SHUT_WR) < 0) {        /* tell the server we are done: it sees EOF */
        perror("shutdown");
        return 1;
    }
    if (copy(fd, STDOUT_FILENO) < 0) {
        perror("recv");
        return 1;
    }
    close(fd);
    return 0;
}
