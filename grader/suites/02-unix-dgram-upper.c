/* 02-unix-dgram-upper: UNIX domain datagram sockets (TLPI 57.3).
 * Its rubric is its CHECK lines below (bin/grader list --checks prints it). */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness.h"

EXERCISE(unix_dgram_upper, .id = "02-unix-dgram-upper", .number = 2,
         .programs = { "upper_server", "upper_client" });

static const char *upper(const char *bytes, size_t n)
{
    char *u = scratch_alloc(n);
    memcpy(u, bytes, n);
    for (size_t i = 0; i < n; i++)
        if (u[i] >= 'a' && u[i] <= 'z')
            u[i] = (char)(u[i] - 'a' + 'A');
    return u;
}

/* --- upper_server: the check is the client ------------------------------------------------ */

struct server_run {
    struct proc *server;
    const char *path;
};

static struct server_run start_server(void)
{
    struct server_run run = { .path = scratch_path("upper.sock") };
    run.server = START("upper_server", run.path);
    wait_unix_dgram_server(run.server, run.path);
    return run;
}

static int bind_client(const char *name)
{
    const char *path = scratch_path(name);
    int fd = unix_dgram_bind(path);
    if (fd < 0)
        cr_assert_fail("could not bind %s: %s", path, errno_text(errno));
    return fd;
}

static void send_datagram(struct server_run *run, int fd, const void *msg, size_t n)
{
    if (unix_sendto(fd, run->path, msg, n) < 0)
        MISMATCH(.sent = fmt("a datagram of %zu bytes to %s", n, run->path),
                 .got = fmt("sendto() failed with %s", errno_text(errno)), .program = run->server);
}

/* Expects the next datagram on fd to be exactly the capitals of msg. */
static void expect_reply(struct server_run *run, int fd, const char *msg, size_t n, const char *context)
{
    struct text in = { 0 };
    enum io_result r = IO_TIMEOUT;
    if (await_answer(fd, run->server, deadline_in(ANSWER_MS)))
        r = recv_datagram(fd, &in, 65536, NULL, NULL, deadline_in(ANSWER_MS));
    const char *want = upper(msg, n);
    if (r == IO_OK && in.len == n && memcmp(in.data, want, n) == 0)
        return;
    struct mismatch m = { .sent = context,
                          .program = run->server,
                          .expected = fmt("one datagram back: %s (%zu bytes)", quote(want, n), n) };
    if (r == IO_OK) {
        m.want = want;
        m.want_len = n;
        m.got_bytes = &in;
    } else {
        const char *why = why_stopped(NULL);
        if (r != IO_TIMEOUT)
            m.got = io_outcome(r, &in);
        else
            m.got = why ? fmt("no reply (%s)", why) : fmt("no reply within %d s", ANSWER_MS / 1000);
    }
    if (r == IO_OK && in.len > n && memcmp(in.data, want, n) == 0) {
        m.cause_id = "reply-length";
        m.cause = "datagrams keep their boundaries: reply with exactly the n bytes recvfrom() returned, "
                  "not the whole buffer.";
    } else if (r == IO_TIMEOUT) {
        m.cause_id = "reply-address";
        m.cause = "reply with sendto() to the address recvfrom() filled in (and pass it the address "
                  "length recvfrom() returned).";
    }
    fail_mismatch(&m);
}

CHECK(unix_dgram_upper, answers_in_capitals, .number = 1, .points = 2,
      .what = "upper_server answers a datagram with the same bytes in capitals")
{
    struct server_run run = start_server();
    int fd = bind_client("client.sock");
    static const char msg[] = "Hello, datagram world 42!";
    send_datagram(&run, fd, msg, strlen(msg));
    expect_reply(&run, fd, msg, strlen(msg), fmt("the datagram %s", quote(msg, strlen(msg))));
}

