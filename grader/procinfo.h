/* procinfo.h - what /proc says about a student's server process: its children (alive or
 * zombie), from /proc/PID/stat, which anyone may read. How the grader sees "no zombies" from
 * the outside. */
#ifndef GC_PROCINFO_H
#define GC_PROCINFO_H

#include <sys/types.h>

struct children {
    int running;    /* children that have not ended */
    int zombies;    /* children that ended and were never waited for */
};

/* Counts the children of pid. */
struct children procinfo_children(pid_t pid);

#endif
