/* sandbox.c - starting, waiting for and killing student processes under limits. */
#define _GNU_SOURCE
#include "sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "deadline.h"

/* Rounds of killing before a sweep gives up on a process that keeps reappearing. */
#define SWEEP_ROUNDS 200

const struct limits student_limits = {
    .cpu_seconds = 5,
    /* No address-space limit: student programs are built with AddressSanitizer, which reserves
     * terabytes of address space it never uses. Their memory is capped by hard_rss_limit_mb in
     * ASAN_OPTIONS instead (see exec_child), and by the container in batch grading. */
    .memory_bytes = 0,
    .processes = 64,
    .file_bytes = 16UL << 20,
    .open_files = 256,
};

const struct limits compiler_limits = {
    .cpu_seconds = 30,
    .memory_bytes = 2048UL << 20,
    .processes = 32,
    .file_bytes = 64UL << 20,
    .open_files = 256,
};

static int pidfd_open_compat(pid_t pid)
{
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

static int pidfd_kill(int pidfd)
{
    return (int)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
}

/* How many PID namespaces a process is in, from the NSpid line of /proc/PID/status (readable
 * by anyone). A process in this grader's namespace is in as many as the grader itself; one in
 * a container started from here is in more. 0 when it cannot be read. */
static int pid_namespace_depth(const char *pid)
{
    char path[300], line[256];
    snprintf(path, sizeof path, "/proc/%s/status", pid);
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return 0;
    int depth = 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "NSpid:", 6) != 0)
            continue;
        char *save = NULL;
        for (char *tok = strtok_r(line + 6, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save))
            depth++;
        break;
    }
    fclose(f);
    return depth;
}

static bool in_my_pid_namespace(const char *pid)
{
    static int mine;
    if (mine == 0)
        mine = pid_namespace_depth("self");
    return mine > 0 && pid_namespace_depth(pid) == mine;
}

/* The state letter of /proc/PID/stat ("12 (name) S ..."); the name may hold ')', so it is
 * found after the last one. '?' when the process is gone. */
static char process_state(const char *pid)
{
    char path[300], line[512];
    snprintf(path, sizeof path, "/proc/%s/stat", pid);
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return '?';
    char *ok = fgets(line, sizeof line, f);
    fclose(f);
    char *end = ok ? strrchr(line, ')') : NULL;
    return end && end[1] == ' ' ? end[2] : '?';
}

static bool owned_by(const char *pid, uid_t uid)
{
    char path[300];
    struct stat st;
    snprintf(path, sizeof path, "/proc/%s", pid);
    return stat(path, &st) == 0 && st.st_uid == uid;
}

enum which_processes { LIVE, ZOMBIES };

/* Calls visit (when not NULL) on every process of uid in this PID namespace that is live (or
 * a zombie); returns how many there were. */
