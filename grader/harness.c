/* harness.c - a check's own folder, port and sandbox user, and the student programs it starts
 * and waits for. Knowing early that an answer will not come is stall.c; waiting for a server
 * to be ready, ready.c; what a failed check says, verdict.c. */
#define _GNU_SOURCE
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build.h"
#include "check.h"
#include "config.h"
#include "diff.h"
#include "feedback.h"
#include "conversation.h"
#include "files.h"
#include "lease.h"
#include "procinfo.h"
#include "procnet.h"
#include "scratch.h"
#include "trace.h"

/* How long a check waits for the orphans it swept to die before it ends anyway. */
#define REAP_MS 1000
/* The limit on cleaning up after a check, however long the check took. */
#define TEARDOWN_SECONDS 10
#define MAX_AWAITED 4

struct check_state check;

static _Noreturn void internal_error(const char *what)
{
    cr_assert_fail("The grader could not prepare this check (%s: %s). This is not your fault: "
                   "tell your instructor.",
                   what, strerror(errno));
    abort(); /* cr_fatal does not return; this tells the compiler so */
}

/* A program's end, as the conversation shows it: describe_end's words up to their explanation
 * ("echo_server was killed by SIGPIPE"), or that the check killed it. */
static void tell_conversation_exit(const struct proc *p)
{
    if (p->killed) {
        conversation_program(p->name, "check kills %s (SIGKILL): it still ran at the deadline", p->name);
        return;
    }
    struct text end = { 0 };
    describe_end(&end, p);
    end.len = strcspn(text_str(&end), ":,");
    conversation_program(p->name, "%.*s", (int)end.len, text_str(&end));
    text_free(&end);
}

void check_setup(void)
{
    check.exercise = exercise_of_suite(criterion_current_suite->name);
    if (check.exercise == NULL)
        internal_error("unknown suite");
    check.uid = (struct lease){ -1, 0 };
    check.port = (struct lease){ -1, 0 };
    conversation_begin();
    sandbox_on_exit(tell_conversation_exit);
    signal(SIGPIPE, SIG_IGN);
    umask(0); /* socket files the check makes must be usable by the sandbox user */

    /* Orphans of the check's programs (a server's children whose parent died, a daemon) come
     * to this process instead of process 1, which in a container may never reap them; the
     * check reaps them when it ends. */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
        internal_error("prctl(PR_SET_CHILD_SUBREAPER)");
    /* The check's own time limit: SIGALRM ends its process, and the runner says why. */
    alarm(CHECK_TIMEOUT_SECONDS);

    snprintf(check.dir, sizeof check.dir, "%s/checks/%d-XXXXXX", config()->run_dir, check.exercise->number);
    if (mkdtemp(check.dir) == NULL)
        internal_error("mkdtemp");
    snprintf(check.work, sizeof check.work, "%s/work", check.dir);
    snprintf(check.io, sizeof check.io, "%s/io", check.dir);
    if (chmod(check.dir, 0755) < 0 || mkdir(check.work, 0755) < 0 || mkdir(check.io, 0755) < 0)
        internal_error("mkdir");
    /* The check works where the student's programs work, so that a relative socket path a
     * program binds (say "client.sock") means the same file to both. */
    if (chdir(check.work) < 0)
        internal_error("chdir");
    if (config()->sandbox_uids) {
        if (lease_uid(&check.uid) < 0)
            internal_error(fmt("no free sandbox user id: %s", lease_last_error()));
        if (chown(check.work, (uid_t)check.uid.value, (gid_t)check.uid.value) < 0)
            internal_error("chown");
    }
}

/* Reaps the orphans that came to this check (it is their subreaper), once they are dead.
 * SIGCHLD is blocked first, so a child that dies after a look is still announced to
 * sigtimedwait(). */
static void reap_adopted(void)
{
    sigset_t chld, old;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, &old);
    int64_t deadline = deadline_in(REAP_MS);
    for (;;) {
        pid_t r = waitpid(-1, NULL, WNOHANG);
        if (r > 0 || (r < 0 && errno == EINTR))
            continue;
        if (r < 0 || now_ms() >= deadline) /* ECHILD: none left */
            break;
        int left = ms_left(deadline);
        struct timespec wait = { left / 1000, (long)(left % 1000) * 1000000 };
        sigtimedwait(&chld, NULL, &wait);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
}

