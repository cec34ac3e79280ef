/* harness.h - what a check (one Criterion test) can do: start the student's programs in a
 * sandbox, talk to them through netio.h, and fail with feedback that teaches.
 *
 * A suite file declares its exercise with EXERCISE and each rubric item with CHECK:
 *
 *     EXERCISE(unix_stream_echo, .id = "01-unix-stream-echo", .number = 1,
 *              .programs = { "echo_server", "echo_client" });
 *
 *     CHECK(unix_stream_echo, echoes_a_line, .number = 1, .points = 2,
 *           .what = "echo_server sends back what a client sends")
 *     { ... }
 *
 * The CHECK line is the rubric's one source: the README tables (make rubric), results.json,
 * summary.csv and Gradescope all take the number, points and text from it.
 *
 * Each check runs in its own process (Criterion forks one per test) with a scratch folder, a
 * port and a sandbox user id of its own; everything it started is killed when it ends. */
#ifndef GC_HARNESS_H
#define GC_HARNESS_H

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conversation.h"
#include "deadline.h"
#include "diagnose.h"
#include "exercise.h"
#include "netio.h"
#include "sandbox.h"
#include "scratch.h"
#include "text.h"

/* The limit on a whole check: a safety net far above the deadlines the checks use. The check
 * enforces it itself (an alarm in its own process), not through Criterion's .timeout, which in
 * Criterion 2.4 can deadlock the runner on an overloaded machine (Criterion issue #345). */
#define CHECK_TIMEOUT_SECONDS 20

/* How long a student program gets to start listening, and to answer. */
#define STARTUP_MS 3000
#define ANSWER_MS 3000

void check_setup(void);
void check_teardown(void);

