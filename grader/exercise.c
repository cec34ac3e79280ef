/* exercise.c - the registry of exercises and checks the suites fill in before main(). */
#include "exercise.h"

#include <stdlib.h>
#include <string.h>

/* Criterion may run each check in a fresh copy of the grader, where pointers taken in the
 * grader's own process mean nothing; so everything is found by the suite's name, in tables that
 * every copy fills in the same way before main(). */
static struct {
    const char *suite;
    const struct exercise *exercise;
} exercises[MAX_EXERCISES];
static int nexercises;

static struct {
    const char *suite;
    const struct rubric_item *item;
} checks[MAX_CHECKS];
static int nchecks;

void exercise_register(const char *suite, const struct exercise *exercise)
{
    if (nexercises == MAX_EXERCISES)
        abort(); /* a kit with more exercises raises MAX_EXERCISES */
    exercises[nexercises].suite = suite;
    exercises[nexercises].exercise = exercise;
    nexercises++;
}

void exercise_register_check(const char *suite, const struct rubric_item *item)
{
    if (nchecks == MAX_CHECKS)
        abort();
    checks[nchecks].suite = suite;
    checks[nchecks].item = item;
    nchecks++;
}

const struct exercise *exercise_of_suite(const char *suite)
{
    for (int i = 0; i < nexercises; i++)
        if (strcmp(exercises[i].suite, suite) == 0)
            return exercises[i].exercise;
    return NULL;
}

const struct exercise *exercise_by_id(const char *id)
{
    for (int i = 0; i < nexercises; i++)
        if (strcmp(exercises[i].exercise->id, id) == 0)
            return exercises[i].exercise;
    return NULL;
}

static int by_exercise_number(const void *a, const void *b)
{
    const struct exercise *x = *(const struct exercise *const *)a, *y = *(const struct exercise *const *)b;
    return (x->number > y->number) - (x->number < y->number);
}

int exercise_all(const struct exercise **out, int max)
{
    int n = 0;
    for (int i = 0; i < nexercises && n < max; i++)
        out[n++] = exercises[i].exercise;
    qsort(out, (size_t)n, sizeof *out, by_exercise_number);
    return n;
}

static int by_check_number(const void *a, const void *b)
{
    const struct rubric_item *x = *(const struct rubric_item *const *)a,
                             *y = *(const struct rubric_item *const *)b;
    return (x->number > y->number) - (x->number < y->number);
}

int exercise_checks(const struct exercise *ex, const struct rubric_item **out, int max)
{
    int n = 0;
    for (int i = 0; i < nchecks && n < max; i++)
        if (exercise_of_suite(checks[i].suite) == ex)
            out[n++] = checks[i].item;
    qsort(out, (size_t)n, sizeof *out, by_check_number);
    return n;
}
