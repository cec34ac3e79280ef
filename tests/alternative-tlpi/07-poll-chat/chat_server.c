/* chat_server.c - line relay for many clients in one process, with select() (TLPI 63.2.1). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include "inet_sockets.h"

#define MAX_LINE 1024

struct client {
    int fd;                 /* -1: a free slot */
    unsigned long id;
    size_t len;
    char line[MAX_LINE];
};

static struct client clients[FD_SETSIZE];

static void relay(const struct client *from, const char *line, size_t len)
{
    char msg[MAX_LINE + 32];
    int head = snprintf(msg, sizeof msg, "%lu: ", from->id);
    memcpy(msg + head, line, len);
    for (size_t i = 0; i < FD_SETSIZE; i++)
        if (clients[i].fd != -1 && &clients[i] != from)
            send(clients[i].fd, msg, (size_t)head + len, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* Reads what c sent; relays complete lines. -1 when c is gone or sent too long a line. */
static int readFrom(struct client *c)
{
    ssize_t n = recv(c->fd, c->line + c->len, MAX_LINE - c->len, 0);
    if (n == -1 && errno == EINTR)
        return 0;
    if (n <= 0)
        return -1;
    c->len += (size_t)n;
    char *nl;
    while ((nl = memchr(c->line, '\n', c->len)) != NULL) {
        size_t len = (size_t)(nl - c->line) + 1;
        relay(c, c->line, len);
        c->len -= len;
        memmove(c->line, nl + 1, c->len);
    }
    return c->len == MAX_LINE ? -1 : 0;
}

int main(int argc, char *argv[])
{
    if (argc != 2) {
        fprintf(stderr, "Usage: %s PORT\n", argv[0]);
        return 1;
    }
    int lfd = inetBindAny(argv[1], SOCK_STREAM);
    if (lfd == -1) {
        perror("chat_server");
        return 1;
    }
    for (size_t i = 0; i < FD_SETSIZE; i++)
        clients[i].fd = -1;
    unsigned long nextId = 1;
    for (;;) {
        fd_set readfds;
        FD_ZERO(&readfds);
        FD_SET(lfd, &readfds);
        int nfds = lfd + 1;
        for (size_t i = 0; i < FD_SETSIZE; i++)
            if (clients[i].fd != -1) {
                FD_SET(clients[i].fd, &readfds);
                if (clients[i].fd >= nfds)
                    nfds = clients[i].fd + 1;
            }
        if (select(nfds, &readfds, NULL, NULL, NULL) == -1) {
            if (errno == EINTR)
                continue;
            perror("select");
            return 1;
        }
        for (size_t i = 0; i < FD_SETSIZE; i++)
            if (clients[i].fd != -1 && FD_ISSET(clients[i].fd, &readfds) && readFrom(&clients[i]) == -1) {
                close(clients[i].fd);
                clients[i].fd = -1;
            }
        if (FD_ISSET(lfd, &readfds)) {
            int cfd = accept(lfd, NULL, NULL);
            if (cfd == -1)
                continue;
            if (cfd >= FD_SETSIZE) {
                close(cfd);
                continue;
            }
            clients[cfd] = (struct client){ .fd = cfd, .id = nextId++ };  /* slot = descriptor */
        }
    }
}
