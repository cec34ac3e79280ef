/* 05-stream-framing: messages over a byte stream (TLPI 61.1). The rubric, 10 points.
 *
 * The student writes framing.c; the kit's drivers frame_send and frame_recv call it, connected to
 * the check, which plays the peer. Options of the drivers make every read return at most 1 byte
 * and every write move at most 3 (--short), or every other call fail with EINTR (--eintr).
 *
 *   5.1  2  send_msg sends a 4-byte big-endian length, then the bytes
 *   5.2  2  recv_msg receives frames that arrive together, then 0 at a clean end-of-file
 *   5.3  1  recv_msg handles short reads (a frame arrives one byte at a time)
 *   5.4  1  recv_msg retries a read interrupted by a signal (EINTR)
 *   5.5  1  send_msg handles short writes and EINTR
 *   5.6  1  recv_msg returns -1 at an end-of-file in the middle of a frame
 *   5.7  2  recv_msg returns -1 for a frame longer than cap, without writing past cap
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

EXERCISE(stream_framing, .id = "05-stream-framing", .number = 5,
         .programs = { "frame_send", "frame_recv" }, .kit_files = true,
         .student_files = { "framing.c" },
         .link_flags = { "-Wl,--wrap=read,--wrap=recv,--wrap=recvfrom,--wrap=write,--wrap=send,--wrap=sendto" });

struct driver_run {
    struct proc *driver;
    int listener;
    int peer;               /* the check's end of the connection */
    const char *path;
};

/* Starts a driver connected to the check; args are the driver's options and arguments after
 * PATH (NULL-terminated). */
