/* watch.c - `grader watch [--exercise ID] DIR`: grades again each time an exercise file is saved
 * (inotify), clearing the screen and showing the new result. */
#define _GNU_SOURCE
#include "student.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <unistd.h>

#include "deadline.h"
#include "exercise.h"
#include "runner.h"

/* Runs `grader grade` (this very program) as a child, so each round starts afresh. */
static void grade_once(char **grade_argv)
{
    printf("\033[H\033[2J"); /* clear the screen */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        execv("/proc/self/exe", grade_argv);
        perror("grader: exec");
        _exit(1);
    }
    if (pid > 0)
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
        }
    printf("\nWatching for changes (Ctrl-C to stop)...\n");
    fflush(stdout);
}

/* True for the events of a saved .c or .h file (editors also write by renaming). */
static bool is_source_save(const struct inotify_event *e)
{
    if (e->len == 0 || !(e->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)))
        return false;
    size_t n = strlen(e->name);
    return n > 2 && (strcmp(e->name + n - 2, ".c") == 0 || strcmp(e->name + n - 2, ".h") == 0);
}

int watch_main(int argc, char **argv)
{
    const char *only = NULL;
    if (argc >= 3 && strcmp(argv[1], "--exercise") == 0) {
        only = argv[2];
        argv += 2;
        argc -= 2;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: grader watch [--exercise ID] DIR\n");
        return 2;
    }
    const char *dir = argv[1];
    int fd = inotify_init1(IN_CLOEXEC);
    if (fd < 0) {
        perror("grader: inotify_init1");
        return 1;
    }
    const struct exercise *all[32];
    int n = exercise_all(all, MAX_EXERCISES), watched = 0;
    for (int i = 0; i < n; i++) {
        if (only && strcmp(only, all[i]->id) != 0)
            continue;
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, all[i]->id);
        watched += inotify_add_watch(fd, path, IN_CLOSE_WRITE | IN_MOVED_TO) >= 0;
    }
    if (watched == 0) {
        fprintf(stderr, "grader: nothing to watch in %s%s%s\n", dir, only ? " for " : "", only ? only : "");
        return 2;
    }
    /* grader grade --save .grades [--exercise ID] DIR: saved, so that `make status` knows. */
    char *grade_argv[8] = { "grader", "grade", "--save", ".grades" };
    int k = 4;
    if (only) {
        grade_argv[k++] = "--exercise";
        grade_argv[k++] = (char *)only;
    }
    grade_argv[k++] = (char *)dir;
    grade_argv[k] = NULL;
    grade_once(grade_argv);
    for (;;) {
        char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
        ssize_t len = read(fd, buf, sizeof buf);
        if (len < 0 && errno == EINTR)
            continue;
        if (len <= 0)
            return 1;
        bool saved = false;
        for (char *p = buf; p < buf + len; p += sizeof(struct inotify_event) + ((struct inotify_event *)p)->len)
            saved |= is_source_save((struct inotify_event *)p);
        if (!saved)
            continue;
        /* An editor's save is often several events: take them all before grading once. */
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        while (poll(&pfd, 1, 50) > 0 && read(fd, buf, sizeof buf) > 0) {
        }
        grade_once(grade_argv);
    }
}