#define EXERCISE(suite, ...) \
    static struct exercise suite##_exercise = { __VA_ARGS__ }; \
    __attribute__((constructor)) static void register_##suite(void) \
    { \
        exercise_register(#suite, &suite##_exercise); \
    } \
    TestSuite(suite, .data = &suite##_exercise)

#define CHECK(suite, name, ...) \
    static struct rubric_item suite##_##name##_rubric = { __VA_ARGS__ }; \
    __attribute__((constructor)) static void register_##suite##_##name(void) \
    { \
        exercise_register_check(#suite, &suite##_##name##_rubric); \
    } \
    Test(suite, name, .data = &suite##_##name##_rubric, .init = check_setup, .fini = check_teardown)

/* --- The check's own resources --------------------------------------------------------- */

/* A path in the check's scratch folder, e.g. scratch_path("echo.sock"). */
const char *scratch_path(const char *name);
/* A free port for this check (the same one on every call). */
uint16_t check_port(void);

/* --- Student programs -------------------------------------------------------------------- */

/* Starts one of the exercise's programs with args (NULL-terminated) and the given stdin.
 * Fails the check, explaining why, when the program was not built or cannot start. */
struct proc *start_program(const char *program, const char *const *args, const void *stdin_bytes,
                           size_t stdin_len);
#define START(program, ...) start_program((program), (const char *const[]){ __VA_ARGS__, NULL }, NULL, 0)

/* Waits until fd is readable (a connection, a datagram, data) or p has exited, whichever comes
 * first. True when fd is readable; false when p exited first or at the deadline. A check that
 * plays the server uses it, so that a client that died costs no time. */
bool await_readable_or_exit(int fd, struct proc *p, int64_t deadline);
/* The same for several descriptors (entries of -1 are skipped): the index of a readable one,
 * or -1 when p exited first or at the deadline. */
int await_any_readable_or_exit(const int *fds, int n, struct proc *p, int64_t deadline);
/* Waits for an answer from p on fd: true when fd is readable; false when p exited, at the
 * deadline, or as soon as p is stuck: all of its processes blocked in calls that only an event
 * ends, none woke up for a while, and nothing is on its way (see harness.c). A check then fails
 * at once instead of waiting out the deadline, and io_outcome() says why. */
bool await_answer(int fd, struct proc *p, int64_t deadline);
/* recv_until() for an answer from p: the same results, IO_TIMEOUT early when p is stuck. */
enum io_result recv_answer(struct proc *p, int fd, struct text *in, size_t cap, bool stop_at_newline,
                           int64_t deadline);
/* Waits until done(arg) is true (a state /proc shows: zombies reaped, children ended), or p
 * exited or got stuck (nothing will change any more), or the deadline: done(arg) at the end. */
bool wait_until_settled(struct proc *p, bool (*done)(void *), void *arg, int64_t deadline);
/* True when p exits within a moment: after a connection broke, its process may still be on its
 * way out; this waits for that event (with a short deadline) before describing how it ended. */
bool exits_soon(struct proc *p);
/* Runs a client to completion: false when it is still running at the deadline (it is then
 * killed). Its output is then read with program_stdout(). */
bool wait_for_exit(struct proc *p, int64_t deadline);
/* wait_for_exit() for a program that has nothing left to wait for (all its input given, no
 * timer in its contract): false, and it is killed, as soon as it is stuck in a call that waits
 * or keeps sleeping on a timer (a retry loop), not only at the deadline. Not for a program that
 * may wait with a timeout (04's client): a receive with SO_RCVTIMEO looks the same as one
 * without from outside. */
bool wait_for_end(struct proc *p, int64_t deadline);
/* Why the last wait stopped before its deadline (what the program was doing), else otherwise. */
const char *why_stopped(const char *otherwise);
/* True when p exited while other processes of its group still ran (a client that forked one
 * process per direction, and did not wait for it): its output was not complete when it ended.
 * wait_for_exit() waits for them too, so that the output read afterwards is all there is. */
bool exited_before_its_processes(const struct proc *p);
/* Waits until p sleeps (blocked in a system call, waiting for us) or has exited, so that what
 * we do next happens after whatever it was about to do, e.g. exit. */
void wait_until_blocked(struct proc *p);
/* Everything the program wrote on stdout (up to cap bytes). */
void program_stdout(const struct proc *p, struct text *out, size_t cap);
/* Everything the program wrote on stderr (up to cap bytes). */
void program_stderr(const struct proc *p, struct text *err, size_t cap);

/* Connects to a UNIX stream server at path, retrying until it is ready. Fails the check with a
 * diagnosis when it never is (exited, no socket file, stale file, not listening). */
int connect_unix_server(struct proc *server, const char *path);
/* Waits until a UNIX datagram server is bound at path (a datagram connect() succeeds). */
void wait_unix_dgram_server(struct proc *server, const char *path);
/* Connects to a TCP server on ip:port, retrying until it is ready; diagnoses htons and co. */
int connect_tcp_server(struct proc *server, const char *ip, uint16_t port);
/* Waits until a UDP server has bound port. */
void wait_udp_server(struct proc *server, uint16_t port);

/* Waits until the peer of the TCP connection fd, program p, has read everything sent to it so
 * far (its receive queue is empty), so that what we send next arrives in a separate read. False
 * when it did not: at the deadline, or as soon as p is stuck or busy elsewhere. */
bool wait_peer_consumed(int fd, struct proc *p);

/* --- Feedback ----------------------------------------------------------------------------- */

/* Lines of the failure message. Each takes a printf format. */
void sent(const char *format, ...) __attribute__((format(printf, 1, 2)));
void expected(const char *format, ...) __attribute__((format(printf, 1, 2)));
void got(const char *format, ...) __attribute__((format(printf, 1, 2)));
/* The likely mistake behind what was got, in words a student understands. id names the mistake
 * for good ("htons", "single-recv"): results.json carries it as a tag "cause:<id>", and the class
 * report counts the class's mistakes by it. Ids are lowercase words joined by '-'; one mistake,
 * one id, wherever it is diagnosed. */
void cause(const char *id, const char *format, ...) __attribute__((format(printf, 2, 3)));
/* A likely cause to give if the check fails later and names none of its own (set before a step
 * whose failure has an obvious reason in this check, e.g. a restart that needs SO_REUSEADDR). */
void cause_if_fails(const char *id, const char *format, ...) __attribute__((format(printf, 2, 3)));
/* Marks the failure as one that other checks share, for a reason that is not about this check
 * (a server on the wrong port): reports then say the reason once and list the checks under it.
 * key is the same in every check that fails for that reason; the text says the reason. */
void fail_for_shared_reason(const char *key, const char *format, ...) __attribute__((format(printf, 2, 3)));
/* Adds how the program ended (or that it still runs) and its stderr tail. */
void tell_about(const struct proc *p);
/* Ends the check as failed with the lines collected so far. */
_Noreturn void fail(void);
/* When got differs from want: Got and Expected lines that show where, and a cause when the
 * shape of the difference suggests one (stopped at a NUL byte, stopped at a buffer size). */
void explain_difference(const void *want, size_t n, const struct text *got);
/* got(what) for a failed I/O result, e.g. "nothing within 3 s" or "ECONNRESET (...)". */
const char *io_outcome(enum io_result r, const struct text *in);

/* --- The recurring moves, each in one call ---------------------------------------------------- */

/* Why a check fails, in one call, like a rubric line's "it should have ... but":
 *
 *     MISMATCH(.sent = "\"4\", then \"2\\n\"", .expected = "\"0\\n\"", .got = io_outcome(r, &in),
 *              .cause_id = "single-recv", .cause = "a stream has no message boundaries: ...",
 *              .program = server);
 *
 * Fields left out are not said. With .want and .got_bytes instead of .got, the Got lines show
 * where the bytes differ (explain_difference). With .program, how it ended and the end of its
 * stderr are added when it has ended or ends within a moment. */
struct mismatch {
    const char *sent, *expected, *got;
    const void *want; /* the bytes expected, with want_len ... */
    size_t want_len;
    const struct text *got_bytes; /* ... and those that came instead */
    const char *cause_id, *cause;
    struct proc *program;
};
_Noreturn void fail_mismatch(const struct mismatch *m);
#define MISMATCH(...) fail_mismatch(&(const struct mismatch){ __VA_ARGS__ })

/* Sends n bytes of msg on the connection fd, shuts down its writing side, and expects exactly
 * want back, then end-of-file; else fails, saying what was sent (what_sent: how the feedback
 * describes msg) and how the bytes differ. peer is the program at the other end. */
void expect_reply_then_eof(int fd, struct proc *peer, const void *msg, size_t n, const char *what_sent,
                           const void *want, size_t want_len);

#endif
