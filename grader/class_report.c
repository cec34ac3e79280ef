/* class_report.c - the class at a glance: average, score distribution, each exercise's pass
 * rate, the checks most often failed (inline SVG charts, no outside resources) and a table of
 * students. Every text that comes from a results file is HTML-escaped. */
#define _GNU_SOURCE
#include "class_report.h"

#include <dirent.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"
#include "runner.h"
#include "text.h"

#define MAX_STUDENTS 4096
#define MAX_CHECKS 256

struct student_row {
    char *name;
    json_t *results;
};

struct check_tally {
    const char *number, *name;
    int failed;
};

static void html_escaped(struct text *t, const char *s)
{
    struct text clean = {0};
    text_append_utf8_sanitized(&clean, s, strlen(s));
    for (const char *c = text_str(&clean); *c; c++) {
        switch (*c) {
        case '<': text_puts(t, "&lt;"); break;
        case '>': text_puts(t, "&gt;"); break;
        case '&': text_puts(t, "&amp;"); break;
        case '"': text_puts(t, "&quot;"); break;
        case '\'': text_puts(t, "&#39;"); break;
        default: text_append(t, c, 1);
        }
    }
    text_free(&clean);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct student_row *)a)->name, ((const struct student_row *)b)->name);
}

static int load_students(const char *dir, struct student_row *rows)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < MAX_STUDENTS) {
        if (e->d_name[0] == '.')
            continue;
        char path[PATH_MAX + 300];
        snprintf(path, sizeof path, "%s/%s/results.json", dir, e->d_name);
        json_t *r = json_load_file(path, 0, NULL);
        if (r && json_is_array(json_object_get(r, "tests")))
            rows[n++] = (struct student_row){ strdup(e->d_name), r };
        else
            json_decref(r);
    }
    closedir(d);
    qsort(rows, (size_t)n, sizeof *rows, by_name);
    return n;
}

static double exercise_score(json_t *results, const char *id, double *max)
{
    double score = 0;
    *max = 0;
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(results, "tests"), i, t) {
        const char *tag = json_string_value(json_array_get(json_object_get(t, "tags"), 0));
        if (tag && strcmp(tag, id) == 0) {
            score += json_number_value(json_object_get(t, "score"));
            *max += json_number_value(json_object_get(t, "max_score"));
        }
    }
    return score;
}

/* A horizontal bar chart: one labelled bar per value, values in 0..100 (percent). */
static void bar_chart(struct text *h, const char *title, const char *const *labels, const double *values,
                      int n, const char *colour)
{
    int row = 26, width = 920, label_w = 470, bar_w = width - label_w - 60;
    text_printf(h, "<figure><figcaption>%s</figcaption><svg xmlns='http://www.w3.org/2000/svg' "
                   "width='%d' height='%d' role='img'>", title, width, n * row + 6);
    for (int i = 0; i < n; i++) {
        int y = i * row + 4, w = (int)(values[i] * bar_w / 100.0 + 0.5);
        text_printf(h, "<text x='%d' y='%d' text-anchor='end' class='label'>", label_w - 8, y + 15);
        html_escaped(h, labels[i]);
        text_printf(h, "</text><rect x='%d' y='%d' width='%d' height='18' rx='3' fill='#e8ecf2'/>"
                       "<rect x='%d' y='%d' width='%d' height='18' rx='3' fill='%s'/>"
                       "<text x='%d' y='%d' class='value'>%.0f%%</text>",
                    label_w, y, bar_w, label_w, y, w, colour, label_w + bar_w + 6, y + 15, values[i]);
    }
    text_puts(h, "</svg></figure>\n");
}

