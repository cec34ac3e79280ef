/* harness.c - the per-check sandbox, starting student programs, waiting for them to be ready,
 * and the feedback a failed check gives. */
#define _GNU_SOURCE
#include "harness.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build.h"
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

#define MAX_PROCS 64
#define POLL_INTERVAL_MS 5
/* How long a check waits for the orphans it swept to die before it ends anyway. */
#define REAP_MS 1000
/* The limit on cleaning up after a check, however long the check took. */
#define TEARDOWN_SECONDS 10
#define MAX_AWAITED 4

/* A check's folder has two parts: work/, where the student's programs run and may write
 * (their socket files, say), owned by the check's sandbox user; and io/, the files of their
 * stdin, stdout and stderr, which only the grader can write. The grader, privileged, opens
 * files in io/ only, so a link a program plants in work/ can never redirect what it opens. */
static struct {
    const struct exercise *exercise;
    char dir[512];              /* the check's folder, the grader's */
    char work[540];             /* the programs' working folder, theirs */
    char io[540];               /* their stdin/stdout/stderr files, the grader's */
    struct lease uid;
    struct lease port;
    struct proc procs[MAX_PROCS];
    bool left_processes[MAX_PROCS];     /* exited while others of its group still ran */
    bool in_foreground[MAX_PROCS];      /* seen waiting for clients once it was reachable */
    int nprocs;
    struct feedback fb;         /* what a failure will say, as data */
    struct text feedback;       /* a note being written (stderr's end, a diff): see flush_note */
    char *pending_cause, *pending_cause_id;
} check;

static _Noreturn void internal_error(const char *what)
{
    cr_assert_fail("The grader could not prepare this check (%s: %s). This is not your fault: "
             "tell your instructor.", what, strerror(errno));
    abort();    /* cr_fatal does not return; this tells the compiler so */
}

/* A program's end, as the conversation shows it: describe_end's words up to their explanation
 * ("echo_server was killed by SIGPIPE"), or that the check killed it. */
static void tell_conversation_exit(const struct proc *p)
{
    if (p->killed) {
        conversation_program(p->name, "check kills %s (SIGKILL): it still ran at the deadline", p->name);
        return;
    }
    struct text end = {0};
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
    umask(0);   /* socket files the check makes must be usable by the sandbox user */

    /* Orphans of the check's programs (a server's children whose parent died, a daemon) come
     * to this process instead of process 1, which in a container may never reap them; the
     * check reaps them when it ends. */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
        internal_error("prctl(PR_SET_CHILD_SUBREAPER)");
    /* The check's own time limit: SIGALRM ends its process, and the runner says why. */
    alarm(CHECK_TIMEOUT_SECONDS);

    snprintf(check.dir, sizeof check.dir, "%s/checks/%d-XXXXXX", config()->run_dir,
             check.exercise->number);
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
        if (r < 0 || now_ms() >= deadline)     /* ECHILD: none left */
            break;
        int left = ms_left(deadline);
        struct timespec wait = { left / 1000, (long)(left % 1000) * 1000000 };
        sigtimedwait(&chld, NULL, &wait);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
}

static void stall_forget(void);

void check_teardown(void)
{
    alarm(TEARDOWN_SECONDS);     /* cleaning up gets a limit of its own */
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
    struct text log = {0};
    char path[PATH_MAX];
    build_log_path(path, sizeof path, build_dir(), check.exercise->id, program);
    text_read_file(&log, path, 64 << 10);
    expected("to run your %s", program);
    got("%s was not built, so this check could not run", program);
    fail_for_shared_reason(fmt("not-built:%s", program), "%s was not built (see check %d.0), so "
                           "these checks could not run", program, check.exercise->number);
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
    struct text command = {0};
    text_puts(&command, program);
    for (int i = 0; args[i]; i++)   /* quoted as a shell would need it, to be run again by hand */
        text_printf(&command, strpbrk(args[i], " \t\"'$&;|<>*?") ? " '%s'" : " %s", args[i]);
    if (stdin_bytes)
        text_printf(&command, " < (%zu bytes)", stdin_len);
    feedback_add(&check.fb, FEEDBACK_RAN, text_str(&command));
    text_free(&command);
    struct proc *p = &check.procs[k];
    struct text why = {0};
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
        p->exited = false;   /* it did not end by itself: describe_end says "still running" */
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
        proc_kill(p);        /* the group lives on: stop what is left of it */
    return true;
}

