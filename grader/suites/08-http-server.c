/* 08-http-server: a web server that real clients use (capstone, TLPI 59-61).
 * Its rubric is its CHECK lines below (bin/grader list --checks prints it).
 *
 * Each check builds DIR (www/) in its scratch folder, and next to it, outside DIR, a secret the
 * server must never serve. The check plays the HTTP client, with raw bytes: no client library
 * would send the hostile requests, and none would show what exactly came back.
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "procinfo.h"
#include "procnet.h"

EXERCISE(http_server, .id = "08-http-server", .number = 8, .programs = { "http_server" });

#define HEAD_LIMIT 8192           /* the contract's longest request head */
#define BIG_SIZE 1000003          /* "about 1 MB", not a buffer size: a cut shows */
#define HUGE_SIZE (16 * BIG_SIZE) /* more than any socket buffers hold */
#define CLIENTS 20
#define RESPONSE_CAP (HUGE_SIZE + 65536)

static const char hello_html[] =
    "<!doctype html>\n"
    "<html><head><title>Get Connected</title></head>\n"
    "<body><h1>Hello, web!</h1>\n"
    "<p>This page came to you over a TCP socket, one request, one response.</p></body></html>\n";
static const char index_html[] = "<!doctype html>\n<title>Home</title>\n<p>The home page.</p>\n";
static const char docs_index_html[] = "<!doctype html>\n<title>Docs</title>\n<p>The docs' own index.</p>\n";
static const char plus_txt[] = "a '+' in a path is a plus sign\n";
static const char secret[] = "TOP SECRET: this file lies outside DIR\n";

/* Files whose Content-Type the contract fixes, and one it does not know. */
static const struct {
    const char *name, *type;
} typed[] = {
    { "notes.txt", "text/plain" },
    { "style.css", "text/css" },
    { "app.js", "text/javascript" },
    { "data.json", "application/json" },
    { "logo.png", "image/png" },
    { "photo.jpg", "image/jpeg" },
    { "archive.tar.gz", "application/octet-stream" },
    { "LICENSE", "application/octet-stream" },
};

struct site {
    struct proc *server;
    uint16_t port;
    const char *dir;
};

/* Where the site's files live: www/ is DIR; secret.txt, private/ and www-old/ are outside it. */
enum { WITH_BIG = 1, WITH_HUGE = 2 };

static _Noreturn void cannot_prepare(const char *what)
{
    cr_assert_fail("The grader could not prepare this check (%s: %s). This is not your fault: "
                   "tell your instructor.",
                   what, errno_text(errno));
    abort();
}

/* The site is built before the server starts, in its working folder: O_EXCL and O_NOFOLLOW all
 * the same, so that nothing planted there could redirect a write of the grader's. */
