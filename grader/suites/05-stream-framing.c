/* 05-stream-framing: messages over a byte stream (TLPI 61.1).
 * Its rubric is its CHECK lines below (bin/grader list --checks prints it).
 *
 * The student writes framing.c; the kit's drivers frame_send and frame_recv call it, connected to
 * the check, which plays the peer. The faults come from two sides (see faults.h): the check
 * feeds bytes one piece at a time and sends SIGUSR1 while a call waits (the kernel then makes
 * the call short or fail with EINTR, however framing.c makes it), and the drivers' wrappers can
 * make every read return at most 1 byte and every write move at most 3 (--short), or every
 * other call fail with EINTR (--eintr). The grader refuses a framing.c that calls anything
 * outside an allow-list (grader/symbols.h), so neither can be stepped around.
 *
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/sockios.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness.h"

EXERCISE(stream_framing, .id = "05-stream-framing", .number = 5, .programs = { "frame_send", "frame_recv" },
         .kit_files = true, .student_files = { "framing.c" },
         .link_flags = { "-Wl,--wrap=read,--wrap=recv,--wrap=recvfrom,--wrap=recvmsg,--wrap=readv",
                         "-Wl,--wrap=write,--wrap=send,--wrap=sendto,--wrap=sendmsg,--wrap=writev" });

/* The signal the check interrupts the drivers' calls with (they catch it without SA_RESTART). */
#define INTERRUPT_SIGNAL SIGUSR1
#define SIGNAL_BIT (1ULL << (INTERRUPT_SIGNAL - 1))
/* Looks at the driver's state without pausing before napping 1 ms between looks: it usually
 * takes the driver microseconds to read what was sent, or to start waiting. */
#define QUICK_LOOKS 200

struct driver_run {
    struct proc *driver;
    int listener;
    int peer; /* the check's end of the connection */
    const char *path;
};

/* Starts a driver connected to the check; options (e.g. "--short", "--eintr") and args are
 * NULL-terminated lists: the driver's options, then its arguments after PATH. */