bool exited_before_its_processes(const struct proc *p)
{
    return check.left_processes[p - check.procs];
}

/* A daemon's parent is gone within this; a server still busy after it is not going away. */
#define FOREGROUND_MS 500

/* A process that has used this much CPU time since we began to wait is busy in a loop, not on
 * its way to a call that waits, nor out (a daemon's parent needs far less to fork and exit). */
#define BUSY_CPU_MS 30

static void wait_blocked_until(struct proc *p, int64_t deadline)
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
    wait_blocked_until(p, deadline_in(ANSWER_MS));
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

/* --- Knowing early that an answer will not come ------------------------------------------- */

/* A program is stuck when every thread of every one of its processes sleeps in a call that only
 * an event ends (accept(), recv(), poll() without a timeout...), none of them was scheduled in
 * for STALL_MS over at least STALL_LOOKS looks, and nothing is on its way to it or from it: then
 * the answer we wait for will not come, and waiting out ANSWER_MS would only cost time. Every
 * part of that is needed on a loaded machine: a process asleep right after a look may have been
 * woken a microsecond later (the next look sees it ran), and bytes still in flight on loopback
 * will wake it when they land. */
#define STALL_MS 200
#define STALL_LOOKS 4
#define LOOK_EVERY_MS 20
#define SETTLE_EVERY_MS 2
/* A program that used this much CPU time while bytes we sent it sat unread is busy elsewhere
 * (a loop that never calls accept() or recv()): CPU time, not time, so that a program merely
 * waiting for a CPU on a loaded machine is never taken for one. */
#define SPIN_CPU_MS 100

static struct {
    struct proc *p;
    int looks;                  /* looks in a row that found it stuck, and the same */
    int64_t first;
    unsigned long runs;
    int processes;
    bool spin_watch;            /* our bytes were unread at the last look... */
    unsigned long spin_ticks;   /* ...and since the first such look, it used this CPU time */
    char note[400];             /* why the last wait stopped early, for io_outcome() */
} stall;

/* What is between the check's descriptor fd and program p: bytes p has not read (ours, or
 * another client's), connections it has not accept()ed, and bytes still in flight. */
struct traffic {
    bool unread;
    bool unaccepted;
    bool in_flight;
};

static struct traffic traffic_with(const struct procinfo_look *look, int fd)
{
    struct traffic t = { false, false, false };
    int domain = -1, queued = 0;
    socklen_t len = sizeof domain;
    if (fd >= 0 && getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0
        && ioctl(fd, SIOCOUTQ, &queued) == 0 && queued > 0) {
        /* A UNIX socket counts what its peer has not read yet; TCP what is not acknowledged. */
        if (domain == AF_UNIX)
            t.unread = true;
        else
            t.in_flight = true;
    }
    struct inet_socket s[256];
    int n = procnet_sockets_of_all(look->pids, look->processes < PROCINFO_MAX_LOOKED ? look->processes
                                   : PROCINFO_MAX_LOOKED, "tcp", s, 256);
    for (int i = 0; i < n; i++) {
        /* A listener's receive queue is its connections not yet accepted. */
        if (s[i].state == PROCNET_TCP_LISTEN) {
            t.unaccepted |= s[i].rx_queue > 0;
        } else {
            t.unread |= s[i].rx_queue > 0;
            t.in_flight |= s[i].tx_queue > 0;
        }
    }
    return t;
}

/* Why p will not answer, in the words of the feedback. */
static void describe_stuck(const struct proc *p, const struct procinfo_look *look, struct traffic t)
{
    const char *call = procinfo_call_name(look->call);
    bool in_accept = strcmp(call, "accept()") == 0;
    const char *others = look->processes > 1 ? fmt(" (and its %d other processes in calls that wait too)",
                                                   look->processes - 1) : "";
    const char *why;
    if (in_accept && t.unread)
        why = "waiting for another client, while bytes sent to it on a connection it had accepted "
              "sat unread";
    else if (t.unaccepted)
        why = "while a connection waited to be accept()ed";
    else if (t.unread)
        why = "while bytes sent to it sat unread";
    else
        why = "having read everything sent to it: nothing more was coming";
    snprintf(stall.note, sizeof stall.note, "%s was blocked in %s%s, %s", p->name, call, others, why);
}

