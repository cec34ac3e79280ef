/* 03-inet-stream-seqnum: Internet domain stream sockets (TLPI 59.11).
 * Its rubric is its CHECK lines below (bin/grader list --checks prints it). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "procnet.h"

EXERCISE(inet_stream_seqnum, .id = "03-inet-stream-seqnum", .number = 3,
         .programs = { "seqnum_server", "seqnum_client" });

/* --- seqnum_server: the check is the client ---------------------------------------------- */

struct server_run {
    struct proc *server;
    uint16_t port;
};

static struct server_run start_server(void)
{
    struct server_run run = { .port = check_port() };
    run.server = START("seqnum_server", fmt("%u", run.port));
    return run;
}

/* True when the server's end of the connection fd still holds bytes we sent: nobody read them. */
static bool request_unread(int fd)
{
    struct inet_socket s;
    return procnet_peer_end(fd, &s) && s.rx_queue > 0;
}

/* One request on a new connection to ip; returns the reply line (without '\n'), or fails. */
static const char *ask_at(struct server_run *run, const char *ip, const char *request, const char *context)
{
    int fd = connect_tcp_server(run->server, ip, run->port);
    struct text in = { 0 };
    enum io_result r = send_all(fd, request, strlen(request), deadline_in(ANSWER_MS));
    if (r == IO_OK)
        r = recv_answer(run->server, fd, &in, 256, true, deadline_in(ANSWER_MS));
    bool unread = r == IO_TIMEOUT && in.len == 0 && request_unread(fd);
    net_close(fd);
    if (r == IO_OK || (r == IO_EOF && in.len > 0 && in.data[in.len - 1] == '\n')) {
        in.data[strcspn(in.data, "\n")] = '\0';
        return fmt("%s", in.data);
    }
    struct mismatch m = { .sent = fmt("%s%s", context, quote(request, strlen(request))),
                          .expected = "one reply line ending in \\n",
                          .got = io_outcome(r, &in),
                          .program = run->server };
    if (r == IO_EOF && in.len > 0) {
        m.cause_id = "no-newline";
        m.cause = "end the reply with a newline: the client reads up to it.";
    } else if (unread) {
        m.cause_id = "request-not-read";
        m.cause = "the request was never read: the connection waited in the listening socket's queue "
                  "(or its bytes in the connected socket) the whole time. Is the server calling "
                  "accept(), then recv()?";
    }
    fail_mismatch(&m);
}

static const char *ask(struct server_run *run, const char *request, const char *context)
{
    return ask_at(run, "127.0.0.1", request, context);
}

/* Fails unless reply is want; explains what the difference suggests. */
static void expect_reply(const char *reply, const char *want, const char *context, const char *request)
{
    if (strcmp(reply, want) != 0)
        MISMATCH(.sent = fmt("%s%s", context, quote(request, strlen(request))),
                 .expected = quote(fmt("%s\n", want), strlen(want) + 1),
                 .got = quote(fmt("%s\n", reply), strlen(reply) + 1));
}

CHECK(inet_stream_seqnum, first_client_gets_zero, .number = 1, .points = 2,
      .what = "seqnum_server gives the first client sequence number 0")
{
    struct server_run run = start_server();
    expect_reply(ask(&run, "1\n", "a first client sends "), "0", "a first client sends ", "1\n");
}

CHECK(inet_stream_seqnum, adds_counts, .number = 2, .points = 1,
      .what = "seqnum_server adds each client's count to the sequence")
{
    struct server_run run = start_server();
    static const struct {
        const char *request, *reply;
    } steps[] = {
        { "5\n", "0" },
        { "3\n", "5" },
        { "1000\n", "8" },
        { "1\n", "1008" },
    };
    for (int i = 0; i < 4; i++) {
        const char *context = fmt("clients send 5, 3, 1000 and 1, one connection each; client %d sends ",
                                  i + 1);
        const char *reply = ask(&run, steps[i].request, context);
        if (strcmp(reply, steps[i].reply) != 0 && i > 0 && strcmp(reply, "0") == 0)
            cause("sequence-not-kept",
                  "the sequence did not advance: keep it in a variable that outlives the connection "
                  "(declared outside the accept() loop).");
        expect_reply(reply, steps[i].reply, context, steps[i].request);
    }
}

