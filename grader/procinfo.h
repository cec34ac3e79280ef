/* procinfo.h - what /proc says about a student's server process: its children (alive or
 * zombie), from /proc/PID/stat, which anyone may read. How the grader sees "no zombies" from
 * the outside. */
#ifndef GC_PROCINFO_H
#define GC_PROCINFO_H

#include <stdbool.h>
#include <sys/types.h>

struct children {
    int running;    /* processes of its group (its children, and theirs) still running */
    int zombies;    /* its children that ended and were never waited for */
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

/* True when pid sleeps in a system call that waits for something from outside (accept, poll,
 * select, recv, read, wait, sleep, a futex): it waits for us, and will not move on its own. */
bool procinfo_waiting(pid_t pid);

#endif
