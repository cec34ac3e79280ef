/* Unit tests of procinfo_look(): whether a process sleeps in a call that only an event ends
 * (the harness's "stuck"), or in one that ends by itself. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "procinfo.h"

enum wait_kind { IN_READ, IN_POLL_FOREVER, IN_POLL_WITH_TIMEOUT, IN_SLEEP };

/* A child, leader of its own process group, that waits the given way (for up to 10 s). */
static pid_t start_waiter(enum wait_kind kind, int pipe_fds[2])
{
    cr_assert_eq(pipe(pipe_fds), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        setpgid(0, 0);
        char c;
        struct pollfd p = { .fd = pipe_fds[0], .events = POLLIN };
        alarm(10);
        switch (kind) {
        case IN_READ: (void)!read(pipe_fds[0], &c, 1); break;
        case IN_POLL_FOREVER: poll(&p, 1, -1); break;
        case IN_POLL_WITH_TIMEOUT: poll(&p, 1, 10000); break;
        case IN_SLEEP: sleep(10); break;
        }
        _exit(0);
    }
    setpgid(pid, pid);
    return pid;
}

static void stop(pid_t pid, int pipe_fds[2])
{
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
}

/* Looks until the child's leader sleeps in a call (it may not have reached it yet). */
static struct procinfo_look look_once_waiting(pid_t pid)
{
    struct procinfo_look look;
    int64_t deadline = deadline_in(2000);
    do {
        procinfo_look(pid, &look);
        if (look.call >= 0)
            break;
        poll(NULL, 0, 5);
    } while (now_ms() < deadline);
    return look;
}

Test(procinfo, a_read_that_waits_is_blocked)
{
    int fds[2];
    pid_t pid = start_waiter(IN_READ, fds);
    struct procinfo_look look = look_once_waiting(pid);
    cr_assert_eq(look.processes, 1);
    cr_assert_eq(look.call, SYS_read);
    cr_assert_str_eq(procinfo_call_name(look.call), "read()");
    cr_assert_eq(look.blocked, 1);
    cr_assert_eq(look.pids[0], pid);
    /* Asleep: it is not scheduled in between two looks. */
    struct procinfo_look again;
    poll(NULL, 0, 20);
    procinfo_look(pid, &again);
    cr_assert_eq(again.runs, look.runs);
    stop(pid, fds);
}

Test(procinfo, poll_without_timeout_is_blocked_with_one_is_not)
{
    int fds[2];
    pid_t pid = start_waiter(IN_POLL_FOREVER, fds);
    struct procinfo_look look = look_once_waiting(pid);
    cr_assert_str_eq(procinfo_call_name(look.call), "poll()");
    cr_assert_eq(look.blocked, 1);
    stop(pid, fds);

    pid = start_waiter(IN_POLL_WITH_TIMEOUT, fds);
    look = look_once_waiting(pid);
    cr_assert_str_eq(procinfo_call_name(look.call), "poll()");
    cr_assert_eq(look.blocked, 0, "poll() with a timeout ends by itself");
    stop(pid, fds);
}

Test(procinfo, a_sleep_is_not_blocked)
{
    int fds[2];
    pid_t pid = start_waiter(IN_SLEEP, fds);
    struct procinfo_look look = look_once_waiting(pid);
    cr_assert(procinfo_timed_sleep(look.call));
    cr_assert_str_eq(procinfo_call_name(look.call), "sleep()");
    cr_assert_eq(look.blocked, 0);
    stop(pid, fds);
}

Test(procinfo, a_group_that_is_gone_has_no_processes)
{
    int fds[2];
    pid_t pid = start_waiter(IN_READ, fds);
    stop(pid, fds);
    struct procinfo_look look;
    procinfo_look(pid, &look);
    cr_assert_eq(look.processes, 0);
}
