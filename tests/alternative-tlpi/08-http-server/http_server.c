/* http_server.c - HTTP/1.0 file server, one child per client, in the style of TLPI's examples:
 * a dual-stack listening socket (inetBindAny), SIGCHLD set to SIG_IGN so that the kernel reaps
 * the children, MSG_NOSIGNAL on every send() instead of ignoring SIGPIPE, the head read one byte
 * at a time as readLine() does, the file sent with read() and send(). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inet_sockets.h"

#define HEAD_MAX 8192
#define BUF_SIZE 32768

static char docRoot[PATH_MAX];

static bool sendAll(int cfd, const void *buf, size_t len)
{
    for (const char *p = buf; len > 0;) {
        ssize_t w = send(cfd, p, len, MSG_NOSIGNAL);
        if (w == -1) {
            if (errno == EINTR)
                continue;
            return false;
        }
        p += w;
        len -= (size_t)w;
    }
    return true;
}

static void sendError(int cfd, int status, const char *reason, bool headOnly)
{
    char body[128], resp[512];
    int blen = snprintf(body, sizeof(body), "<p>%d %s</p>\n", status, reason);
    int rlen = snprintf(resp, sizeof(resp), "HTTP/1.0 %d %s\r\nContent-Length: %d\r\n"
                        "Content-Type: text/html\r\n%sConnection: close\r\n\r\n%s", status, reason,
                        blen, status == 405 ? "Allow: GET, HEAD\r\n" : "", headOnly ? "" : body);
    sendAll(cfd, resp, (size_t)rlen);
}

/* Reads the request head one byte at a time, so that nothing after it is consumed. Returns its
 * length, 0 when it is longer than HEAD_MAX, -1 when the client left first. */
static ssize_t readHead(int cfd, char *buf)
{
    size_t len = 0;
    while (len < HEAD_MAX) {
        ssize_t r = read(cfd, &buf[len], 1);
        if (r == -1 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        len++;
        if (buf[len - 1] == '\n' && len >= 2
            && (buf[len - 2] == '\n' || (len >= 3 && buf[len - 2] == '\r' && buf[len - 3] == '\n')))
            return (ssize_t)len;
    }
    return 0;
}

static const char *mediaType(const char *path)
{
    static const char *const types[][2] = {
        { ".html", "text/html" }, { ".txt", "text/plain" }, { ".css", "text/css" },
        { ".js", "text/javascript" }, { ".png", "image/png" }, { ".jpg", "image/jpeg" },
        { ".json", "application/json" },
    };
    const char *base = strrchr(path, '/');
    const char *ext = strrchr(base != NULL ? base : path, '.');
    for (size_t j = 0; ext != NULL && j < sizeof(types) / sizeof(types[0]); j++)
        if (strcmp(ext, types[j][0]) == 0)
            return types[j][1];
    return "application/octet-stream";
}

static int hexDigit(int c)
{
    const char *digits = "0123456789abcdef";
    const char *p = c != '\0' ? strchr(digits, c | 0x20) : NULL;
    return p != NULL ? (int)(p - digits) : -1;
}

static bool unescape(char *s)
{
    char *d = s;
    for (; *s != '\0'; s++) {
        if (*s == '%') {
            int hi = hexDigit((unsigned char)s[1]);
            int lo = hi == -1 ? -1 : hexDigit((unsigned char)s[2]);
            if (lo == -1 || hi * 16 + lo == 0)
                return false;
            *d++ = (char)(hi * 16 + lo);
            s += 2;
        } else {
            *d++ = *s;
        }
    }
    *d = '\0';
    return true;
}

static bool climbsOut(const char *path)
{
    char copy[HEAD_MAX], *save;
    snprintf(copy, sizeof(copy), "%s", path);
    for (char *seg = strtok_r(copy, "/", &save); seg != NULL; seg = strtok_r(NULL, "/", &save))
        if (strcmp(seg, "..") == 0)
            return true;
    return false;
}

/* Opens docRoot + target (its index.html for a directory) if its real path lies in docRoot.
 * Returns the descriptor, or -1 with the HTTP status in *status. */
static int openTarget(const char *target, char *real, int *status)
{
    char path[PATH_MAX + 32];
    struct stat sb;
    *status = 404;
    if (snprintf(path, PATH_MAX, "%s%s", docRoot, target) >= PATH_MAX)
        return -1;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        strcat(path, "/index.html");
    if (realpath(path, real) == NULL)
        return -1;
    size_t n = strlen(docRoot);
    if (strncmp(real, docRoot, n) != 0 || (real[n] != '/' && real[n] != '\0')) {
        *status = 403;
        return -1;
    }
    int fd = open(real, O_RDONLY);
    if (fd != -1 && (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode))) {
        close(fd);
        fd = -1;
    }
    return fd;
}

