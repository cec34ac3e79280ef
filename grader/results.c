/* results.c - collecting check results and writing results.json with jansson. */
#define _GNU_SOURCE
#include "results.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

static char *copy_or_null(const char *s)
{
    if (s == NULL)
        return NULL;
    char *c = strdup(s);
    if (c == NULL)
        abort();
    return c;
}

void results_add(struct results *r, const char *exercise, int exercise_number, int number, const char *what,
                 double max_score, bool passed, const char *feedback)
{
    if (r->count == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 32;
        r->items = realloc(r->items, r->cap * sizeof *r->items);
        if (r->items == NULL)
            abort();
    }
    r->items[r->count++] = (struct result_item){
        .exercise = copy_or_null(exercise),
        .exercise_number = exercise_number,
        .number = number,
        .what = copy_or_null(what),
        .score = passed ? max_score : 0,
        .max_score = max_score,
        .passed = passed,
        .feedback = copy_or_null(feedback),
    };
}

void results_add_feedback(struct results *r, const char *exercise, int exercise_number, int number,
                          const char *what, double max_score, bool passed, const struct feedback *fb)
{
    struct text t = { 0 };
    feedback_render(fb, &t);
    results_add(r, exercise, exercise_number, number, what, max_score, passed, t.len ? t.data : NULL);
    text_free(&t);
    feedback_copy(&r->items[r->count - 1].fb, fb);
}

static int by_exercise_then_number(const void *a, const void *b)
{
    const struct result_item *x = a, *y = b;
    if (x->exercise_number != y->exercise_number)
        return x->exercise_number < y->exercise_number ? -1 : 1;
    return (x->number > y->number) - (x->number < y->number);
}

void results_sort(struct results *r)
{
    qsort(r->items, r->count, sizeof *r->items, by_exercise_then_number);
}

static bool in_exercise(const struct result_item *item, const char *exercise)
{
    return exercise == NULL || strcmp(item->exercise, exercise) == 0;
}

double results_score(const struct results *r, const char *exercise)
{
    double sum = 0;
    for (size_t i = 0; i < r->count; i++)
        if (in_exercise(&r->items[i], exercise))
            sum += r->items[i].score;
    return sum;
}

double results_max_score(const struct results *r, const char *exercise)
{
    double sum = 0;
    for (size_t i = 0; i < r->count; i++)
        if (in_exercise(&r->items[i], exercise))
            sum += r->items[i].max_score;
    return sum;
}

void results_of_exercise(const struct results *r, const char *exercise, struct results *out)
{
    *out = (struct results){ .execution_time = r->execution_time };
    for (size_t i = 0; i < r->count; i++) {
        const struct result_item *item = &r->items[i];
        if (!in_exercise(item, exercise))
            continue;
        results_add(out, item->exercise, item->exercise_number, item->number, item->what, item->max_score,
                    item->passed, item->feedback);
        feedback_copy(&out->items[out->count - 1].fb, &item->fb);
    }
}

void results_free(struct results *r)
{
    for (size_t i = 0; i < r->count; i++) {
        free(r->items[i].exercise);
        free(r->items[i].what);
        free(r->items[i].feedback);
        feedback_free(&r->items[i].fb);
    }
    free(r->items);
    *r = (struct results){ 0 };
}

/* A JSON string from any bytes: ill-formed UTF-8 and NUL become U+FFFD. */
static json_t *safe_string(const char *s)
{
    struct text t = { 0 };
    if (s)
        text_append_utf8_sanitized(&t, s, strlen(s));
    json_t *j = json_stringn(text_str(&t), t.len);
    text_free(&t);
    return j;
}

/* The text of the first likely cause the check gave, or NULL. */
static const char *first_cause(const struct feedback *fb)
{
    for (size_t i = 0; i < fb->count; i++)
        if (fb->lines[i].kind == FEEDBACK_CAUSE)
            return fb->lines[i].text;
    return NULL;
}

