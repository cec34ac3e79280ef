/* conc_echo_server.c - a concurrent TCP echo server: one child process per client (TLPI 60.3).
 *
 * Usage: conc_echo_server PORT
 *
 * The parent only accepts connections. For each one it fork()s: the child echoes that client's
 * bytes until the client shuts down, then exits; the parent closes its copy of the connected
 * socket at once (or its descriptors would pile up) and goes back to accept(). A SIGCHLD
 * handler reaps finished children, so none is left a zombie. */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define BACKLOG 64

/* Reaps every child that has ended; waitpid() may change errno, so it is kept. */
static void reap_children(int sig)
{
    (void)sig;
    int saved = errno;
    while (waitpid(-1, NULL, WNOHANG) > 0)
        continue;
    errno = saved;
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

/* In the child: echo until the client is done, or the connection breaks. */
static void echo(int client)
{
    char buf[4096];
    for (;;) {
        ssize_t n = recv(client, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || send_all(client, buf, (size_t)n) < 0)
            return;
    }
}

static int listen_on(long port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    int on = 1;
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    addr.sin_port = htons((uint16_t)port);
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0
        || bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, BACKLOG) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int main(int argc, char *argv[])
{
    long port = argc == 2 ? strtol(argv[1], NULL, 10) : 0;
    if (port <= 0 || port > 65535) {
        fprintf(stderr, "usage: %s PORT\n", argv[0]);
        return 1;
    }
    /* A client that resets the connection makes send() fail with EPIPE instead of killing us. */
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sa.sa_handler = reap_children;
    if (sigaction(SIGCHLD, &sa, NULL) < 0) {
        perror("sigaction");
        return 1;
    }
    int listener = listen_on(port);
    if (listener < 0) {
        perror("listen");
        return 1;
    }

    for (;;) {
        int client = accept(listener, NULL, NULL);
        if (client < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            perror("accept");
            return 1;
        }
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");             /* serve no one rather than die: try the next client */
        } else if (pid == 0) {
            close(listener);            /* the child needs only its client */
            echo(client);
            _exit(0);
        }
        close(client);                  /* the parent's copy: the child has its own */
    }
}
