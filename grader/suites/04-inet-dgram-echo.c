/* 04-inet-dgram-echo: Internet domain datagram sockets (TLPI 59).
 * Its rubric is its CHECK lines below (bin/grader list --checks prints it). */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "procinfo.h"

EXERCISE(inet_dgram_echo, .id = "04-inet-dgram-echo", .number = 4,
         .programs = { "udp_echo_server", "udp_echo_client" });

static void fill_inet(struct sockaddr_in *a, const char *ip, uint16_t port)
{
    *a = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(port) };
    inet_pton(AF_INET, ip, &a->sin_addr);
}

/* --- udp_echo_server: the check is the client --------------------------------------------- */

struct server_run {
    struct proc *server;
    uint16_t port;
};

static struct server_run start_server(void)
{
    struct server_run run = { .port = check_port() };
    run.server = START("udp_echo_server", fmt("%u", run.port));
    wait_udp_server(run.server, run.port);
    return run;
}

static int client_socket(void)
{
    uint16_t port = 0;
    int fd = udp_bind("127.0.0.1", &port);
    if (fd < 0)
        cr_assert_fail("could not bind a UDP socket: %s", errno_text(errno));
    return fd;
}

static void send_to_server(struct server_run *run, int fd, const char *ip, const void *msg, size_t n)
{
    struct sockaddr_in to;
    fill_inet(&to, ip, run->port);
    if (net_sendto(fd, msg, n, (struct sockaddr *)&to, sizeof to) != (ssize_t)n)
        MISMATCH(.sent = fmt("a datagram of %zu bytes to %s:%u", n, ip, run->port),
                 .got = fmt("sendto() failed with %s", errno_text(errno)));
}

static void expect_echo(struct server_run *run, int fd, const void *msg, size_t n, const char *context)
{
    struct text in = { 0 };
    enum io_result r = recv_datagram(fd, &in, 65536, NULL, NULL, deadline_in(ANSWER_MS));
    if (r == IO_OK && in.len == n && memcmp(in.data, msg, n) == 0)
        return;
    const char *want = fmt("the same %zu bytes back in one datagram", n);
    if (r == IO_OK)
        MISMATCH(.sent = context, .expected = want, .want = msg, .want_len = n, .got_bytes = &in,
                 .program = run->server);
    MISMATCH(.sent = context, .expected = want, .program = run->server,
             .got = r == IO_TIMEOUT ? fmt("no reply within %d s", ANSWER_MS / 1000) : io_outcome(r, &in),
             .cause_id = "reply-address",
             .cause = "reply with sendto() to the address recvfrom() filled in, with the length it returned.");
}

CHECK(inet_dgram_echo, echoes_a_datagram, .number = 1, .points = 2,
      .what = "udp_echo_server sends a datagram back to its sender")
{
    struct server_run run = start_server();
    int fd = client_socket();
    static const char msg[] = "hello over UDP";
    send_to_server(&run, fd, "127.0.0.1", msg, strlen(msg));
    expect_echo(&run, fd, msg, strlen(msg),
                fmt("the datagram %s to 127.0.0.1:%u", quote(msg, strlen(msg)), run.port));
}

CHECK(inet_dgram_echo, keeps_message_boundaries, .number = 2, .points = 1,
      .what = "udp_echo_server keeps message boundaries: one reply per datagram")
{
    struct server_run run = start_server();
    int fd = client_socket();
    static const char *const msgs[] = { "one", "two two", "three three three" };
    for (int i = 0; i < 3; i++)
        send_to_server(&run, fd, "127.0.0.1", msgs[i], strlen(msgs[i]));
    for (int i = 0; i < 3; i++)
        expect_echo(&run, fd, msgs[i], strlen(msgs[i]),
                    fmt("three datagrams at once (\"one\", \"two two\", \"three three three\"); this is reply %d",
                        i + 1));
}

CHECK(inet_dgram_echo, echoes_8192_bytes, .number = 3, .points = 1,
      .what = "udp_echo_server echoes a datagram of 8192 bytes whole, NUL bytes included")
{
    struct server_run run = start_server();
    int fd = client_socket();
    const char *data = test_bytes(8192, 4);
    send_to_server(&run, fd, "127.0.0.1", data, 8192);
    expect_echo(&run, fd, data, 8192, "one datagram of 8192 bytes with NUL bytes");
}