static void stall_forget(void)
{
    stall.p = NULL;
    stall.looks = 0;
    stall.note[0] = '\0';
}

static void stall_reset(struct proc *p)
{
    stall.p = p;
    stall.looks = 0;
    stall.spin_watch = false;
}

/* True when bytes the check sent on fd have not been read by its peer yet: a UNIX socket counts
 * them as its own until then; for TCP, the peer's end in /proc/net/tcp (accepted or not) holds
 * them in its receive queue. */
static bool ours_unread(int fd)
{
    struct sockaddr_storage self, peer;
    socklen_t self_len = sizeof self, peer_len = sizeof peer;
    int queued = 0;
    if (getsockname(fd, (struct sockaddr *)&self, &self_len) < 0
        || getpeername(fd, (struct sockaddr *)&peer, &peer_len) < 0)
        return false;
    if (self.ss_family == AF_UNIX)
        return ioctl(fd, SIOCOUTQ, &queued) == 0 && queued > 0;
    if (self.ss_family != AF_INET)
        return false;
    struct inet_socket s;
    return procnet_find_tcp(ntohs(((struct sockaddr_in *)&peer)->sin_port),
                            ntohs(((struct sockaddr_in *)&self)->sin_port), &s) && s.rx_queue > 0;
}

/* True when p keeps running while what we sent it on fd stays unread. */
static bool spinning(struct proc *p, const struct procinfo_look *look, int fd)
{
    if (fd < 0 || look->unknown || look->blocked == look->processes || !ours_unread(fd)) {
        stall.spin_watch = false;
        return false;
    }
    if (!stall.spin_watch) {
        stall.spin_watch = true;
        stall.spin_ticks = look->ticks;
        return false;
    }
    long cpu_ms = (long)(look->ticks - stall.spin_ticks) * 1000 / sysconf(_SC_CLK_TCK);
    if (cpu_ms < SPIN_CPU_MS)
        return false;
    snprintf(stall.note, sizeof stall.note, "%s kept running (%ld ms of CPU time) while what was sent "
             "to it sat unread: busy, but not reading it", p->name, cpu_ms);
    return true;
}

/* One look at p while the check waits for it (on fd, or -1 for an event /proc shows). True
 * once it is stuck; stall.note then says how, for the feedback. */
static bool stuck(struct proc *p, int fd)
{
    struct procinfo_look look;
    if (check.uid.fd >= 0)
        procinfo_read_as((uid_t)check.uid.value, (gid_t)check.uid.value);
    procinfo_look(p->pid, &look);
    proc_running(p);
    if (look.processes == 0 && p->exited) {
        snprintf(stall.note, sizeof stall.note, "%s had ended", p->name);
        return true;
    }
    if (stall.p == p && spinning(p, &look, fd))
        return true;
    if (stall.p != p || look.unknown || look.processes == 0 || look.blocked < look.processes
        || look.processes > PROCINFO_MAX_LOOKED) {
        bool watching = stall.p == p && stall.spin_watch;
        stall_reset(p);
        stall.spin_watch = watching;
        return false;
    }
    if (stall.looks == 0 || look.runs != stall.runs || look.processes != stall.processes) {
        stall.looks = 1;
        stall.first = now_ms();
        stall.runs = look.runs;
        stall.processes = look.processes;
        return false;
    }
    if (++stall.looks < STALL_LOOKS || now_ms() - stall.first < STALL_MS)
        return false;
    struct traffic t = traffic_with(&look, fd);
    if (t.in_flight || (fd >= 0 && wait_readable(fd, now_ms()))) {
        stall_reset(p);
        return false;
    }
    describe_stuck(p, &look, t);
    return true;
}

bool await_answer(int fd, struct proc *p, int64_t deadline)
{
    stall_reset(p);
    stall.note[0] = '\0';
    for (;;) {
        int64_t slice = deadline_in(LOOK_EVERY_MS);
        /* Not await_readable_or_exit(): after its first process exits, a program's others (a
         * forking server's children) may still answer. Its end shows as end-of-file anyway. */
        if (wait_readable(fd, slice < deadline ? slice : deadline))
            return true;
        if (now_ms() >= deadline || stuck(p, fd))
            return false;
    }
}

