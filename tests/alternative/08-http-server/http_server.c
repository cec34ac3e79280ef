/* http_server.c - a second, independent HTTP/1.0 file server, written from the curriculum only.
 *
 * Unlike the reference solution (a child process per client, realpath()), this one is a single
 * poll() loop over non-blocking sockets; it sends files with sendfile(); it walks the target one
 * path segment at a time with openat(O_NOFOLLOW), so no symbolic link is ever followed; it
 * answers 404 for every refused target, 400 for a head that is too long, and writes header
 * names in lower case. The checks must grade it full marks all the same. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

enum { MAXCONN = 200, HEADMAX = 8192 };

typedef struct {
    int sock;                   /* -1: a free slot */
    int file;                   /* the body being sent, or -1 */
    off_t sent, size;           /* of the body */
    char in[HEADMAX + 1];       /* the head, NUL-terminated */
    size_t inlen;
    char out[512];
    size_t outlen, outpos;
    int writing;
} Conn;

static Conn conns[MAXCONN];
static int rootfd;

static const char *mime(const char *name)
{
    const char *e = strrchr(name, '.');
    if (!e) return "application/octet-stream";
    if (!strcmp(e, ".html")) return "text/html";
    if (!strcmp(e, ".txt")) return "text/plain";
    if (!strcmp(e, ".css")) return "text/css";
    if (!strcmp(e, ".js")) return "text/javascript";
    if (!strcmp(e, ".json")) return "application/json";
    if (!strcmp(e, ".png")) return "image/png";
    if (!strcmp(e, ".jpg")) return "image/jpeg";
    return "application/octet-stream";
}

static void reply(Conn *c, int code, const char *text, const char *extra, int with_body)
{
    char body[64];
    int blen = snprintf(body, sizeof body, "%d %s\n", code, text);
    c->outlen = (size_t)snprintf(c->out, sizeof c->out,
                                 "HTTP/1.0 %d %s\r\ncontent-type: text/plain\r\ncontent-length: %d\r\n%s"
                                 "connection: close\r\n\r\n%s",
                                 code, text, blen, extra, with_body ? body : "");
    c->outpos = 0;
    c->writing = 1;
}

/* Decodes %XX into out; -1 when an escape is malformed or decodes to NUL. */
static int unescape(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (; *in; in++) {
        int ch = (unsigned char)*in;
        if (ch == '%') {
            if (!isxdigit((unsigned char)in[1]) || !isxdigit((unsigned char)in[2]))
                return -1;
            char hex[3] = { in[1], in[2], 0 };
            ch = (int)strtol(hex, NULL, 16);
            if (ch == 0)
                return -1;
            in += 2;
        }
        if (n + 1 >= cap)
            return -1;
        out[n++] = (char)ch;
    }
    out[n] = 0;
    return 0;
}