CHECK(inet_dgram_echo, answers_each_sender, .number = 4, .points = 1,
      .what = "udp_echo_server answers each sender at its own address")
{
    struct server_run run = start_server();
    int one = client_socket(), two = client_socket();
    send_to_server(&run, one, "127.0.0.1", "from one", 8);
    send_to_server(&run, two, "127.0.0.1", "from two", 8);
    expect_echo(&run, two, "from two", 8,
                "\"from one\" from one socket, then \"from two\" from another; "
                "this is the second socket's reply");
    expect_echo(&run, one, "from one", 8,
                "\"from one\" from one socket, then \"from two\" from another; "
                "this is the first socket's reply");
}

CHECK(inet_dgram_echo, receives_on_all_addresses, .number = 5, .points = 1,
      .what = "udp_echo_server receives on all IPv4 addresses (INADDR_ANY)")
{
    struct server_run run = start_server();
    uint32_t ip;
    if (bound_to_one_address(run.server->pid, "udp", run.port, &ip))
        MISMATCH(.expected = fmt("the server to be bound to 0.0.0.0:%u, every address of the host", run.port),
                 .got = fmt("it is bound to %u.%u.%u.%u only", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff,
                            ip & 0xff),
                 .cause_id = "not-inaddr-any", .cause = "bind to htonl(INADDR_ANY), not to one address.");
    int fd = client_socket();
    send_to_server(&run, fd, "127.0.0.2", "via another address", 19);
    expect_echo(&run, fd, "via another address", 19,
                "\"via another address\" to 127.0.0.2, another address of this host");
}

/* --- udp_echo_client: the check is the server --------------------------------------------- */

struct client_run {
    struct proc *client;
    int fds[2];    /* 127.0.0.1, and [::1] where the host has IPv6 (else -1) */
    int server_fd; /* the one the client's datagrams came to (127.0.0.1 at first) */
    uint16_t port;
    const char *command;
};

static struct client_run start_client(const char *host, const char *msg)
{
    struct client_run run = { 0 };
    if (loopback_pair(SOCK_DGRAM, run.fds, &run.port) < 0)
        cr_assert_fail("could not bind a UDP socket: %s", errno_text(errno));
    run.server_fd = run.fds[0];
    run.client = START("udp_echo_client", host, fmt("%u", run.port), msg);
    run.command = fmt("ran udp_echo_client %s %u \"%s\"", host, run.port, msg);
    return run;
}

/* Receives the next datagram from the client into in; fails unless it is msg. */
static void receive_request(struct client_run *run, const char *msg, struct sockaddr_storage *from,
                            socklen_t *from_len, const char *which)
{
    struct text in = { 0 };
    enum io_result r = IO_TIMEOUT;
    int arrived = await_any_readable_or_exit(run->fds, 2, run->client, deadline_in(ANSWER_MS));
    if (arrived == 1 && run->server_fd != run->fds[1])
        run->command = fmt("%s, which sent to [::1]:%u (localhost is ::1 first on this machine: "
                           "fine)",
                           run->command, run->port);
    if (arrived >= 0) {
        run->server_fd = run->fds[arrived]; /* the reply comes from where the client sent */
        r = recv_datagram(run->server_fd, &in, 65536, from, from_len, deadline_in(ANSWER_MS));
    }
    if (r == IO_OK && in.len == strlen(msg) && memcmp(in.data, msg, in.len) == 0)
        return;
    sent("%s", run->command);
    expected("%s: a datagram with exactly %s", which, quote(msg, strlen(msg)));
    if (r == IO_OK)
        got("%s", quote_text(&in));
    else if (proc_wait(run->client, deadline_in(0)))
        tell_about(run->client);
    else
        got("no datagram within %d s", ANSWER_MS / 1000);
    fail();
}

static void reply(struct client_run *run, const void *msg, size_t n, const struct sockaddr_storage *to,
                  socklen_t len)
{
    if (net_sendto(run->server_fd, msg, n, (const struct sockaddr *)to, len) < 0)
        cr_assert_fail("could not reply: %s", errno_text(errno));
}

