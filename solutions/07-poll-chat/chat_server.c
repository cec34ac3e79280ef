/* chat_server.c - one process, many clients: a chat relay built on poll() (TLPI 63.2).
 *
 * Usage: chat_server PORT
 *
 * Clients are numbered 1, 2, ... in order of connection. Each complete line a client sends
 * (at most MAX_LINE bytes with its '\n') goes to every other client as "<number>: <line>".
 * poll() tells which sockets are ready, so the server only ever reads what has arrived: a
 * client that sends half a line, or nothing, costs the others nothing. A client whose line is
 * too long is dropped. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CLIENTS 256
#define MAX_LINE 1024

struct client {
    int fd;
    unsigned long number;
    char line[MAX_LINE];    /* what has arrived of the current line */
    size_t len;
};

static struct client clients[MAX_CLIENTS];
static struct pollfd pollfds[MAX_CLIENTS + 1];     /* [0] is the listening socket */
static int nclients;

static int send_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
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

/* Sends "<number>: <line>" to every client but the sender. */
static void broadcast(const struct client *from, const char *line, size_t len)
{
    char msg[32 + MAX_LINE];
    int head = snprintf(msg, sizeof msg, "%lu: ", from->number);
    memcpy(msg + head, line, len);
    for (int i = 0; i < nclients; i++)
        if (&clients[i] != from)
            send_all(clients[i].fd, msg, (size_t)head + len);   /* a failure shows up as EOF later */
}

static void drop(int i)
{
    close(clients[i].fd);
    clients[i] = clients[--nclients];       /* keep the array dense: the last one moves here */
}

/* Reads what client i sent and relays every complete line. Returns -1 to drop the client. */
static int on_readable(int i)
{
    struct client *c = &clients[i];
    ssize_t n = recv(c->fd, c->line + c->len, sizeof c->line - c->len, 0);
    if (n <= 0)
        return n < 0 && errno == EINTR ? 0 : -1;
    c->len += (size_t)n;
    char *newline;
    while ((newline = memchr(c->line, '\n', c->len)) != NULL) {
        size_t len = (size_t)(newline - c->line) + 1;
        broadcast(c, c->line, len);
        memmove(c->line, c->line + len, c->len - len);
        c->len -= len;
    }
    return c->len == sizeof c->line ? -1 : 0;     /* a full buffer and no newline: too long */
}

static void on_connection(int listener, unsigned long *next_number)
{
    int fd = accept(listener, NULL, NULL);
    if (fd < 0)
        return;
    if (nclients == MAX_CLIENTS) {
        close(fd);
        return;
    }
    clients[nclients++] = (struct client){ .fd = fd, .number = (*next_number)++ };
}

static int listen_on(long port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int on = 1;
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    addr.sin_port = htons((uint16_t)port);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0
        || bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 128) < 0)
        return -1;
    return fd;
}

int main(int argc, char *argv[])
{
    long port = argc == 2 ? strtol(argv[1], NULL, 10) : 0;
    if (port <= 0 || port > 65535) {
        fprintf(stderr, "usage: %s PORT\n", argv[0]);
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    int listener = listen_on(port);
    if (listener < 0) {
        perror("listen");
        return 1;
    }
    unsigned long next_number = 1;
    for (;;) {
        /* Rebuilt each time round: clients come and go. */
        pollfds[0] = (struct pollfd){ .fd = listener, .events = POLLIN };
        for (int i = 0; i < nclients; i++)
            pollfds[i + 1] = (struct pollfd){ .fd = clients[i].fd, .events = POLLIN };
        int ready = poll(pollfds, (nfds_t)nclients + 1, -1);
        if (ready < 0) {
            if (errno == EINTR)
                continue;
            perror("poll");
            return 1;
        }
        /* From the last to the first, so that dropping client i moves only checked ones. */
        for (int i = nclients - 1; i >= 0; i--)
            if (pollfds[i + 1].revents && on_readable(i) < 0)
                drop(i);
        if (pollfds[0].revents & POLLIN)
            on_connection(listener, &next_number);
    }
}
