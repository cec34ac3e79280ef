/* 07-poll-chat: one process, many clients, with poll() (TLPI 63).
 * Its rubric is its CHECK lines below (bin/grader list --checks prints it). */
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "procinfo.h"
#include "procnet.h"

EXERCISE(poll_chat, .id = "07-poll-chat", .number = 7, .programs = { "chat_server" });

struct chatter {
    int fd;
    int number;          /* the number the server should give it */
    struct text pending; /* received bytes not yet taken as lines */
};

struct chat {
    struct proc *server;
    uint16_t port;
    int connected;
};

static struct chat start_chat(void)
{
    struct chat chat = { .port = check_port() };
    chat.server = START("chat_server", fmt("%u", chat.port));
    return chat;
}

struct accepted {
    struct chat *chat;
    int fd; /* our end: the server holds its far end once it has accept()ed it */
};

static bool holds_connection(void *arg)
{
    struct accepted *a = arg;
    return procnet_holds_peer_end(a->chat->server->pid, a->fd);
}

/* Waits until the server has accepted fd's connection (it holds a socket whose peer is us), so
 * that connections are numbered in the order the check made them. */
static void wait_accepted(struct chat *chat, int fd)
{
    struct accepted a = { chat, fd };
    int64_t start = now_ms();
    if (wait_until_settled(chat->server, holds_connection, &a, deadline_in(ANSWER_MS)))
        return;
    sent("a new connection (client %d)", chat->connected);
    expected("chat_server to accept() it");
    if (!proc_running(chat->server))
        tell_about(chat->server);
    else
        got("it had not, %s", why_stopped(fmt("%.1f s later", (double)(now_ms() - start) / 1000)));
    cause("no-poll-on-listener",
          "poll() the listening socket along with the clients, and accept() when it is readable.");
    fail();
}

static struct chatter *join(struct chat *chat)
{
    struct chatter *c = scratch_alloc(sizeof *c);
    c->fd = connect_tcp_server(chat->server, "127.0.0.1", chat->port);
    c->number = ++chat->connected;
    wait_accepted(chat, c->fd);
    return c;
}

static void say(struct chatter *c, const char *bytes)
{
    send_all(c->fd, bytes, strlen(bytes), deadline_in(ANSWER_MS));
}

/* True when line holds two messages' "<n>: " prefixes: a piece of one line ran into the next. */
static bool two_prefixes(const char *line)
{
    int prefixes = 0;
    for (const char *p = line; *p; p++) {
        if (!isdigit((unsigned char)*p) || (p > line && isdigit((unsigned char)p[-1])))
            continue;
        size_t digits = strspn(p, "0123456789");
        prefixes += p[digits] == ':' && p[digits + 1] == ' ';
    }
    return prefixes >= 2;
}

/* The next line client c receives ("" with *r set when none comes). */
static const char *next_line(struct chat *chat, struct chatter *c, enum io_result *r)
{
    *r = recv_answer(chat->server, c->fd, &c->pending, 1 << 20, true, deadline_in(ANSWER_MS));
    char *nl = c->pending.len ? memchr(c->pending.data, '\n', c->pending.len) : NULL;
    if (nl == NULL)
        return "";
    size_t len = (size_t)(nl - c->pending.data) + 1;
    const char *line = fmt("%.*s", (int)len, c->pending.data);
    memmove(c->pending.data, c->pending.data + len, c->pending.len - len);
    c->pending.len -= len;
    c->pending.data[c->pending.len] = '\0';
    *r = IO_OK;
    return line;
}

