/* 01-unix-stream-echo: UNIX domain stream sockets (TLPI 57.2).
 * Its rubric is its CHECK lines below (bin/grader list --checks prints it). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

EXERCISE(unix_stream_echo, .id = "01-unix-stream-echo", .number = 1,
         .programs = { "echo_server", "echo_client" });

/* --- echo_server: the check is the client ------------------------------------------------ */

static struct proc *start_server(const char **path)
{
    *path = scratch_path("echo.sock");
    return START("echo_server", *path);
}

/* Sends msg on a new connection, shuts down, and expects exactly msg back, then end-of-file. */
static void expect_echo(struct proc *server, const char *path, const void *msg, size_t n)
{
    int fd = connect_unix_server(server, path);
    expect_reply_then_eof(fd, server, msg, n,
                          fmt("%s (%zu bytes) on a new connection, then shutdown(SHUT_WR)", quote(msg, n), n),
                          msg, n);
    net_close(fd);
}

CHECK(unix_stream_echo, echoes_a_message, .number = 1, .points = 2,
      .what = "echo_server echoes a message, then closes when the client shuts down its side")
{
    const char *path;
    struct proc *server = start_server(&path);
    expect_echo(server, path, "hello, socket\n", 14);
}

CHECK(unix_stream_echo, echoes_until_shutdown, .number = 2, .points = 1,
      .what = "echo_server keeps echoing until the client shuts down its side")
{
    const char *path;
    struct proc *server = start_server(&path);
    int fd = connect_unix_server(server, path);
    static const char *const parts[] = { "first\n", "second\n", "third\n" };
    for (int i = 0; i < 3; i++) {
        struct text in = { 0 };
        size_t n = strlen(parts[i]);
        enum io_result r = send_all(fd, parts[i], n, deadline_in(ANSWER_MS));
        if (r == IO_OK)
            r = recv_until(fd, &in, n, false, deadline_in(ANSWER_MS));
        if (r == IO_FULL && memcmp(in.data, parts[i], n) == 0)
            continue;
        const char *what = fmt("three messages on one connection, each after the echo of the one "
                               "before; this was message %d: %s",
                               i + 1, quote(parts[i], n));
        const char *echo = fmt("its echo, %s", quote(parts[i], n));
        if (i > 0 && (r == IO_EOF || r == IO_ERROR))
            MISMATCH(.sent = what, .expected = echo, .got = io_outcome(r, &in),
                     .cause_id = "closes-after-one-message",
                     .cause = "the server closed the connection after the first message: keep calling "
                              "recv() and echoing until it returns 0 (the client shut down its side).");
        if (r == IO_TIMEOUT)
            MISMATCH(.sent = what, .expected = echo, .got = io_outcome(r, &in),
                     .cause_id = "waits-before-echoing",
                     .cause = "the server waits for more before echoing: send back what each recv() "
                              "returns, right away.");
        MISMATCH(.sent = what, .expected = echo, .got = io_outcome(r, &in), .program = server);
    }
    net_close(fd);
}

CHECK(unix_stream_echo, echoes_binary_data, .number = 3, .points = 2,
      .what = "echo_server echoes 1 MiB of binary data, NUL bytes included")
{
    const char *path;
    struct proc *server = start_server(&path);
    size_t n = 1 << 20;
    const char *data = test_bytes(n, 1);
    int fd = connect_unix_server(server, path);
    struct text in = { 0 };
    /* We send and read at the same time: a server that echoes as it reads never blocks. */
    enum io_result r = exchange(fd, data, n, true, &in, n + 4096, deadline_in(2 * ANSWER_MS));
    net_close(fd);
    if (r == IO_EOF && in.len == n && memcmp(in.data, data, n) == 0)
        return;
    const char *what = "1 MiB (1048576 bytes) of binary data with NUL bytes, then shutdown(SHUT_WR)";
    if (r == IO_EOF || r == IO_FULL)
        MISMATCH(.sent = what, .expected = "the same bytes back, then end-of-file", .want = data,
                 .want_len = n, .got_bytes = &in, .program = server);
    MISMATCH(.sent = what, .expected = "the same bytes back, then end-of-file",
             .got = fmt("%s after %zu bytes", io_outcome(r, &(struct text){ 0 }), in.len), .program = server);
}

CHECK(unix_stream_echo, serves_clients_one_after_another, .number = 4, .points = 1,
      .what = "echo_server serves clients one after another, forever")
{
    const char *path;
    struct proc *server = start_server(&path);
    static const char *const messages[] = { "client one\n", "client two\n", "client three\n" };
    for (int i = 0; i < 3; i++) {
        if (i > 0 && !proc_running(server))
            MISMATCH(.sent = fmt("a message from client %d, after client %d had finished", i + 1, i),
                     .expected = "the server to be still running, waiting in accept() for the next client",
                     .program = server, .cause_id = "serves-one-client",
                     .cause =
                         "after serving one client, go back to accept(): an iterative server loops forever.");
        expect_echo(server, path, messages[i], strlen(messages[i]));
    }
}

