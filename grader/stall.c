/* stall.c - knowing early that an answer will not come: a program stuck in calls only an event
 * ends, with nothing on its way, or spinning while our bytes sit unread. */
#define _GNU_SOURCE
#include "harness.h"

#include <linux/sockios.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "conversation.h"
#include "procinfo.h"
#include "procnet.h"

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
    int looks; /* looks in a row that found it stuck, and the same */
    int64_t first;
    unsigned long runs;
    int processes;
    bool spin_watch;          /* our bytes were unread at the last look... */
    unsigned long spin_ticks; /* ...and since the first such look, it used this CPU time */
    char note[400];           /* why the last wait stopped early, for io_outcome() */
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
    int n = procnet_sockets_of_all(look->pids,
                                   look->processes < PROCINFO_MAX_LOOKED ? look->processes : PROCINFO_MAX_LOOKED,
                                   "tcp", s, 256);
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
    const char *others = look->processes > 1
                             ? fmt(" (and its %d other processes in calls that wait too)", look->processes - 1)
                             : "";
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

void stall_forget(void)
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
 * them as its own until then; for TCP, the peer's end (accepted or not) holds them in its
 * receive queue. */
static bool ours_unread(int fd)
{
    int domain = -1, queued = 0;
    socklen_t len = sizeof domain;
    if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0)
        return false;
    if (domain == AF_UNIX)
        return ioctl(fd, SIOCOUTQ, &queued) == 0 && queued > 0;
    struct inet_socket s;
    return procnet_peer_end(fd, &s) && s.rx_queue > 0;
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
    snprintf(stall.note, sizeof stall.note,
             "%s kept running (%ld ms of CPU time) while what was sent "
             "to it sat unread: busy, but not reading it",
             p->name, cpu_ms);
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
    int64_t start = now_ms();
    conversation_operation(); /* one operation: its reads make one line of the conversation */
    /* What is there already (a line may be waiting in in) needs no wait. */
    enum io_result r = recv_more(fd, in, cap, stop_at_newline, now_ms());
    while (r == IO_TIMEOUT && now_ms() < deadline) {
        bool ready = await_answer(fd, p, deadline);
        /* Take what is there without waiting: a program that exited or got stuck sends no more. */
        r = recv_more(fd, in, cap, stop_at_newline, now_ms());
        if (!ready)
            break;
    }
    if (r == IO_TIMEOUT) {
        const char *what = recv_awaited(stop_at_newline);
        if (stall.note[0])
            conversation_stopped_waiting(fd, start, what, stall.note);
        else
            conversation_gave_up(fd, start, deadline, what);
    }
    return r;
}

bool wait_for_end(struct proc *p, int64_t deadline)
{
    stall_reset(p);
    stall.note[0] = '\0';
    int sleeping = 0; /* looks in a row that found it asleep on a timer */
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
            snprintf(stall.note, sizeof stall.note,
                     "%s was asleep in sleep() instead (waiting to try "
                     "again?)",
                     p->name);
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

bool wait_peer_consumed(int fd, struct proc *p)
{
    int64_t deadline = deadline_in(ANSWER_MS), next_look = deadline_in(LOOK_EVERY_MS);
    stall_reset(p);
    stall.note[0] = '\0';
    while (now_ms() < deadline) {
        struct inet_socket s;
        if (!procnet_peer_end(fd, &s))
            return false; /* the peer's socket is gone: it closed */
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
