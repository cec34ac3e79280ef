/* http_server.c - a small web server: the files under DIR over HTTP/1.0, one child process per
 * client (the capstone: TLPI 59-61 together).
 *
 * Usage: http_server PORT DIR
 *
 * Your task: replace each TODO(n) below with code, in order. Until you do, the program stops
 * at the first one it reaches and says which. `make check EX=08-http-server` grades it, and
 * `curl -v http://localhost:PORT/` (or a browser) lets you watch it work.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define BACKLOG 64
#define HEAD_MAX 8192           /* the longest request head we accept, in bytes */
#define FILE_CHUNK 65536        /* how much of a file is read and sent at a time */

#define TODO(n) do { \
        fprintf(stderr, "http_server: TODO %d is not done yet (see http_server.c)\n", (n)); \
        exit(3); \
    } while (0)

static char root[PATH_MAX];     /* DIR's real path: nothing outside it is ever served */

/* The SIGCHLD handler: reaps children that have ended, as in exercise 06. */
void reap_children(int sig)
{
    /* TODO 3: waitpid() without blocking (WNOHANG) until it finds no more ended child; keep
     * errno as it was. man 2 waitpid */
    (void)sig;
    TODO(3);
}

/* Sends all len bytes (send() may send fewer). 0, or -1 when the client has gone. */
int send_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = send(fd, p, len, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;          /* EPIPE, ECONNRESET: the client has gone, stop */
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Reads until the whole request head is in buf. Returns its length, 0 when the head is longer
 * than cap, or -1 when the client left or the connection failed first. */
ssize_t read_head(int fd, char *buf, size_t cap)
{
    /* TODO 5: a stream keeps no message boundaries: one recv() may bring half a line. recv()
     * in a loop, appending to buf, until buf holds the empty line that ends the head ("\r\n\r\n",
     * or "\n\n" from a client that ends lines with a bare '\n'). A full buffer without that
     * empty line means the head is too long. man 2 recv, README "The request" */
    (void)fd, (void)buf, (void)cap;
    TODO(5);
    return -1;
}

/* The media type for the file at path, by its extension (see the README's table). */
const char *content_type(const char *path)
{
    /* TODO 9: find the extension (the last '.' of the last part of the path, man 3 strrchr)
     * and compare it whole with the contract's seven; anything else is
     * "application/octet-stream". */
    (void)path;
    TODO(9);
    return NULL;
}

/* An error response: complete, with a Content-Length and a short body (none for HEAD). */
void send_error(int fd, int status, const char *reason, bool head_only)
{
    /* TODO 6: a status line ("HTTP/1.0 404 Not Found\r\n"), Content-Type, Content-Length (the
     * body's length), "Allow: GET, HEAD" for 405, Connection: close, an empty line, then a short
     * body such as "404 Not Found\n". snprintf() builds it; send_all() sends it. man 3 snprintf */
    (void)fd, (void)status, (void)reason, (void)head_only;
    TODO(6);
}

int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes %XX escapes in place. False for a malformed escape (or one that makes a NUL byte). */
bool percent_decode(char *s)
{
    /* TODO 7: copy s onto itself; each '%' and the two hex digits after it (hex_value() above)
     * become one byte. A '%' without two hex digits is malformed. */
    (void)s;
    TODO(7);
    return false;
}

/* Opens the file the decoded target names, only if it lies inside root. Leaves its real path
 * in resolved. Returns the open file, or -1 with the status to answer (403 or 404) in *status. */
int open_target(const char *target, char resolved[PATH_MAX], int *status)
{
    /* TODO 8: the security lesson (README "Staying inside DIR"). Refuse a target with a ".."
     * segment. Build root + target; a directory means its index.html (man 2 stat, S_ISDIR).
     * Then realpath() follows every symbolic link: the result must be root itself or start
     * with root followed by '/'. Last, open() it and check that it is a regular file
     * (fstat, S_ISREG). man 3 realpath */
    (void)target, (void)resolved;
    *status = 404;
    TODO(8);
    return -1;
}

/* Sends the file's bytes exactly, however many there are. */
void send_file(int client, int fd)
{
    /* TODO 10: read() a chunk of the file (FILE_CHUNK bytes at most) and send_all() exactly the
     * bytes read() returned, until read() returns 0. The file is bytes, not a C string. */
    (void)client, (void)fd;
    TODO(10);
}

/* Answers one request on the connection client. */
void serve(int client)
{
    char head[HEAD_MAX + 1];
    ssize_t len = read_head(client, head, HEAD_MAX);
    if (len == 0)
        send_error(client, 431, "Request Header Fields Too Large", false);
    if (len <= 0)
        return;
    head[len] = '\0';

    /* TODO 11: take the request line apart: METHOD TARGET VERSION. 400 when a part is missing,
     * TARGET does not start with '/', or VERSION is not HTTP/1.0 or HTTP/1.1; 405 for a method
     * other than GET and HEAD. Cut the query ('?' on), percent_decode() (400 when it fails),
     * open_target(). Then the head of the response: "HTTP/1.0 200 OK", Content-Type,
     * Content-Length (the file's size, from fstat), Connection: close, an empty line; and for
     * GET, send_file(). man 3 strchr, man 2 fstat */
    TODO(11);
}

int main(int argc, char *argv[])
{
    long port = argc == 3 ? strtol(argv[1], NULL, 10) : 0;
    if (port <= 0 || port > 65535) {
        fprintf(stderr, "usage: %s PORT DIR\n", argv[0]);
        return 1;
    }
    if (realpath(argv[2], root) == NULL) {
        perror(argv[2]);
        return 1;
    }

    /* TODO 1: a client that leaves mid-download must not kill the server: ignore the signal a
     * send() to a reset connection raises. man 7 signal */
    TODO(1);

    /* TODO 2: install reap_children() for SIGCHLD with sigaction() and SA_RESTART, as in
     * exercise 06. man 2 sigaction */
    TODO(2);

    /* TODO 4: a TCP socket listening on PORT on every IPv4 address, with SO_REUSEADDR; then
     * forever: accept() a client and fork(). The child closes the listening socket, serve()s
     * the client, closes it and _exit()s; the parent closes its copy of the connected socket.
     * man 2 accept, man 2 fork */
    TODO(4);
    return 0;
}