static void handleRequest(int cfd)
{
    char head[HEAD_MAX + 1], method[HEAD_MAX], target[HEAD_MAX], version[HEAD_MAX];
    ssize_t len = readHead(cfd, head);
    if (len == 0)
        sendError(cfd, 431, "Request Header Fields Too Large", false);
    if (len <= 0)
        return;
    head[len] = '\0';
    head[strcspn(head, "\r\n")] = '\0';
    int consumed = 0;
    if (sscanf(head, "%s %s %s%n", method, target, version, &consumed) != 3 || head[consumed] != '\0'
        || strchr(head, '\t') != NULL) {
        sendError(cfd, 400, "Bad Request", false);
        return;
    }
    bool headOnly = strcmp(method, "HEAD") == 0;
    if (target[0] != '/' || (strcmp(version, "HTTP/1.0") != 0 && strcmp(version, "HTTP/1.1") != 0)) {
        sendError(cfd, 400, "Bad Request", headOnly);
        return;
    }
    if (!headOnly && strcmp(method, "GET") != 0) {
        sendError(cfd, 405, "Method Not Allowed", false);
        return;
    }
    target[strcspn(target, "?")] = '\0';
    if (!unescape(target)) {
        sendError(cfd, 400, "Bad Request", headOnly);
        return;
    }
    if (climbsOut(target)) {
        sendError(cfd, 404, "Not Found", headOnly);
        return;
    }
    char real[PATH_MAX];
    int status;
    int fd = openTarget(target, real, &status);
    if (fd == -1) {
        sendError(cfd, status, status == 403 ? "Forbidden" : "Not Found", headOnly);
        return;
    }
    struct stat sb;
    char resp[512];
    if (fstat(fd, &sb) == 0) {
        int rlen = snprintf(resp, sizeof(resp), "HTTP/1.0 200 OK\r\nContent-Length: %lld\r\n"
                            "Content-Type: %s\r\nConnection: close\r\n\r\n", (long long)sb.st_size,
                            mediaType(real));
        bool ok = sendAll(cfd, resp, (size_t)rlen) && !headOnly;
        char buf[BUF_SIZE];
        ssize_t numRead;
        while (ok && (numRead = read(fd, buf, BUF_SIZE)) > 0)
            ok = sendAll(cfd, buf, (size_t)numRead);
    }
    close(fd);
}

int main(int argc, char *argv[])
{
    if (argc != 3) {
        fprintf(stderr, "Usage: %s PORT DIR\n", argv[0]);
        return 1;
    }
    if (realpath(argv[2], docRoot) == NULL) {
        perror(argv[2]);
        return 1;
    }
    if (signal(SIGCHLD, SIG_IGN) == SIG_ERR) {
        perror("signal");
        return 1;
    }
    int lfd = inetBindAny(argv[1], SOCK_STREAM);
    if (lfd == -1) {
        perror("http_server");
        return 1;
    }
    for (;;) {
        int cfd = accept(lfd, NULL, NULL);
        if (cfd == -1)
            continue;
        switch (fork()) {
        case -1:
            close(cfd);
            break;
        case 0:
            close(lfd);
            handleRequest(cfd);
            _exit(EXIT_SUCCESS);
        default:
            close(cfd);
            break;
        }
    }
}
