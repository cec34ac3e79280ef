/* echo_server.c - an iterative UNIX domain stream server that echoes what each client sends.
 *
 * Usage: echo_server PATH
 *
 * Your task: replace each TODO(n) below with code, in order. Until you do, the program stops
 * at the first one it reaches and says which. `make check EX=01-unix-stream-echo` grades it.
 * The README of this exercise explains the protocol; the man pages named below explain the calls.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define TODO(n) do { \
        fprintf(stderr, "echo_server: TODO %d is not done yet (see echo_server.c)\n", (n)); \
        exit(3); \
    } while (0)

/* Sends all len bytes of buf on fd. Returns 0, or -1 on error. */
int send_all(int fd, const char *buf, size_t len)
{
    /* TODO 6: send() may send fewer bytes than you ask for. Loop until all len bytes are sent,
     * retrying when it fails with EINTR. man 2 send */
    (void)fd; (void)buf; (void)len;
    TODO(6);
    return -1;
}

/* Echoes everything the client sends, until it shuts down its side. */
void serve(int client)
{
    /* TODO 5: loop: recv() into a buffer; when it returns 0 the client is done, so return;
     * otherwise send_all() the bytes you got back (use the count recv() returned: the data may
     * contain NUL bytes, so it is not a string). man 2 recv */
    (void)client;
    TODO(5);
}

int main(int argc, char *argv[])
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PATH\n", argv[0]);
        return 1;
    }
    const char *path = argv[1];
    (void)path;

    /* A client that disconnects while we send would kill us with SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);

    /* TODO 1: create a UNIX domain stream socket. man 2 socket, man 7 unix */
    TODO(1);

    /* TODO 2: fill in a struct sockaddr_un with PATH (check that it fits in sun_path), unlink()
     * the stale file an earlier run may have left at PATH (bind() fails with EADDRINUSE while
     * it exists), and bind() the socket to it. man 2 bind, man 2 unlink, TLPI 57.2 */
    TODO(2);

    /* TODO 3: mark the socket as listening for connections. man 2 listen */
    TODO(3);

    /* TODO 4: forever: accept() one client, serve() it, close() its socket. This is an
     * iterative server: one client at a time. man 2 accept */
    TODO(4);
    return 0;
}