static void put_file(const char *name, const void *bytes, size_t n, int copies)
{
    int fd = open(scratch_path(name), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        cannot_prepare(name);
    for (int i = 0; i < copies; i++)
        for (size_t done = 0; done < n;) {
            ssize_t w = write(fd, (const char *)bytes + done, n - done);
            if (w < 0 && errno != EINTR)
                cannot_prepare(name);
            done += w > 0 ? (size_t)w : 0;
        }
    close(fd);
}

static void put_text(const char *name, const char *text)
{
    put_file(name, text, strlen(text), 1);
}

static void put_dir(const char *name)
{
    if (mkdir(scratch_path(name), 0755) < 0)
        cannot_prepare(name);
}

static void put_link(const char *name, const char *target)
{
    if (symlink(target, scratch_path(name)) < 0)
        cannot_prepare(name);
}

static struct site start_site(int extras)
{
    put_text("secret.txt", secret);
    put_dir("private");
    put_text("private/inside.txt", secret);
    put_dir("www-old"); /* its path starts with DIR's: "www" */
    put_text("www-old/secret.txt", secret);
    put_dir("www");
    put_text("www/index.html", index_html);
    put_text("www/hello.html", hello_html);
    put_text("www/hello world.txt", "spaces are %20 in a URL\n");
    put_text("www/c++.txt", plus_txt);
    put_dir("www/docs");
    put_text("www/docs/index.html", docs_index_html);
    put_dir("www/empty");
    put_link("www/link.txt", "../secret.txt");
    put_link("www/outside", "../private");
    put_link("www/old", "../www-old");
    for (size_t i = 0; i < sizeof typed / sizeof typed[0]; i++)
        put_text(fmt("www/%s", typed[i].name), fmt("the contents of %s\n", typed[i].name));
    if (extras & WITH_BIG)
        put_file("www/big.bin", test_bytes(BIG_SIZE, 8), BIG_SIZE, 1);
    if (extras & WITH_HUGE)
        put_file("www/huge.bin", test_bytes(BIG_SIZE, 9), BIG_SIZE, HUGE_SIZE / BIG_SIZE);

    char real[PATH_MAX];
    if (realpath(scratch_path("www"), real) == NULL)
        cannot_prepare("realpath");
    struct site s = { .port = check_port(), .dir = fmt("%s", real) };
    s.server = START("http_server", fmt("%u", s.port), s.dir);
    return s;
}

/* --- The client's side: a request, and the response taken apart ------------------------------ */

struct response {
    enum io_result r; /* how reading ended: IO_EOF when the server closed the connection */
    int err;          /* errno, for IO_ERROR */
    struct text raw;  /* every byte that came back */
    bool has_head;    /* a status line and headers up to an empty line */
    int status;
    size_t head_len; /* bytes up to the end of the empty line */
};

static const char *body_of(const struct response *res)
{
    return res->raw.data + res->head_len;
}

static size_t body_len(const struct response *res)
{
    return res->raw.len - res->head_len;
}

/* The end of the head in raw: just past "\r\n\r\n" (or "\n\n"), 0 when there is none. */
static size_t response_head_end(const struct text *raw)
{
    for (size_t i = 1; i < raw->len; i++)
        if (raw->data[i] == '\n'
            && (raw->data[i - 1] == '\n' || (i >= 2 && raw->data[i - 1] == '\r' && raw->data[i - 2] == '\n')))
            return i + 1;
    return 0;
}

static void parse_response(struct response *res)
{
    res->head_len = response_head_end(&res->raw);
    char digits[4] = "";
    char minor = 0;
    res->has_head = res->head_len > 0 && sscanf(res->raw.data, "HTTP/1.%c %3[0-9]", &minor, digits) == 2
                    && (minor == '0' || minor == '1') && strlen(digits) == 3;
    res->status = res->has_head ? atoi(digits) : 0;
    if (!res->has_head)
        res->head_len = 0;
}

/* The value of header name (any case), without surrounding blanks; NULL when it is missing. */
static const char *header(const struct response *res, const char *name)
{
    size_t n = strlen(name);
    if (!res->has_head)
        return NULL;
    const char *line = memchr(res->raw.data, '\n', res->head_len);
    while (line != NULL && (size_t)(++line - res->raw.data) < res->head_len) {
        const char *end = memchr(line, '\n', res->head_len - (size_t)(line - res->raw.data));
        if (end == NULL)
            break;
        if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (v < end && (*v == ' ' || *v == '\t'))
                v++;
            const char *e = end;
            while (e > v && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
                e--;
            return fmt("%.*s", (int)(e - v), v);
        }
        line = end;
    }
    return NULL;
}

/* The response's head as the student would see it with curl -v, quoted. */
static const char *head_text(const struct response *res)
{
    return quote(res->raw.data, res->has_head ? res->head_len : res->raw.len);
}

/* Reads a whole response: until the server closes the connection. A reset after the response
 * (the server closed with part of our request unread) still leaves what came before it. */
static void read_response(struct site *s, int fd, struct response *res, int64_t deadline)
{
    res->r = recv_answer(s->server, fd, &res->raw, RESPONSE_CAP, false, deadline);
    res->err = errno;
    parse_response(res);
}

static struct response send_request(struct site *s, const char *request, size_t n)
{
    struct response res = { 0 };
    int fd = connect_tcp_server(s->server, "127.0.0.1", s->port);
    send_all(fd, request, n, deadline_in(ANSWER_MS)); /* a server may answer before it all */
    read_response(s, fd, &res, deadline_in(ANSWER_MS));
    net_close(fd);
    return res;
}

static struct response request(struct site *s, const char *req)
{
    return send_request(s, req, strlen(req));
}

static const char *get_request(const char *target)
{
    return fmt("GET %s HTTP/1.0\r\nHost: localhost\r\nUser-Agent: get-connected-grader\r\n\r\n", target);
}

/* A request as the feedback shows it. */
static const char *shown(const char *req)
{
    return quote(req, strlen(req));
}

/* Sent (the request as shown), Expected (want), then Got: what came back. */
static void describe_exchange(struct site *s, const char *req, const char *want, const struct response *res)
{
    sent("%s", req);
    expected("%s", want);
    if (res->r == IO_TIMEOUT && res->raw.len == 0)
        got("nothing within %d s", ANSWER_MS / 1000);
    else if (!res->has_head)
        got("%s", res->r == IO_ERROR ? fmt("%s after %s", errno_text(res->err), quote_text(&res->raw))
                                     : io_outcome(res->r, &res->raw));
    else
        got("the head %s", head_text(res));
    if (exits_soon(s->server))
        tell_about(s->server);
}

/* Fails unless a response came back that ended with the connection. */
static void expect_response(struct site *s, const char *req, const struct response *res)
{
    bool ended = res->r == IO_EOF || (res->r == IO_ERROR && res->err == ECONNRESET);
    if (res->has_head && ended)
        return;
    if (res->has_head && res->r == IO_FULL) {
        describe_exchange(s, req, "the response, then the end of the connection", res);
        got("more than %d bytes, and still no end", RESPONSE_CAP);
    } else if (res->has_head && res->r == IO_TIMEOUT) {
        describe_exchange(s, req, "the response, then the end of the connection", res);
        cause("no-connection-close",
              "the connection never ended. In HTTP/1.0 the server closes the connection after the "
              "response (Connection: close): close() the socket once the body is sent, in every "
              "process that holds it (after fork(), the parent closes its copy at once).");
    } else if (res->raw.len == 0 && res->r == IO_TIMEOUT) {
        describe_exchange(s, req, "a response", res);
        cause("head-end-missed",
              "the server never answered: is it still waiting for more of the request? The head "
              "ends at the first empty line (\"\\r\\n\\r\\n\").");
    } else if (res->raw.len == 0) {
        describe_exchange(s, req, "a response", res);
    } else {
        describe_exchange(s, req,
                          "a response: a status line such as \"HTTP/1.0 200 OK\\r\\n\", "
                          "header lines, an empty line",
                          res);
    }
    fail();
}

static void expect_status(struct site *s, const char *req, const struct response *res, int want, int also,
                          const char *what)
{
    expect_response(s, req, res);
    if (res->status == want || res->status == also)
        return;
    describe_exchange(s, req, what, res);
    if (res->status == 200 && body_len(res) > 0)
        got("and the body %s", quote(body_of(res), body_len(res)));
    fail();
}

/* Fails unless the 200 response to req carries exactly want (n bytes) as type. */
static void expect_file(struct site *s, const char *req, const struct response *res, const void *want,
                        size_t n, const char *type)
{
    expect_status(s, req, res, 200, 200, "status 200");
    const char *length = header(res, "Content-Length");
    char *end;
    unsigned long long value = length ? strtoull(length, &end, 10) : 0;
    if (length == NULL || *end != '\0' || value != n) {
        describe_exchange(s, req, fmt("Content-Length: %zu (the file's exact size in bytes)", n), res);
        if (length && value == n + 1)
            cause("counts-nul", "one byte too many: a C string's terminating NUL is not part of the file.");
        else if (length && value > 0 && value == body_len(res) && body_len(res) < n)
            cause("length-of-read",
                  "the length of what you read, not the file's size: one read() may return less "
                  "than the whole file; take the size from stat()/fstat().");
        else if (length == NULL)
            cause("no-content-length",
                  "without Content-Length a client cannot tell a complete file from a cut one.");
        fail();
    }
    if (type) {
        const char *t = header(res, "Content-Type");
        size_t tn = t ? strcspn(t, ";") : 0;
        while (tn > 0 && t[tn - 1] == ' ')
            tn--;
        if (t == NULL || tn != strlen(type) || strncasecmp(t, type, tn) != 0) {
            describe_exchange(s, req, fmt("Content-Type: %s", type), res);
            if (t && strncasecmp(t, "text/javascript", tn) == 0 && strcmp(type, "application/json") == 0)
                cause("extension-prefix",
                      "compare the whole extension, from the last '.' of the name: strncmp(ext, "
                      "\".js\", 3) is also true for \".json\".");
            else
                cause("content-type",
                      "the type follows the extension of the file served (for a directory, of its "
                      "index.html), compared whole; a name without a known extension is "
                      "application/octet-stream.");
            fail();
        }
    }
    if (body_len(res) != n || memcmp(body_of(res), want, n) != 0) {
        sent("%s", req);
        expected("after the head, the file's %zu bytes exactly", n);
        struct text body = { 0 };
        text_append(&body, body_of(res), body_len(res));
        explain_difference(want, n, &body);
        text_free(&body);
        fail();
    }
}

static const char *get_file(struct site *s, const char *target, const void *want, size_t n, const char *type)
{
    const char *req = get_request(target);
    struct response res = request(s, req);
    expect_file(s, shown(req), &res, want, n, type);
    return req;
}

/* --- Checks --------------------------------------------------------------------------------- */

CHECK(http_server, get_serves_a_file, .number = 1, .points = 2,
      .what = "GET of a file: 200, its exact Content-Length, its Content-Type, Connection: close, its bytes, the end")
{
    struct site s = start_site(0);
    const char *req = get_request("/hello.html");
    struct response res = request(&s, req);
    expect_file(&s, shown(req), &res, hello_html, strlen(hello_html), "text/html");
    const char *connection = header(&res, "Connection");
    if (connection == NULL || strcasecmp(connection, "close") != 0) {
        describe_exchange(&s, shown(req), "the header Connection: close", &res);
        cause("no-connection-close",
              "an HTTP/1.0 server closes the connection after each response, and says so.");
        fail();
    }
    /* What curl and browsers send: HTTP/1.1, which an HTTP/1.0 server answers all the same. */
    req = fmt("GET /hello.html HTTP/1.1\r\nHost: localhost:%u\r\nUser-Agent: curl/7.88.1\r\n"
              "Accept: */*\r\n\r\n",
              s.port);
    res = request(&s, req);
    cause_if_fails("http-version", "curl and browsers send HTTP/1.1 request lines: accept HTTP/1.0 and HTTP/1.1, "
                                   "and answer with HTTP/1.0 and Connection: close.");
    expect_file(&s, shown(req), &res, hello_html, strlen(hello_html), "text/html");
}

/* The bytes of huge.bin: BIG_SIZE test bytes, HUGE_SIZE / BIG_SIZE times over. */
static const char *huge_bytes(void)
{
    static char *bytes;
    if (bytes != NULL)
        return bytes;
    if ((bytes = malloc(HUGE_SIZE)) == NULL)
        cannot_prepare("malloc");
    const char *chunk = test_bytes(BIG_SIZE, 9);
    for (size_t i = 0; i < HUGE_SIZE / BIG_SIZE; i++)
        memcpy(bytes + i * BIG_SIZE, chunk, BIG_SIZE);
    return bytes;
}

CHECK(http_server, binary_file_intact, .number = 2, .points = 2,
      .what = "a binary file of about 1 MB arrives byte for byte (NUL bytes included), and 16 MB to a slow reader")
{
    struct site s = start_site(WITH_BIG | WITH_HUGE);
    get_file(&s, "/big.bin", test_bytes(BIG_SIZE, 8), BIG_SIZE, NULL);

    /* 1 MB fits in the socket buffers between us, so a server that gives up when send() would
     * block (EAGAIN on a non-blocking socket) still passes the above. 16 MB does not: read one
     * byte, let the server fill every buffer until all its processes sleep, then read it all. */
    const char *req = get_request("/huge.bin");
    int fd = connect_tcp_server(s.server, "127.0.0.1", s.port);
    send_all(fd, req, strlen(req), deadline_in(ANSWER_MS));
    struct response res = { 0 };
    recv_until(fd, &res.raw, 1, false, deadline_in(ANSWER_MS));
    int64_t deadline = deadline_in(ANSWER_MS);
    while (!procinfo_group_asleep(s.server->pid) && proc_running(s.server) && now_ms() < deadline)
        proc_wait(s.server, deadline_in(1)); /* a nap, until the server can go no further */
    read_response(&s, fd, &res, deadline_in(2 * ANSWER_MS));
    net_close(fd);
    const char *what = fmt("%s for a file of %d bytes; the client read 1 byte, waited until the server "
                           "could send no more, then read the rest",
                           shown(req), HUGE_SIZE);
    const char *length = header(&res, "Content-Length");
    if (res.has_head && res.status == 200 && (res.r == IO_EOF || res.r == IO_ERROR)
        && body_len(&res) < HUGE_SIZE && length != NULL && strtoull(length, NULL, 10) == HUGE_SIZE
        && memcmp(body_of(&res), huge_bytes(), body_len(&res)) == 0) {
        MISMATCH(.sent = what, .expected = fmt("after the head, the file's %d bytes exactly", HUGE_SIZE),
                 .got = fmt("its first %zu bytes, then the end of the connection", body_len(&res)),
                 .cause_id = "gives-up-on-eagain",
                 .cause = "the server stopped sending once the client's buffers were full. A send() on a "
                          "non-blocking socket (or one with SO_SNDTIMEO) then fails with EAGAIN: that is not "
                          "an error. Wait until poll() says POLLOUT and send the rest; a blocking socket "
                          "waits by itself.");
    }
    expect_file(&s, what, &res, huge_bytes(), HUGE_SIZE, NULL);
}

CHECK(http_server, content_types, .number = 3, .points = 1,
      .what = "Content-Type follows the extension (.html .txt .css .js .png .jpg .json, others)")
{
    struct site s = start_site(0);
    for (size_t i = 0; i < sizeof typed / sizeof typed[0]; i++) {
        const char *body = fmt("the contents of %s\n", typed[i].name);
        get_file(&s, fmt("/%s", typed[i].name), body, strlen(body), typed[i].type);
    }
}

CHECK(http_server, index_and_decoding, .number = 4, .points = 1,
      .what = "/ and a directory serve their index.html; %XX escapes are decoded, a query is ignored")
{
    struct site s = start_site(0);
    cause_if_fails("no-index",
                   "a target that names a directory (\"/\" included) means its index.html: stat() the "
                   "path, and when S_ISDIR, add \"/index.html\". What makes a directory is S_ISDIR, not a "
                   "'/' at the end: \"/docs\" is one too.");
    get_file(&s, "/", index_html, strlen(index_html), "text/html");
    get_file(&s, "/docs/", docs_index_html, strlen(docs_index_html), "text/html");
    get_file(&s, "/docs", docs_index_html, strlen(docs_index_html), "text/html");
    const char *spaced = "spaces are %20 in a URL\n";
    cause_if_fails("no-percent-decoding",
                   "decode each %%XX escape (two hex digits) into the byte it stands for before "
                   "looking for the file: \"/hello%%20world.txt\" is \"/hello world.txt\".");
    get_file(&s, "/hello%20world.txt", spaced, strlen(spaced), "text/plain");
    cause_if_fails("plus-as-space",
                   "only %%XX escapes are decoded in a path: '+' stands for a space in a form's "
                   "query, never in a path, where it is a plus sign (\"/c++.txt\" is the file c++.txt).");
    get_file(&s, "/c++.txt", plus_txt, strlen(plus_txt), "text/plain");
    cause_if_fails("query-not-cut",
                   "everything from '?' on is a query, for programs; a file server cuts it off.");
    get_file(&s, "/hello.html?lang=en&x=%41", hello_html, strlen(hello_html), "text/html");
}

CHECK(http_server, head_has_no_body, .number = 5, .points = 1,
      .what = "HEAD: the same status line and headers as GET, and no body")
{
    struct site s = start_site(0);
    const char *req = "HEAD /hello.html HTTP/1.0\r\nHost: localhost\r\n\r\n";
    struct response res = request(&s, req);
    expect_status(&s, shown(req), &res, 200, 200, "status 200, as for GET");
    const char *length = header(&res, "Content-Length");
    if (length == NULL || strtoull(length, NULL, 10) != strlen(hello_html) || body_len(&res) > 0) {
        describe_exchange(&s, shown(req),
                          fmt("Content-Length: %zu (the size GET would send), then "
                              "nothing after the empty line",
                              strlen(hello_html)),
                          &res);
        if (body_len(&res) > 0) {
            got("a body of %zu bytes after the head", body_len(&res));
            cause("head-sends-body",
                  "HEAD asks for the head only: send the same status line and headers as GET, and "
                  "not the file.");
        } else if (length != NULL && strtoull(length, NULL, 10) == 0) {
            cause("head-length-zero",
                  "the Content-Length of a HEAD response is the size GET would send (the file's "
                  "size), not the length of the empty body that follows.");
        }
        fail();
    }
}

/* An error response as the contract wants it: the status, a Content-Length that is the length of
 * a short body, and the end of the connection. */
static void expect_error_response(struct site *s, const char *req, int want, int also, const char *what)
{
    struct response res = request(s, req);
    expect_status(s, shown(req), &res, want, also, what);
    const char *length = header(&res, "Content-Length");
    if (length == NULL || body_len(&res) == 0 || strtoull(length, NULL, 10) != body_len(&res)) {
        describe_exchange(s, shown(req),
                          "a complete response: a short body (such as \"404 Not Found\\n\") "
                          "and its length in Content-Length",
                          &res);
        if (length == NULL && body_len(&res) > 0)
            got("no Content-Length header, and a body of %zu bytes", body_len(&res));
        if (length == NULL)
            cause("no-content-length",
                  "an error response needs a Content-Length too: the length of its short body, "
                  "so that the client knows it got all of it.");
        if (length != NULL && body_len(&res) > 0)
            got("Content-Length: %s, and a body of %zu bytes", length, body_len(&res));
        if (length != NULL && body_len(&res) > 0)
            cause("sizeof-length",
                  "Content-Length must count the body's bytes exactly. sizeof gives the size of a "
                  "buffer (or of a pointer), not the length of the text in it: use strlen(), or "
                  "the count snprintf() returns.");
        fail();
    }
}

CHECK(http_server, missing_file_404, .number = 6, .points = 1,
      .what = "a missing file or a directory without index.html: 404, a complete response")
{
    struct site s = start_site(0);
    expect_error_response(&s, get_request("/no-such-page.html"), 404, 404, "status 404 (Not Found)");
    expect_error_response(&s, get_request("/empty/"), 404, 403,
                          "status 404 (the directory has no index.html), or 403");
}

/* Fails when the response to the GET of target is anything but 403 or 404 without the secret. */
static void expect_refused(struct site *s, const char *target, const char *how_id, const char *how)
{
    const char *req = get_request(target);
    struct response res = request(s, req);
    expect_response(s, shown(req), &res);
    bool leaked = res.raw.len > 0 && memmem(res.raw.data, res.raw.len, "TOP SECRET", 10) != NULL;
    if (!leaked && (res.status == 403 || res.status == 404))
        return;
    describe_exchange(s, shown(req), fmt("403 (Forbidden) or 404 (Not Found): %s leads outside DIR", target),
                      &res);
    if (leaked) {
        got("the contents of a file outside DIR: %s", quote(body_of(&res), body_len(&res)));
        cause(how_id, "%s", how);
    } else if (res.status == 400) {
        cause("traversal-400",
              "refusing it is right; the contract's status for a target outside DIR is 403 or 404.");
    }
    fail();
}

CHECK(http_server, dotdot_stays_inside, .number = 7, .points = 1,
      .what = "a target with a .. segment cannot leave DIR (403 or 404)")
{
    struct site s = start_site(0);
    const char *how = "path traversal: DIR + target with a \"..\" segment climbs out of DIR, and anyone "
                      "can read any file the server can. Refuse every target with a \"..\" segment.";
    expect_refused(&s, "/../secret.txt", "path-traversal", how);
    expect_refused(&s, "/docs/../../secret.txt", "path-traversal", how);
}

CHECK(http_server, encoded_dotdot_stays_inside, .number = 8, .points = 1,
      .what = "an encoded .. (%2e%2e, %2f) cannot leave DIR either")
{
    struct site s = start_site(0);
    const char *how = "the \"..\" check ran before decoding: \"%2e%2e\" becomes \"..\" and \"%2f\" "
                      "becomes \"/\" only afterwards. Decode first, then check the decoded path.";
    expect_refused(&s, "/%2e%2e/secret.txt", "check-before-decoding", how);
    expect_refused(&s, "/%2E%2E%2Fsecret.txt", "check-before-decoding", how);
    expect_refused(&s, "/docs/..%2f..%2fsecret.txt", "check-before-decoding", how);
}

CHECK(http_server, symlink_stays_inside, .number = 9, .points = 1,
      .what = "a symbolic link inside DIR that points outside is not followed out")
{
    struct site s = start_site(0);
    const char *how = "DIR holds a symbolic link to a file outside it, and open() follows links. "
                      "Resolve the path with realpath() and check that the result still starts "
                      "with DIR's own real path followed by '/'.";
    expect_refused(&s, "/link.txt", "follows-links", how);
    expect_refused(&s, "/outside/inside.txt", "follows-links",
                   fmt("%s (Here the link is a directory: O_NOFOLLOW "
                       "only looks at the last part of a path.)",
                       how));
    expect_refused(&s, "/old/secret.txt", "prefix-only",
                   "the link leads to www-old, next to DIR (www): its real path "
                   "starts with DIR's real path, but not with DIR's path followed by '/'. After the "
                   "prefix, the next character must be '/' (or the end of the path).");
}

CHECK(http_server, other_method_405, .number = 10, .points = 1,
      .what = "any other method: 405 with Allow: GET, HEAD")
{
    struct site s = start_site(0);
    const char *reqs[] = { "POST /hello.html HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello",
                           "DELETE /hello.html HTTP/1.1\r\nHost: localhost\r\n\r\n" };
    for (int i = 0; i < 2; i++) {
        struct response res = request(&s, reqs[i]);
        cause_if_fails("any-method", "a file server knows GET and HEAD only; any other method gets 405 (Method "
                                     "Not Allowed), and the Allow header says what is allowed.");
        expect_status(&s, shown(reqs[i]), &res, 405, 405, "status 405 (Method Not Allowed)");
        const char *allow = header(&res, "Allow");
        if (allow == NULL || strstr(allow, "GET") == NULL || strstr(allow, "HEAD") == NULL) {
            describe_exchange(&s, shown(reqs[i]), "the header Allow: GET, HEAD", &res);
            fail();
        }
    }
}

CHECK(http_server, malformed_400, .number = 11, .points = 1, .what = "a malformed request line or escape: 400")
{
    struct site s = start_site(0);
    const struct {
        const char *req, *cause;
    } bad[] = {
        { "GET /hello.html\r\n\r\n", "a request line has three parts, METHOD TARGET VERSION: check "
                                     "that all three are there (and that VERSION is HTTP/1.0 or HTTP/1.1)." },
        { "NONSENSE\r\n\r\n", "a request line has three parts, METHOD TARGET VERSION." },
        { "GET /hello%zz.html HTTP/1.0\r\n\r\n",
          "a '%' must be followed by two hex digits; "
          "\"%zz\" is malformed: answer 400 rather than copy it through." },
        { "GET /hello.html%4 HTTP/1.0\r\n\r\n",
          "a '%' must be followed by two hex digits: \"%4\" at "
          "the end is malformed (and reading past it runs off the end of the string)." },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct response res = request(&s, bad[i].req);
        cause_if_fails("malformed-request", "%s", bad[i].cause);
        expect_status(&s, shown(bad[i].req), &res, 400, 400, "status 400 (Bad Request)");
    }
}

/* GET /hello.html with header lines that make the head at least size bytes long. */
static void long_head(struct text *req, size_t size)
{
    text_puts(req, "GET /hello.html HTTP/1.0\r\n");
    for (int i = 0; req->len < size; i++)
        text_printf(req, "X-Filler-%03d: %s\r\n", i, "a long header line, a long header line, a long one");
    text_puts(req, "\r\n");
}

CHECK(http_server, oversized_head_431, .number = 12, .points = 1,
      .what = "a request head longer than 8 KiB: 431 (or 400), and the connection is closed; a shorter one is served")
{
    struct site s = start_site(0);
    struct text req = { 0 };
    /* Under the limit first: a browser with cookies sends heads of a few KiB, and the contract
     * refuses only what is longer than 8 KiB. A 1 KiB buffer would pass the rest of this check. */
    long_head(&req, HEAD_LIMIT - 1024);
    struct response res = send_request(&s, req.data, req.len);
    const char *what = fmt("GET /hello.html HTTP/1.0, then header lines: a head of %zu bytes in all", req.len);
    if (res.has_head && (res.status == 431 || res.status == 400)) {
        MISMATCH(.sent = what, .expected = "status 200 and the file: the head is shorter than 8 KiB",
                 .got = fmt("the head %s", head_text(&res)), .cause_id = "head-buffer-small",
                 .cause = "the buffer for the request head is too small: it must hold 8 KiB (8192 bytes). "
                          "Only a head longer than that gets 431.");
    }
    expect_file(&s, what, &res, hello_html, strlen(hello_html), "text/html");
    text_free(&req);

    req = (struct text){ 0 };
    long_head(&req, 3 * HEAD_LIMIT / 2);
    res = send_request(&s, req.data, req.len);
    what = fmt("GET /hello.html HTTP/1.0, then header lines: a head of %zu bytes in all", req.len);
    if (res.has_head && (res.status == 431 || res.status == 400)
        && (res.r == IO_EOF || (res.r == IO_ERROR && res.err == ECONNRESET))) {
        text_free(&req);
        return;
    }
    sent("%s", what);
    expected("431 (Request Header Fields Too Large) or 400, then the end of the connection");
    if (res.has_head) {
        got("the head %s", head_text(&res));
        if (res.status == 200)
            cause("head-limit", "a head longer than the buffer was served as if it were complete: when the "
                                "buffer is full and no empty line has come, the head is too long; answer 431.");
        else if (res.status == 431 || res.status == 400)
            cause("no-close-after-error", "after the error response, close the connection.");
    } else {
        got("%s", io_outcome(res.r, &res.raw));
        if (res.r == IO_TIMEOUT)
            cause("head-limit", "the server kept reading: a head that fills 8 KiB without an empty line is too "
                                "long. Stop there, answer 431 and close, or one client can make it use any "
                                "amount of memory.");
    }
    if (exits_soon(s.server))
        tell_about(s.server);
    text_free(&req);
    fail();
}

CHECK(http_server, request_in_pieces, .number = 13, .points = 1,
      .what = "a request that arrives in pieces, or with bare \\n line ends, is served")
{
    struct site s = start_site(0);
    const char *pieces[] = { "GET /hel", "lo.html HTTP/1.0\r\nHo", "st: localhost\r\n", "\r\n" };
    int fd = connect_tcp_server(s.server, "127.0.0.1", s.port);
    for (int i = 0; i < 4; i++) {
        send_all(fd, pieces[i], strlen(pieces[i]), deadline_in(ANSWER_MS));
        if (i < 3)
            wait_peer_consumed(fd, s.server); /* the server has read this piece before the next comes */
    }
    struct response res = { 0 };
    read_response(&s, fd, &res, deadline_in(ANSWER_MS));
    net_close(fd);
    const char *req = "\"GET /hel\", \"lo.html HTTP/1.0\\r\\nHo\", \"st: localhost\\r\\n\", \"\\r\\n\": "
                      "4 pieces, each sent once the server had read the one before";
    if (res.r == IO_TIMEOUT && res.raw.len == 0) {
        /* The last piece completed the empty line that the piece before began: a server that
         * looks for it only in what its last recv() returned never sees it. */
        MISMATCH(.sent = req, .expected = "the file, once the last piece has ended the head",
                 .got = fmt("nothing within %d s", ANSWER_MS / 1000), .cause_id = "head-end-in-last-read",
                 .cause = "the server never saw the end of the head: its empty line came split over two "
                          "recv()s (\"...localhost\\r\\n\", then \"\\r\\n\"). Look for it in the whole buffer "
                          "after each recv(), not only in the bytes that recv() just returned.");
    }
    cause_if_fails("single-recv",
                   "a stream keeps no message boundaries: one recv() returned only the first piece. "
                   "Call recv() in a loop, appending to a buffer, until the buffer holds the empty "
                   "line that ends the head.");
    expect_file(&s, req, &res, hello_html, strlen(hello_html), "text/html");

    const char *bare = "GET /hello.html HTTP/1.0\nHost: localhost\n\n";
    res = request(&s, bare);
    req = shown(bare);
    const char *bare_why = "lines that end in a bare \"\\n\" (no \"\\r\") are accepted too: look for "
                           "\"\\n\\n\" as well as \"\\r\\n\\r\\n\", and strip a '\\r' before the '\\n'.";
    if (res.r == IO_TIMEOUT && res.raw.len == 0) {
        /* Said here: the general "still waiting?" names "\r\n\r\n", the very end it looked for. */
        MISMATCH(.sent = req, .expected = "the file: the empty line \"\\n\\n\" ends this head",
                 .got = fmt("nothing within %d s", ANSWER_MS / 1000), .cause_id = "bare-newline",
                 .cause = bare_why);
    }
    cause_if_fails("bare-newline", "%s", bare_why);
    expect_file(&s, req, &res, hello_html, strlen(hello_html), "text/html");
}

/* Fails unless the GET of /hello.html is answered while another client (described by first)
 * holds the server's attention. why_id and why: the likely cause when a server that has no
 * child process left the second client waiting. */
static void expect_served_meanwhile(struct site *s, const char *first, const char *why_id, const char *why)
{
    const char *req = get_request("/hello.html");
    struct response res = request(s, req);
    if (!res.has_head) {
        sent("%s; a second client sent %s", first, shown(req));
        expected("the second client's response at once");
        got("%s", io_outcome(res.r, &res.raw));
        struct children c = procinfo_children(s->server->pid);
        if (res.r == IO_TIMEOUT && c.running > 0)
            cause("waits-for-child",
                  "a child process serves the first client, but the parent did not take the "
                  "second: is it waiting for that child (wait(), or waitpid() without WNOHANG)? Go "
                  "straight back to accept(), and reap children in a SIGCHLD handler.");
        else if (res.r == IO_TIMEOUT)
            cause(why_id, "%s", why);
        if (exits_soon(s->server))
            tell_about(s->server);
        fail();
    }
    expect_file(s, shown(req), &res, hello_html, strlen(hello_html), "text/html");
}

CHECK(http_server, idle_client_does_not_block, .number = 14, .points = 2,
      .what = "an idle client, or one that does not read its file, does not delay another")
{
    struct site s = start_site(WITH_HUGE);
    int idle = connect_tcp_server(s.server, "127.0.0.1", s.port);
    send_all(idle, "GET /hel", 8, deadline_in(ANSWER_MS));
    wait_peer_consumed(idle, s.server);
    expect_served_meanwhile(&s, "a first client connected, sent \"GET /hel\" and waited", "iterative-server",
                            "the server serves one client at a time, so it waited for the rest of the first "
                            "client's request. fork() a child per client (exercise 06), or poll() (07).");
    net_close(idle);

    /* A slow reader: its file is larger than every socket buffer between us, so a server that
     * waits until send() has taken it all waits for this client. One byte read first: the
     * server has begun to send it before the second client comes. */
    int slow = connect_tcp_server(s.server, "127.0.0.1", s.port);
    const char *req = get_request("/huge.bin");
    send_all(slow, req, strlen(req), deadline_in(ANSWER_MS));
    struct text first = { 0 };
    recv_until(slow, &first, 1, false, deadline_in(ANSWER_MS));
    text_free(&first);
    expect_served_meanwhile(&s,
                            fmt("a first client sent %s for a file of %d bytes, read 1 byte and then "
                                "nothing more",
                                shown(req), HUGE_SIZE),
                            "blocking-send",
                            "the server waited for the first client to read its file. One process that serves "
                            "every client must never wait in send() for one of them: make the sockets "
                            "non-blocking, send what send() takes, and when it says EAGAIN, go back to poll() "
                            "(POLLOUT) and serve the others meanwhile.");
    net_close(slow);
}

/* Reads the responses on fds[0..n) side by side, as clients downloading at once would. */
static void read_all_at_once(int *fds, struct response *res, int n, int64_t deadline)
{
    struct pollfd pfds[CLIENTS];
    int open = n;
    for (int i = 0; i < n; i++)
        pfds[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
    while (open > 0 && ms_left(deadline) > 0) {
        if (poll(pfds, (nfds_t)n, ms_left(deadline)) <= 0)
            break;
        for (int i = 0; i < n; i++) {
            if (pfds[i].fd < 0 || pfds[i].revents == 0)
                continue;
            res[i].r = recv_until(fds[i], &res[i].raw, RESPONSE_CAP, false, now_ms());
            res[i].err = errno;
            if (res[i].r != IO_TIMEOUT) { /* end of file, an error or too much: done */
                pfds[i].fd = -1;
                open--;
            }
        }
    }
    for (int i = 0; i < n; i++)
        parse_response(&res[i]);
}

CHECK(http_server, twenty_downloads_at_once, .number = 15, .points = 1,
      .what = "20 clients downloading 1 MB at once all get every byte")
{
    struct site s = start_site(WITH_BIG);
    int fds[CLIENTS];
    struct response res[CLIENTS] = { 0 };
    const char *req = get_request("/big.bin");
    for (int i = 0; i < CLIENTS; i++) {
        fds[i] = connect_tcp_server(s.server, "127.0.0.1", s.port);
        send_all(fds[i], req, strlen(req), deadline_in(ANSWER_MS));
    }
    read_all_at_once(fds, res, CLIENTS, deadline_in(2 * ANSWER_MS));
    const char *big = test_bytes(BIG_SIZE, 8);
    for (int i = 0; i < CLIENTS; i++)
        net_close(fds[i]);
    for (int i = 0; i < CLIENTS; i++)
        expect_file(&s,
                    fmt("%s from each of 20 clients at once; this is client %d's response", shown(req), i + 1),
                    &res[i], big, BIG_SIZE, NULL);
}

/* A process of the server that used this much CPU time after its client reset the connection
 * is not on its way out: it keeps trying to send (one that stops exits within a millisecond). */
#define BUSY_AFTER_RESET_MS 100

struct children_wait {
    struct site *site;
    bool zombies_too;
    bool watch_cpu; /* stop once the server's processes used BUSY_AFTER_RESET_MS */
    unsigned long start_ticks;
    long cpu_ms; /* the CPU time they used while the check waited */
};

static bool children_done(void *arg)
{
    struct children_wait *w = arg;
    struct children c = procinfo_children(w->site->server->pid);
    if (c.running == 0 && (!w->zombies_too || c.zombies == 0))
        return true;
    if (!w->watch_cpu)
        return false;
    struct procinfo_look look;
    procinfo_look(w->site->server->pid, &look);
    w->cpu_ms = (long)(look.ticks - w->start_ticks) * 1000 / sysconf(_SC_CLK_TCK);
    return w->cpu_ms >= BUSY_AFTER_RESET_MS;
}

/* Waits until the server has no process still running for its clients (zombies too, when
 * asked: they go as soon as the server reaps them), or until it is stuck with them, or (when
 * watching its CPU time) busy. *cpu_ms, when not NULL: the CPU time it used meanwhile. */
static struct children wait_children_done(struct site *s, bool zombies_too, long *cpu_ms)
{
    struct children_wait w = { s, zombies_too, cpu_ms != NULL, 0, 0 };
    if (w.watch_cpu) {
        struct procinfo_look look;
        procinfo_look(s->server->pid, &look);
        w.start_ticks = look.ticks;
    }
    wait_until_settled(s->server, children_done, &w, deadline_in(ANSWER_MS));
    if (cpu_ms)
        *cpu_ms = w.cpu_ms;
    return procinfo_children(s->server->pid);
}

CHECK(http_server, client_leaving_mid_download, .number = 16, .points = 1,
      .what = "a client that leaves mid-download: the server goes on and stops serving it")
{
    struct site s = start_site(WITH_HUGE);
    const char *req = get_request("/huge.bin");
    int fd = connect_tcp_server(s.server, "127.0.0.1", s.port);
    send_all(fd, req, strlen(req), deadline_in(ANSWER_MS));
    struct text in = { 0 };
    recv_until(fd, &in, 65536, false, deadline_in(ANSWER_MS));
    /* Linger with a zero timeout: close() resets the connection, as a killed browser tab may. */
    struct linger hard = { .l_onoff = 1, .l_linger = 0 };
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    net_close(fd);
    const char *what = fmt("%s for a file of %d bytes; after %zu bytes the client reset the connection",
                           shown(req), HUGE_SIZE, in.len);
    text_free(&in);
    long cpu_ms = 0;
    int64_t start = now_ms();
    struct children c = wait_children_done(&s, false, &cpu_ms);
    if (!proc_running(s.server))
        MISMATCH(.sent = what, .expected = "the server to go on running", .program = s.server,
                 .cause_id = "sigpipe",
                 .cause = "a send() to a connection the client has reset raises SIGPIPE, which kills the "
                          "process: ignore SIGPIPE (signal(SIGPIPE, SIG_IGN)) and handle the EPIPE error "
                          "instead.");
    if (c.running > 0)
        MISMATCH(.sent = what, .expected = "the process serving that client to end: the client is gone",
                 .got = fmt("%d process%s of the server still running %.1f s later, having used %ld ms of "
                            "CPU time meanwhile",
                            c.running, c.running == 1 ? "" : "es", (double)(now_ms() - start) / 1000, cpu_ms),
                 .cause_id = "retries-failed-send",
                 .cause = "when send() fails (EPIPE, ECONNRESET) the client has gone: stop sending and close; "
                          "retrying a send() that failed never ends.");
    get_file(&s, "/hello.html", hello_html, strlen(hello_html), "text/html");
}

CHECK(http_server, no_zombies, .number = 17, .points = 1,
      .what = "no zombie processes remain once clients have left")
{
    struct site s = start_site(0);
    for (int i = 0; i < 5; i++)
        get_file(&s, "/hello.html", hello_html, strlen(hello_html), "text/html");
    int64_t start = now_ms();
    struct children c = wait_children_done(&s, true, NULL);
    if (c.zombies == 0 && c.running == 0)
        return;
    sent("5 clients, one after another, each GET /hello.html and leaving with the file");
    expected("no child processes left once they are gone");
    got("%d zombie%s and %d running child%s, %.1f s later", c.zombies, c.zombies == 1 ? "" : "s", c.running,
        c.running == 1 ? "" : "ren", (double)(now_ms() - start) / 1000);
    if (c.zombies > 0)
        cause("zombies", "zombies: a child that ended stays in the process table until its parent waits for "
                         "it. Reap children with waitpid(-1, NULL, WNOHANG) in a loop, in a SIGCHLD handler.");
    else
        cause("children-do-not-exit",
              "children that do not exit: a child must exit once it has sent its response.");
    fail();
}