static void expect_line(struct chat *chat, struct chatter *c, const char *want, const char *context)
{
    enum io_result r;
    const char *line = next_line(chat, c, &r);
    if (r == IO_OK && strcmp(line, want) == 0)
        return;
    struct mismatch m = { .sent = context,
                          .program = chat->server,
                          .expected = fmt("client %d to receive %s", c->number, quote(want, strlen(want))),
                          .got = r == IO_OK ? quote(line, strlen(line)) : io_outcome(r, &c->pending) };
    if (r == IO_OK && strchr(line, ':') && atoi(line) == c->number) {
        m.cause_id = "echoes-to-sender";
        m.cause = "the sender got its own line back: send it to every client but the sender.";
    } else if (r == IO_OK && two_prefixes(line)) {
        m.cause_id = "relays-pieces";
        m.cause = "a piece of a line was relayed before its end, so it ran into the next line: a stream "
                  "has no message boundaries. Keep each client's bytes in a buffer of its own and relay "
                  "only complete lines, up to and including the '\\n'.";
    }
    fail_mismatch(&m);
}

CHECK(poll_chat, relays_lines, .number = 1, .points = 2,
      .what = "a line goes to every other client as \"<number>: <line>\", not back to its sender")
{
    struct chat chat = start_chat();
    struct chatter *one = join(&chat), *two = join(&chat), *three = join(&chat);
    say(two, "hello\n");
    const char *context = "clients 1, 2 and 3 connected in that order; client 2 sent \"hello\\n\"";
    expect_line(&chat, one, "2: hello\n", context);
    expect_line(&chat, three, "2: hello\n", context);
    say(one, "hi there\n");
    context = "then client 1 sent \"hi there\\n\" (client 2 must not have received its own line)";
    expect_line(&chat, two, "1: hi there\n", context);
    expect_line(&chat, three, "1: hi there\n", context);
}

CHECK(poll_chat, reassembles_lines, .number = 2, .points = 1,
      .what = "a line that arrives in pieces is relayed whole; two lines in one piece are two")
{
    struct chat chat = start_chat();
    struct chatter *one = join(&chat), *two = join(&chat);
    say(one, "par");
    wait_peer_consumed(one->fd, chat.server); /* the server has read "par" before the rest */
    say(one, "tial\nsecond\n");
    const char *context = "client 1 sent \"par\", then (once the server had read it) \"tial\\nsecond\\n\"";
    cause_if_fails("relays-pieces",
                   "a stream has no message boundaries: keep each client's bytes in a buffer and "
                   "relay only complete lines, every complete line in it.");
    expect_line(&chat, two, "1: partial\n", context);
    expect_line(&chat, two, "1: second\n", context);
}

CHECK(poll_chat, half_line_does_not_block, .number = 3, .points = 2,
      .what = "a client that sends half a line and waits does not block the others")
{
    struct chat chat = start_chat();
    struct chatter *one = join(&chat), *two = join(&chat), *three = join(&chat);
    say(one, "half a li");
    wait_peer_consumed(one->fd, chat.server);
    say(two, "full line\n");
    cause_if_fails("blocks-on-partial-line",
                   "the server waited for the rest of client 1's line: recv() once per poll() "
                   "readiness and keep partial lines in a per-client buffer; never loop on recv() "
                   "until a newline.");
    expect_line(&chat, three, "2: full line\n",
                "client 1 sent \"half a li\" and waited; then client 2 sent \"full line\\n\"");
    say(one, "ne\n");
    expect_line(&chat, three, "1: half a line\n", "then client 1 sent the rest, \"ne\\n\"");
    expect_line(&chat, two, "1: half a line\n", "then client 1 sent the rest, \"ne\\n\"");
}

