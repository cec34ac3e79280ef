/* exercise.h - the kit's exercises and their rubrics, as the suites declare them.
 *
 * Each suite's EXERCISE and CHECK lines (harness.h) register here, before main(), so that every
 * command can list the exercises and their checks without the test engine: status, hint, watch,
 * list, batch and report know the rubric exactly as grade does. */
#ifndef GC_EXERCISE_H
#define GC_EXERCISE_H

#include <stdbool.h>

#define MAX_PROGRAMS 8
/* The most exercises and checks a kit may have (tables sized once, here). */
#define MAX_EXERCISES 32
#define MAX_CHECKS 512

struct exercise {
    const char *id;                     /* "01-unix-stream-echo": the folder's name */
    int number;                         /* 1: numbers its checks 1.1, 1.2, ... */
    const char *programs[MAX_PROGRAMS]; /* each built from <program>.c and shared files */
    /* Files the kit provides, in grader/support/<id>/ (drivers, headers): they are copied over
     * the submission's files of the same name, and a program's main file may be one of them. */
    bool kit_files;
    const char *link_flags[8]; /* extra flags for linking, e.g. "-Wl,--wrap=read" */
    /* The files a student writes; none listed: each program's <program>.c. */
    const char *student_files[MAX_PROGRAMS];
};

/* One line of the rubric: check <exercise>.<number>, worth points, described by what. */
struct rubric_item {
    int number;
    int points;
    const char *what;
};

/* Called by EXERCISE and CHECK (harness.h), before main(). suite is the suite's C name. */
void exercise_register(const char *suite, const struct exercise *exercise);
void exercise_register_check(const char *suite, const struct rubric_item *item);

/* The exercise a suite declared, or NULL. */
const struct exercise *exercise_of_suite(const char *suite);
/* The exercise with that id ("01-unix-stream-echo"), or NULL. */
const struct exercise *exercise_by_id(const char *id);
/* Every exercise, by number, into out[0..max); returns how many. */
int exercise_all(const struct exercise **out, int max);
/* The checks of ex, by number, into out[0..max); returns how many. */
int exercise_checks(const struct exercise *ex, const struct rubric_item **out, int max);

#endif
