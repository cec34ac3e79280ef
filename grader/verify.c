/* verify.c - checking results.json against the rubric. */
#define _GNU_SOURCE
#include "verify.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

json_t *verify_load(const char *path, size_t max_bytes, struct text *why)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        text_printf(why, "cannot open it: %s", strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max_bytes) {
        text_printf(why, "not a regular file of at most %zu bytes", max_bytes);
        close(fd);
        return NULL;
    }
    /* Read at most max_bytes + 1, in case it grows while being read. */
    struct text body = { 0 };
    char buf[65536];
    ssize_t n;
    while (body.len <= max_bytes && (n = read(fd, buf, sizeof buf)) > 0)
        text_append(&body, buf, (size_t)n);
    close(fd);
    json_t *root = NULL;
    json_error_t error;
    if (body.len > max_bytes)
        text_printf(why, "more than %zu bytes", max_bytes);
    else if ((root = json_loadb(text_str(&body), body.len, JSON_REJECT_DUPLICATES, &error)) == NULL)
        text_printf(why, "not valid JSON (%s, line %d)", error.text, error.line);
    else if (!json_is_object(root)) {
        text_printf(why, "not a JSON object");
        json_decref(root);
        root = NULL;
    }
    text_free(&body);
    return root;
}

static int reject(struct text *why, const char *format, ...) __attribute__((format(printf, 2, 3)));

static int reject(struct text *why, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    char *line;
    if (vasprintf(&line, format, ap) >= 0) {
        text_puts(why, line);
        free(line);
    }
    va_end(ap);
    return -1;
}

/* A score must be a real number in [0, max]; nan, strings and negatives are not. */
static bool good_score(const json_t *score, double max)
{
    if (!json_is_number(score))
        return false;
    double v = json_number_value(score);
    return isfinite(v) && v >= 0 && v <= max;
}

static bool same_number(double a, double b)
{
    return fabs(a - b) < 1e-6;
}

static int verify_test(const json_t *test, const struct result_item *want, struct text *why)
{
    char name[1024], number[32];
    snprintf(name, sizeof name, "%s: %s", want->exercise, want->what);
    snprintf(number, sizeof number, "%d.%d", want->exercise_number, want->number);
    const json_t *j_number = json_object_get(test, "number");
    const json_t *j_name = json_object_get(test, "name");
    const json_t *j_score = json_object_get(test, "score");
    const json_t *j_max = json_object_get(test, "max_score");
    const json_t *j_status = json_object_get(test, "status");
    if (!json_is_object(test) || !json_is_string(j_number) || strcmp(json_string_value(j_number), number) != 0)
        return reject(why, "test %s is missing or out of place", number);
    if (!json_is_string(j_name) || strcmp(json_string_value(j_name), name) != 0)
        return reject(why, "test %s is not named as in the rubric (\"%s\")", number, name);
    if (!json_is_number(j_max) || !same_number(json_number_value(j_max), want->max_score))
        return reject(why, "test %s does not have the rubric's max score", number);
    if (!good_score(j_score, want->max_score))
        return reject(why, "test %s has a score that is not a number from 0 to its max", number);
    bool full = same_number(json_number_value(j_score), want->max_score);
    const char *status = json_is_string(j_status) ? json_string_value(j_status) : "";
    if (strcmp(status, "passed") != 0 && strcmp(status, "failed") != 0)
        return reject(why, "test %s has no status \"passed\" or \"failed\"", number);
    if (want->max_score > 0 && full != (strcmp(status, "passed") == 0))
        return reject(why, "test %s has a status that does not agree with its score", number);
    if (!json_is_string(json_object_get(test, "output")))
        return reject(why, "test %s has no output text", number);
    /* Per-exercise figures are summed by the first tag (results_json_score): it must be the
     * exercise's, or a forged file could move points between exercises. */
    const json_t *tags = json_object_get(test, "tags");
    const char *first = json_string_value(json_array_get(tags, 0));
    if (!json_is_array(tags) || first == NULL || strcmp(first, want->exercise) != 0)
        return reject(why, "test %s is not tagged with its exercise, %s", number, want->exercise);
    size_t i;
    const json_t *tag;
    json_array_foreach(tags, i, tag)
        if (!json_is_string(tag))
            return reject(why, "test %s has a tag that is not a string", number);
    return 0;
}

int verify_results(const json_t *root, const struct results *rubric, struct text *why)
{
    const json_t *tests = json_object_get(root, "tests");
    if (!json_is_array(tests))
        return reject(why, "it has no array of tests");
    if (json_array_size(tests) != rubric->count) {
        return reject(why, "it has %zu tests, the rubric %zu", json_array_size(tests), rubric->count);
    }
    double sum = 0, max = 0;
    for (size_t i = 0; i < rubric->count; i++) {
        const json_t *test = json_array_get(tests, i);
        if (verify_test(test, &rubric->items[i], why) < 0)
            return -1;
        sum += json_number_value(json_object_get(test, "score"));
        max += rubric->items[i].max_score;
    }
    const json_t *score = json_object_get(root, "score"), *max_score = json_object_get(root, "max_score");
    if (!json_is_number(score) || !same_number(json_number_value(score), sum))
        return reject(why, "its score is not the sum of its tests' scores");
    if (!json_is_number(max_score) || !same_number(json_number_value(max_score), max))
        return reject(why, "its max_score is not the rubric's total");
    return 0;
}