static void expect_printed(struct client_run *run, const char *msg, const char *what_happened)
{
    if (!wait_for_exit(run->client, deadline_in(ANSWER_MS)))
        MISMATCH(.sent = fmt("%s; %s", run->command, what_happened),
                 .expected = "udp_echo_client to print the reply and exit",
                 .got = fmt("it was still running %d s later", ANSWER_MS / 1000));
    struct text out = { 0 };
    program_stdout(run->client, &out, 65536);
    const char *line = fmt("%s\n", msg);
    bool printed = strcmp(text_str(&out), msg) == 0 || strcmp(text_str(&out), line) == 0;
    if (printed && exited_with(run->client, 0))
        return;
    sent("%s; %s", run->command, what_happened);
    expected("%s on stdout and exit status 0", quote(line, strlen(line)));
    if (!printed) {
        got("%s on stdout", quote_text(&out));
        if (strstr(text_str(&out), "bogus"))
            cause("trusts-any-sender",
                  "it printed a datagram that came from another address: compare the address "
                  "recvfrom() fills in with the server's, and keep waiting if they differ.");
    }
    tell_about(run->client);
    fail();
}

CHECK(inet_dgram_echo, client_prints_reply, .number = 6, .points = 1, .what = "udp_echo_client prints the reply")
{
    struct client_run run = start_client("127.0.0.1", "echo me");
    struct sockaddr_storage from;
    socklen_t len;
    receive_request(&run, "echo me", &from, &len, "its request");
    reply(&run, "echo me", 7, &from, len);
    expect_printed(&run, "echo me", "the server echoed at once");
}

CHECK(inet_dgram_echo, client_resends_lost_datagram, .number = 7, .points = 1,
      .what = "udp_echo_client sends again when a datagram is lost")
{
    struct client_run run = start_client("127.0.0.1", "are you there?");
    struct sockaddr_storage from;
    socklen_t len;
    receive_request(&run, "are you there?", &from, &len, "its request");
    conversation_note(-1, CONV_NOTE, "check drops it, as if it were lost on the way");
    cause_if_fails("no-retry", "UDP does not deliver twice: when no reply comes within 500 ms (poll() with a "
                               "timeout, or SO_RCVTIMEO), send the datagram again, up to 3 more times.");
    receive_request(&run, "are you there?", &from, &len, "a second try, since the first was dropped");
    conversation_note(-1, CONV_NOTE, "check drops it too");
    receive_request(&run, "are you there?", &from, &len, "a third try, since the second was dropped");
    reply(&run, "are you there?", 14, &from, len);
    expect_printed(&run, "are you there?", "the server ignored the first two tries and answered the third");
}

CHECK(inet_dgram_echo, client_ignores_strangers, .number = 8, .points = 1,
      .what = "udp_echo_client ignores datagrams that do not come from HOST:PORT")
{
    struct client_run run = start_client("127.0.0.1", "only you");
    struct sockaddr_storage from;
    socklen_t len;
    receive_request(&run, "only you", &from, &len, "its request");
    int stranger = client_socket();
    if (sendto(stranger, "bogus", 5, 0, (struct sockaddr *)&from, len) < 0)
        cr_assert_fail("could not send the stranger's datagram: %s", errno_text(errno));
    reply(&run, "only you", 8, &from, len);
    expect_printed(&run, "only you", "another socket sent it \"bogus\" first, then the server replied");
}

CHECK(inet_dgram_echo, client_gives_up, .number = 9, .points = 1,
      .what = "udp_echo_client gives up after 4 tries with exit status 2 and a message")
{
    struct client_run run = start_client("127.0.0.1", "hello?");
    /* 4 tries of 500 ms each: the client should be done after about 2 s. */
    bool ended = wait_for_exit(run.client, deadline_in(2000 + ANSWER_MS));
    int tries = 0;
    struct text in = { 0 };
    while (recv_datagram(run.server_fd, &in, 65536, NULL, NULL, deadline_in(0)) == IO_OK)
        tries++;
    sent("%s; the server never answered", run.command);
    if (!ended) {
        expected("udp_echo_client to give up after 4 tries (about 2 s)");
        got("it was still running after %d s, having sent %d datagrams", (2000 + ANSWER_MS) / 1000, tries);
        cause("no-timeout",
              "recvfrom() blocks forever on a lost datagram: wait with a timeout (poll(), or SO_RCVTIMEO).");
        fail();
    }
    struct text err = { 0 };
    program_stderr(run.client, &err, 4096);
    if (tries == 4 && exited_with(run.client, 2) && err.len > 0)
        return;
    expected("4 datagrams (the first try and 3 more), then exit status 2 and a message on stderr");
    if (tries != 4)
        got("%d datagram%s", tries, tries == 1 ? "" : "s");
    tell_about(run.client);
    fail();
}

