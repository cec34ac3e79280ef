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

#include "deadline.h"
#include "diagnose.h"
#include "netio.h"
#include "sandbox.h"
#include "text.h"

#define MAX_PROGRAMS 8

struct exercise {
    const char *id;                        /* "01-unix-stream-echo": the folder's name */
    int number;                            /* 1: numbers its checks 1.1, 1.2, ... */
    const char *programs[MAX_PROGRAMS];    /* each built from <program>.c and shared files */
    /* Files the kit provides, in grader/support/<id>/ (drivers, headers): they are copied over
     * the submission's files of the same name, and a program's main file may be one of them. */
    bool kit_files;
    const char *link_flags[8];             /* extra flags for linking, e.g. "-Wl,--wrap=read" */
    /* The files a student writes; none listed: each program's <program>.c. */
    const char *student_files[MAX_PROGRAMS];
};

/* One line of the rubric: check <exercise>.<number>, worth points, described by what. */
struct rubric_item {
    int number;
    int points;
    const char *what;
};

/* The limit on a whole check: a safety net far above the deadlines the checks use. The check
 * enforces it itself (an alarm in its own process), not through Criterion's .timeout, which in
 * Criterion 2.4 can deadlock the runner on an overloaded machine (Criterion issue #345). */
#define CHECK_TIMEOUT_SECONDS 20

/* How long a student program gets to start listening, and to answer. */
#define STARTUP_MS 3000
#define ANSWER_MS 3000

void check_setup(void);
void check_teardown(void);

/* Criterion may start each check in a fresh copy of the grader, where pointers taken in the
 * grader's own process mean nothing; so the check finds its exercise by the suite's name, in a
 * table that every copy fills in before main(). */
void register_exercise(const char *suite, const struct exercise *exercise);
const struct exercise *exercise_of_suite(const char *suite);

#define EXERCISE(suite, ...)                                                       \
    static struct exercise suite##_exercise = { __VA_ARGS__ };                     \
    __attribute__((constructor)) static void register_##suite(void)               \
    {                                                                              \
        register_exercise(#suite, &suite##_exercise);                              \
    }                                                                              \
    TestSuite(suite, .data = &suite##_exercise)

#define CHECK(suite, name, ...)                                                          \
    static struct rubric_item suite##_##name##_rubric = { __VA_ARGS__ };                 \
    Test(suite, name, .data = &suite##_##name##_rubric, .init = check_setup,             \
         .fini = check_teardown)

/* --- The check's own resources --------------------------------------------------------- */

/* A path in the check's scratch folder, e.g. scratch_path("echo.sock"). */
const char *scratch_path(const char *name);
/* A free port for this check (the same one on every call). */
uint16_t check_port(void);
/* Memory that lives until the check ends (zeroed). */
void *scratch_alloc(size_t n);
/* printf into memory that lives until the check ends. */
const char *fmt(const char *format, ...) __attribute__((format(printf, 1, 2)));
/* bytes as a quoted literal ("hi\n\x00"), at most 200 shown. Lives until the check ends. */
const char *quote(const void *bytes, size_t n);
const char *quote_text(const struct text *t);

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
void cause(const char *format, ...) __attribute__((format(printf, 1, 2)));
/* A likely cause to give if the check fails later and names none of its own (set before a step
 * whose failure has an obvious reason in this check, e.g. a restart that needs SO_REUSEADDR). */
void cause_if_fails(const char *format, ...) __attribute__((format(printf, 1, 2)));
/* Adds how the program ended (or that it still runs) and its stderr tail. */
void tell_about(const struct proc *p);
/* Ends the check as failed with the lines collected so far. */
_Noreturn void fail(void);
/* When got differs from want: Got and Expected lines that show where, and a cause when the
 * shape of the difference suggests one (stopped at a NUL byte, stopped at a buffer size). */
void explain_difference(const void *want, size_t n, const struct text *got);
/* n pseudo-random bytes (NUL bytes included), the same for the same seed. Lives until the end. */
const char *test_bytes(size_t n, unsigned seed);
/* got(what) for a failed I/O result, e.g. "nothing within 3 s" or "ECONNRESET (...)". */
const char *io_outcome(enum io_result r, const struct text *in);

#endif