CHECK(unix_dgram_upper, keeps_message_boundaries, .number = 2, .points = 1,
      .what = "upper_server keeps message boundaries: one reply per datagram")
{
    struct server_run run = start_server();
    int fd = bind_client("client.sock");
    static const char *const msgs[] = { "a", "bb", "ccc" };
    for (int i = 0; i < 3; i++)
        send_datagram(&run, fd, msgs[i], strlen(msgs[i]));
    for (int i = 0; i < 3; i++)
        expect_reply(&run, fd, msgs[i], strlen(msgs[i]),
                     fmt("three datagrams at once, \"a\", \"bb\" and \"ccc\"; this is reply %d", i + 1));
}

CHECK(unix_dgram_upper, changes_only_ascii_letters, .number = 3, .points = 1,
      .what = "upper_server changes only the letters a-z, and is binary-safe")
{
    struct server_run run = start_server();
    int fd = bind_client("client.sock");
    char all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (char)i; /* NUL first: a string function would see an empty message */
    send_datagram(&run, fd, all, sizeof all);
    expect_reply(&run, fd, all, sizeof all, "a datagram with every byte value 0 to 255, NUL first");
}

CHECK(unix_dgram_upper, handles_4096_bytes, .number = 4, .points = 1,
      .what = "upper_server handles a datagram of 4096 bytes")
{
    struct server_run run = start_server();
    int fd = bind_client("client.sock");
    const char *data = test_bytes(4096, 3);
    send_datagram(&run, fd, data, 4096);
    expect_reply(&run, fd, data, 4096, "one datagram of 4096 bytes");
}

CHECK(unix_dgram_upper, answers_each_client, .number = 5, .points = 1,
      .what = "upper_server answers each client at its own address")
{
    struct server_run run = start_server();
    int one = bind_client("one.sock"), two = bind_client("two.sock");
    send_datagram(&run, one, "from one", 8);
    send_datagram(&run, two, "from two", 8);
    expect_reply(&run, two, "from two", 8,
                 "\"from one\" from one client, then \"from two\" from another; "
                 "this is the second client's reply");
    expect_reply(&run, one, "from one", 8,
                 "\"from one\" from one client, then \"from two\" from another; "
                 "this is the first client's reply");
}

CHECK(unix_dgram_upper, removes_stale_socket_file, .number = 6, .points = 1,
      .what = "upper_server removes a stale socket file at PATH before bind()")
{
    const char *path = scratch_path("upper.sock");
    int stale = unix_dgram_bind(path); /* bound, then closed: the file stays */
    if (stale < 0)
        cr_assert_fail("could not create the stale socket file: %s", errno_text(errno));
    net_close(stale);
    struct server_run run = { .path = path, .server = START("upper_server", path) };
    /* Bound at PATH is the proof: bind() fails with EADDRINUSE while the stale file is there.
     * Whether it answers well is for the other checks, so this one never blames the file. */
    wait_unix_dgram_server(run.server, path);
}

/* --- upper_client: the check is the server ------------------------------------------------ */

static const char *const client_msgs[] = { "hello", "Datagram Two", "3rd one!" };

struct client_run {
    struct proc *client;
    int server_fd;
    struct sockaddr_un from; /* the client's address, from its first datagram */
    socklen_t from_len;
};

static struct client_run start_client(void)
{
    struct client_run run = { 0 };
    const char *path = scratch_path("server.sock");
    run.server_fd = unix_dgram_bind(path);
    if (run.server_fd < 0)
        cr_assert_fail("could not bind %s: %s", path, errno_text(errno));
    run.client = START("upper_client", path, client_msgs[0], client_msgs[1], client_msgs[2]);
    return run;
}

static bool is_unnamed(const struct sockaddr_un *a, socklen_t len)
{
    (void)a;
    return len <= offsetof(struct sockaddr_un, sun_path);
}