CHECK(unix_stream_echo, removes_stale_socket_file, .number = 5, .points = 1,
      .what = "echo_server removes a stale socket file at PATH before bind()")
{
    const char *path = scratch_path("echo.sock");
    int stale = unix_listen(path); /* bound, then closed: the file stays, nobody listens */
    if (stale < 0)
        cr_assert_fail("could not create the stale socket file: %s", errno_text(errno));
    net_close(stale);
    struct proc *server = START("echo_server", path);
    expect_echo(server, path, "after a crash\n", 14);
}

CHECK(unix_stream_echo, survives_client_that_leaves, .number = 10, .points = 1,
      .what = "echo_server survives a client that leaves before reading its echo (SIGPIPE)")
{
    const char *path;
    struct proc *server = start_server(&path);
    /* A first client keeps the server busy, so the second waits in the queue: it sends and
     * leaves before the server has echoed a byte, whatever the scheduler does. */
    int busy = connect_unix_server(server, path);
    struct text in = { 0 };
    enum io_result r = send_all(busy, "x", 1, deadline_in(ANSWER_MS));
    if (r == IO_OK)
        r = recv_until(busy, &in, 1, false, deadline_in(ANSWER_MS));
    if (r != IO_FULL)
        MISMATCH(.sent = "\"x\" on a first connection", .expected = "its echo, \"x\"",
                 .got = fmt("%s, so this check could not run (see 1.1)", io_outcome(r, &in)));
    int leaver = connect_unix_server(server, path);
    send_all(leaver, test_bytes(1000, 10), 1000, deadline_in(ANSWER_MS));
    net_close(leaver);
    in.len = 0;
    net_shutdown(busy, SHUT_WR);
    recv_until(busy, &in, 4096, false, deadline_in(ANSWER_MS));
    net_close(busy);
    cause_if_fails("sigpipe", "a client sent 1000 bytes and left without reading the echo, so the server's "
                              "send() went to a closed connection: that raises SIGPIPE, which kills the "
                              "process. Ignore it (signal(SIGPIPE, SIG_IGN)) or send with MSG_NOSIGNAL, "
                              "treat the EPIPE error as the end of that client, and accept() the next one.");
    expect_echo(server, path, "anyone home?\n", 13);
}

/* --- echo_client: the check is the server ------------------------------------------------ */

struct client_run {
    struct proc *client;
    int listener;
    const char *path;
};

static struct client_run start_client(const void *input, size_t n)
{
    struct client_run run = { .path = scratch_path("server.sock") };
    run.listener = unix_listen(run.path);
    if (run.listener < 0)
        cr_assert_fail("could not listen at %s: %s", run.path, errno_text(errno));
    run.client = start_program("echo_client", (const char *const[]){ run.path, NULL }, input, n);
    return run;
}

static int accept_client(struct client_run *run)
{
    int fd = -1;
    if (await_readable_or_exit(run->listener, run->client, deadline_in(STARTUP_MS)))
        fd = accept_until(run->listener, deadline_in(ANSWER_MS));
    if (fd >= 0)
        return fd;
    expected("echo_client to connect to %s", run->path);
    if (proc_wait(run->client, deadline_in(0)))
        tell_about(run->client);
    else
        got("no connection within %d s", STARTUP_MS / 1000);
    fail();
}

/* Waits for the client to end and checks its stdout is exactly want. */
static void expect_client_output(struct client_run *run, const void *want, size_t n, const char *what)
{
    if (!wait_for_exit(run->client, deadline_in(ANSWER_MS)))
        MISMATCH(.expected = fmt("echo_client to print %s and exit", what),
                 .got = fmt("it was still running %d s after the server closed the connection",
                            ANSWER_MS / 1000),
                 .cause_id = "stops-before-eof",
                 .cause = "read until recv() returns 0 (end-of-file), then exit.");
    struct text out = { 0 };
    program_stdout(run->client, &out, n + 65536);
    bool right = out.len == n && memcmp(out.data, want, n) == 0;
    if (right && exited_with(run->client, 0) && exited_before_its_processes(run->client))
        MISMATCH(.expected = "echo_client to exit once all of its output is written",
                 .got = "it exited while another of its processes was still running and writing the output",
                 .cause_id = "no-wait-for-child",
                 .cause = "wait for the child (waitpid()) before exiting: a shell shows its prompt as soon "
                          "as the client exits, in the middle of the output, and the next command of a "
                          "pipeline or script may miss the rest.");
    if (exited_with(run->client, 0) && right)
        return;
    expected("%s on stdout, and exit status 0", what);
    if (out.len != n || memcmp(out.data, want, n) != 0)
        explain_difference(want, n, &out);
    tell_about(run->client);
    fail();
}