CHECK(inet_dgram_echo, client_resolves_host_name, .number = 10, .points = 1,
      .what = "udp_echo_client resolves a host name")
{
    struct client_run run = start_client("localhost", "by name");
    struct sockaddr_storage from;
    socklen_t len;
    cause_if_fails("inet-pton-for-host",
                   "resolve HOST with getaddrinfo() (hints.ai_family = AF_INET or AF_UNSPEC, "
                   "ai_socktype = SOCK_DGRAM): inet_pton() only reads dotted addresses.");
    receive_request(&run, "by name", &from, &len,
                    run.fds[1] >= 0 ? "its request, sent to localhost (127.0.0.1 or ::1)"
                                    : "its request, sent to localhost (127.0.0.1)");
    reply(&run, "by name", 7, &from, len);
    expect_printed(&run, "by name", "the server echoed at once");
}

/* A try comes about TRY_MS after the one before; what counts as "about" allows for a loaded
 * machine, not for a client that re-sends at once or waits twice as long. A gap is judged late
 * only after the time the client spent waiting for a CPU is taken off: on a machine grading
 * many students at once (or beside the student's own fork bomb) a client whose timer fired on
 * time can wait hundreds of ms to run. Load cannot make a gap shorter: the wait starts after
 * the send. */
#define TRY_MS 500
#define TRY_EARLIEST_MS 300
#define TRY_LATEST_MS 900

CHECK(inet_dgram_echo, client_spaces_tries, .number = 11, .points = 1,
      .what = "udp_echo_client waits about 500 ms for a reply before each new try")
{
    struct client_run run = start_client("127.0.0.1", "slowly");
    int64_t at[4], cpu_wait[4];
    int tries = 0;
    struct text in = { 0 };
    while (tries < 4 && await_readable_or_exit(run.server_fd, run.client, deadline_in(ANSWER_MS))
           && recv_datagram(run.server_fd, &in, 65536, NULL, NULL, deadline_in(0)) == IO_OK) {
        at[tries] = last_datagram_arrival_ms();
        cpu_wait[tries++] = procinfo_cpu_wait_ms(run.client->pid);
    }
    sent("%s; the server never answered", run.command);
    if (tries < 4) {
        expected("4 tries, about %d ms apart, so that this check can time them", TRY_MS);
        got("%d datagram%s (see 4.9)", tries, tries == 1 ? "" : "s");
        if (proc_wait(run.client, deadline_in(0)))
            tell_about(run.client);
        fail();
    }
    for (int i = 1; i < 4; i++) {
        int64_t gap = at[i] - at[i - 1], waited_for_cpu = cpu_wait[i] - cpu_wait[i - 1];
        if (gap >= TRY_EARLIEST_MS && gap - waited_for_cpu <= TRY_LATEST_MS)
            continue;
        expected("each try about %d ms after the one before", TRY_MS);
        got("try %d came %lld ms after try %d (the gaps were %lld, %lld and %lld ms)", i + 1, (long long)gap,
            i, (long long)(at[1] - at[0]), (long long)(at[2] - at[1]), (long long)(at[3] - at[2]));
        if (gap < TRY_EARLIEST_MS)
            cause("retry-too-soon",
                  "the client did not wait %d ms before trying again: give each try a wait of its "
                  "own (a deadline computed after each sendto(), or poll() with a %d ms timeout), "
                  "not one deadline for all the tries.",
                  TRY_MS, TRY_MS);
        else
            cause("retry-too-late",
                  "the client waited much longer than %d ms: a timeout in seconds (SO_RCVTIMEO's "
                  "tv_sec) or in the wrong unit (poll() takes milliseconds)?",
                  TRY_MS);
        fail();
    }
}
