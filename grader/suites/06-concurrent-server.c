/* 06-concurrent-server: server design, one process per client (TLPI 60).
 * Its rubric is its CHECK lines below (bin/grader list --checks prints it). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "procinfo.h"
#include "procnet.h"

EXERCISE(concurrent_server, .id = "06-concurrent-server", .number = 6, .programs = { "conc_echo_server" });

struct server_run {
    struct proc *server;
    uint16_t port;
};

static struct server_run start_server(void)
{
    struct server_run run = { .port = check_port() };
    run.server = START("conc_echo_server", fmt("%u", run.port));
    return run;
}

static int connect_client(struct server_run *run)
{
    return connect_tcp_server(run->server, "127.0.0.1", run->port);
}

/* Sends msg on fd and expects exactly msg back (the connection stays open). */
static void expect_echo_on(struct server_run *run, int fd, const char *msg, const char *context)
{
    struct text in = { 0 };
    size_t n = strlen(msg);
    enum io_result r = send_all(fd, msg, n, deadline_in(ANSWER_MS));
    if (r == IO_OK)
        r = recv_answer(run->server, fd, &in, n, false, deadline_in(ANSWER_MS));
    if (r != IO_FULL || memcmp(in.data, msg, n) != 0)
        MISMATCH(.sent = fmt("%s%s", context, quote(msg, n)), .expected = "the same bytes back",
                 .got = io_outcome(r, &in), .program = run->server);
}

/* A whole conversation: msg, shutdown, the echo and end-of-file. */
static void expect_echo(struct server_run *run, const char *msg, const char *context)
{
    int fd = connect_client(run);
    struct text in = { 0 };
    size_t n = strlen(msg);
    int64_t deadline = deadline_in(ANSWER_MS);
    enum io_result r = send_all(fd, msg, n, deadline); /* a short message: it fits in a buffer */
    if (r == IO_OK && net_shutdown(fd, SHUT_WR) < 0)
        r = IO_ERROR;
    if (r == IO_OK)
        r = recv_answer(run->server, fd, &in, n + 4096, false, deadline);
    net_close(fd);
    if (r == IO_EOF && in.len == n && memcmp(in.data, msg, n) == 0)
        return;
    struct mismatch m = { .sent = fmt("%s%s, then shutdown(SHUT_WR)", context, quote(msg, n)),
                          .expected = "the same bytes back, then end-of-file",
                          .program = run->server };
    if (r == IO_EOF) {
        m.want = msg;
        m.want_len = n;
        m.got_bytes = &in;
    } else {
        m.got = io_outcome(r, &in);
    }
    if (r == IO_TIMEOUT && in.len == n) {
        m.cause_id = "parent-keeps-connection";
        m.cause = "the echo came back but the connection never ended. After fork() both processes hold "
                  "the connected socket, and the connection ends only when both have closed it: the "
                  "parent must close() its copy at once.";
    }
    fail_mismatch(&m);
}

static bool no_children_running(void *arg)
{
    struct server_run *run = arg;
    return procinfo_children(run->server->pid).running == 0;
}

/* Waits until the server has no running children: its clients' children have all ended (or
 * the server is stuck with them: then they never will). */
static struct children wait_children_done(struct server_run *run)
{
    wait_until_settled(run->server, no_children_running, run, deadline_in(ANSWER_MS));
    return procinfo_children(run->server->pid);
}

struct reaped {
    struct server_run *run;
    int remaining;
};

static bool reaped_down_to(void *arg)
{
    struct reaped *r = arg;
    struct children c = procinfo_children(r->run->server->pid);
    return c.running <= r->remaining && c.zombies == 0;
}

/* Waits until the server has at most `remaining` children and no zombie: the child of a client
 * that just left has ended and been reaped. False at the deadline, or once the server is stuck
 * (asleep in accept() with a zombie it will not reap). Checks whose clients leave one at a time
 * wait for this after each, so that their children's SIGCHLDs never merge: only 6.7 tests
 * merged signals. */
static bool wait_reaped(struct server_run *run, int remaining)
{
    struct reaped r = { run, remaining };
    return wait_until_settled(run->server, reaped_down_to, &r, deadline_in(ANSWER_MS));
}