enum io_result recv_answer(struct proc *p, int fd, struct text *in, size_t cap, bool stop_at_newline,
                           int64_t deadline)
{
    /* What is there already (a line may be waiting in in) needs no wait. */
    enum io_result r = recv_until(fd, in, cap, stop_at_newline, now_ms());
    while (r == IO_TIMEOUT && now_ms() < deadline) {
        bool ready = await_answer(fd, p, deadline);
        /* Take what is there without waiting: a program that exited or got stuck sends no more. */
        r = recv_until(fd, in, cap, stop_at_newline, now_ms());
        if (!ready)
            break;
    }
    return r;
}

bool wait_for_end(struct proc *p, int64_t deadline)
{
    stall_reset(p);
    stall.note[0] = '\0';
    int sleeping = 0;       /* looks in a row that found it asleep on a timer */
    for (int64_t next_look = deadline_in(LOOK_EVERY_MS);;) {
        int64_t slice = deadline_in(SETTLE_EVERY_MS);
        if (proc_wait(p, slice < deadline ? slice : deadline) || now_ms() >= deadline)
            break;
        if (now_ms() < next_look)
            continue;
        next_look = deadline_in(LOOK_EVERY_MS);
        if (stuck(p, -1))
            break;
        struct procinfo_look look;
        procinfo_look(p->pid, &look);
        sleeping = procinfo_timed_sleep(look.call) && !look.unknown ? sleeping + 1 : 0;
        if (sleeping >= STALL_LOOKS) {
            snprintf(stall.note, sizeof stall.note, "%s was asleep in sleep() instead (waiting to try "
                     "again?)", p->name);
            break;
        }
    }
    /* Exited: wait_for_exit() waits for the rest of its group; else it kills it. */
    return wait_for_exit(p, p->exited ? deadline : now_ms());
}

const char *why_stopped(const char *otherwise)
{
    return stall.note[0] ? fmt("%s", stall.note) : otherwise;
}

bool wait_until_settled(struct proc *p, bool (*done)(void *), void *arg, int64_t deadline)
{
    stall_reset(p);
    stall.note[0] = '\0';
    for (int64_t next_look = deadline_in(LOOK_EVERY_MS);;) {
        if (done(arg))
            return true;
        if (now_ms() >= deadline)
            return false;
        /* The kernel has no event for what /proc shows: look again in a moment. */
        if (proc_wait(p, deadline_in(SETTLE_EVERY_MS)))
            return done(arg);
        if (now_ms() >= next_look) {
            if (stuck(p, -1))
                return done(arg);
            next_look = deadline_in(LOOK_EVERY_MS);
        }
    }
}

static const char *output_path(const struct proc *p, const char *ext)
{
    int k = (int)(p - check.procs);
    return io_path(fmt("%s-%d.%s", p->name, k, ext));
}

void program_stdout(const struct proc *p, struct text *out, size_t cap)
{
    text_read_file(out, output_path(p, "out"), cap);
}

void program_stderr(const struct proc *p, struct text *err, size_t cap)
{
    text_read_file(err, output_path(p, "err"), cap);
}

/* --- Waiting until a server is ready -------------------------------------------------------- */

/* Gives the server a few milliseconds before the next attempt; true if it exited meanwhile. */
static bool server_exited_while_waiting(struct proc *server)
{
    return proc_wait(server, deadline_in(POLL_INTERVAL_MS));
}

static _Noreturn void fail_server_exited(struct proc *server, const char *waiting_for)
{
    expected("%s", waiting_for);
    tell_about(server);
    fail();
}

/* A server that ends with status 0 by itself has most likely gone into the background. */
static bool went_into_background(const struct proc *p)
{
    return p->exited && exited_with(p, 0) && strstr(p->name, "server") != NULL;
}

/* Called once the server is reachable: if it is on its way out (a parent that forked a daemon
 * and returns), it ends before this returns, and the check says so; a server that waits in
 * accept(), poll() or recvfrom() costs nothing. */
static void expect_in_foreground(struct proc *server, const char *waiting_for)
{
    if (check.in_foreground[server - check.procs])
        return;             /* a daemon's parent leaves at once: looking once is enough */
    wait_blocked_until(server, deadline_in(FOREGROUND_MS));
    if (!proc_running(server))
        fail_server_exited(server, waiting_for);
    check.in_foreground[server - check.procs] = true;
}

