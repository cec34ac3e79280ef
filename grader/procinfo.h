/* procinfo.h - what /proc says about a student's server process: its children (alive or
 * zombie) and how many descriptors it has open. How the grader sees "no zombies" and
 * "the parent closes each connected socket" from the outside. */
#ifndef GC_PROCINFO_H
#define GC_PROCINFO_H

#include <sys/types.h>

struct children {
    int running;    /* children that have not ended */
    int zombies;    /* children that ended and were never waited for */
};

/* Counts the children of pid. */
struct children procinfo_children(pid_t pid);
/* Number of open file descriptors of pid, or -1 when it cannot be read. */
int procinfo_open_fds(pid_t pid);

#endif