/* A histogram of the students' totals, in ten bins of 10%. */
static void histogram(struct text *h, struct student_row *rows, int n)
{
    int bins[10] = {0}, most = 1;
    for (int i = 0; i < n; i++) {
        double max = json_number_value(json_object_get(rows[i].results, "max_score"));
        double pct = max > 0 ? 100 * json_number_value(json_object_get(rows[i].results, "score")) / max : 0;
        int b = pct >= 100 ? 9 : (int)(pct / 10);
        if (++bins[b] > most)
            most = bins[b];
    }
    int w = 700, hgt = 220, base = 190, col = 60;
    text_printf(h, "<figure><figcaption>Distribution of total scores (number of students)</figcaption>"
                   "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' role='img'>", w, hgt);
    for (int b = 0; b < 10; b++) {
        int bh = bins[b] * 160 / most, x = 40 + b * col;
        text_printf(h, "<rect x='%d' y='%d' width='%d' height='%d' rx='3' fill='#3b6fd4'/>"
                       "<text x='%d' y='%d' text-anchor='middle' class='value'>%d</text>"
                       "<text x='%d' y='%d' text-anchor='middle' class='label'>%d%s</text>",
                    x, base - bh, col - 10, bh, x + (col - 10) / 2, base - bh - 4, bins[b],
                    x + (col - 10) / 2, base + 18, b * 10, b == 9 ? "-100%" : "%");
    }
    text_printf(h, "<line x1='35' y1='%d' x2='%d' y2='%d' stroke='#888'/></svg></figure>\n", base, 40 + 10 * col, base);
}

static int by_failures(const void *a, const void *b)
{
    const struct check_tally *x = a, *y = b;
    if (x->failed != y->failed)
        return y->failed - x->failed;
    return strcmp(x->number, y->number);
}

static void most_failed(struct text *h, struct student_row *rows, int n)
{
    struct check_tally tally[MAX_CHECKS];
    int nt = 0;
    for (int i = 0; i < n; i++) {
        size_t k;
        json_t *t;
        json_array_foreach(json_object_get(rows[i].results, "tests"), k, t) {
            const char *number = json_string_value(json_object_get(t, "number"));
            if (!number || json_number_value(json_object_get(t, "max_score")) == 0)
                continue;
            int j = 0;
            while (j < nt && strcmp(tally[j].number, number) != 0)
                j++;
            if (j == nt && nt < MAX_CHECKS)
                tally[nt++] = (struct check_tally){ number, json_string_value(json_object_get(t, "name")), 0 };
            if (j < nt && strcmp(json_string_value(json_object_get(t, "status")), "failed") == 0)
                tally[j].failed++;
        }
    }
    qsort(tally, (size_t)nt, sizeof *tally, by_failures);
    int shown = nt < 10 ? nt : 10;
    const char *labels[10];
    char label_text[10][400];
    double values[10];
    int k = 0;
    for (int i = 0; i < shown && tally[i].failed > 0; i++, k++) {
        const char *what = tally[i].name && strchr(tally[i].name, ':') ? strchr(tally[i].name, ':') + 2 : "";
        snprintf(label_text[i], sizeof label_text[i], "%s %.60s%s", tally[i].number, what, strlen(what) > 60 ? "..." : "");
        labels[i] = label_text[i];
        values[i] = n ? 100.0 * tally[i].failed / n : 0;
    }
    if (k == 0)
        text_puts(h, "<p>No check failed: every student passed everything.</p>\n");
    else
        bar_chart(h, "The checks most often failed (share of students failing)", labels, values, k, "#d9534f");
}

static void students_table(struct text *h, struct student_row *rows, int n, const struct exercise **ex, int nex)
{
    text_puts(h, "<table><thead><tr><th>Student</th>");
    for (int e = 0; e < nex; e++)
        text_printf(h, "<th>%02d</th>", ex[e]->number);
    text_puts(h, "<th>Total</th></tr></thead><tbody>\n");
    for (int i = 0; i < n; i++) {
        text_puts(h, "<tr><td>");
        html_escaped(h, rows[i].name);
        text_puts(h, "</td>");
        for (int e = 0; e < nex; e++) {
            double max, score = exercise_score(rows[i].results, ex[e]->id, &max);
            text_printf(h, "<td class='%s'>%g/%g</td>", max > 0 && score == max ? "full" : score > 0 ? "part" : "zero",
                        score, max);
        }
        text_printf(h, "<td><b>%g</b>/%g</td></tr>\n", json_number_value(json_object_get(rows[i].results, "score")),
                    json_number_value(json_object_get(rows[i].results, "max_score")));
    }
    text_puts(h, "</tbody></table>\n");
}