CHECK(inet_stream_seqnum, reads_request_in_pieces, .number = 3, .points = 1,
      .what = "seqnum_server reads a request that arrives in pieces, up to the newline")
{
    struct server_run run = start_server();
    int fd = connect_tcp_server(run.server, "127.0.0.1", run.port);
    send_all(fd, "4", 1, deadline_in(ANSWER_MS));
    /* Only once the server has read the "4" do we send the rest: the two pieces cannot arrive
     * in one recv(), however the scheduler runs things. */
    if (!wait_peer_consumed(fd, run.server) && !wait_readable(fd, now_ms()))
        MISMATCH(.sent = "\"4\", the first piece of the request 42, on a new connection",
                 .expected = "the server to read it", .program = run.server,
                 .got = "it never did, so this check could not run: the connection waits in the queue "
                        "of the listening socket until accept() takes it, then the bytes until recv() "
                        "reads them");
    send_all(fd, "2\n", 2, deadline_in(ANSWER_MS));
    struct text in = { 0 };
    enum io_result r = recv_answer(run.server, fd, &in, 256, true, deadline_in(ANSWER_MS));
    net_close(fd);
    const char *context =
        "\"4\", then, once the server had read it, \"2\\n\" on the same connection; then a new client sends ";
    if (r != IO_OK || strcmp(in.data, "0\n") != 0)
        MISMATCH(.sent = "\"4\", then, once the server had read it, \"2\\n\" (the request 42 in two pieces)",
                 .expected = "\"0\\n\"", .got = io_outcome(r, &in), .cause_id = "single-recv",
                 .cause = "a stream has no message boundaries: one recv() may return part of a line. "
                          "Keep calling recv() and appending until the buffer holds a '\\n'.");
    const char *reply = ask(&run, "1\n", context);
    if (strcmp(reply, "42") != 0) {
        sent("%s\"1\\n\"", context);
        expected("\"42\\n\": the first request was 42");
        got("%s", quote(fmt("%s\n", reply), strlen(reply) + 1));
        if (strcmp(reply, "4") == 0)
            cause("single-recv", "the server took \"4\" for the whole request: it read once and parsed what it "
                                 "had. Read until the '\\n' arrives.");
        fail();
    }
}

CHECK(inet_stream_seqnum, rejects_bad_counts, .number = 4, .points = 1,
      .what = "seqnum_server answers ERR to a bad count and leaves the sequence alone")
{
    struct server_run run = start_server();
    static const char *const bad[] = { "abc\n", "0\n", "1001\n", "12x\n", "-3\n" };
    for (int i = 0; i < 5; i++) {
        const char *reply = ask(&run, bad[i], "a request that is not a count from 1 to 1000: ");
        if (strcmp(reply, "ERR") != 0)
            cause("input-not-validated",
                  "check the whole line: only digits, and a value from 1 to 1000 (strtol's end "
                  "pointer tells where the digits stopped).");
        expect_reply(reply, "ERR", "a request that is not a count from 1 to 1000: ", bad[i]);
    }
    const char *context = "five bad requests, then ";
    expect_reply(ask(&run, "7\n", context), "0", context, "7\n");
}

CHECK(inet_stream_seqnum, serves_many_clients, .number = 5, .points = 1,
      .what = "seqnum_server serves many clients one after another")
{
    struct server_run run = start_server();
    long seq = 0;
    for (int i = 1; i <= 10; i++) {
        const char *request = fmt("%d\n", i);
        const char *context = fmt("client %d of 10 sends ", i);
        if (i > 1 && !proc_running(run.server)) {
            sent("%s%s", context, quote(request, strlen(request)));
            expected("the server to be still running");
            tell_about(run.server);
            fail();
        }
        expect_reply(ask(&run, request, context), fmt("%ld", seq), context, request);
        seq += i;
    }
}

