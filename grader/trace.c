/* trace.c - reading, judging and showing the socket calls a program's tracer recorded. */
#define _GNU_SOURCE
#include "trace.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "procinfo.h"

#define TRACE_PREFIX ".gc-trace."
#define MAX_FILES 8 /* processes of one program read */
#define MAX_CANDIDATES 64
#define MAX_DIR_ENTRIES 4096 /* entries of the folder looked at */
#define MAX_TEXT 240         /* bytes of a record's text kept */
#define MAX_FD 1024          /* descriptors whose state the annotations follow */
#define MAX_PIDS 16
#define MAX_ARGS 8
#define HUGE_REQUEST_LINE 1024 /* an HTTP server may refuse a request line this long early */
#define MAX_PROGRAMS_SHOWN 4
#define LINES_PER_PROGRAM 16
#define FIRST_LINES 4 /* how a program started: socket(), bind(), listen() */
#define SETTLE_MS 100 /* the most a failed check waits for its programs' last records */

enum trace_protocol trace_protocol_of(const char *program)
{
    static const struct {
        const char *program;
        enum trace_protocol protocol;
    } known[] = {
        /* 01 and 06: the server echoes until the client shuts down; the client prints until
         * the server closes. */
        { "echo_server", TRACE_UNTIL_EOF },
        { "echo_client", TRACE_UNTIL_EOF },
        { "conc_echo_server", TRACE_UNTIL_EOF },
        /* 03: one request line, one reply line. */
        { "seqnum_server", TRACE_LINE },
        { "seqnum_client", TRACE_LINE },
        /* 08: a request's head ends with a blank line. */
        { "http_server", TRACE_HTTP_HEAD },
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(known[i].program, program) == 0)
            return known[i].protocol;
    return TRACE_ANY;
}

/* --- Reading -------------------------------------------------------------------------------- */

static bool parse_number(const char **p, const char *end, unsigned long long *out)
{
    const char *s = *p;
    unsigned long long v = 0;
    int digits = 0;
    while (s < end && *s >= '0' && *s <= '9' && digits < 19) {
        v = v * 10 + (unsigned)(*s - '0');
        s++;
        digits++;
    }
    if (digits == 0 || s >= end || *s != ' ')
        return false;
    *p = s + 1;
    *out = v;
    return true;
}