CHECK(unix_stream_echo, client_prints_reply, .number = 6, .points = 1,
      .what = "echo_client prints what the server sends back")
{
    static const char input[] = "ping over a UNIX socket\n";
    size_t n = strlen(input);
    struct client_run run = start_client(input, n);
    int fd = accept_client(&run);
    struct text in = { 0 };
    /* This server echoes as soon as it has the whole input: it does not need end-of-file. */
    int64_t deadline = deadline_in(ANSWER_MS);
    enum io_result r = recv_answer(run.client, fd, &in, n, false, deadline);
    if (in.len != n || memcmp(in.data, input, n) != 0)
        MISMATCH(.sent = fmt("%s on echo_client's stdin", quote(input, n)),
                 .expected = "the server to receive those bytes", .got = io_outcome(r, &in));
    wait_until_blocked(run.client); /* so that a client about to exit does so first */
    send_all(fd, in.data, in.len, deadline);
    net_close(fd);
    expect_client_output(&run, input, n, quote(input, n));
}

CHECK(unix_stream_echo, client_shuts_down_writing, .number = 7, .points = 1,
      .what = "echo_client shuts down its writing side, so the server sees end-of-file")
{
    static const char input[] = "the end is near\n";
    size_t n = strlen(input);
    struct client_run run = start_client(input, n);
    int fd = accept_client(&run);
    struct text in = { 0 };
    enum io_result r = recv_answer(run.client, fd, &in, n + 4096, false, deadline_in(ANSWER_MS));
    if (r != IO_EOF)
        MISMATCH(.sent = fmt("%s on echo_client's stdin", quote(input, n)),
                 .expected = "the server to receive those bytes, then end-of-file", .got = io_outcome(r, &in),
                 .cause_id = r == IO_TIMEOUT ? "no-shutdown" : NULL,
                 .cause = r == IO_TIMEOUT ? "after sending all of stdin, call shutdown(fd, SHUT_WR): the "
                                            "server echoes until it sees end-of-file, and a client that "
                                            "only waits would wait forever."
                                          : NULL);
    wait_until_blocked(run.client);
    send_all(fd, in.data, in.len, deadline_in(ANSWER_MS));
    net_close(fd);
    expect_client_output(&run, input, n, quote(input, n));
}

CHECK(unix_stream_echo, client_is_binary_safe, .number = 8, .points = 1,
      .what = "echo_client is binary-safe and reads a reply that arrives in pieces")
{
    size_t n = 64 << 10; /* the contract's largest input: more can deadlock (README) */
    const char *data = test_bytes(n, 2);
    struct client_run run = start_client(data, n);
    int fd = accept_client(&run);
    struct text in = { 0 };
    enum io_result r = recv_answer(run.client, fd, &in, n + 4096, false, deadline_in(ANSWER_MS));
    const char *what = "64 KiB of binary data with NUL bytes on echo_client's stdin";
    const char *want = "the server to receive the same bytes, then end-of-file";
    if (r == IO_EOF && (in.len != n || memcmp(in.data, data, n) != 0))
        MISMATCH(.sent = what, .expected = want, .want = data, .want_len = n, .got_bytes = &in);
    if (r != IO_EOF)
        MISMATCH(.sent = what, .expected = want,
                 .got = fmt("%s after %zu bytes", io_outcome(r, &(struct text){ 0 }), in.len));
    /* Reply in small pieces: the client must keep reading until end-of-file. */
    wait_until_blocked(run.client);
    int64_t deadline = deadline_in(ANSWER_MS);
    for (size_t off = 0; off < n; off += 1000)
        if (send_all(fd, data + off, n - off < 1000 ? n - off : 1000, deadline) != IO_OK)
            break;
    net_close(fd);
    expect_client_output(&run, data, n, "the same 64 KiB");
}

CHECK(unix_stream_echo, client_reports_connect_failure, .number = 9, .points = 1,
      .what = "echo_client exits with status 1 and a message when nothing listens at PATH")
{
    const char *path = scratch_path("nobody-here.sock");
    struct proc *client = start_program("echo_client", (const char *const[]){ path, NULL }, "hi\n", 3);
    if (!wait_for_exit(client, deadline_in(ANSWER_MS)))
        MISMATCH(.expected = fmt("echo_client to give up at once: there is no socket at %s", path),
                 .got = fmt("it was still running after %d s", ANSWER_MS / 1000));
    struct text err = { 0 };
    program_stderr(client, &err, 4096);
    if (exited_with(client, 1) && err.len > 0)
        return;
    expected("exit status 1 and a message on stderr (perror(\"connect\") says why)");
    tell_about(client);
    if (err.len == 0)
        cause("no-error-message",
              "report errors on stderr, e.g. with perror(), so the user knows what went wrong.");
    fail();
}