static const char style[] =
    "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:960px;color:#1d2330;padding:0 1em}"
    "h1{font-size:1.6em;margin-bottom:.2em}.summary{display:flex;gap:1.5em;margin:1em 0 2em}"
    ".card{background:#f3f6fb;border-radius:8px;padding:.8em 1.2em}.card b{display:block;font-size:1.8em}"
    "figure{margin:1.5em 0}figcaption{font-weight:600;margin-bottom:.4em}"
    ".label{font-size:12px;fill:#333}.value{font-size:12px;fill:#333}"
    "table{border-collapse:collapse;width:100%}th,td{padding:.3em .6em;border-bottom:1px solid #e3e7ee;text-align:right}"
    "th:first-child,td:first-child{text-align:left}.full{color:#2e7d32}.part{color:#b26a00}.zero{color:#b71c1c}";

int class_report_main(int argc, char **argv, struct criterion_test_set *set)
{
    if (argc != 2) {
        fprintf(stderr, "usage: grader report OUTDIR   (writes OUTDIR/report.html)\n");
        return 2;
    }
    const char *dir = argv[1];
    struct student_row *rows = calloc(MAX_STUDENTS, sizeof *rows);
    int n = load_students(dir, rows);
    if (n < 0) {
        fprintf(stderr, "grader report: cannot read %s\n", dir);
        return 2;
    }
    const struct exercise *ex[32];
    int nex = runner_exercises(set, ex, 32);

    double sum = 0, max_sum = 0;
    for (int i = 0; i < n; i++) {
        sum += json_number_value(json_object_get(rows[i].results, "score"));
        max_sum += json_number_value(json_object_get(rows[i].results, "max_score"));
    }
    struct text h = {0};
    text_printf(&h, "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
                    "<title>Get Connected: class report</title><style>%s</style></head><body>\n"
                    "<h1>Get Connected: class report</h1>\n<div class='summary'>"
                    "<div class='card'>Students<b>%d</b></div>"
                    "<div class='card'>Class average<b>%.1f%%</b></div>"
                    "<div class='card'>Average score<b>%.1f / %g</b></div></div>\n",
                style, n, max_sum > 0 ? 100 * sum / max_sum : 0, n ? sum / n : 0,
                n ? json_number_value(json_object_get(rows[0].results, "max_score")) : 0);
    histogram(&h, rows, n);
    const char *labels[32];
    double pass[32];
    for (int e = 0; e < nex; e++) {
        int full = 0;
        for (int i = 0; i < n; i++) {
            double max, score = exercise_score(rows[i].results, ex[e]->id, &max);
            full += max > 0 && score == max;
        }
        labels[e] = ex[e]->id;
        pass[e] = n ? 100.0 * full / n : 0;
    }
    bar_chart(&h, "Pass rate per exercise (share of students with full marks)", labels, pass, nex, "#2e9d57");
    most_failed(&h, rows, n);
    text_puts(&h, "<h2>Students</h2>\n");
    students_table(&h, rows, n, ex, nex);
    text_puts(&h, "</body></html>\n");

    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/report.html", dir);
    FILE *f = fopen(path, "we");
    int rc = f && fwrite(h.data, 1, h.len, f) == h.len && fclose(f) == 0 ? 0 : 1;
    if (rc)
        fprintf(stderr, "grader report: cannot write %s\n", path);
    else
        fprintf(stderr, "grader report: %s (%d students)\n", path, n);
    for (int i = 0; i < n; i++) {
        free(rows[i].name);
        json_decref(rows[i].results);
    }
    free(rows);
    text_free(&h);
    return rc;
}