/* Receives message i of the client, checks it, and answers it in capitals. */
static void serve_message(struct client_run *run, int i)
{
    struct text in = { 0 };
    struct sockaddr_storage from;
    socklen_t from_len;
    enum io_result r = IO_TIMEOUT;
    if (await_readable_or_exit(run->server_fd, run->client, deadline_in(ANSWER_MS)))
        r = recv_datagram(run->server_fd, &in, 65536, &from, &from_len, deadline_in(ANSWER_MS));
    const char *want = client_msgs[i];
    static const char command[] = "ran upper_client PATH \"hello\" \"Datagram Two\" \"3rd one!\"";
    if (r != IO_OK || in.len != strlen(want) || memcmp(in.data, want, in.len) != 0) {
        sent("%s", command);
        expected("datagram %d to be exactly %s", i + 1, quote(want, strlen(want)));
        if (r == IO_OK)
            got("%s", quote_text(&in));
        else if (proc_wait(run->client, deadline_in(0)))
            tell_about(run->client);
        else
            got("no datagram within %d s", ANSWER_MS / 1000);
        if (r == IO_OK && in.len > strlen(want))
            cause("message-length", "send exactly the message's bytes (strlen), one sendto() per message.");
        fail();
    }
    memcpy(&run->from, &from, sizeof run->from);
    run->from_len = from_len;
    if (is_unnamed(&run->from, from_len))
        MISMATCH(.sent = command, .expected = "the datagram to come from an address the server can reply to",
                 .got = "it came from an unnamed socket", .cause_id = "unbound-dgram-client",
                 .cause = "the client never bound its own address, so the server has nowhere to send the "
                          "reply. bind() the client's socket to a unique path (e.g. made with its process "
                          "id) before sendto().");
    const char *reply = upper(want, strlen(want));
    if (net_sendto(run->server_fd, reply, strlen(want), (struct sockaddr *)&from, from_len) < 0)
        cr_assert_fail("could not reply to the client: %s", errno_text(errno));
}

static void wait_client(struct client_run *run)
{
    if (!wait_for_exit(run->client, deadline_in(ANSWER_MS)))
        MISMATCH(.expected = "upper_client to exit after printing the three replies",
                 .got = fmt("it was still running %d s later", ANSWER_MS / 1000));
}

CHECK(unix_dgram_upper, client_prints_replies, .number = 7, .points = 1,
      .what = "upper_client sends each MSG as one datagram and prints each reply on its own line")
{
    struct client_run run = start_client();
    for (int i = 0; i < 3; i++)
        serve_message(&run, i);
    wait_client(&run);
    static const char want[] = "HELLO\nDATAGRAM TWO\n3RD ONE!\n";
    struct text out = { 0 };
    program_stdout(run.client, &out, 65536);
    if (exited_with(run.client, 0) && out.len == strlen(want) && memcmp(out.data, want, out.len) == 0)
        return;
    sent("the replies \"HELLO\", \"DATAGRAM TWO\" and \"3RD ONE!\", one datagram each");
    expected("%s on stdout and exit status 0", quote(want, strlen(want)));
    if (out.len != strlen(want) || memcmp(out.data, want, out.len) != 0)
        explain_difference(want, strlen(want), &out);
    tell_about(run.client);
    fail();
}

CHECK(unix_dgram_upper, client_binds_own_address, .number = 8, .points = 1,
      .what = "upper_client binds an address of its own, so that replies can reach it")
{
    struct client_run run = start_client();
    for (int i = 0; i < 3; i++)
        serve_message(&run, i); /* fails with the diagnosis when the sender is unnamed */
    wait_client(&run);          /* and lets the client clean up after itself */
}

CHECK(unix_dgram_upper, client_removes_own_socket_file, .number = 9, .points = 1,
      .what = "upper_client removes its own socket file before it exits")
{
    struct client_run run = start_client();
    for (int i = 0; i < 3; i++)
        serve_message(&run, i);
    wait_client(&run);
    if (run.from.sun_path[0] == '\0')
        return; /* an abstract address leaves no file behind */
    struct stat st;
    if (lstat(run.from.sun_path, &st) < 0)
        return;
    unlink(run.from.sun_path);
    MISMATCH(.expected = "upper_client's own socket file to be gone once it has exited",
             .got = fmt("%s is still there", run.from.sun_path), .cause_id = "socket-file-left",
             .cause = "a socket file outlives its socket: unlink() it before exiting, or the next run's "
                      "bind() fails with EADDRINUSE.");
}
