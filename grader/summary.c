/* summary.c - summary.csv from verified results. */
#define _GNU_SOURCE
#include "summary.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "verify.h"

const char *summary_status_of(const json_t *root)
{
    const json_t *status = json_object_get(json_object_get(root, GRADING_KEY), "status");
    return json_is_string(status) ? json_string_value(status) : STATUS_GRADED;
}

void summary_csv_cell(struct text *t, const char *s)
{
    text_puts(t, "\"");
    if (s[0] != '\0' && strchr("=+-@\t\r", s[0]))
        text_puts(t, "'");
    for (; *s; s++) {
        if (*s == '"')
            text_puts(t, "\""); /* a quote inside a cell is doubled */
        text_append(t, s, 1);
    }
    text_puts(t, "\"");
}

static void header(struct text *csv, const struct results *rubric)
{
    text_puts(csv, "student");
    for (size_t i = 0; i < rubric->count; i++)
        if (i == 0 || strcmp(rubric->items[i - 1].exercise, rubric->items[i].exercise) != 0)
            text_printf(csv, ",%s", rubric->items[i].exercise);
    text_puts(csv, ",total,max,status\n");
}

/* The scores of a verified results.json, exercise by exercise: its tests are the rubric's. */
static void score_cells(struct text *csv, const json_t *root, const struct results *rubric)
{
    for (size_t i = 0; i < rubric->count; i++)
        if (i + 1 == rubric->count || strcmp(rubric->items[i + 1].exercise, rubric->items[i].exercise) != 0)
            text_printf(csv, ",%g", results_json_score(root, rubric->items[i].exercise, NULL));
    text_printf(csv, ",%g,%g", json_number_value(json_object_get(root, "score")),
                results_max_score(rubric, NULL));
}

static void empty_cells(struct text *csv, const struct results *rubric)
{
    for (size_t i = 0; i < rubric->count; i++)
        if (i == 0 || strcmp(rubric->items[i - 1].exercise, rubric->items[i].exercise) != 0)
            text_puts(csv, ",");
    text_printf(csv, ",,%g", results_max_score(rubric, NULL));
}

static void row(struct text *csv, const char *out_dir, const char *student, const struct results *rubric,
                struct summary_counts *counts)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s/results.json", out_dir, student);
    struct text why = { 0 }, status = { 0 };
    json_t *root = verify_load(path, VERIFY_MAX_BYTES, &why);
    const char *declared = root ? summary_status_of(root) : STATUS_INVALID;
    bool graded = root && strcmp(declared, STATUS_GRADED) == 0 && verify_results(root, rubric, &why) == 0;
    summary_csv_cell(csv, student);
    if (graded) {
        score_cells(csv, root, rubric);
        counts->graded++;
        counts->score_sum += json_number_value(json_object_get(root, "score"));
        text_puts(&status, STATUS_GRADED);
    } else {
        empty_cells(csv, rubric);
        if (strcmp(declared, STATUS_TIMED_OUT) == 0)
            counts->timed_out++;
        else if (strcmp(declared, STATUS_NOT_GRADED) == 0)
            counts->not_graded++;
        else
            counts->invalid++;
        if (strcmp(declared, STATUS_GRADED) == 0) /* said graded, but is not a grade */
            text_printf(&status, "%s: %s", STATUS_INVALID, text_str(&why));
        else
            text_puts(&status, declared);
    }
    text_puts(csv, ",");
    summary_csv_cell(csv, text_str(&status));
    text_puts(csv, "\n");
    json_decref(root);
    text_free(&why);
    text_free(&status);
}

int summary_write(const char *out_dir, char *const *students, int n, const struct results *rubric,
                  struct summary_counts *counts)
{
    *counts = (struct summary_counts){ .max_score = results_max_score(rubric, NULL) };
    struct text csv = { 0 };
    header(&csv, rubric);
    for (int i = 0; i < n; i++)
        row(&csv, out_dir, students[i], rubric, counts);
    char path[PATH_MAX], tmp[PATH_MAX + 8];
    snprintf(path, sizeof path, "%s/summary.csv", out_dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "we");
    int rc = f && fwrite(text_str(&csv), 1, csv.len, f) == csv.len ? 0 : -1;
    if (f && fclose(f) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -1;
    if (rc < 0) {
        fprintf(stderr, "grader batch: cannot write %s: %s\n", path, strerror(errno));
        remove(tmp);
    }
    text_free(&csv);
    return rc;
}
