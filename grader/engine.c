/* engine.c - batch grading's containers through the Docker Engine's API (engine.h). */
#define _GNU_SOURCE
#include "engine.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "deadline.h"

/* The API version spoken: that of Docker 20.10 (Debian bookworm's docker.io); every later engine
 * answers it as 20.10 did. */
#define API_VERSION "v1.41"
#define DEFAULT_SOCKET "/var/run/docker.sock"
/* How long a call may take: creating a container on a machine busy grading. */
#define CALL_MS 60000
#define MAX_ANSWER (1 << 20)

/* The engine's socket: $DOCKER_HOST's when it names one (unix://PATH), else the default; NULL
 * when $DOCKER_HOST names something else (tcp://, ssh://). */
static const char *socket_path(void)
{
    const char *host = getenv("DOCKER_HOST");
    if (host == NULL || *host == '\0')
        return DEFAULT_SOCKET;
    return strncmp(host, "unix://", 7) == 0 ? host + 7 : NULL;
}

bool engine_reachable(struct text *why)
{
    const char *path = socket_path();
    if (path == NULL) {
        text_printf(why,
                    "DOCKER_HOST is %s, but batch grading reaches the engine through its UNIX socket "
                    "(unix://PATH) only",
                    getenv("DOCKER_HOST"));
        return false;
    }
    if (access(path, R_OK | W_OK) < 0) {
        text_printf(why, "cannot use the engine's socket %s: %s", path, strerror(errno));
        return false;
    }
    return true;
}

/* A connection with the request METHOD PATH (under the API's version) and body sent; -1 with
 * the reason in why. */
static int ask(const char *method, const char *path, const char *body, struct text *why)
{
    const char *socket_file = socket_path();
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    if (socket_file == NULL || strlen(socket_file) >= sizeof addr.sun_path) {
        text_puts(why, "no engine socket to reach\n");
        return -1;
    }
    memcpy(addr.sun_path, socket_file, strlen(socket_file) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        text_printf(why, "cannot reach the engine at %s: %s\n", socket_file, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    struct text request = { 0 };
    size_t len = body ? strlen(body) : 0;
    text_printf(&request,
                "%s /" API_VERSION "%s HTTP/1.0\r\nHost: docker\r\nContent-Type: application/json\r\n"
                "Content-Length: %zu\r\n\r\n%s",
                method, path, len, body ? body : "");
    /* MSG_NOSIGNAL: an engine that hung up is an error to report, not a reason to die. */
    size_t sent = 0;
    while (sent < request.len) {
        ssize_t n = send(fd, request.data + sent, request.len - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            text_printf(why, "the engine hung up: %s\n", strerror(errno));
            close(fd);
            fd = -1;
            break;
        }
        sent += (size_t)n;
    }
    text_free(&request);
    return fd;
}

/* Reads what has arrived on fd into answer. 1 at its end (the engine closes the connection after
 * an HTTP/1.0 answer), 0 when more may come, -1 on an error or an answer over MAX_ANSWER. */
static int read_some(int fd, struct text *answer)
{
    char buf[8192];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n == 0)
            return 1;
        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : errno == EINTR ? 0 : -1;
        if (answer->len + (size_t)n > MAX_ANSWER)
            return -1;
        text_append(answer, buf, (size_t)n);
    }
}

/* Reads on until stop(answer) or the answer's end, at most until deadline. 1 when stop or the
 * end came, -1 otherwise. */
static int read_until(int fd, struct text *answer, bool (*stop)(const struct text *), int64_t deadline)
{
    for (;;) {
        int r = read_some(fd, answer);
        if (r != 0 || (stop && stop(answer)))
            return r < 0 ? -1 : 1;
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (now_ms() >= deadline || (poll(&p, 1, ms_left(deadline)) < 0 && errno != EINTR))
            return -1;
    }
}

/* The status code of an answer ("HTTP/1.1 201 Created"), or -1; its body in *body. */
static int parse_answer(const struct text *answer, const char **body)
{
    const char *text = text_str(answer), *end = strstr(text, "\r\n\r\n");
    int code;
    if (end == NULL || sscanf(text, "HTTP/%*d.%*d %d", &code) != 1)
        return -1;
    *body = end + 4;
    return code;
}