/* Opens path segment by segment below rootfd, never following a link, never going up. */
static int walk(char *path, const char **name)
{
    int dir = dup(rootfd);
    *name = "index.html";
    for (char *save, *seg = strtok_r(path, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
        if (!strcmp(seg, "..") || dir < 0) {
            if (dir >= 0) close(dir);
            return -1;
        }
        int next = openat(dir, seg, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        close(dir);
        dir = next;
        *name = seg;
    }
    if (dir < 0)
        return -1;
    struct stat st;
    if (fstat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
        int idx = openat(dir, "index.html", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        close(dir);
        *name = "index.html";
        dir = idx;
    }
    if (dir < 0 || fstat(dir, &st) < 0 || !S_ISREG(st.st_mode)) {
        if (dir >= 0) close(dir);
        return -1;
    }
    return dir;
}

static void respond(Conn *c)
{
    char *eol = strpbrk(c->in, "\r\n");
    *eol = 0;
    char method[16], target[HEADMAX], version[16], extra;
    if (sscanf(c->in, "%15s %8191s %15s %c", method, target, version, &extra) != 3
        || (strcmp(version, "HTTP/1.0") && strcmp(version, "HTTP/1.1")) || target[0] != '/') {
        reply(c, 400, "Bad Request", "", 1);
        return;
    }
    int head = !strcmp(method, "HEAD");
    if (!head && strcmp(method, "GET")) {
        reply(c, 405, "Method Not Allowed", "allow: GET, HEAD\r\n", 1);
        return;
    }
    char *q = strchr(target, '?');
    if (q) *q = 0;
    char path[HEADMAX];
    if (unescape(target, path, sizeof path) < 0) {
        reply(c, 400, "Bad Request", "", !head);
        return;
    }
    const char *name;
    int fd = walk(path, &name);
    if (fd < 0) {
        reply(c, 404, "Not Found", "", !head);
        return;
    }
    struct stat st;
    fstat(fd, &st);
    c->outlen = (size_t)snprintf(c->out, sizeof c->out,
                                 "HTTP/1.0 200 OK\r\ncontent-type: %s\r\ncontent-length: %lld\r\n"
                                 "connection: close\r\n\r\n", mime(name), (long long)st.st_size);
    c->outpos = 0;
    c->writing = 1;
    if (head) {
        close(fd);
    } else {
        c->file = fd;
        c->sent = 0;
        c->size = st.st_size;
    }
}

static void drop(Conn *c)
{
    close(c->sock);
    if (c->file >= 0) close(c->file);
    c->sock = c->file = -1;
}

static void on_read(Conn *c)
{
    ssize_t n = recv(c->sock, c->in + c->inlen, sizeof c->in - 1 - c->inlen, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        drop(c);
        return;
    }
    if (n < 0)
        return;
    c->inlen += (size_t)n;
    c->in[c->inlen] = 0;
    if (strstr(c->in, "\r\n\r\n") || strstr(c->in, "\n\n") || strstr(c->in, "\n\r\n"))
        respond(c);
    else if (c->inlen == sizeof c->in - 1)
        reply(c, 400, "Bad Request", "", 1);        /* the head is too long */
}

static void on_write(Conn *c)
{
    if (c->outpos < c->outlen) {
        ssize_t n = send(c->sock, c->out + c->outpos, c->outlen - c->outpos, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno != EAGAIN && errno != EINTR) drop(c);
            return;
        }
        c->outpos += (size_t)n;
        return;
    }
    if (c->file >= 0 && c->sent < c->size) {
        ssize_t n = sendfile(c->sock, c->file, &c->sent, 1 << 20);
        if (n < 0 && errno != EAGAIN && errno != EINTR) drop(c);
        if (n <= 0 || c->sent < c->size) return;
    }
    drop(c);        /* all sent: closing ends the response */
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s PORT DIR\n", argv[0]);
        exit(1);
    }
    signal(SIGPIPE, SIG_IGN);
    rootfd = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0) { perror(argv[2]); exit(1); }

    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1])),
                              .sin_addr.s_addr = htonl(INADDR_ANY) };
    if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0
        || bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 128) < 0) {
        perror("listen");
        exit(1);
    }
    for (int i = 0; i < MAXCONN; i++)
        conns[i].sock = conns[i].file = -1;

    for (;;) {
        struct pollfd pfd[MAXCONN + 1];
        int who[MAXCONN + 1], n = 0;
        pfd[n++] = (struct pollfd){ .fd = ls, .events = POLLIN };
        for (int i = 0; i < MAXCONN; i++)
            if (conns[i].sock >= 0) {
                who[n] = i;
                pfd[n++] = (struct pollfd){ .fd = conns[i].sock, .events = conns[i].writing ? POLLOUT : POLLIN };
            }
        if (poll(pfd, (nfds_t)n, -1) < 0) {
            if (errno == EINTR) continue;
            perror("poll");
            exit(1);
        }
        for (int k = 1; k < n; k++) {
            Conn *c = &conns[who[k]];
            if (!pfd[k].revents || c->sock < 0) continue;
            if (c->writing) on_write(c);
            else on_read(c);
        }
        if (pfd[0].revents & POLLIN) {
            int s;
            while ((s = accept4(ls, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                int i = 0;
                while (i < MAXCONN && conns[i].sock >= 0) i++;
                if (i == MAXCONN) { close(s); continue; }
                conns[i] = (Conn){ .sock = s, .file = -1 };
            }
        }
    }
}