CHECK(poll_chat, idle_and_leaving_clients, .number = 4, .points = 1,
      .what = "an idle client and a client that leaves do not block the others")
{
    struct chat chat = start_chat();
    struct chatter *idle = join(&chat), *leaver = join(&chat), *talker = join(&chat);
    net_close(leaver->fd);
    say(talker, "anyone?\n");
    expect_line(&chat, idle, "3: anyone?\n",
                "client 1 stayed idle, client 2 left, client 3 sent \"anyone?\\n\"");
    struct chatter *late = join(&chat);
    say(late, "new here\n");
    enum io_result r;
    const char *line = next_line(&chat, idle, &r);
    const char *colon = strstr(line, ": new here\n");
    if (r != IO_OK || !colon || colon == line || strspn(line, "0123456789") != (size_t)(colon - line)) {
        MISMATCH(.sent = "then a new client connected and sent \"new here\\n\"",
                 .expected = "client 1 to receive \"<its number>: new here\\n\"", .program = chat.server,
                 .got = r == IO_OK ? quote(line, strlen(line)) : io_outcome(r, &idle->pending));
    }
    /* Relaying to the client that left may have killed the server only now (SIGPIPE). */
    say(talker, "still on?\n");
    expect_line(&chat, idle, "3: still on?\n", "then client 3 sent \"still on?\\n\"");
}

