/* procinfo.c - children and descriptors of a process, from /proc. */
#define _GNU_SOURCE
#include "procinfo.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads the state and parent of a process from /proc/PID/stat ("12 (name) S 1 ..."). The name
 * may hold spaces and parentheses, so parsing starts after its last ')'. */
static int read_stat(const char *pid, char *state, int *ppid, int *pgrp)
{
    char path[300], line[1024];
    snprintf(path, sizeof path, "/proc/%s/stat", pid);
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return -1;
    char *ok = fgets(line, sizeof line, f);
    fclose(f);
    char *end = ok ? strrchr(line, ')') : NULL;
    if (end == NULL || sscanf(end + 1, " %c %d %d", state, ppid, pgrp) != 3)
        return -1;
    return 0;
}

struct children procinfo_children(pid_t pid)
{
    struct children c = { 0, 0 };
    DIR *proc = opendir("/proc");
    if (proc == NULL)
        return c;
    struct dirent *e;
    while ((e = readdir(proc)) != NULL) {
        char state;
        int ppid, pgrp;
        if (e->d_name[0] < '0' || e->d_name[0] > '9' || read_stat(e->d_name, &state, &ppid, &pgrp) < 0)
            continue;
        if (ppid == pid && state == 'Z')
            c.zombies++;
        else if (pgrp == pid && atoi(e->d_name) != pid && state != 'Z')
            c.running++;
    }
    closedir(proc);
    return c;
}

bool procinfo_group_asleep(pid_t pid)
{
    DIR *proc = opendir("/proc");
    if (proc == NULL)
        return false;
    bool leader = false, asleep = true;
    struct dirent *e;
    while (asleep && (e = readdir(proc)) != NULL) {
        char state;
        int ppid, pgrp;
        if (e->d_name[0] < '0' || e->d_name[0] > '9' || read_stat(e->d_name, &state, &ppid, &pgrp) < 0
            || pgrp != pid || state == 'Z')
            continue;
        leader |= atoi(e->d_name) == pid;
        asleep = state == 'S';
    }
    closedir(proc);
    return leader && asleep;
}

bool procinfo_cpu(pid_t pid, unsigned long *ticks, char *state)
{
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return false;
    char *ok = fgets(line, sizeof line, f);
    fclose(f);
    char *end = ok ? strrchr(line, ')') : NULL;
    unsigned long user, system;
    /* After the name: state, then 10 fields, then utime and stime (proc(5)). */
    if (end == NULL || sscanf(end + 1, " %c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", state,
                              &user, &system) != 3)
        return false;
    *ticks = user + system;
    return true;
}

/* The system calls in which a program waits for the world (those this architecture has). */
static const long waiting_calls[] = {
#ifdef SYS_accept
    SYS_accept,
#endif
#ifdef SYS_poll
    SYS_poll,
#endif
#ifdef SYS_select
    SYS_select,
#endif
#ifdef SYS_pause
    SYS_pause,
#endif
#ifdef SYS_nanosleep
    SYS_nanosleep,
#endif
#ifdef SYS_epoll_wait
    SYS_epoll_wait,
#endif
#ifdef SYS_wait4
    SYS_wait4,
#endif
#ifdef SYS_epoll_pwait2
    SYS_epoll_pwait2,
#endif
#ifdef SYS_io_uring_enter
    SYS_io_uring_enter,
#endif
    SYS_accept4, SYS_ppoll, SYS_pselect6, SYS_epoll_pwait, SYS_read, SYS_readv, SYS_recvfrom,
    SYS_recvmsg, SYS_waitid, SYS_rt_sigsuspend, SYS_rt_sigtimedwait, SYS_clock_nanosleep,
    SYS_futex, SYS_msgrcv, SYS_semop, SYS_semtimedop,
};

bool procinfo_waiting(pid_t pid)
{
    char path[64], line[256];
    unsigned long ticks;
    char state;
    if (!procinfo_cpu(pid, &ticks, &state) || state != 'S')
        return false;
    /* "7 0x3 ..." while blocked in poll(); "running" or "-1 ..." otherwise (proc(5)). */
    snprintf(path, sizeof path, "/proc/%d/syscall", (int)pid);
    errno = 0;
    FILE *f = fopen(path, "re");
    long call = -1;
    bool ok = f && fgets(line, sizeof line, f) && sscanf(line, "%ld", &call) == 1;
    int err = errno;
    if (f)
        fclose(f);
    /* Reading another user's syscall file takes ptrace rights (the open or the read fails),
     * which a grader in a container (batch, Gradescope) does not have: there, asleep in the
     * kernel is the best sign of waiting in a call. Without this, every check waited out its
     * whole deadline instead. */
    if (!ok && (err == EACCES || err == EPERM))
        return true;
    for (size_t i = 0; ok && i < sizeof waiting_calls / sizeof waiting_calls[0]; i++)
        if (call == waiting_calls[i])
            return true;
    return false;
}