/* Fails unless the server's children have all ended and been reaped, a moment after its
 * clients left (context says how they left). */
static void expect_no_zombies(struct server_run *run, const char *context)
{
    int64_t start = now_ms();
    wait_children_done(run);
    wait_reaped(run, 0);
    struct children c = procinfo_children(run->server->pid);
    if (c.zombies == 0 && c.running == 0)
        return;
    sent("%s", context);
    expected("no child processes left once they are gone");
    got("%d zombie%s and %d running child%s, %.1f s later", c.zombies, c.zombies == 1 ? "" : "s", c.running,
        c.running == 1 ? "" : "ren", (double)(now_ms() - start) / 1000);
    if (c.zombies > 0)
        cause("zombies", "zombies: a child that ended stays in the process table until its parent waits for "
                         "it. Reap children with waitpid(-1, NULL, WNOHANG) in a loop, in a SIGCHLD handler: "
                         "signals do not queue, so one SIGCHLD may stand for many children that ended.");
    else
        cause("children-do-not-exit",
              "children that do not exit: a child must exit once its client has left (recv() "
              "returned 0), not go back to accept().");
    fail();
}

CHECK(concurrent_server, echoes, .number = 1, .points = 2,
      .what = "conc_echo_server echoes what a client sends, until the client shuts down")
{
    struct server_run run = start_server();
    expect_echo(&run, "hello, concurrent world\n", "");
}

CHECK(concurrent_server, idle_client_does_not_block_others, .number = 2, .points = 2,
      .what = "an idle client does not delay another (the server is not iterative)")
{
    struct server_run run = start_server();
    int idle = connect_client(&run);
    expect_echo_on(&run, idle, "a", "a first client sends "); /* it is being served now */
    int fd = connect_client(&run);
    struct text in = { 0 };
    enum io_result r = send_all(fd, "b", 1, deadline_in(ANSWER_MS));
    if (r == IO_OK)
        r = recv_answer(run.server, fd, &in, 1, false, deadline_in(ANSWER_MS));
    if (r == IO_FULL && in.data[0] == 'b')
        return;
    MISMATCH(.sent = "a first client sent \"a\", got its echo and then stayed idle with its connection "
                     "open; a second client sent \"b\"",
             .expected = "the echo \"b\" for the second client at once", .got = io_outcome(r, &in),
             .cause_id = r == IO_TIMEOUT ? "iterative-server" : NULL,
             .cause = r == IO_TIMEOUT ? "iterative server: the second client waited while the first was idle. "
                                        "fork() a child for each client, and let the parent go straight back "
                                        "to accept()."
                                      : NULL);
}

CHECK(concurrent_server, serves_twenty_clients_at_once, .number = 3, .points = 2,
      .what = "20 clients at once are all served, each by a child process of its own")
{
    struct server_run run = start_server();
    int fds[20];
    for (int i = 0; i < 20; i++) {
        fds[i] = connect_client(&run);
        expect_echo_on(&run, fds[i], fmt("client %d\n", i + 1),
                       fmt("20 clients connected one after another, all staying connected; client %d sends ",
                           i + 1));
    }
    struct children c = procinfo_children(run.server->pid);
    if (c.running < 20)
        MISMATCH(.sent = "20 clients, all connected at once",
                 .expected = "20 child processes of the server, one per client", .got = fmt("%d", c.running),
                 .cause_id = "no-fork",
                 .cause = "the contract asks for one child per client: fork() after accept().");
    bool reaping = true; /* until a child is not reaped: then no more waiting */
    for (int i = 0; i < 20; i++) {
        struct text in = { 0 };
        net_shutdown(fds[i], SHUT_WR);
        enum io_result r = recv_answer(run.server, fds[i], &in, 4096, false, deadline_in(ANSWER_MS));
        if (r != IO_EOF) {
            MISMATCH(.sent = fmt("shutdown(SHUT_WR) on client %d of 20", i + 1),
                     .expected = "end-of-file: its child closes the connection and exits",
                     .got = io_outcome(r, &in));
        }
        net_close(fds[i]);
        if (reaping)
            reaping = wait_reaped(&run, 19 - i);
    }
    expect_no_zombies(&run, "20 clients at once, which then left one after another");
}

