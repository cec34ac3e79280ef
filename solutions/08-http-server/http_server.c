/* http_server.c - a small web server: the files under DIR over HTTP/1.0, one child process per
 * client (TLPI 59-61 together).
 *
 * Usage: http_server PORT DIR
 *
 * The parent only accepts connections and forks, as in exercise 06. Each child reads one
 * request head (the request line, header lines, an empty line: it may arrive in pieces), answers
 * with a status line, headers and the file's bytes, and closes the connection: in HTTP/1.0 the
 * end of the connection marks the end of the response, and Content-Length lets the client check
 * it got everything.
 *
 * The target comes from the network, so it is hostile until proven otherwise. Two locks keep
 * every answer inside DIR: no ".." segment once %XX escapes are decoded, and the file's real
 * path (symbolic links followed, by realpath()) must still start with DIR's real path. */
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

static char root[PATH_MAX];     /* DIR's real path: nothing outside it is ever served */

/* Reaps every child that has ended; waitpid() may change errno, so it is kept. */
static void reap_children(int sig)
{
    (void)sig;
    int saved = errno;
    while (waitpid(-1, NULL, WNOHANG) > 0)
        continue;
    errno = saved;
}

static int send_all(int fd, const void *buf, size_t len)
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

/* Where the head in buf[0..len) ends (just past its empty line), or 0 when it has not yet
 * arrived. Lines end in "\r\n", but a bare "\n" is accepted too. */
static size_t head_end(const char *buf, size_t len)
{
    for (size_t i = 1; i < len; i++) {
        if (buf[i] != '\n')
            continue;
        if (buf[i - 1] == '\n')
            return i + 1;
        if (i >= 2 && buf[i - 1] == '\r' && buf[i - 2] == '\n')
            return i + 1;
    }
    return 0;
}

/* Reads until the whole request head is in buf (a stream keeps no message boundaries: one
 * recv() may return half a line). Returns its length, 0 when the head is longer than cap, or
 * -1 when the client left or the connection failed first. */
static ssize_t read_head(int fd, char *buf, size_t cap)
{
    size_t len = 0;
    while (len < cap) {
        ssize_t n = recv(fd, buf + len, cap - len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        len += (size_t)n;
        size_t end = head_end(buf, len);
        if (end > 0)
            return (ssize_t)end;
    }
    return 0;
}

/* The media type a client needs to show the file, chosen by its extension. */
static const char *content_type(const char *path)
{
    static const struct { const char *ext, *type; } types[] = {
        { ".html", "text/html" },   { ".txt", "text/plain" },  { ".css", "text/css" },
        { ".js", "text/javascript" }, { ".png", "image/png" }, { ".jpg", "image/jpeg" },
        { ".json", "application/json" },
    };
    const char *dot = strrchr(path, '.');
    if (dot != NULL && strchr(dot, '/') == NULL)
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcmp(dot, types[i].ext) == 0)         /* the whole extension: .js is not .json */
                return types[i].type;
    return "application/octet-stream";
}

/* An error response: complete, with a Content-Length, and a short body (none for HEAD). */
static void send_error(int fd, int status, const char *reason, bool head_only)
{
    char body[128], msg[512];
    int blen = snprintf(body, sizeof body, "%d %s\n", status, reason);
    int mlen = snprintf(msg, sizeof msg,
                        "HTTP/1.0 %d %s\r\n"
                        "Content-Type: text/plain\r\n"
                        "Content-Length: %d\r\n"
                        "%s"
                        "Connection: close\r\n"
                        "\r\n"
                        "%s",
                        status, reason, blen, status == 405 ? "Allow: GET, HEAD\r\n" : "",
                        head_only ? "" : body);
    send_all(fd, msg, (size_t)mlen);
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes %XX escapes in place. False for a malformed escape, or one that decodes to a NUL
 * byte, which would cut the path short as a C string. */
static bool percent_decode(char *s)
{
    char *out = s;
    for (; *s != '\0'; s++) {
        if (*s != '%') {
            *out++ = *s;
            continue;
        }
        int hi = hex_value(s[1]), lo = hi < 0 ? -1 : hex_value(s[2]);
        if (lo < 0 || (hi == 0 && lo == 0))
            return false;
        *out++ = (char)(hi * 16 + lo);
        s += 2;
    }
    *out = '\0';
    return true;
}

/* True when one of path's '/'-separated segments is "..": a step up, out of DIR. Checked after
 * decoding, since "%2e%2e" is ".." too. */
static bool has_dotdot(const char *path)
{
    for (const char *seg = path; seg != NULL; seg = strchr(seg, '/')) {
        seg += *seg == '/';
        if (seg[0] == '.' && seg[1] == '.' && (seg[2] == '/' || seg[2] == '\0'))
            return true;
    }
    return false;
}

/* True when the resolved path is root itself or a path inside it ("/srv/www2" is not inside
 * "/srv/www"). */
static bool inside_root(const char *resolved)
{
    size_t n = strlen(root);
    return strncmp(resolved, root, n) == 0 && (resolved[n] == '/' || resolved[n] == '\0');
}

/* Opens the file the target names: its real path, left in resolved, must lie inside root.
 * Returns the open file, or -1 with the status to answer (403 or 404) in *status. */
static int open_target(const char *target, char resolved[PATH_MAX], int *status)
{
    char path[PATH_MAX];
    struct stat st;
    *status = 404;
    if (snprintf(path, sizeof path, "%s%s", root, target) >= (int)sizeof path)
        return -1;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)
        && snprintf(path, sizeof path, "%s%s/index.html", root, target) >= (int)sizeof path)
        return -1;
    if (realpath(path, resolved) == NULL)           /* missing: 404 */
        return -1;
    if (!inside_root(resolved)) {                   /* a symbolic link out of DIR */
        *status = 403;
        return -1;
    }
    int fd = open(resolved, O_RDONLY);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {   /* a directory, a device, ... */
        close(fd);
        return -1;
    }
    return fd;
}