bool trace_parse_record(const char *line, size_t n, struct trace_event *e)
{
    const char *p = line, *end = line + n;
    unsigned long long ns, pid, seq;
    if (!parse_number(&p, end, &ns) || !parse_number(&p, end, &pid) || !parse_number(&p, end, &seq))
        return false;
    if (ns > INT64_MAX || pid == 0 || pid > 1u << 22)
        return false;
    while (end > p && (end[-1] == ' ' || end[-1] == '\r'))
        end--;
    if (end == p)
        return false;
    size_t len = (size_t)(end - p);
    if (len > MAX_TEXT)
        len = MAX_TEXT;
    bool pending = len > 4 && memcmp(p + len - 4, " = ?", 4) == 0;
    if (pending)
        len -= 4;
    char *text = malloc(len + 1);
    if (text == NULL)
        return false;
    for (size_t i = 0; i < len; i++) { /* the tracer writes printable ASCII only */
        unsigned char c = (unsigned char)p[i];
        text[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    text[len] = '\0';
    *e = (struct trace_event){
        .mono_ns = (int64_t)ns, .pid = (pid_t)pid, .seq = seq, .pending = pending, .text = text
    };
    return true;
}

/* The pid in a record file's name, ".gc-trace.<root>.<pid>", when its root is root. */
static pid_t pid_of_file(const char *name, pid_t root)
{
    char prefix[64];
    int n = snprintf(prefix, sizeof prefix, "%s%d.", TRACE_PREFIX, (int)root);
    if (strncmp(name, prefix, (size_t)n) != 0)
        return 0;
    const char *digits = name + n;
    char *end;
    errno = 0;
    long pid = strtol(digits, &end, 10);
    if (errno != 0 || end == digits || *end != '\0' || *digits < '0' || *digits > '9' || pid <= 0
        || pid > 1L << 22)
        return 0;
    return (pid_t)pid;
}

/* The student's file, read only if it is a regular file of the folder's owner: never through
 * a link (O_NOFOLLOW), never blocking on a pipe (O_NONBLOCK), never more than the tracer
 * writes. Returns the bytes read, or -1. */
static ssize_t read_record_file(int dir, const char *name, uid_t owner, char *buf, size_t cap)
{
    int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != owner || st.st_nlink != 1) {
        close(fd);
        return -1;
    }
    size_t got = 0;
    while (got < cap) {
        ssize_t r = pread(fd, buf + got, cap - got, (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    return (ssize_t)got;
}

static void add_event(struct trace_event **events, size_t *n, size_t *cap, const struct trace_event *e)
{
    if (*n == *cap) {
        size_t grown = *cap ? *cap * 2 : 64;
        struct trace_event *p = realloc(*events, grown * sizeof *p);
        if (p == NULL) {
            free(e->text);
            return;
        }
        *events = p;
        *cap = grown;
    }
    (*events)[(*n)++] = *e;
}

/* Adds the records of one file; a record that names another process is not this file's. */
static void add_file_records(const char *buf, size_t len, pid_t pid, struct trace_event **events, size_t *n,
                             size_t *cap)
{
    size_t first = *n;
    for (size_t pos = 0; pos < len;) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t line = nl ? (size_t)(nl - (buf + pos)) : len - pos;
        struct trace_event e;
        if (nl && line < TRACE_SLOT && trace_parse_record(buf + pos, line, &e)) {
            if (e.pid == pid)
                add_event(events, n, cap, &e);
            else
                free(e.text);
        }
        pos += line + 1;
    }
    /* In the order the process made them, to count the records the ring wrapped over. */
    struct trace_event *mine = *events ? *events + first : NULL;
    size_t count = *n - first;
    for (size_t i = 1; i < count; i++) {
        for (size_t k = i; k > 0 && mine[k - 1].seq > mine[k].seq; k--) {
            struct trace_event t = mine[k];
            mine[k] = mine[k - 1];
            mine[k - 1] = t;
        }
    }
    for (size_t i = 0; i < count; i++) {
        uint64_t before = i == 0 ? 0 : mine[i - 1].seq + 1;
        mine[i].missing_before = mine[i].seq > before ? mine[i].seq - before : 0;
    }
}

static int root_then_latest(const void *a, const void *b, void *arg)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b, root = *(const pid_t *)arg;
    if (x == root || y == root)
        return (y == root) - (x == root);
    return (x < y) - (x > y);
}

static int by_time(const void *a, const void *b)
{
    const struct trace_event *x = a, *y = b;
    if (x->mono_ns != y->mono_ns)
        return x->mono_ns < y->mono_ns ? -1 : 1;
    if (x->pid != y->pid)
        return x->pid < y->pid ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

size_t trace_read_dir(const char *dir, pid_t root, uint16_t port, enum trace_protocol protocol,
                      struct trace_event **events)
{
    *events = NULL;
    if (root <= 0)
        return 0;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0)
        return 0;
    struct stat st;
    int scan = dup(dfd);
    DIR *d = scan >= 0 ? fdopendir(scan) : NULL;
    if (d == NULL || fstat(dfd, &st) < 0) {
        if (d)
            closedir(d);
        else if (scan >= 0)
            close(scan);
        close(dfd);
        return 0;
    }
    /* The programs' files belong to whoever owns their folder: the check's sandbox user. */
    uid_t owner = st.st_uid;
    /* The program's own process, and the children that came last (pids grow): a server that
     * forks per client may have made many. */
    pid_t pids[MAX_CANDIDATES];
    int npids = 0;
    struct dirent *entry;
    for (int seen = 0; seen < MAX_DIR_ENTRIES && (entry = readdir(d)) != NULL; seen++) {
        pid_t pid = pid_of_file(entry->d_name, root);
        if (pid <= 0)
            continue;
        if (npids < MAX_CANDIDATES) {
            pids[npids++] = pid;
        } else {
            int lowest = 0;
            for (int i = 1; i < npids; i++)
                if (pids[i] != root && (pids[lowest] == root || pids[i] < pids[lowest]))
                    lowest = i;
            if (pids[lowest] != root && pid > pids[lowest])
                pids[lowest] = pid;
        }
    }
    qsort_r(pids, (size_t)npids, sizeof pids[0], root_then_latest, &root);
    if (npids > MAX_FILES)
        npids = MAX_FILES;
    closedir(d);

    size_t n = 0, cap = 0;
    char *buf = malloc(TRACE_FILE_MAX);
    for (int i = 0; buf && i < npids; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s%d.%d", TRACE_PREFIX, (int)root, (int)pids[i]);
        ssize_t len = read_record_file(dfd, name, owner, buf, TRACE_FILE_MAX);
        if (len > 0)
            add_file_records(buf, (size_t)len, pids[i], events, &n, &cap);
    }
    free(buf);
    close(dfd);
    if (n > 1)
        qsort(*events, n, sizeof **events, by_time);
    trace_annotate(*events, n, port, protocol);
    return n;
}

size_t trace_read(const struct proc *p, uint16_t port, struct trace_event **events)
{
    return trace_read_dir(scratch_path("."), p->pid, port, trace_protocol_of(p->name), events);
}

void trace_free(struct trace_event *events, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(events[i].text);
        free(events[i].note);
    }
    free(events);
}

/* --- Judging ---------------------------------------------------------------------------------- */

/* A record split into its parts: name(args...) = result rest. Commas and parentheses inside
 * quotes are the data's, not the record's. */
struct call {
    char name[16];
    char args[MAX_ARGS][128];
    int nargs;
    long result;      /* -1 when it failed */
    char error[24];   /* "EADDRINUSE" when it failed */
    const char *rest; /* what follows the result: received data, "from ..." */
};

static bool parse_call(const char *text, struct call *c)
{
    memset(c, 0, sizeof *c);
    const char *open = strchr(text, '(');
    if (open == NULL || open == text || (size_t)(open - text) >= sizeof c->name)
        return false;
    memcpy(c->name, text, (size_t)(open - text));
    const char *p = open + 1;
    bool quoted = false;
    size_t len = 0;
    int depth = 0;
    for (; *p; p++) {
        char ch = *p;
        if (quoted) {
            if (ch == '\\' && p[1]) {
                if (c->nargs < MAX_ARGS && len + 2 < sizeof c->args[0]) {
                    c->args[c->nargs][len++] = ch;
                    c->args[c->nargs][len++] = p[1];
                }
                p++;
                continue;
            }
            if (ch == '"')
                quoted = false;
        } else if (ch == '"') {
            quoted = true;
        } else if (ch == '(' || ch == '[' || ch == '{') {
            depth++;
        } else if ((ch == ']' || ch == '}') && depth > 0) {
            depth--;
        } else if (ch == ')' && depth > 0) {
            depth--;
        } else if (ch == ')' || (ch == ',' && depth == 0)) {
            if (c->nargs >= MAX_ARGS)
                return false;
            c->args[c->nargs][len] = '\0';
            if (len > 0 || ch == ',')
                c->nargs++;
            len = 0;
            if (ch == ')')
                break;
            if (p[1] == ' ')
                p++;
            continue;
        }
        if (c->nargs < MAX_ARGS && len + 1 < sizeof c->args[0])
            c->args[c->nargs][len++] = ch;
    }
    if (*p != ')' || strncmp(p, ") = ", 4) != 0)
        return false;
    p += 4;
    char *end;
    c->result = strtol(p, &end, 10);
    if (end == p)
        return false;
    p = end;
    if (c->result < 0 && *p == ' ') {
        size_t k = 0;
        for (p++; *p && *p != ' ' && k + 1 < sizeof c->error; p++)
            c->error[k++] = *p;
        c->error[k] = '\0';
    }
    c->rest = p;
    return true;
}

static int fd_arg(const struct call *c, int i)
{
    if (i >= c->nargs)
        return -1;
    char *end;
    long fd = strtol(c->args[i], &end, 10);
    return end != c->args[i] && *end == '\0' && fd >= 0 && fd < MAX_FD ? (int)fd : -1;
}

/* The port of an address written as 1.2.3.4:PORT or [::1]:PORT; 0 for anything else. */
static unsigned inet_port(const char *addr)
{
    if (!((addr[0] >= '0' && addr[0] <= '9') || addr[0] == '['))
        return 0;
    const char *colon = strrchr(addr, ':');
    if (colon == NULL || colon[1] == '\0')
        return 0;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    return *end == '\0' && port > 0 && port < 65536 ? (unsigned)port : 0;
}

/* The bytes of a quoted record argument ("ab\n"), decoded; false when the data was cut
 * ("..." in the record) or is not a literal. */
static bool whole_data(const char *quoted, char *out, size_t cap, size_t *len)
{
    const char *p = quoted;
    if (*p++ != '"')
        return false;
    size_t n = 0;
    for (; *p && *p != '"'; p++) {
        char ch = *p;
        if (ch == '\\') {
            p++;
            if (*p == 'n')
                ch = '\n';
            else if (*p == 'r')
                ch = '\r';
            else if (*p == 't')
                ch = '\t';
            else if (*p == 'x' && p[1] && p[2]) {
                char hex[3] = { p[1], p[2], 0 };
                ch = (char)strtol(hex, NULL, 16);
                p += 2;
            } else if (*p == '\0')
                return false;
            else
                ch = *p;
        }
        if (n < cap)
            out[n++] = ch;
    }
    if (*p != '"' || (p[1] != '\0' && p[1] != ' '))
        return false;
    *len = n;
    return true;
}

/* What the annotations follow about each descriptor of each process. */
struct fd_state {
    bool used;
    bool unix_family, inet_family;
    bool stream, dgram;
    bool from_socket; /* made by socket(), not socketpair() or accept() */
    bool bound, reuseaddr, connection, listening;
    bool saw_eof, saw_error, saw_end;
    char tail[3]; /* the last bytes received, for an end split across receives */
    size_t tail_len;
    long received;     /* bytes */
    int receives;      /* recv()s that returned data */
    long last_receive; /* index of the last such recv() */
    bool warned;
};

struct pid_state {
    pid_t pid;
    struct fd_state *fds;
};

struct judge {
    struct pid_state pids[MAX_PIDS];
    int npids;
    char unlinked[8][128]; /* paths unlink() removed */
    int nunlinked;
    uint16_t port;
    enum trace_protocol protocol;
    struct trace_event *events;
};

static struct fd_state *fds_of(struct judge *j, pid_t pid)
{
    for (int i = 0; i < j->npids; i++)
        if (j->pids[i].pid == pid)
            return j->pids[i].fds;
    if (j->npids == MAX_PIDS)
        return NULL;
    struct fd_state *fds = calloc(MAX_FD, sizeof *fds);
    if (fds == NULL)
        return NULL;
    j->pids[j->npids++] = (struct pid_state){ pid, fds };
    return fds;
}

static void note(struct trace_event *e, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void note(struct trace_event *e, const char *format, ...)
{
    if (e->note != NULL)
        return;
    va_list ap;
    va_start(ap, format);
    if (vasprintf(&e->note, format, ap) < 0)
        e->note = NULL;
    va_end(ap);
}

static void judge_address(struct judge *j, struct trace_event *e, const char *addr)
{
    unsigned port = inet_port(addr);
    unsigned swapped = (j->port >> 8 | j->port << 8) & 0xffff;
    if (j->port != 0 && port != 0 && port == swapped && port != j->port)
        note(e, "%u is %u with its bytes swapped: htons()", port, (unsigned)j->port);
}

static bool was_unlinked(const struct judge *j, const char *path)
{
    for (int i = 0; i < j->nunlinked; i++)
        if (strcmp(j->unlinked[i], path) == 0)
            return true;
    return false;
}

static void judge_bind(struct judge *j, struct trace_event *e, const struct call *c, struct fd_state *s)
{
    judge_address(j, e, c->args[1]);
    if (c->result == 0) {
        s->bound = true;
        return;
    }
    if (strcmp(c->error, "EADDRINUSE") != 0)
        return;
    if (c->args[1][0] == '"' && !was_unlinked(j, c->args[1]))
        note(e, "a file already exists at this path (left by an earlier run?), and bind() never "
                "replaces one: unlink() it first");
    else if (s->inet_family && !s->reuseaddr)
        note(e,
             "no setsockopt(%d, SOL_SOCKET, SO_REUSEADDR) before bind(): without it, bind() "
             "fails while connections of an earlier server on the port linger (TIME_WAIT)",
             fd_arg(c, 0));
}

/* What ends a request (or a reply) of the protocol; NULL when it ends at end-of-file. */
static const char *terminator(enum trace_protocol protocol)
{
    /* An HTTP server may answer before a head's end (431 when it is too long, 400 for a bad
     * request line), but never before its first line has ended, unless that line is huge. */
    return protocol == TRACE_LINE || protocol == TRACE_HTTP_HEAD ? "\n" : NULL;
}

/* What the notes call the end that had not arrived, what one recv() may have returned, and
 * what to read until. */
static void put_missing_end(char *buf, size_t size, enum trace_protocol protocol)
{
    if (protocol == TRACE_LINE)
        snprintf(buf, size, "no '\\n' had arrived");
    else
        snprintf(buf, size, "not even the request line had ended (no '\\n')");
}

static const char *what_to_read(enum trace_protocol protocol)
{
    return protocol == TRACE_LINE ? "maybe part of a line; read until the '\\n'"
                                  : "maybe part of the head; read until the blank line (\\r\\n\\r\\n)";
}

/* A stream connection's received data, as the protocol judges it. */
static void judge_receive(const struct judge *j, long index, const struct call *c, struct fd_state *s)
{
    if (c->result == 0) {
        s->saw_eof = true;
        return;
    }
    if (c->result < 0) {
        if (strcmp(c->error, "EAGAIN") != 0 && strcmp(c->error, "EINTR") != 0)
            s->saw_error = true;
        return;
    }
    s->receives++;
    s->last_receive = index;
    s->received += c->result;
    if (j->protocol == TRACE_HTTP_HEAD && s->received >= HUGE_REQUEST_LINE)
        s->saw_end = true;
    const char *end = terminator(j->protocol);
    if (end == NULL || s->saw_end)
        return;
    /* The end may come split across receives: look at the last bytes before, and this data. */
    const char *data = c->rest[0] == ' ' ? c->rest + 1 : c->rest;
    char bytes[64 + sizeof s->tail];
    memcpy(bytes, s->tail, s->tail_len);
    size_t len;
    if (!whole_data(data, bytes + s->tail_len, sizeof bytes - s->tail_len, &len)) {
        s->saw_end = true; /* the data was cut in the record: it may have ended there */
        return;
    }
    len += s->tail_len;
    s->saw_end = memmem(bytes, len, end, strlen(end)) != NULL;
    s->tail_len = len < sizeof s->tail ? len : sizeof s->tail;
    memcpy(s->tail, bytes + len - s->tail_len, s->tail_len);
}

/* The program answers on a stream connection before its request had ended. */
static void judge_answer(struct judge *j, const struct call *c, struct fd_state *s)
{
    if (terminator(j->protocol) == NULL || !s->connection || s->warned || s->receives == 0 || s->saw_end
        || s->saw_eof || s->saw_error || c->result <= 0)
        return;
    char missing[96];
    put_missing_end(missing, sizeof missing, j->protocol);
    note(&j->events[s->last_receive],
         "%s on %d, yet the program answered: one recv() returns what "
         "has arrived so far, %s",
         missing, fd_arg(c, 0), what_to_read(j->protocol));
    s->warned = true;
}

/* The program closes a stream connection before its request or reply had ended. */
static void judge_close(struct judge *j, const struct call *c, struct fd_state *s)
{
    bool unfinished = s->connection && !s->warned && s->receives > 0 && !s->saw_eof && !s->saw_error
                      && c->result == 0;
    char missing[96];
    put_missing_end(missing, sizeof missing, j->protocol);
    if (unfinished && j->protocol == TRACE_UNTIL_EOF)
        note(&j->events[s->last_receive],
             "the last recv() on %d before close(): it never returned "
             "0 (end-of-file), so more may have been on its way; loop until recv() returns 0",
             fd_arg(c, 0));
    else if (unfinished && terminator(j->protocol) != NULL && !s->saw_end)
        note(&j->events[s->last_receive],
             "the last recv() on %d before close(), and %s: one recv() "
             "returns what has arrived so far, %s",
             fd_arg(c, 0), missing, what_to_read(j->protocol));
    memset(s, 0, sizeof *s);
}

static void judge_event(struct judge *j, long index)
{
    struct trace_event *e = &j->events[index];
    struct call c;
    if (e->pending || !parse_call(e->text, &c))
        return;
    struct fd_state *fds = fds_of(j, e->pid);
    if (fds == NULL)
        return;
    int fd = fd_arg(&c, 0);
    struct fd_state *s = fd >= 0 ? &fds[fd] : NULL;
    const char *n = c.name;
    if (strcmp(n, "socket") == 0 && c.result >= 0 && c.result < MAX_FD && c.nargs == 3) {
        fds[c.result] = (struct fd_state){
            .used = true,
            .from_socket = true,
            .unix_family = strcmp(c.args[0], "AF_UNIX") == 0,
            .inet_family = strcmp(c.args[0], "AF_INET") == 0 || strcmp(c.args[0], "AF_INET6") == 0,
            .stream = strncmp(c.args[1], "SOCK_STREAM", 11) == 0,
            .dgram = strncmp(c.args[1], "SOCK_DGRAM", 10) == 0,
        };
    } else if ((strcmp(n, "accept") == 0 || strcmp(n, "accept4") == 0) && s) {
        if (c.result >= 0 && c.result < MAX_FD)
            fds[c.result] = (struct fd_state){ .used = true,
                                               .unix_family = s->unix_family,
                                               .inet_family = s->inet_family,
                                               .stream = true,
                                               .connection = true };
        else if (strcmp(c.error, "EINVAL") == 0 && s->used && s->stream && !s->listening)
            note(e, "no listen(%d) before accept(): only a listening socket has connections to accept", fd);
    } else if (strcmp(n, "bind") == 0 && s && c.nargs == 2) {
        judge_bind(j, e, &c, s);
    } else if (strcmp(n, "listen") == 0 && s && c.result == 0) {
        s->listening = true;
    } else if (strcmp(n, "setsockopt") == 0 && s && c.nargs == 4 && c.result == 0) {
        if (strcmp(c.args[2], "SO_REUSEADDR") == 0)
            s->reuseaddr = strcmp(c.args[3], "0") != 0;
    } else if (strcmp(n, "connect") == 0 && s && c.nargs == 2) {
        judge_address(j, e, c.args[1]);
        if (c.result == 0 && s->stream)
            s->connection = true;
    } else if (strcmp(n, "sendto") == 0 && s && c.nargs == 5) {
        judge_address(j, e, c.args[4]);
        if (s->used && s->from_socket && s->unix_family && s->dgram && !s->bound && c.result >= 0
            && !s->warned && c.args[4][0] == '"') {
            note(e,
                 "no bind() on %d before this sendto(): the datagram goes out without a return "
                 "address, so the server's reply cannot reach this socket",
                 fd);
            s->warned = true;
        }
        judge_answer(j, &c, s);
    } else if ((strcmp(n, "send") == 0 || strcmp(n, "write") == 0 || strcmp(n, "writev") == 0
                || strcmp(n, "sendmsg") == 0)
               && s) {
        judge_answer(j, &c, s);
    } else if ((strcmp(n, "recv") == 0 || strcmp(n, "read") == 0 || strcmp(n, "recvfrom") == 0) && s
               && s->connection) {
        judge_receive(j, index, &c, s);
    } else if (strcmp(n, "close") == 0 && s) {
        judge_close(j, &c, s);
    } else if (strcmp(n, "unlink") == 0 && c.nargs == 1 && c.result == 0 && j->nunlinked < 8) {
        snprintf(j->unlinked[j->nunlinked++], sizeof j->unlinked[0], "%s", c.args[0]);
    } else if (strcmp(n, "fork") == 0 && c.result > 0 && c.result < (1L << 22)) {
        /* The child starts with its parent's descriptors as they are now; it is judged after
         * its parent (see trace_annotate). */
        bool known = false;
        for (int i = 0; i < j->npids; i++)
            known |= j->pids[i].pid == (pid_t)c.result;
        struct fd_state *child = known ? NULL : fds_of(j, (pid_t)c.result);
        fds = fds_of(j, e->pid);
        if (child && fds)
            memcpy(child, fds, MAX_FD * sizeof *child);
    } else if ((strcmp(n, "dup2") == 0 || strcmp(n, "dup3") == 0 || strcmp(n, "dup") == 0) && s
               && c.result >= 0 && c.result < MAX_FD) {
        fds[c.result] = *s;
    }
}

static int by_pid_then_seq(const void *a, const void *b, void *arg)
{
    const struct trace_event *events = arg;
    const struct trace_event *x = &events[*(const long *)a], *y = &events[*(const long *)b];
    if (x->pid != y->pid)
        return x->pid < y->pid ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Judges the records of one process, order[from..to), in the order it made them. */
static void judge_process(struct judge *j, const long *order, size_t from, size_t to)
{
    for (size_t k = from; k < to; k++)
        judge_event(j, order[k]);
}

/* Each process is judged alone, in the order it made its calls: its descriptors are its own.
 * A forked child's judging starts from its parent's descriptors at the fork, so parents go
 * first: the processes that were not forked, then each child once its fork() was seen. */
void trace_annotate(struct trace_event *events, size_t n, uint16_t port, enum trace_protocol protocol)
{
    struct judge *j = calloc(1, sizeof *j);
    long *order = malloc((n ? n : 1) * sizeof *order);
    size_t starts[MAX_PIDS + 1];
    bool judged[MAX_PIDS] = { false };
    if (j == NULL || order == NULL) {
        free(j);
        free(order);
        return;
    }
    *j = (struct judge){ .port = port, .protocol = protocol, .events = events };
    for (size_t i = 0; i < n; i++)
        order[i] = (long)i;
    qsort_r(order, n, sizeof *order, by_pid_then_seq, events);
    int nranges = 0;
    for (size_t k = 0; k < n && nranges < MAX_PIDS; k++)
        if (k == 0 || events[order[k]].pid != events[order[k - 1]].pid)
            starts[nranges++] = k;
    starts[nranges] = n;
    for (int r = 0; r < nranges; r++) /* not forked (as far as the records tell) */
        if (strncmp(events[order[starts[r]]].text, "fork() = 0", 10) != 0)
            fds_of(j, events[order[starts[r]]].pid);
    for (int k = 0; k < j->npids; k++) { /* grows as forks are seen */
        for (int r = 0; r < nranges; r++) {
            if (!judged[r] && events[order[starts[r]]].pid == j->pids[k].pid) {
                judged[r] = true;
                judge_process(j, order, starts[r], starts[r + 1]);
            }
        }
    }
    for (int r = 0; r < nranges; r++) { /* a child whose parent's fork() was not recorded */
        if (!judged[r] && fds_of(j, events[order[starts[r]]].pid) != NULL)
            judge_process(j, order, starts[r], starts[r + 1]);
    }
    for (size_t i = 0; i < n; i++)
        if (events[i].pending)
            note(&events[i], "had not returned");
    for (int i = 0; i < j->npids; i++)
        free(j->pids[i].fds);
    free(j);
    free(order);
}

/* --- Showing ---------------------------------------------------------------------------------- */

static void format_event(struct text *out, const struct trace_event *e, bool with_pid)
{
    text_puts(out, "    ");
    if (with_pid)
        text_printf(out, "[%d] ", (int)e->pid);
    text_puts(out, e->text);
    if (e->pending)
        text_puts(out, " ...");
    if (e->note)
        text_printf(out, "   <- %s", e->note);
    text_puts(out, "\n");
}

static void format_gap(struct text *out, uint64_t left_out)
{
    if (left_out > 0)
        text_printf(out, "    ... %llu call%s left out ...\n", (unsigned long long)left_out,
                    left_out == 1 ? "" : "s");
}

void trace_format(struct text *out, const char *name, const struct trace_event *events, size_t n, int max_lines)
{
    bool several = false;
    for (size_t i = 1; i < n; i++)
        several |= events[i].pid != events[0].pid;
    bool *shown = calloc(n ? n : 1, sizeof *shown);
    if (shown == NULL)
        return;
    /* The first few, every annotated one, then the last ones, as many as fit. */
    int budget = max_lines;
    for (size_t i = 0; i < n && i < FIRST_LINES && budget > 0; i++, budget--)
        shown[i] = true;
    for (size_t i = 0; i < n && budget > 0; i++)
        if (events[i].note && !shown[i]) {
            shown[i] = true;
            budget--;
        }
    for (size_t i = n; i > 0 && budget > 0; i--)
        if (!shown[i - 1]) {
            shown[i - 1] = true;
            budget--;
        }
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += 1 + events[i].missing_before;
    text_printf(out, "  %s (%llu call%s):\n", name, (unsigned long long)total, total == 1 ? "" : "s");
    uint64_t left_out = 0;
    for (size_t i = 0; i < n; i++) {
        left_out += events[i].missing_before;
        if (!shown[i]) {
            left_out++;
            continue;
        }
        format_gap(out, left_out);
        left_out = 0;
        format_event(out, &events[i], several);
    }
    format_gap(out, left_out);
    free(shown);
}

/* A program writes its record just after its call returns, so what the check saw a moment ago
 * (the reset of a close(), a datagram) may not be recorded yet. A program that went back to
 * waiting, or is gone, has written everything; give the others a moment. */
static void let_programs_settle(const struct proc *procs, int n)
{
    int64_t deadline = deadline_in(SETTLE_MS);
    for (int i = 0; i < n; i++) {
        unsigned long ticks;
        char state;
        while (procs[i].pid > 0 && !procs[i].reaped && procinfo_cpu(procs[i].pid, &ticks, &state)
               && state == 'R' && now_ms() < deadline)
            poll(NULL, 0, 1);
    }
}

/* A program SIGPIPE killed was in the send() that had not returned (its last record). */
static void note_killing_call(const struct proc *p, struct trace_event *events, size_t n)
{
    if (!p->exited || !WIFSIGNALED(p->status) || WTERMSIG(p->status) != SIGPIPE)
        return;
    for (size_t i = n; i > 0; i--) {
        struct trace_event *e = &events[i - 1];
        if (e->pid != p->pid)
            continue;
        if (e->pending && (strncmp(e->text, "send", 4) == 0 || strncmp(e->text, "write", 5) == 0)) {
            free(e->note);
            e->note = strdup("SIGPIPE killed it here: the peer had closed the connection");
        }
        return;
    }
}

/* True when the records hold more than signal settings: a skeleton that set SIGPIPE aside and
 * stopped at its first TODO made no socket call worth a section. */
static bool any_socket_call(const struct trace_event *events, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strncmp(events[i].text, "signal(", 7) != 0 && strncmp(events[i].text, "sigaction(", 10) != 0)
            return true;
    return false;
}

/* A skeleton's program that stopped at a TODO (exit status 3, "TODO n is not done yet"): the
 * TODO is the news, not the calls made before it. */
static bool stopped_at_todo(const struct proc *p)
{
    if (!exited_with(p, 3))
        return false;
    struct text err = { 0 };
    program_stderr(p, &err, 64 << 10);
    bool todo = strstr(text_str(&err), "is not done yet") != NULL;
    text_free(&err);
    return todo;
}

void trace_describe_all(struct text *out, const struct proc *procs, int n, uint16_t port)
{
    let_programs_settle(procs, n);
    struct text section = { 0 };
    int shown = 0, more = 0;
    for (int i = 0; i < n; i++) {
        if (procs[i].pid <= 0 || stopped_at_todo(&procs[i]))
            continue;
        struct trace_event *events;
        size_t count = trace_read(&procs[i], port, &events);
        note_killing_call(&procs[i], events, count);
        if (any_socket_call(events, count) && shown < MAX_PROGRAMS_SHOWN) {
            trace_format(&section, procs[i].name, events, count, LINES_PER_PROGRAM);
            shown++;
        } else if (any_socket_call(events, count)) {
            more++;
        }
        trace_free(events, count);
    }
    if (shown > 0) {
        text_puts(out, "Socket calls:\n");
        text_append(out, section.data, section.len);
        if (more > 0)
            text_printf(out, "  (and %d more program%s run by this check)\n", more, more == 1 ? "" : "s");
    }
    text_free(&section);
}