CHECK(concurrent_server, leaves_no_zombies, .number = 4, .points = 1,
      .what = "no zombie children remain once clients have left")
{
    struct server_run run = start_server();
    for (int i = 0, reaping = 1; i < 5; i++) {
        expect_echo(&run, "bye\n", fmt("client %d of 5 sends ", i + 1));
        if (reaping)
            reaping = wait_reaped(&run, 0);
    }
    expect_no_zombies(&run, "5 clients, one after another, each leaving after its echo");
}

/* Connections to the server's port that the client has closed but the server still holds open. */
static int connections_held_open(struct server_run *run)
{
    struct inet_socket s[300];
    int n = procnet_sockets_of(run->server->pid, "tcp", s, 300), held = 0;
    for (int i = 0; i < n; i++)
        held += s[i].local_port == run->port
                && (s[i].state == PROCNET_TCP_CLOSE_WAIT || s[i].state == PROCNET_TCP_CLOSE);
    return held;
}

CHECK(concurrent_server, parent_closes_connections, .number = 5, .points = 1,
      .what = "the parent's open descriptors do not grow with the clients it served")
{
    struct server_run run = start_server();
    expect_echo(&run, "warm-up\n", "a first client sends ");
    wait_children_done(&run);
    for (int i = 0; i < 10; i++)
        expect_echo(&run, "again\n", fmt("client %d of 10 more sends ", i + 1));
    wait_children_done(&run);
    int held = connections_held_open(&run);
    if (held > 0)
        MISMATCH(.sent = "11 clients, one after another, each leaving after its echo; their children have exited",
                 .expected = "no connection left open in the server",
                 .got = fmt("%d connection%s the clients closed are still open in the server: one descriptor "
                            "per client, leaked",
                            held, held == 1 ? "" : "s"),
                 .cause_id = "parent-keeps-connection",
                 .cause = "after fork(), the connected socket is open in both processes: the parent must "
                          "close() its copy at once, or it leaks one descriptor per client (and runs out "
                          "after about 1000).");
}

CHECK(concurrent_server, survives_reset_connections, .number = 6, .points = 1,
      .what = "a client that resets its connection does not kill the server")
{
    struct server_run run = start_server();
    for (int i = 0; i < 3; i++) {
        int fd = connect_client(&run);
        const char *data = test_bytes(65536, 6);
        send_all(fd, data, 65536, deadline_in(ANSWER_MS));
        /* Linger with a zero timeout: close() sends a reset instead of a polite end. */
        struct linger hard = { .l_onoff = 1, .l_linger = 0 };
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
        net_close(fd);
    }
    wait_children_done(&run);
    if (!proc_running(run.server)) {
        MISMATCH(.sent = "3 clients that each sent 64 KiB and reset the connection without reading the echo",
                 .expected = "the server to go on running", .program = run.server, .cause_id = "sigpipe",
                 .cause = "a send() to a reset connection raises SIGPIPE, which kills the process that gets "
                          "it: ignore SIGPIPE (signal(SIGPIPE, SIG_IGN)) and handle the EPIPE error instead.");
    }
    expect_echo(&run, "still there?\n", "after 3 clients reset their connections, a new client sends ");
}

CHECK(concurrent_server, no_zombies_after_a_burst, .number = 7, .points = 1,
      .what = "no zombies remain after 20 clients leave at the same moment (signals merge)")
{
    struct server_run run = start_server();
    int fds[20];
    for (int i = 0; i < 20; i++) {
        fds[i] = connect_client(&run);
        expect_echo_on(&run, fds[i], "hi\n",
                       fmt("20 clients connected, all staying connected; client %d sends ", i + 1));
    }
    /* All at once: their children end together, and their SIGCHLDs merge into fewer signals. */
    for (int i = 0; i < 20; i++)
        net_close(fds[i]);
    expect_no_zombies(&run,
                      "20 clients, each served by its own child, closed their connections at the same moment");
}