/* Sends the file's bytes exactly: read() may return less than asked, send_all() sends it all. */
static void send_file(int client, int fd)
{
    char buf[FILE_CHUNK];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || send_all(client, buf, (size_t)n) < 0)
            return;
    }
}

/* Answers one request on the connection client. */
static void serve(int client)
{
    char head[HEAD_MAX + 1];
    ssize_t len = read_head(client, head, HEAD_MAX);
    if (len == 0)
        send_error(client, 431, "Request Header Fields Too Large", false);
    if (len <= 0)
        return;
    head[len] = '\0';

    /* The request line: METHOD TARGET VERSION, single spaces, then "\r\n" or "\n". */
    head[strcspn(head, "\r\n")] = '\0';
    char *method = head, *target = strchr(method, ' ');
    char *version = target ? strchr(target + 1, ' ') : NULL;
    if (version == NULL || strchr(version + 1, ' ') != NULL) {
        send_error(client, 400, "Bad Request", false);
        return;
    }
    *target++ = '\0';
    *version++ = '\0';
    bool head_only = strcmp(method, "HEAD") == 0;
    if (target[0] != '/' || (strcmp(version, "HTTP/1.0") != 0 && strcmp(version, "HTTP/1.1") != 0)) {
        send_error(client, 400, "Bad Request", head_only);
        return;
    }
    if (!head_only && strcmp(method, "GET") != 0) {
        send_error(client, 405, "Method Not Allowed", false);
        return;
    }

    target[strcspn(target, "?")] = '\0';            /* a query means nothing to a file */
    if (!percent_decode(target)) {
        send_error(client, 400, "Bad Request", head_only);
        return;
    }
    if (has_dotdot(target)) {
        send_error(client, 403, "Forbidden", head_only);
        return;
    }
    int status;
    char path[PATH_MAX];
    int fd = open_target(target, path, &status);
    if (fd < 0) {
        send_error(client, status, status == 403 ? "Forbidden" : "Not Found", head_only);
        return;
    }

    struct stat st;
    char reply[512];
    if (fstat(fd, &st) == 0) {
        int n = snprintf(reply, sizeof reply,
                         "HTTP/1.0 200 OK\r\n"
                         "Content-Type: %s\r\n"
                         "Content-Length: %jd\r\n"
                         "Connection: close\r\n"
                         "\r\n",
                         content_type(path), (intmax_t)st.st_size);
        if (send_all(client, reply, (size_t)n) == 0 && !head_only)
            send_file(client, fd);
    }
    close(fd);
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
    long port = argc == 3 ? strtol(argv[1], NULL, 10) : 0;
    if (port <= 0 || port > 65535) {
        fprintf(stderr, "usage: %s PORT DIR\n", argv[0]);
        return 1;
    }
    if (realpath(argv[2], root) == NULL) {
        perror(argv[2]);
        return 1;
    }
    /* A client that leaves mid-download makes send() fail with EPIPE instead of killing us. */
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
            serve(client);
            close(client);
            _exit(0);
        }
        close(client);                  /* the parent's copy: the child has its own */
    }
}
