/* runner.c - Criterion as the engine: select suites, run them, collect verdicts from hooks. */
#define _GNU_SOURCE
#include "runner.h"

#include <criterion/hooks.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "text.h"

struct verdict {
    const struct criterion_test *test;
    bool passed;
    struct feedback fb;
};

static struct verdict *verdicts;
static size_t nverdicts, verdicts_cap;

/* What the check process said: feedback as data (harness.c's fail()), or plain text (an
 * internal error, an assertion of Criterion's own). */
static void add_message(struct feedback *fb, const char *message)
{
    struct feedback parsed;
    if (!feedback_from_json(&parsed, message)) {
        feedback_add(fb, FEEDBACK_NOTE, message);
        return;
    }
    if (fb->count == 0 && fb->group_key == NULL) {
        feedback_free(fb);
        *fb = parsed; /* the usual case: one failure, given as data */
        return;
    }
    for (size_t i = 0; i < parsed.count; i++)
        feedback_add(fb, parsed.lines[i].kind, parsed.lines[i].text);
    feedback_free(&parsed);
}

/* A watchdog over Criterion's runner. Under heavy load its runner has been seen to hang for
 * good on a lock (a worker had ended, and nothing noticed). Every check has its own time limit,
 * so the whole run has one too: past it, the grader says what happened and exits, instead of
 * hanging a student's make check or a batch container until someone kills it. */
static struct {
    pthread_mutex_t lock;
    pthread_cond_t done_cond;
    bool done;
    int seconds;
    int stderr_fd;           /* the grader's stderr: Criterion points fd 2 at /dev/null while it runs */
    size_t checks, reported; /* the checks to run, and those whose verdict has come */
} watchdog = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, 0, -1, 0, 0 };

void runner_record(struct criterion_test_stats *stats, bool crashed)
{
    if (nverdicts == verdicts_cap) {
        verdicts_cap = verdicts_cap ? verdicts_cap * 2 : 64;
        verdicts = realloc(verdicts, verdicts_cap * sizeof *verdicts);
        if (verdicts == NULL)
            abort();
    }
    struct feedback fb = { 0 };
    for (struct criterion_assert_stats *a = stats->asserts; a; a = a->next) {
        if (!a->passed && a->message)
            add_message(&fb, a->message);
    }
    struct text why = { 0 };
    if (crashed && stats->signal == SIGALRM) { /* the check's own time limit (harness.c) */
        text_printf(&why,
                    "The check did not finish within %d s and was stopped: a program kept it "
                    "waiting longer than any of its own deadlines.",
                    CHECK_TIMEOUT_SECONDS);
    } else if (crashed && stats->signal == SIGKILL) {
        text_printf(&why, "The check was killed from outside (SIGKILL): by the system's "
                          "out-of-memory killer, or by another program on this machine. This is not "
                          "about your code: grade again.");
    } else if (crashed) {
        const char *name = sigabbrev_np(stats->signal);
        text_printf(&why,
                    "The check itself crashed (SIG%s). This is a bug in the grader, not in "
                    "your code: please report it.",
                    name ? name : "?");
    }
    bool passed = !crashed && stats->test_status == CR_STATUS_PASSED;
    if (!passed && fb.count == 0 && why.len == 0)
        text_printf(&why, "The check failed without a message (its process exited with status %d).",
                    stats->exit_code);
    if (why.len > 0)
        feedback_add(&fb, FEEDBACK_NOTE, text_str(&why));
    text_free(&why);
    verdicts[nverdicts++] = (struct verdict){ stats->test, passed, fb };
    pthread_mutex_lock(&watchdog.lock);
    watchdog.reported++;
    pthread_mutex_unlock(&watchdog.lock);
}

static const struct exercise *exercise_of(const struct criterion_suite_set *s)
{
    return s->suite.data ? s->suite.data->data : NULL;
}

/* The path of the socket Criterion's runner listens on (see runner_preflight). */
static void criterion_socket_path(char *path, size_t size)
{
    snprintf(path, size, "/tmp/criterion_%llu.sock", (unsigned long long)getpid());
}

int runner_preflight(void)
{
    char path[64];
    /* The name Criterion 2.4 gives its socket: ipc:///tmp/criterion_%llu.sock with its pid. */
    criterion_socket_path(path, sizeof path);
    struct stat st;
    if (lstat(path, &st) < 0)
        return 0;
    if (st.st_uid == geteuid() && S_ISSOCK(st.st_mode) && unlink(path) == 0)
        return 0; /* a stale one of ours, from a grader that was killed */
    fprintf(stderr,
            "grader: %s already exists (it belongs to user id %ld), and Criterion, the "
            "engine that runs the checks, needs that path. Remove it (or ask its owner to), or "
            "simply grade again: the next run has another process id, so another path.\n",
            path, (long)st.st_uid);
    return -1;
}

static const struct exercise_build *selected(const struct exercise *ex, const struct exercise_build *builds,
                                             int n)
{
    for (int i = 0; i < n; i++)
        if (builds[i].exercise == ex)
            return &builds[i];
    return NULL;
}

static void add_build_result(const struct exercise_build *b, struct results *results)
{
    struct text fb = { 0 };
    bool all_built = true;
    for (int i = 0; i < b->count; i++) {
        const struct program_build *pb = &b->programs[i];
        all_built &= pb->built;
        if (pb->log.len == 0)
            continue;
        text_printf(&fb, "%s: %s\n", pb->program,
                    pb->built ? "built, with warnings (warnings are often bugs)" : "not built");
        text_indent_tail(&fb, pb->log.data, pb->log.len, 30, 4000);
    }
    results_add(results, b->exercise->id, b->exercise->number, 0, BUILD_CHECK_NAME, 0, all_built, fb.data);
    text_free(&fb);
}