/* What the engine said in an error's body ({"message": "..."}), or the body itself. */
static void add_message(struct text *why, const char *what, int code, const char *body)
{
    json_t *root = json_loads(body, 0, NULL);
    const char *message = json_string_value(json_object_get(root, "message"));
    text_printf(why, "%s: the engine answered %d: %s\n", what, code, message ? message : body);
    json_decref(root);
}

/* One call, whole. Returns the answer's status code, or -1 (why says why); its body in out. */
static int call(const char *method, const char *path, const char *body, struct text *out, struct text *why)
{
    int fd = ask(method, path, body, why);
    if (fd < 0)
        return -1;
    struct text answer = { 0 };
    int code = -1;
    const char *reply = "";
    if (read_until(fd, &answer, NULL, deadline_in(CALL_MS)) < 0 || (code = parse_answer(&answer, &reply)) < 0)
        text_printf(why, "%s %s: no answer from the engine within %d s\n", method, path, CALL_MS / 1000);
    else if (out)
        text_puts(out, reply);
    close(fd);
    text_free(&answer);
    return code;
}

static bool has_head(const struct text *answer)
{
    return strstr(text_str(answer), "\r\n\r\n") != NULL;
}

/* Opens the wait for name's next end: the engine answers the head of it once it watches, the
 * rest when the container ends. */
static int open_wait(const char *name, struct engine_wait *w, struct text *why)
{
    char path[200];
    snprintf(path, sizeof path, "/containers/%s/wait?condition=next-exit", name);
    *w = (struct engine_wait){ .fd = ask("POST", path, NULL, why) };
    if (w->fd < 0)
        return -1;
    const char *body;
    int code = read_until(w->fd, &w->answer, has_head, deadline_in(CALL_MS)) < 0
                   ? -1
                   : parse_answer(&w->answer, &body);
    if (code == 200)
        return 0;
    if (code < 0)
        text_printf(why, "waiting for %s: no answer from the engine\n", name);
    else
        add_message(why, "waiting for the container", code, body);
    engine_wait_close(w);
    return -1;
}

int engine_run(const char *name, json_t *config, struct engine_wait *w, struct text *why)
{
    char path[200];
    *w = (struct engine_wait){ .fd = -1 };
    char *body = json_dumps(config, JSON_COMPACT);
    struct text out = { 0 };
    snprintf(path, sizeof path, "/containers/create?name=%s", name);
    int code = body ? call("POST", path, body, &out, why) : -1;
    free(body);
    if (code != 201) {
        if (code >= 0)
            add_message(why, "creating the container", code, text_str(&out));
        text_free(&out);
        return -1;
    }
    text_free(&out);
    if (open_wait(name, w, why) == 0) {
        snprintf(path, sizeof path, "/containers/%s/start", name);
        code = call("POST", path, NULL, &out, why);
        if (code == 204) {
            text_free(&out);
            return 0;
        }
        if (code >= 0)
            add_message(why, "starting the container", code, text_str(&out));
        engine_wait_close(w);
    }
    text_free(&out);
    /* Created but never started: the engine removes only containers that ran. */
    struct text ignored = { 0 };
    snprintf(path, sizeof path, "/containers/%s?force=true", name);
    call("DELETE", path, NULL, NULL, &ignored);
    text_free(&ignored);
    return -1;
}

int engine_wait_read(struct engine_wait *w, int *status, struct text *why)
{
    int r = w->fd < 0 ? -1 : read_some(w->fd, &w->answer);
    if (r == 0)
        return 0;
    *status = -1;
    const char *body;
    int code = r < 0 ? -1 : parse_answer(&w->answer, &body);
    json_t *root = code == 200 ? json_loads(body, 0, NULL) : NULL;
    json_t *exit_code = json_object_get(root, "StatusCode");
    const char *error = json_string_value(json_object_get(json_object_get(root, "Error"), "Message"));
    if (json_is_integer(exit_code) && error == NULL)
        *status = (int)json_integer_value(exit_code);
    else if (error)
        text_printf(why, "the engine could not wait for the container: %s\n", error);
    else
        text_puts(why, "the engine hung up before it said how the container ended\n");
    json_decref(root);
    engine_wait_close(w);
    return 1;
}

bool engine_kill(const char *name)
{
    char path[200];
    snprintf(path, sizeof path, "/containers/%s/kill?signal=KILL", name);
    struct text why = { 0 };
    int code = call("POST", path, NULL, NULL, &why);
    text_free(&why);
    return code == 204;
}

void engine_wait_close(struct engine_wait *w)
{
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
    text_free(&w->answer);
}