CHECK(poll_chat, survives_reset, .number = 5, .points = 1,
      .what = "a client that resets its connection in the middle of a line does not stop the server")
{
    struct chat chat = start_chat();
    struct chatter *one = join(&chat), *rude = join(&chat), *three = join(&chat);
    say(rude, "I am leav");
    wait_peer_consumed(rude->fd, chat.server);
    struct linger hard = { .l_onoff = 1, .l_linger = 0 };
    setsockopt(rude->fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    net_close(rude->fd);
    say(three, "still here\n");
    expect_line(&chat, one, "3: still here\n",
                "client 2 sent half a line and reset its connection; client 3 sent \"still here\\n\"");
}

CHECK(poll_chat, fifty_clients, .number = 6, .points = 2,
      .what = "50 clients, each sending a line, all get the 49 lines of the others (one process)")
{
    struct chat chat = start_chat();
    struct chatter *c[50];
    for (int i = 0; i < 50; i++)
        c[i] = join(&chat);
    struct children kids = procinfo_children(chat.server->pid);
    if (kids.running + kids.zombies > 0) {
        MISMATCH(.sent = "50 clients, connected one after another",
                 .expected = "one server process: poll() serves them all",
                 .got = fmt("%d child processes", kids.running + kids.zombies), .cause_id = "forks",
                 .cause = "this exercise is about serving many clients from a single process, without fork().");
    }
    for (int i = 0; i < 50; i++)
        say(c[i], fmt("line from %d\n", i + 1));
    for (int i = 0; i < 50; i++) {
        bool seen[51] = { false };
        for (int k = 0; k < 49; k++) {
            enum io_result r;
            const char *line = next_line(&chat, c[i], &r);
            int from = atoi(line);
            if (r == IO_OK && from >= 1 && from <= 50 && from != i + 1 && !seen[from]
                && strcmp(line, fmt("%d: line from %d\n", from, from)) == 0) {
                seen[from] = true;
                continue;
            }
            MISMATCH(.sent = "50 clients connected; each sent \"line from <its number>\\n\"",
                     .expected = fmt("client %d to receive the 49 lines of the others, \"<n>: line from <n>\\n\", "
                                     "in any order",
                                     i + 1),
                     .got = fmt("after %d of them, %s", k,
                                r == IO_OK ? quote(line, strlen(line)) : io_outcome(r, &c[i]->pending)),
                     .program = chat.server);
        }
    }
}

/* The local port of our end of a connection: the server sees it as the client's port. */
static uint16_t port_of(int fd)
{
    struct sockaddr_in self;
    socklen_t len = sizeof self;
    return getsockname(fd, (struct sockaddr *)&self, &len) == 0 ? ntohs(self.sin_port) : 0;
}

/* Waits until the server no longer holds a socket connected to port (it closed the connection
 * of a client that left). False at the deadline. */
static bool wait_dropped(struct chat *chat, uint16_t port)
{
    int64_t deadline = deadline_in(ANSWER_MS);
    for (;;) {
        struct inet_socket s[300];
        int n = procnet_sockets_of(chat->server->pid, "tcp", s, 300);
        bool held = false;
        for (int i = 0; i < n; i++)
            held |= s[i].remote_port == port;
        if (!held)
            return true;
        if (now_ms() >= deadline || proc_wait(chat->server, deadline_in(2)))
            return false;
    }
}

/* How long the server is watched after a client leaves, and how often. A server that sleeps in
 * poll() is almost never found ready to run; one that loops is, nearly every time (however
 * loaded the machine: "ready to run" does not need a free CPU), and its CPU time grows. */
#define WATCH_MS 500
#define WATCH_EVERY_MS 10
#define BUSY_PERCENT 80

CHECK(poll_chat, idle_after_a_client_leaves, .number = 7, .points = 1,
      .what = "a client that leaves does not make the server busy (it sleeps in poll())")
{
    struct chat chat = start_chat();
    struct chatter *stays = join(&chat), *leaver = join(&chat);
    say(leaver, "bye\n");
    expect_line(&chat, stays, "2: bye\n", "client 2 sent \"bye\\n\"");
    net_close(leaver->fd);
    unsigned long start_ticks, ticks;
    char state;
    int samples = 0, ready = 0;
    bool alive = procinfo_cpu(chat.server->pid, &start_ticks, &state);
    for (int64_t end = deadline_in(WATCH_MS); alive && now_ms() < end; samples++) {
        proc_wait(chat.server, deadline_in(WATCH_EVERY_MS));
        alive = procinfo_cpu(chat.server->pid, &ticks, &state);
        ready += alive && state == 'R';
    }
    if (!alive)
        MISMATCH(.sent = "client 2 sent a line, then closed its connection",
                 .expected = "chat_server to go on running, asleep in poll()", .program = chat.server);
    long cpu_ms = (long)(ticks - start_ticks) * 1000 / sysconf(_SC_CLK_TCK);
    if (samples == 0 || ready * 100 < samples * BUSY_PERCENT || cpu_ms < WATCH_EVERY_MS)
        return;
    MISMATCH(.sent = fmt("client 2 sent a line, then closed its connection; the server was watched for %d ms",
                         WATCH_MS),
             .expected = "chat_server to sleep in poll() until something happens",
             .got = fmt("it was running in %d of %d looks, and used %ld ms of CPU time", ready, samples, cpu_ms),
             .cause_id = "busy-loop",
             .cause = "a busy loop: poll() keeps saying the departed client's socket is readable, because "
                      "recv() returns 0 there forever (end-of-file). When recv() returns 0, close() the "
                      "socket and take it out of the poll() array.");
}

CHECK(poll_chat, numbers_never_reused, .number = 8, .points = 1,
      .what = "client numbers are never reused: a client that joins after one left gets the next")
{
    struct chat chat = start_chat();
    struct chatter *one = join(&chat), *two = join(&chat);
    join(&chat);
    uint16_t two_port = port_of(two->fd);
    net_close(two->fd);
    wait_dropped(&chat, two_port); /* if it never drops it, the numbering is still checked */
    struct chatter *four = join(&chat);
    say(four, "hi\n");
    enum io_result r;
    const char *line = next_line(&chat, one, &r);
    if (r == IO_OK && strcmp(line, "4: hi\n") == 0)
        return;
    sent("clients 1, 2 and 3 connected; client 2 left; a fourth client connected and sent \"hi\\n\"");
    expected("client 1 to receive \"4: hi\\n\": numbers go 1, 2, ... in order of connection");
    got("%s", r == IO_OK ? quote(line, strlen(line)) : io_outcome(r, &one->pending));
    if (r == IO_OK && (atoi(line) == 2 || atoi(line) == 3))
        cause("reused-number", "a number was used twice: it came from the count of connected clients or from a "
                               "slot in the array, which both shrink when a client leaves. Keep a counter that "
                               "only grows, and store each client's number when it connects.");
    else if (exits_soon(chat.server))
        tell_about(chat.server);
    fail();
}