static void explain_unix_connect_error(const char *path, int err)
{
    struct stat st;
    if (err == ENOENT)
        cause("no-socket-file", "No socket file appeared at %s: bind() the socket to the path given on the command line.", path);
    else if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode))
        cause("not-a-socket-file", "%s is not a socket file: was it created by something other than bind()?", path);
    else if (err == ECONNREFUSED)
        cause("stale-socket-file", "The file %s exists but nobody listens on it. Either listen() is missing, or the file is "
              "stale (left by an earlier run) and the server never bound its own: remove it with "
              "unlink() before bind(), since bind() fails with EADDRINUSE when the path exists.", path);
    else if (err == EAGAIN)
        cause("no-accept", "The server's queue of pending connections is full: is it calling accept()?");
    else
        cause("connect-failed", "connect() failed with %s.", errno_text(err));
}

int connect_unix_server(struct proc *server, const char *path)
{
    int64_t deadline = deadline_in(STARTUP_MS);
    for (;;) {
        int fd = unix_connect(path, SOCK_STREAM);
        if (fd >= 0) {
            conversation_name_peer(fd, server->name);
            expect_in_foreground(server, fmt("%s to accept connections at %s", server->name, path));
            return fd;
        }
        int err = errno;
        if (server_exited_while_waiting(server)) {
            /* A server killed by a signal may have listened before; the file is then its own. */
            if (err == ECONNREFUSED && !WIFSIGNALED(server->status))
                explain_unix_connect_error(path, err);
            fail_server_exited(server, fmt("%s to accept connections at %s", server->name, path));
        }
        if (now_ms() >= deadline) {
            expected("%s to accept connections at %s", server->name, path);
            got("connect() kept failing for %d s with %s", STARTUP_MS / 1000, errno_text(err));
            explain_unix_connect_error(path, err);
            fail();
        }
    }
}

void wait_unix_dgram_server(struct proc *server, const char *path)
{
    int64_t deadline = deadline_in(STARTUP_MS);
    for (;;) {
        int fd = unix_connect(path, SOCK_DGRAM);
        if (fd >= 0) {
            close(fd);
            expect_in_foreground(server, fmt("%s to receive datagrams at %s", server->name, path));
            return;
        }
        int err = errno;
        if (server_exited_while_waiting(server)) {
            if (err == ECONNREFUSED)
                explain_unix_connect_error(path, err);
            fail_server_exited(server, fmt("%s to receive datagrams at %s", server->name, path));
        }
        if (now_ms() >= deadline) {
            expected("%s to receive datagrams at %s", server->name, path);
            got("no socket bound there after %d s (%s)", STARTUP_MS / 1000, errno_text(err));
            explain_unix_connect_error(path, err);
            fail();
        }
    }
}

int connect_tcp_server(struct proc *server, const char *ip, uint16_t port)
{
    int64_t deadline = deadline_in(STARTUP_MS);
    for (;;) {
        int fd = tcp_connect(ip, port, deadline);
        if (fd >= 0) {
            conversation_name_peer(fd, server->name);
            expect_in_foreground(server, fmt("%s to accept connections on %s:%u", server->name, ip, port));
            return fd;
        }
        int err = errno;
        if (server_exited_while_waiting(server))
            fail_server_exited(server, fmt("%s to accept connections on %s:%u", server->name, ip, port));
        bool swapped = diagnose_on_swapped_port(server->pid, "tcp", port);
        if (swapped || now_ms() >= deadline) {
            expected("%s to accept connections on %s:%u", server->name, ip, port);
            if (swapped)
                got("connect() failed with %s: it listens on port %u", errno_text(err), port_byte_swapped(port));
            else
                got("connect() kept failing for %d s with %s", STARTUP_MS / 1000, errno_text(err));
            struct text why = {0};
            const char *id = diagnose_tcp_listener(&why, server->pid, port);
            if (id)
                cause(id, "%s", text_str(&why));
            if (swapped)
                fail_for_shared_reason(fmt("swapped-port:%s", server->name),
                                       "%s listens on the port with its two bytes swapped: "
                                       "htons() is missing", server->name);
            text_free(&why);
            fail();
        }
    }
}