static const struct verdict *verdict_of(const struct criterion_test *t)
{
    for (size_t i = 0; i < nverdicts; i++)
        if (verdicts[i].test == t)
            return &verdicts[i];
    return NULL;
}

static _Noreturn void watchdog_stop(const char *why)
{
    dprintf(watchdog.stderr_fd, "grader: %s Nothing was graded; grade again.\n", why);
    _exit(1);
}

/* Looks once a second: past the deadline the run has hung; and a socket that was there and is
 * gone while checks have yet to report was removed by someone else (a careless
 * "rm /tmp/criterion_*"), which leaves them unable to report: better to say so now than to wait
 * for the deadline. Once every check has reported, Criterion removes the socket itself, and
 * returns a moment later: under load that moment can span a look (seen once in 200 students
 * graded 8 at once, a whole grading thrown away). */
static void *watch_run(void *unused)
{
    (void)unused;
    char path[64];
    criterion_socket_path(path, sizeof path);
    bool seen = false;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    time_t deadline = until.tv_sec + watchdog.seconds;
    pthread_mutex_lock(&watchdog.lock);
    while (!watchdog.done) {
        clock_gettime(CLOCK_REALTIME, &until);
        if (until.tv_sec >= deadline)
            break;
        until.tv_sec += 1;
        pthread_cond_timedwait(&watchdog.done_cond, &watchdog.lock, &until);
        struct stat st;
        bool there = lstat(path, &st) == 0;
        if (seen && !there && !watchdog.done && watchdog.reported < watchdog.checks) {
            pthread_mutex_unlock(&watchdog.lock);
            watchdog_stop("the socket the checks report through (/tmp/criterion_<pid>.sock) was "
                          "removed by another program while they ran, so they could not finish.");
        }
        seen |= there;
    }
    bool done = watchdog.done;
    pthread_mutex_unlock(&watchdog.lock);
    if (!done) {
        char why[256];
        snprintf(why, sizeof why,
                 "the checks did not finish within %d s, far beyond their own time "
                 "limits: the test engine (Criterion) stopped responding. On a very busy machine, "
                 "use fewer --jobs.",
                 watchdog.seconds);
        watchdog_stop(why);
    }
    return NULL;
}

static int count_enabled(struct criterion_test_set *set)
{
    int enabled = 0; /* (not n: FOREACH_SET's own cursor is called n) */
    FOREACH_SET(struct criterion_suite_set *s, set->suites) {
        FOREACH_SET(struct criterion_test *t, s->tests)
            enabled += !t->data->disabled;
    }
    return enabled;
}

void runner_run(struct criterion_test_set *set, const struct exercise_build *builds, int nbuilds, int jobs,
                struct results *results)
{
    FOREACH_SET(struct criterion_suite_set *s, set->suites) {
        bool wanted = exercise_of(s) && selected(exercise_of(s), builds, nbuilds);
        FOREACH_SET(struct criterion_test *t, s->tests)
            t->data->disabled = !wanted;
    }
    criterion_options.jobs = (size_t)jobs;
    criterion_options.logging_threshold = config()->debug ? CRITERION_INFO : CRITERION_LOG_LEVEL_QUIET;
    criterion_options.always_succeed = true;
    /* Each check ends within CHECK_TIMEOUT_SECONDS; jobs of them run at once. */
    watchdog.checks = count_enabled(set);
    watchdog.seconds = (int)((watchdog.checks + jobs - 1) / jobs * CHECK_TIMEOUT_SECONDS) + 60;
    watchdog.stderr_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
    pthread_t watcher;
    bool watching = pthread_create(&watcher, NULL, watch_run, NULL) == 0;
    criterion_run_all_tests(set);
    if (watching) {
        pthread_mutex_lock(&watchdog.lock);
        watchdog.done = true;
        pthread_cond_signal(&watchdog.done_cond);
        pthread_mutex_unlock(&watchdog.lock);
        pthread_join(watcher, NULL);
    }
    close(watchdog.stderr_fd);

    FOREACH_SET(struct criterion_suite_set *s, set->suites) {
        const struct exercise *ex = exercise_of(s);
        const struct exercise_build *b = ex ? selected(ex, builds, nbuilds) : NULL;
        if (b == NULL)
            continue;
        add_build_result(b, results);
        FOREACH_SET(struct criterion_test *t, s->tests) {
            const struct rubric_item *item = t->data->data;
            const struct verdict *v = verdict_of(t);
            if (v) {
                results_add_feedback(results, ex->id, ex->number, item->number, item->what, item->points,
                                     v->passed, &v->fb);
                continue;
            }
            results_add(results, ex->id, ex->number, item->number, item->what, item->points, false,
                        "This check could not run: it crashed while being set up or cleaned up. "
                        "This is a bug in the grader, not in your code: please report it.");
        }
    }
    results_sort(results);
}

void runner_not_graded(const char *why, struct results *results)
{
    const struct exercise *all[MAX_EXERCISES];
    int n = exercise_all(all, MAX_EXERCISES);
    for (int e = 0; e < n; e++) {
        const struct exercise *ex = all[e];
        results_add(results, ex->id, ex->number, 0, BUILD_CHECK_NAME, 0, false, why);
        const struct rubric_item *items[MAX_CHECKS];
        int nitems = exercise_checks(ex, items, MAX_CHECKS);
        for (int i = 0; i < nitems; i++)
            results_add(results, ex->id, ex->number, items[i]->number, items[i]->what, items[i]->points,
                        false, why);
    }
    results_sort(results);
}
