/* procinfo.h - what /proc says about a student's server process: its children (alive or
 * zombie), from /proc/PID/stat, which anyone may read. How the grader sees "no zombies" from
 * the outside. */
#ifndef GC_PROCINFO_H
#define GC_PROCINFO_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct children {
    int running; /* processes of its group (its children, and theirs) still running */
    int zombies; /* its children that ended and were never waited for */
};

/* Counts the helpers of the server pid, which leads its own process group: a child that forks
 * again to serve (the "double fork" that avoids zombies) still counts. */
struct children procinfo_children(pid_t pid);

/* True when every process of the group pid leads (pid itself, its children and theirs) is
 * asleep ('S'): none can move on until something outside it happens, e.g. a full socket
 * buffer drains. Zombies do not count; false when pid itself is gone. */
bool procinfo_group_asleep(pid_t pid);

/* The CPU time pid has used (user and system, in clock ticks) and its state ('R' running or
 * ready to run, 'S' asleep, ...). False when it is gone. */
bool procinfo_cpu(pid_t pid, unsigned long *ticks, char *state);

/* How long pid (its main thread) has waited, ready to run, for a CPU, in ms: time that a busy
 * machine, not the program, spent. 0 where the kernel does not count it. */
int64_t procinfo_cpu_wait_ms(pid_t pid);

/* True when pid sleeps in a system call that waits for something from outside (accept, poll,
 * select, recv, read, wait, sleep, a futex): it waits for us, and will not move on its own. */
bool procinfo_waiting(pid_t pid);

/* How a program waits, seen from outside: one look at its process group. A program that is
 * "stuck" waits for something that will not come; the harness concludes it only from several
 * looks that agree (see harness.c), never from one: a process asleep in the kernel right after
 * a look may be woken the next microsecond. */
#define PROCINFO_MAX_LOOKED 64
struct procinfo_look {
    int processes;                   /* processes of the group (zombies left out) */
    int blocked;                     /* those whose every thread sleeps in a call only an event ends */
    bool unknown;                    /* some calls could not be read (no ptrace rights): conclude nothing */
    unsigned long runs;              /* how often its threads have been scheduled in, all together: the
                             * same on the next look means none of them woke up meanwhile */
    long call;                       /* what the group's leader waits in (SYS_accept, ...), else -1 */
    unsigned long ticks;             /* the CPU time its processes used, in clock ticks */
    pid_t pids[PROCINFO_MAX_LOOKED]; /* the processes seen, the first PROCINFO_MAX_LOOKED */
};

/* Reads the programs' calls as this user and group from now on: their own, in the check's
 * sandbox. Without CAP_SYS_PTRACE (a grader in a container), only they may read them. */
void procinfo_read_as(uid_t uid, gid_t gid);

/* Looks at every process of the group pgid (its leader, its children and theirs). */
void procinfo_look(pid_t pgid, struct procinfo_look *out);

/* True for a call that sleeps for a set time (nanosleep(), sleep(), usleep()). */
bool procinfo_timed_sleep(long call);

/* "accept()", "recv()" ...: the name a student knows for a call (SYS_accept4 is accept()). */
const char *procinfo_call_name(long call);

#endif