void check_teardown(void)
{
    alarm(TEARDOWN_SECONDS); /* cleaning up gets a limit of its own */
    for (int i = 0; i < check.nprocs; i++)
        proc_kill(&check.procs[i]);
    if (check.uid.fd >= 0) {
        uid_sweep((uid_t)check.uid.value);
        /* Socket files its programs left in /tmp (a client killed before it could unlink its
         * own) would collide with a later client that gets the same process id. */
        remove_sockets_of("/tmp", (uid_t)check.uid.value);
    }
    reap_adopted();
    lease_release(&check.uid);
    lease_release(&check.port);
    /* What the programs wrote is in the verdict already; their files go now, not at the end of
     * the run, so that a program that fills its files to the limit in every check cannot fill
     * the disk (a container's /tmp) for the checks after it. */
    if (!config()->keep && chdir("/") == 0)
        remove_tree(check.dir);
    scratch_free_all();
    sandbox_on_exit(NULL);
    conversation_end();
    text_free(&check.feedback);
    feedback_free(&check.fb);
    free(check.pending_cause);
    free(check.pending_cause_id);
    check.pending_cause = check.pending_cause_id = NULL;
    stall_forget();
}

const char *scratch_path(const char *name)
{
    return fmt("%s/%s", check.work, name);
}

/* A file of the grader's in io/: a program's stdin, stdout or stderr. */
static const char *io_path(const char *name)
{
    return fmt("%s/%s", check.io, name);
}

uint16_t check_port(void)
{
    if (check.port.fd < 0 && lease_port(&check.port) < 0)
        internal_error(fmt("no free port: %s", lease_last_error()));
    return (uint16_t)check.port.value;
}

/* --- Student programs --------------------------------------------------------------------- */

static const char *build_dir(void)
{
    return config()->build_dir;
}

static const char *built_program(const char *program)
{
    char path[PATH_MAX];
    build_program_path(path, sizeof path, build_dir(), check.exercise->id, program);
    return fmt("%s", path);
}

static _Noreturn void fail_not_built(const char *program)
{
    struct text log = { 0 };
    char path[PATH_MAX];
    build_log_path(path, sizeof path, build_dir(), check.exercise->id, program);
    text_read_file(&log, path, 64 << 10);
    expected("to run your %s", program);
    got("%s was not built, so this check could not run", program);
    fail_for_shared_reason(fmt("not-built:%s", program),
                           "%s was not built (see check %d.0), so "
                           "these checks could not run",
                           program, check.exercise->number);
    if (log.len > 0) {
        text_printf(&check.feedback, "The end of what the build said (all of it is in check %d.0):\n",
                    check.exercise->number);
        text_indent_tail(&check.feedback, log.data, log.len, 6, 1000);
    }
    text_free(&log);
    fail();
}

static const char *write_stdin_file(const char *name, const void *bytes, size_t n)
{
    const char *path = io_path(name);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        internal_error("open stdin file");
    const char *p = bytes;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            internal_error("write stdin file");
        }
        p += w;
        n -= (size_t)w;
    }
    close(fd);
    return path;
}

struct proc *start_program(const char *program, const char *const *args, const void *stdin_bytes,
                           size_t stdin_len)
{
    if (check.nprocs == MAX_PROCS)
        internal_error("too many processes in one check");
    const char *path = built_program(program);
    if (access(path, X_OK) < 0)
        fail_not_built(program);

    int k = check.nprocs;
    const char *argv[16] = { path };
    for (int i = 0; args[i] && i < 14; i++)
        argv[i + 1] = args[i];
    struct proc_spec spec = {
        .argv = argv,
        .name = program,
        .cwd = check.work,
        .stdin_path = stdin_bytes ? write_stdin_file(fmt("%s-%d.in", program, k), stdin_bytes, stdin_len) : NULL,
        .stdout_path = io_path(fmt("%s-%d.out", program, k)),
        .stderr_path = io_path(fmt("%s-%d.err", program, k)),
        .uid = (uid_t)(check.uid.fd >= 0 ? check.uid.value : 0),
        .limits = &student_limits,
    };
    struct text command = { 0 };
    text_puts(&command, program);
    for (int i = 0; args[i]; i++) /* quoted as a shell would need it, to be run again by hand */
        text_printf(&command, strpbrk(args[i], " \t\"'$&;|<>*?") ? " '%s'" : " %s", args[i]);
    if (stdin_bytes)
        text_printf(&command, " < (%zu bytes)", stdin_len);
    feedback_add(&check.fb, FEEDBACK_RAN, text_str(&command));
    text_free(&command);
    struct proc *p = &check.procs[k];
    struct text why = { 0 };
    if (proc_start(p, &spec, &why) < 0) {
        got("%s", text_str(&why));
        text_free(&why);
        fail();
    }
    check.nprocs++;
    conversation_set_default_peer(program);
    conversation_program(program, "%s starts", program);
    return p;
}

