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

#include "deadline.h"

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

int uid_process_count(uid_t uid)
{
    DIR *proc = opendir("/proc");
    if (proc == NULL)
        return 0;
    int count = 0;
    struct dirent *e;
    while ((e = readdir(proc)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char path[300];
        struct stat st;
        snprintf(path, sizeof path, "/proc/%s", e->d_name);
        if (stat(path, &st) == 0 && st.st_uid == uid)
            count++;
    }
    closedir(proc);
    return count;
}

static void set_limit(int resource, rlim_t value)
{
    struct rlimit rl = { value, value };
    setrlimit(resource, &rl);   /* best effort: a limit we cannot lower is already lower */
}

static void apply_limits(const struct limits *l, bool own_uid)
{
    if (l == NULL)
        return;
    struct rlimit cpu = { l->cpu_seconds, l->cpu_seconds + 1 };  /* SIGXCPU first, then SIGKILL */
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
        nproc += (rlim_t)uid_process_count(getuid());
    set_limit(RLIMIT_NPROC, nproc);
}

static int open_or_null(const char *path, int flags)
{
    if (path == NULL)
        path = "/dev/null";
    return open(path, flags | O_CLOEXEC, 0644);
}

static void log_process_group(pid_t pgid)
{
    const char *log = getenv("GC_PGID_LOG");
    if (log == NULL)
        return;
    int fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    char line[32];
    int n = snprintf(line, sizeof line, "%d\n", (int)pgid);
    if (write(fd, line, (size_t)n) < 0) { /* losing one entry only weakens the final sweep */ }
    close(fd);
}

/* In the child, between fork and exec. Reports errno through report_fd on failure. */
static _Noreturn void exec_child(const struct proc_spec *spec, int report_fd)
{
    static const char *const env[] = {
        "PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C", "HOME=/tmp",
        /* Sanitizer reports end the program with status SANITIZER_EXIT_STATUS, so the grader
         * knows to read the report; leaks are not this kit's subject. */
        "ASAN_OPTIONS=detect_leaks=0:hard_rss_limit_mb=256:allocator_may_return_null=1"
            ":exitcode=" SANITIZER_EXIT_STATUS_TEXT ":handle_abort=0",
        "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=" SANITIZER_EXIT_STATUS_TEXT,
        NULL,
    };
    setpgid(0, 0);
    signal(SIGPIPE, SIG_DFL);
    int in = open_or_null(spec->stdin_path, O_RDONLY);
    int out = open_or_null(spec->stdout_path, O_WRONLY | O_CREAT | O_TRUNC);
    int err = open_or_null(spec->stderr_path, O_WRONLY | O_CREAT | O_TRUNC);
    if (in < 0 || out < 0 || err < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
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
    if (write(report_fd, &e, sizeof e) < 0) { /* the parent then sees a plain exit */ }
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
    setpgid(pid, pid);    /* also here, so the group exists before we might signal it */
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

static bool reap(struct proc *p, int flags)
{
    if (p->exited)
        return true;
    if (p->pid <= 0)
        return true;
    int status;
    pid_t r;
    do {
        r = waitpid(p->pid, &status, flags);
    } while (r < 0 && errno == EINTR);
    if (r == p->pid) {
        p->exited = true;
        p->status = status;
    } else if (r < 0) {
        p->exited = true;     /* not our child any more: treat as gone */
        p->status = 0;
    }
    return p->exited;
}

bool proc_wait(struct proc *p, int64_t deadline)
{
    while (!reap(p, WNOHANG)) {
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
    return p->pid > 0 && !reap(p, WNOHANG);
}

bool exited_with(const struct proc *p, int status)
{
    return p->exited && WIFEXITED(p->status) && WEXITSTATUS(p->status) == status;
}

void proc_kill(struct proc *p)
{
    if (p->pid > 0) {
        kill(-p->pid, SIGKILL);
        kill(p->pid, SIGKILL);
        reap(p, 0);
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
    /* kill(-1, ...) from a process running as uid reaches every process of uid: a fork bomb
     * that left its process group cannot hide from it. Repeat while processes remain. */
    for (int round = 0; round < 50 && uid_process_count(uid) > 0; round++) {
        pid_t pid = fork();
        if (pid < 0)
            return;
        if (pid == 0) {
            if (setgid(uid) == 0 && setuid(uid) == 0)
                kill(-1, SIGKILL);
            _exit(0);
        }
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
        }
    }
}

bool sandbox_can_switch_uid(void)
{
    if (geteuid() != 0 || getenv("GC_NO_UID_SANDBOX") != NULL)
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
    FILE *f = fopen(log_path, "re");
    if (f == NULL)
        return;
    int pgid;
    while (fscanf(f, "%d", &pgid) == 1) {
        if (pgid > 1)
            kill(-pgid, SIGKILL);
    }
    fclose(f);
}