CHECK(inet_stream_seqnum, listens_on_all_addresses, .number = 6, .points = 1,
      .what = "seqnum_server listens on all IPv4 addresses (INADDR_ANY)")
{
    struct server_run run = start_server();
    (void)ask(&run, "1\n", "first, on 127.0.0.1: ");
    uint32_t ip;
    if (bound_to_one_address(run.server->pid, "tcp", run.port, &ip))
        MISMATCH(.expected = fmt("the server to listen on 0.0.0.0:%u, every address of the host", run.port),
                 .got = fmt("it listens on %u.%u.%u.%u only", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff,
                            ip & 0xff),
                 .cause_id = "not-inaddr-any",
                 .cause =
                     "bind to htonl(INADDR_ANY), not to one address: clients may reach the host by any of them.");
    expect_reply(ask_at(&run, "127.0.0.2", "1\n", "on 127.0.0.2 (another address of this host): "), "1",
                 "on 127.0.0.2: ", "1\n");
}

CHECK(inet_stream_seqnum, restarts_on_same_port, .number = 7, .points = 1,
      .what = "seqnum_server can restart at once on the same port (SO_REUSEADDR)")
{
    struct server_run run = start_server();
    /* The server closes first, so its end of the connection stays in TIME_WAIT for a minute. */
    int fd = connect_tcp_server(run.server, "127.0.0.1", run.port);
    struct text in = { 0 };
    send_all(fd, "1\n", 2, deadline_in(ANSWER_MS));
    recv_answer(run.server, fd, &in, 256, false, deadline_in(ANSWER_MS));
    net_close(fd);
    proc_kill(run.server);

    struct server_run again = { .port = run.port };
    again.server = START("seqnum_server", fmt("%u", run.port));
    cause_if_fails("no-reuseaddr",
                   "after one client, the server was stopped and started again on port %u, whose "
                   "last connection is still in TIME_WAIT. Without SO_REUSEADDR, bind() then fails "
                   "with EADDRINUSE: call setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, ...) before bind().",
                   run.port);
    fd = connect_tcp_server(again.server, "127.0.0.1", run.port);
    net_close(fd);
}

/* --- seqnum_client: the check is the server ----------------------------------------------- */

struct client_run {
    struct proc *client;
    int listeners[2]; /* 127.0.0.1, and [::1] where the host has IPv6 (else -1) */
    uint16_t port;
};

static struct client_run start_client(const char *host, const char *count)
{
    struct client_run run = { 0 };
    if (loopback_pair(SOCK_STREAM, run.listeners, &run.port) < 0)
        cr_assert_fail("could not listen: %s", errno_text(errno));
    const char *port = fmt("%u", run.port);
    run.client = count ? START("seqnum_client", host, port, count) : START("seqnum_client", host, port);
    return run;
}

/* Accepts the client (on either loopback address) and reads its request line; fails unless it
 * is want. *command gets a note when the client went to [::1]. */
static int expect_request(struct client_run *run, const char *want, const char **command)
{
    int fd = -1;
    int which = await_any_readable_or_exit(run->listeners, 2, run->client, deadline_in(STARTUP_MS));
    if (which >= 0)
        fd = accept_until(run->listeners[which], deadline_in(ANSWER_MS));
    if (which == 1)
        *command = fmt("%s, which connected to [::1]:%u (localhost is ::1 first on this machine: "
                       "fine)",
                       *command, run->port);
    if (fd < 0) {
        sent("ran %s", *command);
        expected("a connection to 127.0.0.1:%u%s", run->port,
                 run->listeners[1] >= 0 ? fmt(" or [::1]:%u", run->port) : "");
        if (proc_wait(run->client, deadline_in(0)))
            tell_about(run->client);
        else
            got("none within %d s", STARTUP_MS / 1000);
        fail();
    }
    struct text in = { 0 };
    enum io_result r = recv_until(fd, &in, 256, true, deadline_in(ANSWER_MS));
    if (r == IO_OK && strcmp(in.data, want) == 0)
        return fd;
    sent("ran %s", *command);
    expected("the request %s", quote(want, strlen(want)));
    got("%s", io_outcome(r, &in));
    if (r == IO_EOF && in.len > 0 && in.data[in.len - 1] != '\n')
        cause("no-newline", "end the request with '\\n': the server reads up to it.");
    fail();
}

