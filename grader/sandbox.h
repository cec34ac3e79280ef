/* sandbox.h - running one student program (or the compiler) as a separate process under limits.
 *
 * Each process gets its own process group, resource limits, files for stdin/stdout/stderr, a
 * minimal environment and, when the grader runs as root, an unprivileged user id of its own
 * (root ignores RLIMIT_NPROC, so only a real user id makes the process limit bite). */
#ifndef GC_SANDBOX_H
#define GC_SANDBOX_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "text.h"

/* The exit status of a program stopped by AddressSanitizer or UndefinedBehaviorSanitizer. */
#define SANITIZER_EXIT_STATUS 86
#define SANITIZER_EXIT_STATUS_TEXT "86"

struct limits {
    rlim_t cpu_seconds;
    rlim_t memory_bytes; /* address space; 0: no limit */
    rlim_t processes;    /* processes of the user at once */
    rlim_t file_bytes;   /* largest file it may write */
    rlim_t open_files;
};

extern const struct limits student_limits;
extern const struct limits compiler_limits;

/* stdout_path and stderr_path are created, never opened if they exist: O_EXCL | O_NOFOLLOW,
 * so that nothing planted there (a link to a file of the grader's) can be written through.
 * They must also lie in a folder the student's programs cannot write (see harness.c). */
struct proc_spec {
    const char *const *argv; /* argv[0] is the path to execute */
    const char *name;        /* how messages call it, e.g. "echo_server" */
    const char *cwd;
    const char *stdin_path;  /* NULL: /dev/null */
    const char *stdout_path; /* NULL: /dev/null; created, must not exist */
    const char *stderr_path; /* NULL: /dev/null; created, must not exist */
    uid_t uid;               /* 0: keep the grader's identity */
    const struct limits *limits;
};

/* An exited process is left a zombie (observed with WNOWAIT) until proc_kill: while it is, its
 * process id, and so its process group id, cannot be reused, and signalling the group is safe. */
struct proc {
    pid_t pid; /* also its process group */
    int pidfd;
    bool exited;
    bool reaped; /* waited for: pid and group id may already belong to others */
    bool killed; /* this grader sent it SIGKILL */
    int status;  /* a wait status, once exited */
    char name[64];
};

/* Starts the process. Returns 0, or -1 with the reason in why (e.g. "no such file"). */
int proc_start(struct proc *p, const struct proc_spec *spec, struct text *why);
/* Waits until the process exits or the deadline passes. True once it has exited. */
bool proc_wait(struct proc *p, int64_t deadline);
/* True while the process runs (reaps it if it has just exited). */
bool proc_running(struct proc *p);
/* True once it has exited normally with this status. */
bool exited_with(const struct proc *p, int status);
/* Kills the process's whole group, reaps the process and closes its pidfd. Safe to repeat. */
void proc_kill(struct proc *p);

/* Called once for each process seen to end (exited by itself, or killed by proc_kill), when it
 * is seen: the harness puts it in the check's conversation. NULL: nobody is told. */
void sandbox_on_exit(void (*observer)(const struct proc *p));

/* Kills every live process owned by uid in this grader's PID namespace, until none is left
 * (fork bombs included). Zombies are not counted: they are dead already. Returns at once when
 * there is nothing to kill. Processes in other namespaces (another grader's container) are
 * never touched. */
void uid_sweep(uid_t uid);
/* Number of live (not zombie) processes owned by uid in this PID namespace, from /proc. */
int uid_process_count(uid_t uid);
/* Number of zombies owned by uid in this PID namespace: they still count against its
 * RLIMIT_NPROC until someone reaps them. */
int uid_zombie_count(uid_t uid);

/* Whether this grader can give student processes user ids of their own (root with CAP_SETUID). */
bool sandbox_can_switch_uid(void);

/* Appends the process group of every started process to the file named by $GC_PGID_LOG, so the
 * grader can kill what a test left behind when the test itself was killed. */
void sandbox_kill_logged_groups(const char *log_path);

#endif