void wait_udp_server(struct proc *server, uint16_t port)
{
    int64_t deadline = deadline_in(STARTUP_MS);
    for (;;) {
        struct inet_socket s[64];
        int n = procnet_sockets_of(server->pid, "udp", s, 64);
        for (int i = 0; i < n; i++) {
            if (s[i].local_port == port) {
                expect_in_foreground(server, fmt("%s to receive datagrams on port %u", server->name, port));
                return;
            }
        }
        if (server_exited_while_waiting(server))
            fail_server_exited(server, fmt("%s to receive datagrams on port %u", server->name, port));
        bool swapped = diagnose_on_swapped_port(server->pid, "udp", port);
        if (swapped || now_ms() >= deadline) {
            expected("%s to receive datagrams on port %u", server->name, port);
            if (swapped)
                got("its UDP socket is on port %u", port_byte_swapped(port));
            else
                got("no UDP socket bound to port %u after %d s", port, STARTUP_MS / 1000);
            struct text why = {0};
            const char *id = diagnose_udp_binding(&why, server->pid, port);
            if (id)
                cause(id, "%s", text_str(&why));
            if (swapped)
                fail_for_shared_reason(fmt("swapped-port:%s", server->name),
                                       "%s is bound to the port with its two bytes swapped: "
                                       "htons() is missing", server->name);
            text_free(&why);
            fail();
        }
    }
}

bool wait_peer_consumed(int fd, struct proc *p)
{
    struct sockaddr_in self, peer;
    socklen_t self_len = sizeof self, peer_len = sizeof peer;
    if (getsockname(fd, (struct sockaddr *)&self, &self_len) < 0
        || getpeername(fd, (struct sockaddr *)&peer, &peer_len) < 0)
        return false;
    int64_t deadline = deadline_in(ANSWER_MS), next_look = deadline_in(LOOK_EVERY_MS);
    stall_reset(p);
    stall.note[0] = '\0';
    while (now_ms() < deadline) {
        struct inet_socket s;
        if (!procnet_find_tcp(ntohs(peer.sin_port), ntohs(self.sin_port), &s))
            return false;           /* the peer's socket is gone: it closed */
        if (s.rx_queue == 0)
            return true;
        /* The kernel offers no event for "the peer has read": look again in a moment. */
        wait_readable(fd, deadline_in(1));
        if (now_ms() >= next_look) {
            if (stuck(p, fd))
                return false;
            next_look = deadline_in(LOOK_EVERY_MS);
        }
    }
    return false;
}

/* --- Feedback -------------------------------------------------------------------------------- */

/* Notes (the end of a program's stderr, a diff) are written as text into check.feedback; the
 * next line of another kind, or fail(), turns what was written into one note line. */
static void flush_note(void)
{
    if (check.feedback.len == 0)
        return;
    feedback_add(&check.fb, FEEDBACK_NOTE, text_str(&check.feedback));
    text_free(&check.feedback);
}

static void add_line(enum feedback_kind kind, const char *format, va_list ap)
{
    char *line;
    if (vasprintf(&line, format, ap) < 0)
        abort();
    flush_note();
    feedback_add(&check.fb, kind, line);
    free(line);
}

#define FEEDBACK_LINE(function, kind)               \
    void function(const char *format, ...)          \
    {                                               \
        va_list ap;                                 \
        va_start(ap, format);                       \
        add_line(kind, format, ap);                 \
        va_end(ap);                                 \
    }

FEEDBACK_LINE(sent, FEEDBACK_SENT)
FEEDBACK_LINE(expected, FEEDBACK_EXPECTED)
FEEDBACK_LINE(got, FEEDBACK_GOT)

void cause(const char *id, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    add_line(FEEDBACK_CAUSE, format, ap);
    va_end(ap);
    if (check.fb.cause_id == NULL)      /* the first cause named is the one counted */
        feedback_set_cause_id(&check.fb, id);
}

void cause_if_fails(const char *id, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    free(check.pending_cause);
    if (vasprintf(&check.pending_cause, format, ap) < 0)
        abort();
    va_end(ap);
    free(check.pending_cause_id);
    check.pending_cause_id = strdup(id);
}

void fail_for_shared_reason(const char *key, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    char *text;
    if (vasprintf(&text, format, ap) < 0)
        abort();
    va_end(ap);
    if (check.fb.group_key == NULL)
        feedback_set_group(&check.fb, key, text);
    free(text);
}

void tell_about(const struct proc *p)
{
    struct text end = {0};
    describe_end(&end, p);
    got("%s", text_str(&end));
    text_free(&end);
    if (p->exited || p->pid > 0)
        describe_stderr_tail(&check.feedback, output_path(p, "err"));
    if (went_into_background(p))
        cause("background", "a server runs until it is killed: one that exits with status 0 by itself went into "
              "the background (fork() and exit in the parent, daemon(), TLPI's becomeDaemon()) or "
              "returned from main(). Stay in the foreground: the grader starts the server and "
              "stops it with SIGTERM, and a server in the background escapes both.");
    if (p->exited && p - check.procs >= 0 && p - check.procs < check.nprocs
        && check.left_processes[p - check.procs])
        got("%s exited while other processes it started still ran", p->name);
}

