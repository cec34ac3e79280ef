/* runner.h - running the exercises' Criterion suites and turning each test into a result.
 *
 * The suites are linked into the grader; each test runs in a child process of Criterion's, and
 * the student programs it starts are that child's children: none runs inside the grader. */
#ifndef GC_RUNNER_H
#define GC_RUNNER_H

#include <criterion/criterion.h>

#include "build.h"
#include "harness.h"
#include "results.h"

/* Whether Criterion can run here: it listens on /tmp/criterion_<pid>.sock, a path anyone can
 * take first on a shared machine. Removes a stale one of this user's; otherwise says what is
 * wrong on stderr and returns -1. */
int runner_preflight(void);

/* Runs the checks of the given exercises with `jobs` tests at once and adds one result per check,
 * after one result per exercise for its build. */
void runner_run(struct criterion_test_set *set, const struct exercise_build *builds, int nbuilds, int jobs,
                struct results *results);

/* Keeps the verdict of one finished check (report_hooks.c calls it from Criterion's hooks). */
void runner_record(struct criterion_test_stats *stats, bool crashed);

/* One failed result per check of every exercise, each saying why (the grading timed out, or
 * could not run), so that a gradebook still sees every check and the full max_score. */
void runner_not_graded(const char *why, struct results *results);

#endif