static json_t *item_json(const struct result_item *item)
{
    char name[1024], number[32];
    snprintf(name, sizeof name, "%s: %s", item->exercise, item->what);
    snprintf(number, sizeof number, "%d.%d", item->exercise_number, item->number);
    /* clang-format off */ /* a key and its value a line */
    json_t *test = json_pack("{s:o, s:s, s:f, s:f, s:s, s:o, s:s, s:[s]}",
                             "name", safe_string(name),
                             "number", number,
                             "score", item->score,
                             "max_score", item->max_score,
                             "status", item->passed ? "passed" : "failed",
                             "output", safe_string(item->feedback ? item->feedback : ""),
                             "visibility", "visible",
                             "tags", item->exercise);
    /* clang-format on */
    if (!item->passed && item->fb.cause_id) {
        /* The diagnosis as data, for a class's common mistakes; Gradescope ignores tags it does
         * not know. */
        char tag[128];
        snprintf(tag, sizeof tag, "cause:%s", item->fb.cause_id);
        json_array_append_new(json_object_get(test, "tags"), safe_string(tag));
    }
    json_t *extra = item->fb.extra ? json_deep_copy(item->fb.extra) : json_object();
    const char *cause = first_cause(&item->fb);
    if (!item->passed && item->fb.cause_id && cause)
        json_object_set_new(extra, "cause",
                            json_pack("{s:o, s:o}", "id", safe_string(item->fb.cause_id), "text",
                                      safe_string(cause)));
    if (item->fb.group_key)
        json_object_set_new(extra, "shared_reason",
                            json_pack("{s:o, s:o}", "key", safe_string(item->fb.group_key), "text",
                                      safe_string(item->fb.group_text)));
    if (json_object_size(extra) > 0)
        json_object_set_new(test, "extra_data", extra);
    else
        json_decref(extra);
    return test;
}

double results_json_score(const json_t *root, const char *exercise, double *max)
{
    double score = 0, most = 0;
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(root, "tests"), i, t) {
        const char *tag = json_string_value(json_array_get(json_object_get(t, "tags"), 0));
        if (exercise && (tag == NULL || strcmp(tag, exercise) != 0))
            continue;
        score += json_number_value(json_object_get(t, "score"));
        most += json_number_value(json_object_get(t, "max_score"));
    }
    if (max)
        *max = most;
    return score;
}

/* "Total 34/42. 01-unix-stream-echo 10/10; 02-... " */
static char *summary_text(const struct results *r)
{
    struct text t = { 0 };
    text_printf(&t, "Total: %g/%g.", results_score(r, NULL), results_max_score(r, NULL));
    for (size_t i = 0; i < r->count; i++) {
        const char *ex = r->items[i].exercise;
        if (i > 0 && strcmp(r->items[i - 1].exercise, ex) == 0)
            continue;
        text_printf(&t, " %s %g/%g;", ex, results_score(r, ex), results_max_score(r, ex));
    }
    if (t.len && t.data[t.len - 1] == ';')
        t.data[--t.len] = '\0';
    if (r->note && *r->note)
        text_printf(&t, "\n%s", r->note);
    return t.data;
}

json_t *results_to_json(const struct results *r)
{
    json_t *tests = json_array();
    for (size_t i = 0; i < r->count; i++)
        json_array_append_new(tests, item_json(&r->items[i]));
    char *summary = summary_text(r);
    /* clang-format off */ /* a key and its value a line */
    json_t *root = json_pack("{s:f, s:f, s:f, s:o, s:o}",
                             "score", results_score(r, NULL),
                             "max_score", results_max_score(r, NULL),
                             "execution_time", r->execution_time,
                             "output", safe_string(summary),
                             "tests", tests);
    /* clang-format on */
    free(summary);
    return root;
}

int results_write_json(const struct results *r, const char *path)
{
    json_t *root = results_to_json(r);
    if (root == NULL) {
        fprintf(stderr, "grader: could not build the results JSON\n");
        return -1;
    }
    int rc = results_save_json(root, path);
    json_decref(root);
    return rc;
}

int results_save_json(json_t *root, const char *path)
{
    if (strcmp(path, "-") == 0) {
        int rc = json_dumpf(root, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
        fputc('\n', stdout);
        return rc == 0 && fflush(stdout) == 0 ? 0 : -1;
    }
    /* Write beside the target, then rename: a reader never sees half a file. */
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int rc = json_dump_file(root, tmp, JSON_INDENT(2) | JSON_ENSURE_ASCII);
    if (rc != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "grader: cannot write %s: %s\n", path, strerror(errno));
        remove(tmp);
        return -1;
    }
    return 0;
}