/* A name fit for feedback: the skeletons' TODO() macro names a program or a file. */
static bool plain_name(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
            return false;
    return true;
}

/* When a program of the check stopped at a skeleton's TODO(n) (it says so on stderr and exits
 * with status 3), that is the whole story: every check that needs that part fails the same way,
 * and a likely cause would only guess at code that is not written yet. */
static void note_todo_stop(void)
{
    for (int i = 0; i < check.nprocs; i++) {
        const struct proc *p = &check.procs[i];
        if (!p->exited || !exited_with(p, 3))
            continue;
        struct text err = {0};
        text_read_file(&err, output_path(p, "err"), 4096);
        char where[64] = "";
        int n = 0;
        for (const char *line = text_str(&err); line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
            if (sscanf(line, "%63[^: \n]: TODO %d is not done yet", where, &n) == 2)
                break;
        text_free(&err);
        if (n <= 0 || !plain_name(where))
            continue;
        feedback_drop(&check.fb, FEEDBACK_CAUSE);
        feedback_set_cause_id(&check.fb, NULL);
        free(check.pending_cause);
        check.pending_cause = NULL;
        feedback_set_group(&check.fb, fmt("todo:%s:%d", where, n),
                           fmt("%s stopped at TODO %d: that part is not written yet%s", where, n,
                               strchr(where, '.') ? "" : fmt(" (see %s.c)", where)));
        return;
    }
}

/* The programs' own calls on their sockets, from their traces, into the conversation: the
 * other side of each exchange (the server's recv() that got only "4"). Shown, never judged. */
static void add_traced_calls(void)
{
    uint16_t port = check.port.fd >= 0 ? (uint16_t)check.port.value : 0;
    for (int i = 0; i < check.nprocs; i++) {
        struct trace_event *events = NULL;
        size_t n = trace_read(&check.procs[i], port, &events);
        for (size_t k = 0; k < n; k++)
            conversation_call(check.procs[i].name, events[k].mono_ns,
                              events[k].pending ? fmt("%s ... still waiting", events[k].text) : events[k].text);
        trace_free(events, n);
    }
}

/* What was said, as the last section of the feedback and as data for the pages' diagrams.
 * Not after a program stopped at a TODO: it never got to say anything, and that is all there
 * is to say. */
static void conversation_to_feedback(struct feedback *f)
{
    if (f->group_key && strncmp(f->group_key, "todo:", 5) == 0)
        return;
    add_traced_calls();
    struct text section = {0};
    conversation_describe(&section);
    if (section.len > 0) {
        feedback_add(f, FEEDBACK_SECTION, text_str(&section));
        feedback_set_extra(f, "conversation", conversation_json());
    }
    text_free(&section);
}

_Noreturn void fail(void)
{
    flush_note();
    if (check.pending_cause && !feedback_has(&check.fb, FEEDBACK_CAUSE))
        cause(check.pending_cause_id, "%s", check.pending_cause);
    note_todo_stop();
    if (check.fb.count == 0)
        got("a failure the check did not describe");
    /* What the check's programs did on their sockets, as their tracer recorded it. */
    struct text calls = {0};
    trace_describe_all(&calls, check.procs, check.nprocs,
                       check.port.fd >= 0 ? (uint16_t)check.port.value : 0);
    if (calls.len > 0)
        feedback_add(&check.fb, FEEDBACK_SECTION, text_str(&calls));
    text_free(&calls);
    conversation_to_feedback(&check.fb);
    char *message = feedback_to_json(&check.fb);
    cr_assert_fail("%s", message);
    free(message);
    abort();
}

_Noreturn void fail_mismatch(const struct mismatch *m)
{
    if (m->sent)
        sent("%s", m->sent);
    if (m->expected)
        expected("%s", m->expected);
    if (m->got)
        got("%s", m->got);
    if (m->got_bytes)
        explain_difference(m->want, m->want_len, m->got_bytes);
    if (m->cause)
        cause(m->cause_id, "%s", m->cause);
    if (m->program && exits_soon(m->program))
        tell_about(m->program);
    fail();
}

void expect_reply_then_eof(int fd, struct proc *peer, const void *msg, size_t n, const char *what_sent,
                           const void *want, size_t want_len)
{
    struct text in = {0};
    enum io_result r = exchange(fd, msg, n, true, &in, want_len + 4096, deadline_in(ANSWER_MS));
    if (r == IO_EOF && in.len == want_len && memcmp(in.data, want, want_len) == 0)
        return;
    const char *expect = fmt("%s, then end-of-file (the connection closed)", quote(want, want_len));
    if (r == IO_EOF || r == IO_FULL)
        MISMATCH(.sent = what_sent, .expected = expect, .want = want, .want_len = want_len,
                 .got_bytes = &in, .program = peer);
    if (r == IO_TIMEOUT && in.len == want_len && memcmp(in.data, want, want_len) == 0)
        MISMATCH(.sent = what_sent, .expected = expect, .got = io_outcome(r, &in), .program = peer,
                 .cause_id = "no-close-after-eof",
                 .cause = "the reply came back but the connection stayed open: when recv() returns 0 "
                          "the client is done, so close() the connected socket.");
    MISMATCH(.sent = what_sent, .expected = expect, .got = io_outcome(r, &in), .program = peer);
}

const char *io_outcome(enum io_result r, const struct text *in)
{
    const char *so_far = in->len ? fmt(" after %s", quote_text(in)) : "";
    switch (r) {
    case IO_OK: return fmt("%s", quote_text(in));
    case IO_EOF: return in->len ? fmt("%s, then end-of-file", quote_text(in)) : "end-of-file at once (the connection was closed)";
    case IO_TIMEOUT:
        if (stall.note[0])
            return fmt("nothing more%s: %s", so_far, stall.note);
        return fmt("nothing more within %d s%s", ANSWER_MS / 1000, so_far);
    case IO_FULL: return fmt("more than expected: %s", quote_text(in));
    case IO_ERROR: return fmt("%s%s", errno_text(errno), so_far);
    }
    return "?";
}

void explain_difference(const void *want, size_t n, const struct text *in)
{
    const char *w = want;
    if (diff_is_text(w, n) && diff_is_text(in->data, in->len))
        diff_lines(&check.feedback, w, n, in->data, in->len);
    struct difference d = diff_compare(w, n, in->data, in->len);
    switch (d.shape) {
    case DIFF_SAME:
        return;
    case DIFF_NOTHING:
        got("nothing: not one byte");
        return;
    case DIFF_CUT:
        got("only the first %zu of %zu bytes: %s", in->len, n, quote_text(in));
        break;
    case DIFF_LONGER:
        got("%zu bytes more than expected: %s", in->len - n, quote(in->data + n, in->len - n));
        break;
    case DIFF_AT:
        got("a difference at byte %zu: expected %s, got %s (%zu bytes in all)", d.at,
            quote(w + d.at, n - d.at < 16 ? n - d.at : 16),
            quote(in->data + d.at, in->len - d.at < 16 ? in->len - d.at : 16), in->len);
        break;
    }
    switch (d.cause) {
    case DIFF_NO_CAUSE:
    /* Reversed bytes are a number in the wrong byte order, not a lost NUL: the check that
     * sent numbers knows which, and says so itself. */
    case DIFF_BYTE_ORDER:
        break;
    case DIFF_STOPPED_AT_NUL:
        cause("c-string", "it stopped right before the first NUL byte: socket data is bytes, not a C string. "
              "Use the length recv() returns, not strlen() or printf(\"%%s\").");
        break;
    case DIFF_SHORT_TRANSFER:
        cause("single-recv", "it stopped after %zu bytes: one recv() or send() moves at most what fits in its "
              "buffer, and may move less (a piece of what was sent). Loop until recv() returns 0, "
              "and send what is left after a short send().", in->len);
        break;
    case DIFF_LOST_NUL:
        cause("c-string", "a NUL byte went missing: socket data is bytes, not a C string (strlen, strcpy, printf "
              "%%s stop at NUL).");
        break;
    case DIFF_PRINTED_AS_STRING:
        cause("c-string", "extra bytes at the end of a line: a received buffer printed as a C string, with no "
              "NUL after the data? Print exactly the bytes received: printf(\"%%.*s\\n\", (int)n, buf).");
        break;
    }
}
