/* seqnum_server.c - an iterative TCP server that hands out sequence numbers (after TLPI 59.11).
 *
 * Usage: seqnum_server PORT
 *
 * Each client sends one line: a count N from 1 to 1000. The server replies with one line, the
 * current sequence number, then adds N to it. A line that is not such a count gets "ERR\n" and
 * leaves the sequence as it was. The line may arrive in several pieces: a stream socket keeps
 * no message boundaries, so the server reads until it has the newline. */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BACKLOG 50
#define MAX_LINE 64

/* Reads one line (up to and without '\n') into buf. Returns its length, or -1 when the client
 * closed first, the line is too long, or recv() failed. */
static ssize_t read_line(int fd, char *buf, size_t size)
{
    size_t len = 0;
    for (;;) {
        char c;
        ssize_t n = recv(fd, &c, 1, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        if (c == '\n')
            break;
        if (len + 1 >= size)
            return -1;
        buf[len++] = c;
    }
    buf[len] = '\0';
    return (ssize_t)len;
}

/* Parses a count from 1 to 1000, digits only. Returns it, or -1. */
static long parse_count(const char *s)
{
    if (*s == '\0' || strspn(s, "0123456789") != strlen(s) || strlen(s) > 4)
        return -1;
    long n = strtol(s, NULL, 10);
    return n >= 1 && n <= 1000 ? n : -1;
}

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

static void serve(int client, long *seq)
{
    char line[MAX_LINE], reply[32];
    if (read_line(client, line, sizeof line) < 0)
        return;
    long count = parse_count(line);
    if (count < 0) {
        snprintf(reply, sizeof reply, "ERR\n");
    } else {
        snprintf(reply, sizeof reply, "%ld\n", *seq);
        *seq += count;
    }
    if (send_all(client, reply, strlen(reply)) < 0)
        perror("send");
}

static long parse_port(const char *s)
{
    char *end;
    long port = strtol(s, &end, 10);
    return *s != '\0' && *end == '\0' && port > 0 && port <= 65535 ? port : -1;
}

int main(int argc, char *argv[])
{
    long port = argc == 2 ? parse_port(argv[1]) : -1;
    if (port < 0) {
        fprintf(stderr, "usage: %s PORT\n", argv[0]);
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);       /* a client that leaves early must not kill the server */

    int listener = socket(AF_INET, SOCK_STREAM, 0);
    if (listener < 0) {
        perror("socket");
        return 1;
    }
    /* Lets a restarted server bind the port while old connections linger in TIME_WAIT. */
    int on = 1;
    if (setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0) {
        perror("setsockopt");
        return 1;
    }
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_ANY);   /* every IPv4 address of this host */
    addr.sin_port = htons((uint16_t)port);      /* network byte order */
    if (bind(listener, (struct sockaddr *)&addr, sizeof addr) < 0) {
        perror("bind");
        return 1;
    }
    if (listen(listener, BACKLOG) < 0) {
        perror("listen");
        return 1;
    }

    long seq = 0;
    for (;;) {
        int client = accept(listener, NULL, NULL);
        if (client < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            perror("accept");
            return 1;
        }
        serve(client, &seq);
        if (close(client) < 0)
            perror("close");
    }
}