bool exits_soon(struct proc *p)
{
    return proc_wait(p, deadline_in(250));
}

bool wait_for_exit(struct proc *p, int64_t deadline)
{
    if (!proc_wait(p, deadline)) {
        proc_kill(p);
        p->exited = false; /* it did not end by itself: describe_end says "still running" */
        return false;
    }
    /* Its output is complete once every process of its group has ended: a client may fork one
     * process per direction. The kernel has no event for that, so look every few ms. */
    struct children c = procinfo_children(p->pid);
    check.left_processes[p - check.procs] |= c.running > 0;
    while (c.running > 0 && now_ms() < deadline) {
        poll(NULL, 0, POLL_INTERVAL_MS);
        c = procinfo_children(p->pid);
    }
    if (c.running > 0)
        proc_kill(p); /* the group lives on: stop what is left of it */
    return true;
}

bool exited_before_its_processes(const struct proc *p)
{
    return check.left_processes[p - check.procs];
}

/* A process that has used this much CPU time since we began to wait is busy in a loop, not on
 * its way to a call that waits, nor out (a daemon's parent needs far less to fork and exit). */
#define BUSY_CPU_MS 30

void check_wait_blocked_until(struct proc *p, int64_t deadline)
{
    unsigned long start, ticks = 0;
    char state;
    bool known = procinfo_cpu(p->pid, &start, &state);
    while (!p->exited && !procinfo_waiting(p->pid) && now_ms() < deadline) {
        proc_wait(p, deadline_in(1));
        if (known && procinfo_cpu(p->pid, &ticks, &state)
            && (long)(ticks - start) * 1000 / sysconf(_SC_CLK_TCK) >= BUSY_CPU_MS)
            break;
    }
    /* It ended (it may still await reaping) before we answered: whatever of it still runs
     * will write the output after it is gone. */
    if ((p->exited || !proc_running(p)) && procinfo_children(p->pid).running > 0)
        check.left_processes[p - check.procs] = true;
}

void wait_until_blocked(struct proc *p)
{
    check_wait_blocked_until(p, deadline_in(ANSWER_MS));
}

bool await_readable_or_exit(int fd, struct proc *p, int64_t deadline)
{
    int64_t start = now_ms();
    for (;;) {
        struct pollfd pfds[2] = { { .fd = fd, .events = POLLIN }, { .fd = p->pidfd, .events = POLLIN } };
        int r = poll(pfds, p->pidfd >= 0 ? 2 : 1, ms_left(deadline));
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0)
            conversation_gave_up(fd, start, deadline, fmt("%s to connect or send", p->name));
        if (r <= 0)
            return false;
        if (pfds[0].revents)
            return true;
        /* It exited; whatever it sent before exiting is already queued, so look once more. */
        proc_running(p);
        return wait_readable(fd, now_ms());
    }
}

int await_any_readable_or_exit(const int *fds, int n, struct proc *p, int64_t deadline)
{
    struct pollfd pfds[MAX_AWAITED + 1];
    if (n > MAX_AWAITED)
        n = MAX_AWAITED;
    bool watching = p->pidfd >= 0;
    int64_t start = now_ms();
    for (;;) {
        for (int i = 0; i < n; i++)
            pfds[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
        pfds[n] = (struct pollfd){ .fd = watching ? p->pidfd : -1, .events = POLLIN };
        int r = poll(pfds, (nfds_t)n + 1, ms_left(deadline));
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0 && watching)
            conversation_gave_up(n > 0 ? fds[0] : -1, start, deadline, fmt("%s to connect or send", p->name));
        if (r <= 0)
            return -1;
        for (int i = 0; i < n; i++)
            if (pfds[i].revents)
                return i;
        /* It exited; whatever it sent before exiting is already queued, so look once more. */
        proc_running(p);
        watching = false;
        deadline = now_ms();
    }
}

const char *check_output_path(const struct proc *p, const char *ext)
{
    int k = (int)(p - check.procs);
    return io_path(fmt("%s-%d.%s", p->name, k, ext));
}

void program_stdout(const struct proc *p, struct text *out, size_t cap)
{
    text_read_file(out, check_output_path(p, "out"), cap);
}

void program_stderr(const struct proc *p, struct text *err, size_t cap)
{
    text_read_file(err, check_output_path(p, "err"), cap);
}