static struct driver_run start_driver(const char *program, const char *const *options, const char *const *args)
{
    static int runs;
    struct driver_run run = { .path = scratch_path(fmt("peer-%d.sock", runs++)), .peer = -1 };
    run.listener = unix_listen(run.path);
    if (run.listener < 0)
        cr_assert_fail("could not listen at %s: %s", run.path, errno_text(errno));
    const char *argv[16];
    int n = 0;
    for (int i = 0; options[i] && n < 4; i++)
        argv[n++] = options[i];
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

#define NO_OPTIONS ((const char *const[]){ NULL })

/* The driver's output once it has exited, one entry per line. Fails if it does not exit. */
static const char *driver_output(struct driver_run *run, const char *what_happened)
{
    if (!wait_for_exit(run->driver, deadline_in(ANSWER_MS)))
        MISMATCH(.sent = what_happened, .expected = "the function to return, and the driver to finish",
                 .got = fmt("it was still waiting %d s later", ANSWER_MS / 1000), .cause_id = "endless-loop",
                 .cause = "a loop that never ends: does it stop when recv() returns 0 (end-of-file)?");
    struct text out = { 0 };
    program_stdout(run->driver, &out, 1 << 20);
    const char *s = fmt("%s", text_str(&out));
    text_free(&out);
    return s;
}

static void expect_clean_exit(struct driver_run *run, const char *what_happened)
{
    if (!exited_with(run->driver, 0))
        MISMATCH(.sent = what_happened, .expected = "your functions to return normally",
                 .program = run->driver);
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

/* --- Faults from the check's side ------------------------------------------------------------ */

/* What /proc/PID/status says about the driver: its state ('S': waiting in a call) and its
 * signals (bit n-1 for signal n). */
struct driver_state {
    char state;
    unsigned long long pending, blocked, caught;
};

static bool read_state(const struct proc *p, struct driver_state *s)
{
    if (p->exited) /* reaped: its pid may be another process's now */
        return false;
    FILE *f = fopen(fmt("/proc/%d/status", (int)p->pid), "re");
    if (f == NULL)
        return false;
    char line[256];
    unsigned long long thread_pending = 0;
    *s = (struct driver_state){ 0 };
    while (fgets(line, sizeof line, f)) {
        sscanf(line, "State: %c", &s->state);
        sscanf(line, "SigPnd: %llx", &thread_pending);
        sscanf(line, "ShdPnd: %llx", &s->pending);
        sscanf(line, "SigBlk: %llx", &s->blocked);
        sscanf(line, "SigCgt: %llx", &s->caught);
    }
    fclose(f);
    s->pending |= thread_pending;
    return s->state != 0 && s->state != 'Z' && s->state != 'X';
}

/* The kernel offers no event for "the driver has read what we sent" or "it waits in a call
 * now": look again at once a few times, then in a millisecond (or at its exit). */
static void look_again(const struct proc *p, int looks)
{
    if (looks < QUICK_LOOKS) {
        sched_yield();
        return;
    }
    struct pollfd pfd = { .fd = p->pidfd, .events = POLLIN };
    poll(&pfd, 1, 1);
}

/* Waits until the driver has read everything the check sent. False if it stops reading (it
 * exited, or it still has not read it at the deadline). */
static bool wait_consumed(struct driver_run *run)
{
    int64_t deadline = deadline_in(ANSWER_MS);
    for (int looks = 0; now_ms() < deadline; looks++) {
        int unread;
        if (ioctl(run->peer, SIOCOUTQ, &unread) < 0)
            cr_assert_fail("ioctl(SIOCOUTQ): %s", errno_text(errno));
        if (unread == 0)
            return true;
        if (!proc_running(run->driver))
            return false;
        look_again(run->driver, looks);
    }
    return false;
}

enum waiting { WAITING, EXITED, BUSY };

/* Waits until the driver waits in a call (sleeps), with no signal of ours still pending: the
 * moment when a signal interrupts the call framing.c is in. */
static enum waiting wait_until_waiting(struct driver_run *run)
{
    int64_t deadline = deadline_in(ANSWER_MS);
    for (int looks = 0; now_ms() < deadline; looks++) {
        struct driver_state s;
        if (!read_state(run->driver, &s))
            return EXITED;
        if (s.state == 'S' && !(s.pending & SIGNAL_BIT))
            return WAITING;
        look_again(run->driver, looks);
    }
    return BUSY;
}

/* Interrupts the call the driver waits in. The driver catches the signal without SA_RESTART,
 * so the kernel ends the call: EINTR if it moved nothing yet, else the count it moved. */
static void interrupt(struct driver_run *run, const char *context)
{
    struct driver_state s;
    if (read_state(run->driver, &s) && (!(s.caught & SIGNAL_BIT) || (s.blocked & SIGNAL_BIT))) {
        MISMATCH(.sent = context,
                 .expected = "the driver to catch SIGUSR1, as it set up before calling your function",
                 .got = fmt("SIGUSR1 is %s", s.blocked & SIGNAL_BIT ? "blocked" : "no longer caught"),
                 .cause_id = "signals-changed",
                 .cause = "framing.c must leave signals alone: handle EINTR instead of avoiding it.");
    }
    /* By its pidfd: the signal can only reach the driver, even once it has exited. */
    if (syscall(SYS_pidfd_send_signal, run->driver->pidfd, INTERRUPT_SIGNAL, NULL, 0) < 0 && errno != ESRCH)
        cr_assert_fail("pidfd_send_signal: %s", errno_text(errno));
}

/* Fails when the driver kept running instead of waiting in a call. */
static void expect_waiting(enum waiting w, struct driver_run *run, const char *context, const char *call)
{
    if (w != BUSY)
        return;
    sent("%s", context);
    expected("your function to wait in %s() for the peer", call);
    got("it kept running for %d s without waiting", ANSWER_MS / 1000);
    cause("busy-loop",
          "a busy loop (on a non-blocking socket, or on %s() returning 0 or -1?): let the call "
          "block until there is something to do.",
          call);
    tell_about(run->driver);
    fail();
}

/* --- send_msg ---------------------------------------------------------------------------------- */

/* Reads what the driver sends until end-of-file and expects the frames of msgs (driver
 * arguments, "@N" for N bytes of pattern) and a 0 from each send_msg(). */
static void expect_frames(struct driver_run *run, const char *const *msgs, const char *context,
                          const char *likely_id, const char *likely)
{
    struct text want = { 0 }, in = { 0 }, returns = { 0 };
    for (int i = 0; msgs[i]; i++) {
        uint32_t n = msgs[i][0] == '@' ? (uint32_t)strtoul(msgs[i] + 1, NULL, 10) : (uint32_t)strlen(msgs[i]);
        append_frame(&want, msgs[i][0] == '@' ? pattern(n) : msgs[i], n);
        text_puts(&returns, "0\n");
    }
    enum io_result r = recv_until(run->peer, &in, want.len + 4096, false, deadline_in(ANSWER_MS));
    if (r == IO_EOF && in.len == want.len && memcmp(in.data, want.data, want.len) == 0) {
        const char *out = driver_output(run, context);
        if (strcmp(out, returns.data) != 0) {
            bool eintr = strstr(out, "EINTR") != NULL;
            MISMATCH(.sent = context, .expected = "each send_msg() to return 0",
                     .got = fmt("the returns %s", quote(out, strlen(out))),
                     .cause_id = eintr ? "no-eintr-retry" : NULL,
                     .cause = eintr ? "EINTR means a signal interrupted send() before it sent anything: call it again."
                                    : NULL);
        }
        expect_clean_exit(run, context);
        return;
    }
    sent("%s", context);
    expected("the frames %s", quote(want.data, 24));
    if (r == IO_TIMEOUT && in.len < want.len)
        got("%zu bytes, then nothing more within %d s: %s", in.len, ANSWER_MS / 1000, quote_text(&in));
    else
        explain_difference(want.data, want.len, &in);
    if (in.len >= 4 && memcmp(in.data, "\x05\0\0\0", 4) == 0)
        cause("host-byte-order",
              "the length went out in host byte order (little-endian here): convert it with htonl().");
    else if (in.len >= 5 && memcmp(in.data, "hello", 5) == 0)
        cause("no-length-prefix", "the message went out without its 4-byte length in front.");
    else if (likely && in.len < want.len)
        cause(likely_id, "%s", likely);
    if (exits_soon(run->driver))
        tell_about(run->driver);
    fail();
}

static const char *const three_messages[] = { "hello", "@300", "x", NULL };

CHECK(stream_framing, send_writes_frames, .number = 1, .points = 2,
      .what = "send_msg sends a 4-byte big-endian length, then the bytes")
{
    struct driver_run run = start_driver("frame_send", NO_OPTIONS, three_messages);
    expect_frames(&run, three_messages, "send_msg() of \"hello\", of 300 bytes, and of \"x\"", NULL, NULL);
}

CHECK(stream_framing, send_handles_short_writes_and_eintr, .number = 5, .points = 1,
      .what = "send_msg handles short writes and EINTR")
{
    /* The kernel's own faults: a send that waits for room in a small buffer is interrupted by
     * a signal twice: once after part of the message went out (it returns short), then at the
     * start of the next call (EINTR). */
    static const char *const long_messages[] = { "hello", "@20000", "x", NULL };
    const char *context = "send_msg() of \"hello\", of 20000 bytes and of \"x\", into a small socket buffer, "
                          "with a signal (no SA_RESTART) interrupting send() twice while it waited for room";
    struct driver_run run = start_driver("frame_send", (const char *const[]){ "--signals", NULL },
                                         long_messages);
    for (int k = 0; k < 2; k++) {
        enum waiting w = wait_until_waiting(&run);
        expect_waiting(w, &run, context, "send");
        if (w != WAITING)
            break;
        interrupt(&run, context);
    }
    expect_frames(&run, long_messages, context, "partial-send",
                  "a signal ended send() after part of the message went out (it returned fewer bytes "
                  "than asked), and the rest was never sent: loop until every byte is out, retrying "
                  "on EINTR.");

    /* The same faults on every call, in the driver's wrappers. */
    run = start_driver("frame_send", (const char *const[]){ "--short", "--eintr", NULL }, three_messages);
    expect_frames(&run, three_messages,
                  "send_msg() of \"hello\", of 300 bytes, and of \"x\", with each send() moving at most 3 "
                  "bytes and every other one failing with EINTR",
                  "partial-send",
                  "send() moved fewer bytes than asked, or failed with EINTR, and the rest was never "
                  "sent: loop until every byte is out, retrying on EINTR.");
}

/* --- recv_msg ---------------------------------------------------------------------------------- */

/* Closes the check's end and expects the driver's lines to be want. */
static void expect_received(struct driver_run *run, const char *want, const char *what, const char *likely_id,
                            const char *likely)
{
    net_close(run->peer);
    const char *out = driver_output(run, what);
    if (strcmp(out, want) == 0) {
        expect_clean_exit(run, what);
        return;
    }
    sent("%s", what);
    expected("recv_msg() to return, call after call (length and bytes in hex):\n%s", want);
    if (!run->driver->exited || !exited_with(run->driver, 0))
        tell_about(run->driver);
    else
        got("%s", out);
    if (likely)
        cause(likely_id, "%s", likely);
    fail();
}

static struct driver_run start_receiver(const char *const *options, size_t cap)
{
    return start_driver("frame_recv", options, (const char *const[]){ fmt("%zu", cap), NULL });
}

/* Sends the wire bytes in one go, closes, and expects the driver's lines to be want. */
static void check_received(size_t cap, const struct text *wire, const char *want, const char *what,
                           const char *likely_id, const char *likely)
{
    struct driver_run run = start_receiver(NO_OPTIONS, cap);
    send_all(run.peer, wire->data, wire->len, deadline_in(ANSWER_MS));
    expect_received(&run, want, what, likely_id, likely);
}

/* The frames "hello", 300 bytes and "x"; FIRST_BODY and SECOND_BODY are where their bodies
 * start on the wire. */
enum { FIRST_BODY = 4, SECOND_BODY = 4 + 5 + 4, THIRD_FRAME = SECOND_BODY + 300 };

static void three_frames(struct text *wire, struct text *want)
{
    append_frame(wire, "hello", 5);
    append_frame(wire, pattern(300), 300);
    append_frame(wire, "x", 1);
    text_printf(want, "5 %s\n300 %s\n1 78\n0\n", hex("hello", 5), hex(pattern(300), 300));
}

CHECK(stream_framing, recv_reads_frames, .number = 2, .points = 2,
      .what = "recv_msg receives frames that arrive together, then 0 at a clean end-of-file")
{
    struct text wire = { 0 }, want = { 0 };
    three_frames(&wire, &want);
    check_received(1024, &wire, want.data,
                   "three frames (\"hello\", 300 bytes, \"x\") in one write, then end-of-file",
                   "frame-boundaries",
                   "read exactly the 4 bytes of the length, then exactly that many bytes: one recv() "
                   "may return parts of two frames. Convert the length with ntohl().");
}

/* Sends wire[from, to) in pieces of `piece` bytes, each once the driver has read the one
 * before: every read then returns less than a frame. False if the driver stops reading. */
static bool feed(struct driver_run *run, const struct text *wire, size_t from, size_t to, size_t piece)
{
    for (size_t at = from; at < to; at += piece) {
        size_t n = to - at < piece ? to - at : piece;
        if (send_all(run->peer, wire->data + at, n, deadline_in(ANSWER_MS)) != IO_OK || !wait_consumed(run))
            return false;
    }
    return true;
}

CHECK(stream_framing, recv_handles_short_reads, .number = 3, .points = 1,
      .what = "recv_msg handles short reads (a frame arrives a few bytes at a time)")
{
    struct text wire = { 0 }, want = { 0 };
    three_frames(&wire, &want);
    const char *likely = "one recv() may return fewer bytes than asked: keep reading until you have all "
                         "4 bytes of the length, then all the bytes of the message.";
    struct driver_run run = start_receiver(NO_OPTIONS, 1024);
    (void)(feed(&run, &wire, 0, SECOND_BODY, 1) && feed(&run, &wire, SECOND_BODY, THIRD_FRAME, 25)
           && feed(&run, &wire, THIRD_FRAME, wire.len, 1));
    expect_received(&run, want.data,
                    "three frames (\"hello\", 300 bytes, \"x\"), one byte at a time (the 300 bytes 25 at "
                    "a time), each piece sent once your recv_msg() had read the one before",
                    "short-read", likely);

    /* The same in the driver's wrappers, which also make MSG_WAITALL no promise. */
    run = start_receiver((const char *const[]){ "--short", NULL }, 1024);
    send_all(run.peer, wire.data, wire.len, deadline_in(ANSWER_MS));
    expect_received(&run, want.data,
                    "three frames (\"hello\", 300 bytes, \"x\"), each recv() returning at most 1 byte",
                    "short-read", likely);
}

CHECK(stream_framing, recv_retries_after_eintr, .number = 4, .points = 1,
      .what = "recv_msg retries a read interrupted by a signal (EINTR)")
{
    struct text wire = { 0 }, want = { 0 };
    three_frames(&wire, &want);
    const char *context = "three frames (\"hello\", 300 bytes, \"x\"), each length and each message sent "
                          "once your recv_msg() waited for it, and a signal (no SA_RESTART) interrupting "
                          "it each time it waited";
    /* Each piece whole (a length, a message), so that only EINTR is tested here, not short reads. */
    static const size_t pieces[] = { 0,           FIRST_BODY,      SECOND_BODY - 4, SECOND_BODY,
                                     THIRD_FRAME, THIRD_FRAME + 4, THIRD_FRAME + 5 };
    struct driver_run run = start_receiver((const char *const[]){ "--signals", NULL }, 1024);
    for (size_t k = 0; k + 1 < sizeof pieces / sizeof pieces[0]; k++) {
        enum waiting w = wait_until_waiting(&run);
        expect_waiting(w, &run, context, "recv");
        if (w != WAITING)
            break;
        interrupt(&run, context);
        if (wait_until_waiting(&run) != WAITING /* it handled the signal, and waits again */
            || !feed(&run, &wire, pieces[k], pieces[k + 1], pieces[k + 1] - pieces[k]))
            break;
    }
    expect_received(&run, want.data, context, "no-eintr-retry",
                    "EINTR means a signal interrupted the call before it read anything: call it again.");
}

CHECK(stream_framing, recv_rejects_cut_frames, .number = 6, .points = 1,
      .what = "recv_msg returns -1 at an end-of-file in the middle of a frame")
{
    struct text header_cut = { 0 }, body_cut = { 0 };
    text_append(&header_cut, "\0\0", 2);
    check_received(1024, &header_cut, "-1\n", "2 of the 4 bytes of a length, then end-of-file",
                   "cut-frame-is-eof",
                   "end-of-file after part of a frame is an error (-1), not a clean end (0).");
    append_frame(&body_cut, "hello", 5);
    body_cut.len -= 3;
    check_received(1024, &body_cut, "-1\n", "the length 5 and \"he\", then end-of-file", "cut-frame-is-eof",
                   "end-of-file in the middle of a message is an error: return -1, not the bytes so far.");
}

CHECK(stream_framing, recv_respects_cap, .number = 7, .points = 2,
      .what = "recv_msg returns -1 for a frame longer than cap, without writing past cap")
{
    struct text wire = { 0 };
    append_frame(&wire, pattern(100), 100);
    check_received(16, &wire, "-1\n", "a frame of 100 bytes to a buffer of cap = 16 bytes", "no-cap-check",
                   "compare the length with cap before reading the message into buf.");
}

CHECK(stream_framing, messages_are_never_empty, .number = 8, .points = 1,
      .what = "messages are never empty: send_msg refuses len 0 (EINVAL); a length of 0 received is -1")
{
    static const char *const with_empty[] = { "hello", "@0", "x", NULL };
    const char *context = "send_msg() of \"hello\", of 0 bytes, and of \"x\"";
    struct driver_run run = start_driver("frame_send", NO_OPTIONS, with_empty);
    struct text want = { 0 }, in = { 0 };
    append_frame(&want, "hello", 5);
    append_frame(&want, "x", 1);
    enum io_result r = recv_until(run.peer, &in, 4096, false, deadline_in(ANSWER_MS));
    const char *out = r == IO_EOF ? driver_output(&run, context) : "";
    if (r != IO_EOF || in.len != want.len || memcmp(in.data, want.data, want.len) != 0
        || strcmp(out, "0\n-1 EINVAL\n0\n") != 0) {
        sent("%s", context);
        expected("the frames of \"hello\" and \"x\" only, and send_msg() to return 0, then -1 with errno "
                 "EINVAL, then 0");
        if (r == IO_EOF)
            got("the frames %s and the returns %s", quote_text(&in), quote(out, strlen(out)));
        else
            got("%s", io_outcome(r, &in));
        cause("empty-message",
              "a message is never empty: send_msg() with len 0 sets errno = EINVAL and returns -1 "
              "without sending anything, so that 0 from recv_msg() can only mean end-of-file.");
        fail();
    }
    expect_clean_exit(&run, context);

    struct text wire = { 0 };
    append_frame(&wire, "hello", 5);
    append_frame(&wire, "", 0);
    append_frame(&wire, "x", 1);
    check_received(1024, &wire, fmt("5 %s\n-1\n", hex("hello", 5)),
                   "a frame of \"hello\", then a frame of length 0, then one of \"x\"", "empty-message",
                   "a length of 0 is a protocol error: return -1 (0 would mean a clean end-of-file).");
}