static int each_process_of(uid_t uid, enum which_processes which, void (*visit)(const char *pid, uid_t uid))
{
    DIR *proc = opendir("/proc");
    if (proc == NULL)
        return 0;
    int count = 0;
    struct dirent *e;
    while ((e = readdir(proc)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9' || !owned_by(e->d_name, uid))
            continue;
        char state = process_state(e->d_name);
        if (state == '?' || (state == 'Z') != (which == ZOMBIES) || !in_my_pid_namespace(e->d_name))
            continue;
        count++;
        if (visit)
            visit(e->d_name, uid);
    }
    closedir(proc);
    return count;
}

int uid_process_count(uid_t uid)
{
    return each_process_of(uid, LIVE, NULL);
}

int uid_zombie_count(uid_t uid)
{
    return each_process_of(uid, ZOMBIES, NULL);
}

/* Kills one process found in /proc through a pidfd, after checking that the pidfd names a
 * process of the uid being swept: between the look in /proc and pidfd_open the process may
 * have ended and its id gone to another. */
static void kill_found(const char *pid, uid_t uid)
{
    int pidfd = pidfd_open_compat((pid_t)atoi(pid));
    if (pidfd < 0)
        return;
    if (owned_by(pid, uid))
        pidfd_kill(pidfd);
    close(pidfd);
}

static void set_limit(int resource, rlim_t value)
{
    struct rlimit rl = { value, value };
    setrlimit(resource, &rl); /* best effort: a limit we cannot lower is already lower */
}

static void apply_limits(const struct limits *l, bool own_uid)
{
    if (l == NULL)
        return;
    struct rlimit cpu = { l->cpu_seconds, l->cpu_seconds + 1 }; /* SIGXCPU first, then SIGKILL */
    setrlimit(RLIMIT_CPU, &cpu);
    if (l->memory_bytes)
        set_limit(RLIMIT_AS, l->memory_bytes);
    set_limit(RLIMIT_FSIZE, l->file_bytes);
    set_limit(RLIMIT_NOFILE, l->open_files);
    set_limit(RLIMIT_CORE, 0);
    /* A little less CPU priority than the checks, so a program that spins or forks without
     * end cannot starve the check that is timing it. */
    setpriority(PRIO_PROCESS, 0, 5);
    /* The process limit counts every process of the real user. With a user id of its own the
     * count starts at zero; sharing the student's own user id, it starts at what already runs. */
    rlim_t nproc = l->processes;
    if (!own_uid && geteuid() != 0)
        nproc += (rlim_t)(uid_process_count(getuid()) + uid_zombie_count(getuid()));
    set_limit(RLIMIT_NPROC, nproc);
}

static int open_or_null(const char *path, int flags)
{
    if (path == NULL)
        return open("/dev/null", (flags & ~(O_CREAT | O_EXCL)) | O_CLOEXEC);
    return open(path, flags | O_CLOEXEC | O_NOFOLLOW, 0644);
}

/* Every descriptor but 0, 1 and 2 is closed at exec: the grader's own (Criterion's shared
 * memory and sockets, lease files, the check's connections) must never reach a student
 * program. The report pipe is close-on-exec already and still works until then. */
static int close_inherited_descriptors(void)
{
    if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
        return 0;
    struct rlimit rl; /* a kernel before 5.11: mark each possible descriptor instead */
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return -1;
    for (int fd = 3; fd < (int)rl.rlim_cur && fd < 65536; fd++) {
        int flags = fcntl(fd, F_GETFD);
        if (flags >= 0 && fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0)
            return -1;
    }
    return 0;
}

static void log_process_group(pid_t pgid)
{
    const char *log = config()->pgid_log;
    if (log == NULL)
        return;
    int fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    char line[32];
    int n = snprintf(line, sizeof line, "%d\n", (int)pgid);
    if (write(fd, line, (size_t)n) < 0) { /* losing one entry only weakens the final sweep */
    }
    close(fd);
}

/* In the child, between fork and exec. Reports errno through report_fd on failure. */
static _Noreturn void exec_child(const struct proc_spec *spec, int report_fd)
{
    static const char *const env[] = {
        "PATH=/usr/local/bin:/usr/bin:/bin",
        "LC_ALL=C",
        "HOME=/tmp",
        /* Sanitizer reports end the program with status SANITIZER_EXIT_STATUS, so the grader
         * knows to read the report; leaks are not this kit's subject. */
        "ASAN_OPTIONS=detect_leaks=0:hard_rss_limit_mb=256:allocator_may_return_null=1"
        ":exitcode=" SANITIZER_EXIT_STATUS_TEXT ":handle_abort=0",
        "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=" SANITIZER_EXIT_STATUS_TEXT,
        /* The kit's tracer linked into each program records its socket calls (grader/trace.h). */
        "GC_TRACE=1",
        NULL,
    };
    setpgid(0, 0);
    signal(SIGPIPE, SIG_DFL);
    /* Output files are created, never reused: O_EXCL with O_NOFOLLOW fails on anything that
     * already stands there, a planted link included. */
    int in = open_or_null(spec->stdin_path, O_RDONLY);
    int out = open_or_null(spec->stdout_path, O_WRONLY | O_CREAT | O_EXCL);
    int err = open_or_null(spec->stderr_path, O_WRONLY | O_CREAT | O_EXCL);
    if (in < 0 || out < 0 || err < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0
        || close_inherited_descriptors() < 0)
        goto fail;
    if (spec->cwd && chdir(spec->cwd) < 0)
        goto fail;
    apply_limits(spec->limits, spec->uid != 0);
    if (spec->uid != 0) {
        if (setgroups(0, NULL) < 0 || setgid(spec->uid) < 0 || setuid(spec->uid) < 0)
            goto fail;
    }
    execve(spec->argv[0], (char *const *)spec->argv, (char *const *)env);
fail:;
    int e = errno;
    if (write(report_fd, &e, sizeof e) < 0) { /* the parent then sees a plain exit */
    }
    _exit(127);
}

int proc_start(struct proc *p, const struct proc_spec *spec, struct text *why)
{
    *p = (struct proc){ .pid = -1, .pidfd = -1 };
    snprintf(p->name, sizeof p->name, "%s", spec->name ? spec->name : spec->argv[0]);

    int report[2];
    if (pipe2(report, O_CLOEXEC) < 0) {
        text_printf(why, "pipe: %s", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        text_printf(why, "fork: %s", strerror(errno));
        close(report[0]);
        close(report[1]);
        return -1;
    }
    if (pid == 0)
        exec_child(spec, report[1]);

    close(report[1]);
    setpgid(pid, pid); /* also here, so the group exists before we might signal it */
    log_process_group(pid);
    p->pid = pid;
    p->pidfd = pidfd_open_compat(pid);
    if (p->pidfd < 0) {
        text_printf(why, "pidfd_open: %s (the grader needs Linux 5.3 or later)", strerror(errno));
        close(report[0]);
        proc_kill(p);
        return -1;
    }

    int child_errno = 0;
    ssize_t n;
    do {
        n = read(report[0], &child_errno, sizeof child_errno);
    } while (n < 0 && errno == EINTR);
    close(report[0]);
    if (n == (ssize_t)sizeof child_errno) {
        text_printf(why, "could not start %s: %s", p->name, strerror(child_errno));
        proc_kill(p);
        return -1;
    }
    return 0;
}

/* A wait status (as waitpid gives) from what waitid says of a child. */
static int wait_status_of(const siginfo_t *info)
{
    if (info->si_code == CLD_EXITED)
        return (info->si_status & 0xff) << 8;
    return (info->si_status & 0x7f) | (info->si_code == CLD_DUMPED ? 0x80 : 0);
}

static void (*exit_observer)(const struct proc *p);

void sandbox_on_exit(void (*observer)(const struct proc *p))
{
    exit_observer = observer;
}

static void tell_exit_observer(const struct proc *p)
{
    if (exit_observer)
        exit_observer(p);
}

/* Notes whether the process has exited, without reaping it (WNOWAIT): see struct proc. */
static bool observe(struct proc *p)
{
    if (p->exited || p->pid <= 0)
        return true;
    siginfo_t info = { 0 };
    int r;
    do {
        r = waitid(P_PID, (id_t)p->pid, &info, WEXITED | WNOHANG | WNOWAIT);
    } while (r < 0 && errno == EINTR);
    if (r < 0) { /* not our child any more: treat as gone */
        p->exited = p->reaped = true;
        p->status = 0;
    } else if (info.si_pid == p->pid) {
        p->exited = true;
        p->status = wait_status_of(&info);
        tell_exit_observer(p);
    }
    return p->exited;
}

bool proc_wait(struct proc *p, int64_t deadline)
{
    while (!observe(p)) {
        int left = ms_left(deadline);
        if (left == 0)
            return false;
        struct pollfd pfd = { .fd = p->pidfd, .events = POLLIN };
        if (poll(&pfd, 1, left) < 0 && errno != EINTR)
            return false;
    }
    return true;
}

bool proc_running(struct proc *p)
{
    return p->pid > 0 && !observe(p);
}

bool exited_with(const struct proc *p, int status)
{
    return p->exited && WIFEXITED(p->status) && WEXITSTATUS(p->status) == status;
}

void proc_kill(struct proc *p)
{
    if (p->pid > 0 && !p->reaped) {
        /* Not reaped yet, so its id still names it and its group (a zombie keeps both). */
        if (!observe(p))
            p->killed = true;
        kill(-p->pid, SIGKILL);
        if (p->pidfd >= 0)
            pidfd_kill(p->pidfd);
        int status;
        pid_t r;
        do {
            r = waitpid(p->pid, &status, 0);
        } while (r < 0 && errno == EINTR);
        if (r == p->pid && !p->exited) {
            p->exited = true;
            p->status = status;
            tell_exit_observer(p);
        }
        p->reaped = true;
    }
    if (p->pidfd >= 0) {
        close(p->pidfd);
        p->pidfd = -1;
    }
}

void uid_sweep(uid_t uid)
{
    if (uid == 0)
        return;
    /* A fork bomb makes new processes while the old ones are killed; each round kills all that
     * exist, and RLIMIT_NPROC keeps them few. A round that finds none ends the sweep. */
    for (int round = 0; round < SWEEP_ROUNDS; round++) {
        if (each_process_of(uid, LIVE, kill_found) == 0)
            return;
    }
}

bool sandbox_can_switch_uid(void)
{
    if (geteuid() != 0 || config()->no_uid_sandbox)
        return false;
    pid_t pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0)
        _exit(setgroups(0, NULL) == 0 && setgid(65534) == 0 && setuid(65534) == 0 ? 0 : 1);
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return false;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void sandbox_kill_logged_groups(const char *log_path)
{
    FILE *f = log_path ? fopen(log_path, "re") : NULL;
    if (f == NULL)
        return;
    int pgid;
    while (fscanf(f, "%d", &pgid) == 1) {
        if (pgid > 1)
            kill(-pgid, SIGKILL);
    }
    fclose(f);
}
