/* seqnum_server.c - an iterative TCP server that hands out sequence numbers (after TLPI 59.11).
 *
 * Usage: seqnum_server PORT
 *
 * Your task: replace each TODO(n) below with code, in order. Until you do, the program stops
 * at the first one it reaches and says which. `make check EX=03-inet-stream-seqnum` grades it.
 */
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

#define TODO(n) do { \
        fprintf(stderr, "seqnum_server: TODO %d is not done yet (see seqnum_server.c)\n", (n)); \
        exit(3); \
    } while (0)

/* Reads one line, up to '\n', into buf (without the '\n', NUL-terminated). Returns its length,
 * or -1 if the client closed first, the line does not fit, or recv() failed. */
ssize_t read_line(int fd, char *buf, size_t size)
{
    /* TODO 5: a stream socket keeps no message boundaries: one recv() may return "4" and the
     * next "2\n". Keep calling recv() until you have the newline. man 2 recv, TLPI 61.1 */
    (void)fd; (void)buf; (void)size;
    TODO(5);
    return -1;
}

/* The count in line if it is a whole number from 1 to 1000 (digits only), else -1. */
long parse_count(const char *line)
{
    /* TODO 6: check every character, not just the first: "12x" is not a count. man 3 strtol */
    (void)line;
    TODO(6);
    return -1;
}

int main(int argc, char *argv[])
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PORT\n", argv[0]);
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);   /* a client that leaves early must not kill the server */

    /* TODO 1: create an Internet domain (IPv4) stream socket. man 2 socket, man 7 ip */
    TODO(1);

    /* TODO 2: a restarted server must be able to bind the port again at once, while the last
     * connections linger in TIME_WAIT: set SO_REUSEADDR, before bind(). man 2 setsockopt,
     * man 7 socket, TLPI 61.10 */
    TODO(2);

    /* TODO 3: bind() to PORT on every IPv4 address of the host (INADDR_ANY), then listen().
     * struct sockaddr_in holds the port and the address in network byte order: convert them
     * with htons() and htonl(). man 7 ip, man 3 htons, TLPI 59.2 */
    TODO(3);

    /* TODO 4: keep the sequence number (starting at 0) where it survives from one client to
     * the next. Forever: accept() a client, read_line() its request, and reply with one line:
     * the current number, then add the count to it; or "ERR\n" if parse_count() rejects the
     * line. Then close() the client's socket. man 2 accept */
    TODO(4);
    return 0;
}