static struct driver_run start_driver(const char *program, const char *options, const char *const *args)
{
    static int runs;
    struct driver_run run = { .path = scratch_path(fmt("peer-%d.sock", runs++)), .peer = -1 };
    run.listener = unix_listen(run.path);
    if (run.listener < 0)
        cr_assert_fail("could not listen at %s: %s", run.path, errno_text(errno));
    const char *argv[16];
    int n = 0;
    if (options && *options)
        argv[n++] = options;
    argv[n++] = run.path;
    for (int i = 0; args[i] && n < 15; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    run.driver = start_program(program, argv, NULL, 0);
    if (await_readable_or_exit(run.listener, run.driver, deadline_in(STARTUP_MS)))
        run.peer = accept_until(run.listener, deadline_in(ANSWER_MS));
    if (run.peer < 0) {
        expected("the kit's %s driver (linked with your framing.c) to connect", program);
        if (exits_soon(run.driver))
            tell_about(run.driver);
        else
            got("no connection within %d s", STARTUP_MS / 1000);
        fail();
    }
    return run;
}

/* The driver's output once it has exited, one entry per line. Fails if it does not exit. */
static const char *driver_output(struct driver_run *run, const char *what_happened)
{
    if (!wait_for_exit(run->driver, deadline_in(ANSWER_MS))) {
        sent("%s", what_happened);
        expected("the function to return, and the driver to finish");
        got("it was still waiting %d s later", ANSWER_MS / 1000);
        cause("a loop that never ends: does it stop when recv() returns 0 (end-of-file)?");
        fail();
    }
    struct text out = {0};
    program_stdout(run->driver, &out, 1 << 20);
    const char *s = fmt("%s", text_str(&out));
    text_free(&out);
    return s;
}

static void expect_clean_exit(struct driver_run *run, const char *what_happened)
{
    if (exited_with(run->driver, 0))
        return;
    sent("%s", what_happened);
    expected("your functions to return normally");
    tell_about(run->driver);
    fail();
}

/* A frame: the length in network byte order, then the bytes. */
static void append_frame(struct text *t, const void *bytes, uint32_t len)
{
    uint32_t header = htonl(len);
    text_append(t, &header, 4);
    text_append(t, bytes, len);
}

static const char *pattern(uint32_t n)
{
    char *p = scratch_alloc(n);
    for (uint32_t i = 0; i < n; i++)
        p[i] = (char)(i % 251);
    return p;
}

static const char *hex(const void *bytes, size_t n)
{
    char *h = scratch_alloc(2 * n + 1);
    for (size_t i = 0; i < n; i++)
        sprintf(h + 2 * i, "%02x", ((const unsigned char *)bytes)[i]);
    return h;
}

/* --- send_msg ---------------------------------------------------------------------------------- */

static void check_sent_frames(const char *options, const char *what)
{
    static const char *const args[] = { "hello", "@300", "x", NULL };
    struct driver_run run = start_driver("frame_send", options, args);
    struct text want = {0}, in = {0};
    append_frame(&want, "hello", 5);
    append_frame(&want, pattern(300), 300);
    append_frame(&want, "x", 1);
    enum io_result r = recv_until(run.peer, &in, 4096, false, deadline_in(ANSWER_MS));
    const char *context = fmt("send_msg() of \"hello\", of 300 bytes, and of \"x\"%s", what);
    if (r == IO_EOF && in.len == want.len && memcmp(in.data, want.data, want.len) == 0) {
        const char *out = driver_output(&run, context);
        if (strcmp(out, "0\n0\n0\n") != 0) {
            sent("%s", context);
            expected("each send_msg() to return 0");
            got("the returns %s", quote(out, strlen(out)));
            fail();
        }
        expect_clean_exit(&run, context);
        return;
    }
    sent("%s", context);
    expected("the frames %s", quote(want.data, 24));
    if (r == IO_TIMEOUT && in.len < want.len) {
        got("%zu bytes, then nothing more within %d s: %s", in.len, ANSWER_MS / 1000, quote_text(&in));
    } else {
        explain_difference(want.data, want.len, &in);
    }
    if (in.len >= 4 && memcmp(in.data, "\x05\0\0\0", 4) == 0)
        cause("the length went out in host byte order (little-endian here): convert it with htonl().");
    else if (in.len >= 5 && memcmp(in.data, "hello", 5) == 0)
        cause("the message went out without its 4-byte length in front.");
    else if (*what && in.len < want.len)
        cause("send() moved fewer bytes than asked, or failed with EINTR, and the rest was never "
              "sent: loop until every byte is out, retrying on EINTR.");
    if (exits_soon(run.driver))
        tell_about(run.driver);
    fail();
}

CHECK(stream_framing, send_writes_frames, 1, 2, "send_msg sends a 4-byte big-endian length, then the bytes")
{
    check_sent_frames("", "");
}

CHECK(stream_framing, send_handles_short_writes_and_eintr, 5, 1, "send_msg handles short writes and EINTR")
{
    check_sent_frames("--short --eintr", ", with each send() moving at most 3 bytes and every other one failing with EINTR");
}

/* --- recv_msg ---------------------------------------------------------------------------------- */

/* Sends the wire bytes, closes, and expects the driver's lines to be want. */
static void check_received(const char *options, size_t cap, const struct text *wire, const char *want,
                           const char *what, const char *likely)
{
    struct driver_run run = start_driver("frame_recv", options, (const char *const[]){ fmt("%zu", cap), NULL });
    send_all(run.peer, wire->data, wire->len, deadline_in(ANSWER_MS));
    close(run.peer);
    const char *context = what;
    const char *out = driver_output(&run, context);
    if (strcmp(out, want) == 0) {
        expect_clean_exit(&run, context);
        return;
    }
    sent("%s", context);
    expected("recv_msg() to return, call after call (length and bytes in hex):\n%s", want);
    if (!run.driver->exited || !exited_with(run.driver, 0))
        tell_about(run.driver);
    else
        got("%s", out);
    if (likely)
        cause("%s", likely);
    fail();
}

static void three_frames(struct text *wire, struct text *want)
{
    append_frame(wire, "hello", 5);
    append_frame(wire, pattern(300), 300);
    append_frame(wire, "x", 1);
    text_printf(want, "5 %s\n300 %s\n1 78\n0\n", hex("hello", 5), hex(pattern(300), 300));
}

CHECK(stream_framing, recv_reads_frames, 2, 2,
      "recv_msg receives frames that arrive together, then 0 at a clean end-of-file")
{
    struct text wire = {0}, want = {0};
    three_frames(&wire, &want);
    check_received("", 1024, &wire, want.data,
                   "three frames (\"hello\", 300 bytes, \"x\") in one write, then end-of-file",
                   "read exactly the 4 bytes of the length, then exactly that many bytes: one recv() "
                   "may return parts of two frames. Convert the length with ntohl().");
}

CHECK(stream_framing, recv_handles_short_reads, 3, 1,
      "recv_msg handles short reads (a frame arrives one byte at a time)")
{
    struct text wire = {0}, want = {0};
    three_frames(&wire, &want);
    check_received("--short", 1024, &wire, want.data,
                   "three frames (\"hello\", 300 bytes, \"x\"), each recv() returning at most 1 byte",
                   "one recv() may return fewer bytes than asked: keep reading until you have all "
                   "4 bytes of the length, then all the bytes of the message.");
}

CHECK(stream_framing, recv_retries_after_eintr, 4, 1, "recv_msg retries a read interrupted by a signal (EINTR)")
{
    struct text wire = {0}, want = {0};
    three_frames(&wire, &want);
    check_received("--eintr", 1024, &wire, want.data,
                   "three frames, with every other recv() failing with EINTR",
                   "EINTR means a signal interrupted the call before it read anything: call it again.");
}

CHECK(stream_framing, recv_rejects_cut_frames, 6, 1, "recv_msg returns -1 at an end-of-file in the middle of a frame")
{
    struct text header_cut = {0}, body_cut = {0};
    text_append(&header_cut, "\0\0", 2);
    check_received("", 1024, &header_cut, "-1\n", "2 of the 4 bytes of a length, then end-of-file",
                   "end-of-file after part of a frame is an error (-1), not a clean end (0).");
    append_frame(&body_cut, "hello", 5);
    body_cut.len -= 3;
    check_received("", 1024, &body_cut, "-1\n", "the length 5 and \"he\", then end-of-file",
                   "end-of-file in the middle of a message is an error: return -1, not the bytes so far.");
}

CHECK(stream_framing, recv_respects_cap, 7, 2,
      "recv_msg returns -1 for a frame longer than cap, without writing past cap")
{
    struct text wire = {0};
    append_frame(&wire, pattern(100), 100);
    check_received("", 16, &wire, "-1\n", "a frame of 100 bytes to a buffer of cap = 16 bytes",
                   "compare the length with cap before reading the message into buf.");
}