static void expect_printed(struct client_run *run, const char *want, const char *command)
{
    if (!wait_for_exit(run->client, deadline_in(ANSWER_MS)))
        MISMATCH(.sent = fmt("ran %s, and replied %s", command, quote(fmt("%s\n", want), strlen(want) + 1)),
                 .expected = "seqnum_client to print it and exit",
                 .got = fmt("it was still running %d s later", ANSWER_MS / 1000), .cause_id = "single-recv",
                 .cause = "read until the '\\n' (or end-of-file), then print and exit.");
    struct text out = { 0 };
    program_stdout(run->client, &out, 4096);
    const char *with_newline = fmt("%s\n", want);
    bool printed = strcmp(text_str(&out), want) == 0 || strcmp(text_str(&out), with_newline) == 0;
    if (printed && exited_with(run->client, 0))
        return;
    sent("ran %s, and replied %s", command, quote(with_newline, strlen(with_newline)));
    expected("%s on stdout and exit status 0", quote(with_newline, strlen(with_newline)));
    if (!printed)
        got("%s on stdout", quote_text(&out));
    tell_about(run->client);
    fail();
}

CHECK(inet_stream_seqnum, client_default_count, .number = 8, .points = 1,
      .what = "seqnum_client sends 1 by default and prints the number it receives")
{
    struct client_run run = start_client("127.0.0.1", NULL);
    const char *command = fmt("seqnum_client 127.0.0.1 %u", run.port);
    int fd = expect_request(&run, "1\n", &command);
    send_all(fd, "42\n", 3, deadline_in(ANSWER_MS));
    net_close(fd);
    expect_printed(&run, "42", command);
}

CHECK(inet_stream_seqnum, client_resolves_and_reads_pieces, .number = 9, .points = 1,
      .what = "seqnum_client resolves a name, sends N, and reads a reply that arrives in pieces")
{
    struct client_run run = start_client("localhost", "17");
    const char *command = fmt("seqnum_client localhost %u 17", run.port);
    int fd = expect_request(&run, "17\n", &command);
    /* "1234\n" in three pieces, each sent once the client has read the one before. */
    static const char *const pieces[] = { "12", "34", "\n" };
    for (int i = 0; i < 3; i++) {
        send_all(fd, pieces[i], strlen(pieces[i]), deadline_in(ANSWER_MS));
        if (i < 2)
            wait_peer_consumed(fd, run.client);
    }
    net_close(fd);
    expect_printed(&run, "1234", fmt("%s (the reply came in three pieces: \"12\", \"34\", \"\\n\")", command));
}

CHECK(inet_stream_seqnum, client_reports_connect_failure, .number = 10, .points = 1,
      .what = "seqnum_client exits with status 1 when it cannot connect")
{
    uint16_t port = check_port(); /* leased for us, and nothing listens on it */
    struct proc *client = START("seqnum_client", "127.0.0.1", fmt("%u", port));
    if (!wait_for_end(client, deadline_in(ANSWER_MS)))
        MISMATCH(.expected = fmt("seqnum_client to give up at once: nothing listens on 127.0.0.1:%u", port),
                 .got = fmt("it was still running: %s", why_stopped(fmt("after %d s", ANSWER_MS / 1000))));
    if (exited_with(client, 1))
        return;
    sent("ran seqnum_client 127.0.0.1 %u, with nothing listening there", port);
    expected("exit status 1 and a message on stderr");
    tell_about(client);
    fail();
}
