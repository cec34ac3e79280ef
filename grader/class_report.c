/* class_report.c - the class at a glance: average, score distribution, each exercise's pass
 * rate, the checks most often failed (inline SVG charts, no outside resources) and a table of
 * students, each name linking to a page of that student's own feedback.
 *
 * The results files are input like any other: a student's folder may have none, or one that is
 * not JSON, not UTF-8, or has fields missing or of the wrong type. Such a student is marked
 * (not graded, invalid results) and left out of the class's figures; nothing read from a file
 * is trusted to be there, to have its type, or to be safe to print: every text is escaped. */
#define _GNU_SOURCE
#include "class_report.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "exercise.h"
#include "results.h"
#include "seqdiagram.h"
#include "text.h"

#define MAX_STUDENTS 4096
#define MAX_RESULTS_BYTES (16 << 20) /* far more than the grader ever writes */
#define LABEL_CHARS 60               /* a check's name in a chart; the full name on hover */
#define REPORT_FILE "report.html"
#define FEEDBACK_FILE "feedback.html"

/* What `grader batch` says of a student, in results.json's "grading" object. */
enum grading_status { GRADED, NOT_GRADED, TIMED_OUT, INVALID };
static const char *const status_names[] = { "graded", "not graded", "timed out", "invalid results" };
static const char *const status_classes[] = { "graded", "not-graded", "timed-out", "invalid" };

struct student_row {
    char *name;      /* the folder's name, bytes as they are */
    json_t *results; /* NULL when there are none or they could not be read */
    enum grading_status status;
    char reason[400]; /* why not graded, timed out or invalid ("" for graded) */
    char date[64];    /* when graded: ISO 8601, from "grading" or the file's time */
};

struct check_tally {
    const char *number, *name;
    int failed;
};

/* A diagnosis behind failed checks, as results.json carries it: a tag "cause:<id>" on a failed
 * test (the grade's "Likely cause" as data). Counted once per student. */
#define CAUSE_TAG "cause:"
#define MAX_CAUSES 128
struct cause_tally {
    const char *id;      /* after "cause:" */
    const char *example; /* how one failed check put that cause in words */
    int students;
    int *who; /* indexes into the scored students, in order */
};

/* Whether a student's scores count in the class's figures: a time-out is a real 0, a student
 * not graded or with unreadable results has no score to count. */
static bool scored(const struct student_row *r)
{
    return r->results != NULL && (r->status == GRADED || r->status == TIMED_OUT);
}

static const char *string_field(json_t *object, const char *key)
{
    return json_string_value(json_object_get(object, key)); /* NULL if absent or not a string */
}

/* Escaped for HTML text and attribute values alike, whatever the bytes (text_append_markup). */
static void html_escaped(struct text *t, const char *s)
{
    text_append_markup(t, s, SIZE_MAX, true);
}

/* A folder name as a relative URL path segment: every byte but unreserved ones %-encoded. */
static void url_encoded(struct text *t, const char *s)
{
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')
            || strchr("-._~", *c))
            text_append(t, c, 1);
        else
            text_printf(t, "%%%02X", *c);
    }
}

/* The length of s cut to at most max bytes, never inside a UTF-8 sequence. */
static size_t cut_utf8(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max)
        return n;
    while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
        max--;
    return max;
}

/* Case-insensitive, so that "alice" comes before "Bob"; byte order only between equals. */
static int by_name(const void *a, const void *b)
{
    const char *x = ((const struct student_row *)a)->name, *y = ((const struct student_row *)b)->name;
    int c = strcasecmp(x, y);
    return c != 0 ? c : strcmp(x, y);
}

static void format_mtime(char *out, size_t size, time_t when)
{
    struct tm tm;
    if (gmtime_r(&when, &tm) == NULL || strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, size, "unknown");
}

/* Reads one student's results.json: at most MAX_RESULTS_BYTES, never through a link. Sets
 * results, status, reason and date; a problem is a status, never an error. */
static void read_results(int student_dir, struct student_row *r)
{
    int fd = openat(student_dir, "results.json", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0) {
        r->status = errno == ENOENT ? NOT_GRADED : INVALID;
        snprintf(r->reason, sizeof r->reason, "%s",
                 errno == ENOENT ? "no results.json (not graded yet)" : "results.json cannot be read");
        return;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_RESULTS_BYTES) {
        close(fd);
        r->status = INVALID;
        snprintf(r->reason, sizeof r->reason, "results.json is not a regular file of at most %d MiB",
                 MAX_RESULTS_BYTES >> 20);
        return;
    }
    format_mtime(r->date, sizeof r->date, st.st_mtime);
    json_error_t error;
    json_t *results = json_loadfd(fd, 0, &error);
    close(fd);
    if (results == NULL) {
        r->status = INVALID;
        snprintf(r->reason, sizeof r->reason, "results.json is not valid JSON (line %d: %s)", error.line,
                 error.text);
        return;
    }
    if (!json_is_object(results) || !json_is_number(json_object_get(results, "score"))
        || !json_is_number(json_object_get(results, "max_score"))
        || !json_is_array(json_object_get(results, "tests"))) {
        json_decref(results);
        r->status = INVALID;
        snprintf(r->reason, sizeof r->reason,
                 "results.json lacks a numeric score and max_score, or a tests list");
        return;
    }
    r->results = results;
    r->status = GRADED;
    json_t *grading = json_object_get(results, "grading");
    const char *status = string_field(grading, "status"), *reason = string_field(grading, "reason"),
               *date = string_field(grading, "date");
    if (status != NULL) {
        int s = GRADED;
        while (s <= INVALID && strcmp(status, status_names[s]) != 0)
            s++;
        if (s > INVALID) {
            r->status = INVALID;
            snprintf(r->reason, sizeof r->reason, "unknown grading status \"%.100s\"", status);
        } else {
            r->status = (enum grading_status)s;
        }
    }
    if (reason != NULL && r->reason[0] == '\0')
        snprintf(r->reason, sizeof r->reason, "%.*s", (int)cut_utf8(reason, sizeof r->reason - 1), reason);
    if (date != NULL)
        snprintf(r->date, sizeof r->date, "%.*s", (int)cut_utf8(date, sizeof r->date - 1), date);
}

/* Every folder of dir (never a link, never a dot-folder) is a student, results or not. */
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
        int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            continue; /* a file (summary.csv, report.html) or a link */
        rows[n] = (struct student_row){ .name = strdup(e->d_name) };
        read_results(fd, &rows[n]);
        close(fd);
        n += rows[n].name != NULL;
    }
    closedir(d);
    qsort(rows, (size_t)n, sizeof *rows, by_name);
    return n;
}

static double number_field(json_t *object, const char *key)
{
    return json_number_value(json_object_get(object, key)); /* 0 if absent or not a number */
}

static const char *exercise_of(json_t *test)
{
    return json_string_value(json_array_get(json_object_get(test, "tags"), 0));
}

/* "2026-11-25T01:02:03Z" as "2026-11-25 01:02 UTC"; anything else as it is. */
static void date_shown(struct text *h, const char *iso)
{
    int y, mo, d, hh, mm, ss;
    char z;
    if (sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &hh, &mm, &ss, &z) == 7 && z == 'Z')
        text_printf(h, "%04d-%02d-%02d %02d:%02d UTC", y, mo, d, hh, mm);
    else
        html_escaped(h, iso);
}

/* A marker for a student who is not simply graded, with the reason on hover. */
static void status_badge(struct text *h, const struct student_row *r)
{
    if (r->status == GRADED)
        return;
    text_printf(h, " <span class='badge %s' title='", status_classes[r->status]);
    html_escaped(h, r->reason);
    text_printf(h, "'>%s</span>", status_names[r->status]);
}

/* A horizontal bar chart: one labelled bar per value, values in 0..100 (percent). A label too
 * long for the chart is cut; titles[i] (if not NULL) is then shown in full on hover. */
static void bar_chart(struct text *h, const char *title, const char *const *labels, const char *const *titles,
                      const double *values, int n, const char *colour)
{
    int row = 26, width = 920, label_w = 470, bar_w = width - label_w - 60;
    text_printf(h,
                "<figure><figcaption>%s</figcaption><svg xmlns='http://www.w3.org/2000/svg' "
                "width='%d' height='%d' role='img'>",
                title, width, n * row + 6);
    for (int i = 0; i < n; i++) {
        int y = i * row + 4, w = (int)(values[i] * bar_w / 100.0 + 0.5);
        text_printf(h, "<g>");
        if (titles && titles[i]) {
            text_puts(h, "<title>");
            html_escaped(h, titles[i]);
            text_puts(h, "</title>");
        }
        text_printf(h, "<text x='%d' y='%d' text-anchor='end' class='label'>", label_w - 8, y + 15);
        html_escaped(h, labels[i]);
        text_printf(h,
                    "</text><rect x='%d' y='%d' width='%d' height='18' rx='3' fill='#e8ecf2'/>"
                    "<rect x='%d' y='%d' width='%d' height='18' rx='3' fill='%s'/>"
                    "<text x='%d' y='%d' class='value'>%.0f%%</text></g>",
                    label_w, y, bar_w, label_w, y, w, colour, label_w + bar_w + 6, y + 15, values[i]);
    }
    text_puts(h, "</svg></figure>\n");
}

/* A histogram of the students' totals, in ten bins of 10%. */
static void histogram(struct text *h, struct student_row *const *rows, int n)
{
    int bins[10] = { 0 }, most = 1;
    for (int i = 0; i < n; i++) {
        double max = number_field(rows[i]->results, "max_score");
        double pct = max > 0 ? 100 * number_field(rows[i]->results, "score") / max : 0;
        int b = pct >= 100 ? 9 : pct < 0 ? 0 : (int)(pct / 10);
        if (++bins[b] > most)
            most = bins[b];
    }
    int w = 700, hgt = 220, base = 190, col = 60;
    text_printf(h,
                "<figure><figcaption>Distribution of total scores (number of students)</figcaption>"
                "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' role='img'>",
                w, hgt);
    for (int b = 0; b < 10; b++) {
        int bh = bins[b] * 160 / most, x = 40 + b * col;
        text_printf(h,
                    "<rect x='%d' y='%d' width='%d' height='%d' rx='3' fill='#3b6fd4'/>"
                    "<text x='%d' y='%d' text-anchor='middle' class='value'>%d</text>"
                    "<text x='%d' y='%d' text-anchor='middle' class='label'>%d%s</text>",
                    x, base - bh, col - 10, bh, x + (col - 10) / 2, base - bh - 4, bins[b],
                    x + (col - 10) / 2, base + 18, b * 10, b == 9 ? "-100%" : "%");
    }
    text_printf(h, "<line x1='35' y1='%d' x2='%d' y2='%d' stroke='#888'/></svg></figure>\n", base,
                40 + 10 * col, base);
}

static int by_failures(const void *a, const void *b)
{
    const struct check_tally *x = a, *y = b;
    if (x->failed != y->failed)
        return y->failed - x->failed;
    return strcmp(x->number, y->number);
}

/* What a check is, without its exercise: "01-unix-stream-echo: echo_server ..." -> "echo_server ...". */
static const char *check_what(const char *name)
{
    const char *colon = name ? strstr(name, ": ") : NULL;
    return colon ? colon + 2 : name ? name : "";
}

static void most_failed(struct text *h, struct student_row *const *rows, int n)
{
    struct check_tally tally[MAX_CHECKS];
    int nt = 0;
    for (int i = 0; i < n; i++) {
        size_t k;
        json_t *t;
        json_array_foreach(json_object_get(rows[i]->results, "tests"), k, t) {
            const char *number = string_field(t, "number"), *status = string_field(t, "status");
            if (!number || number_field(t, "max_score") == 0)
                continue;
            int j = 0;
            while (j < nt && strcmp(tally[j].number, number) != 0)
                j++;
            if (j == nt && nt < MAX_CHECKS)
                tally[nt++] = (struct check_tally){ number, string_field(t, "name"), 0 };
            if (j < nt && status && strcmp(status, "failed") == 0)
                tally[j].failed++;
        }
    }
    qsort(tally, (size_t)nt, sizeof *tally, by_failures);
    int shown = nt < 10 ? nt : 10;
    const char *labels[10], *titles[10];
    char label_text[10][LABEL_CHARS * 4 + 32];
    double values[10];
    int k = 0;
    for (; k < shown && tally[k].failed > 0; k++) {
        const char *what = check_what(tally[k].name);
        size_t cut = cut_utf8(what, LABEL_CHARS);
        snprintf(label_text[k], sizeof label_text[k], "%.20s %.*s%s", tally[k].number, (int)cut, what,
                 what[cut] ? "..." : "");
        labels[k] = label_text[k];
        titles[k] = tally[k].name;
        values[k] = n ? 100.0 * tally[k].failed / n : 0;
    }
    if (k == 0)
        text_puts(h, "<p>No check failed: every student passed everything.</p>\n");
    else
        bar_chart(h, "The checks most often failed (share of students failing; hover for the full name)",
                  labels, titles, values, k, "#d9534f");
}

static void student_link(struct text *h, const struct student_row *r)
{
    text_puts(h, "<a href='");
    url_encoded(h, r->name);
    text_puts(h, "/" FEEDBACK_FILE "'>");
    html_escaped(h, r->name);
    text_puts(h, "</a>");
}

static int by_students(const void *a, const void *b)
{
    const struct cause_tally *x = a, *y = b;
    return x->students != y->students ? y->students - x->students : strcmp(x->id, y->id);
}

/* Counts student i's causes (each once) into tally[0..*nt). */
static void tally_causes(json_t *results, int i, struct cause_tally *tally, int *nt, int nstudents)
{
    size_t k, g;
    json_t *t, *tag;
    json_array_foreach(json_object_get(results, "tests"), k, t) {
        const char *status = string_field(t, "status");
        if (!status || strcmp(status, "failed") != 0)
            continue;
        json_array_foreach(json_object_get(t, "tags"), g, tag) {
            const char *s = json_string_value(tag);
            if (!s || strncmp(s, CAUSE_TAG, strlen(CAUSE_TAG)) != 0 || !s[strlen(CAUSE_TAG)])
                continue;
            const char *id = s + strlen(CAUSE_TAG);
            int j = 0;
            while (j < *nt && strcmp(tally[j].id, id) != 0)
                j++;
            if (j == *nt) {
                if (*nt == MAX_CAUSES)
                    continue;
                json_t *cause = json_object_get(json_object_get(t, "extra_data"), "cause");
                tally[(*nt)++] = (struct cause_tally){ id, string_field(cause, "text"), 0,
                                                       calloc((size_t)nstudents, sizeof(int)) };
            }
            struct cause_tally *c = &tally[j];
            if (c->who && (c->students == 0 || c->who[c->students - 1] != i))
                c->who[c->students++] = i;
        }
    }
}

/* The class's most common mistakes: the diagnoses behind the failed checks, each with the
 * share of students it was made by, and who they are. */
static void common_mistakes(struct text *h, struct student_row *const *rows, int n)
{
    struct cause_tally tally[MAX_CAUSES];
    int nt = 0;
    for (int i = 0; i < n; i++)
        tally_causes(rows[i]->results, i, tally, &nt, n);
    text_puts(h, "<h2>The class's most common mistakes</h2>\n");
    if (nt == 0) {
        text_puts(h, "<p class='sub'>No diagnosis recorded: no failed check carries a <code>cause:</code> tag "
                     "in these results.</p>\n");
        return;
    }
    qsort(tally, (size_t)nt, sizeof *tally, by_students);
    text_puts(h, "<table class='mistakes'><thead><tr><th>Mistake</th><th>Students</th><th>Who</th></tr></thead>"
                 "<tbody>\n");
    for (int c = 0; c < nt; c++) {
        text_puts(h, "<tr><td><b>");
        html_escaped(h, tally[c].id);
        text_puts(h, "</b>");
        if (tally[c].example) {
            text_puts(h, "<br><span class='sub'>e.g. ");
            html_escaped(h, tally[c].example);
            text_puts(h, "</span>");
        }
        text_printf(h, "</td><td>%d (%.0f%%)</td><td class='who'>", tally[c].students,
                    100.0 * tally[c].students / n);
        for (int k = 0; k < tally[c].students; k++) {
            if (k)
                text_puts(h, ", ");
            student_link(h, rows[tally[c].who[k]]);
        }
        text_puts(h, "</td></tr>\n");
        free(tally[c].who);
    }
    text_puts(h, "</tbody></table>\n");
}

static void students_table(struct text *h, struct student_row *rows, int n, const struct exercise **ex, int nex)
{
    text_puts(h, "<table><thead><tr><th>Student</th>");
    for (int e = 0; e < nex; e++)
        text_printf(h, "<th title='%s'>%02d</th>", ex[e]->id, ex[e]->number);
    text_puts(h, "<th>Total</th><th>Graded</th></tr></thead><tbody>\n");
    for (int i = 0; i < n; i++) {
        struct student_row *r = &rows[i];
        text_printf(h, "<tr class='%s'><td>", status_classes[r->status]);
        student_link(h, r);
        status_badge(h, r);
        text_puts(h, "</td>");
        for (int e = 0; e < nex; e++) {
            if (!scored(r)) {
                text_puts(h, "<td class='none'>-</td>");
                continue;
            }
            double max, score = results_json_score(r->results, ex[e]->id, &max);
            text_printf(h, "<td class='%s' title='%s'>%g/%g</td>",
                        max > 0 && score == max ? "full"
                        : score > 0             ? "part"
                                                : "zero",
                        ex[e]->id, score, max);
        }
        if (scored(r))
            text_printf(h, "<td><b>%g</b>/%g</td>", number_field(r->results, "score"),
                        number_field(r->results, "max_score"));
        else
            text_puts(h, "<td class='none'>-</td>");
        text_puts(h, "<td class='date'>");
        date_shown(h, r->date);
        text_puts(h, "</td></tr>\n");
    }
    text_puts(h, "</tbody></table>\n");
}

static const char style[] =
    "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:960px;color:#1d2330;padding:0 1em}"
    "h1{font-size:1.6em;margin-bottom:.2em}.summary{display:flex;gap:1.5em;margin:1em 0 2em}"
    ".card{background:#f3f6fb;border-radius:8px;padding:.8em 1.2em}.card b{display:block;font-size:1.8em}"
    ".sub{color:#5a6372;margin:0}"
    "figure{margin:1.5em 0}figcaption{font-weight:600;margin-bottom:.4em}"
    ".label{font-size:12px;fill:#333}.value{font-size:12px;fill:#333}"
    "table{border-collapse:collapse;width:100%}th,td{padding:.3em .6em;border-bottom:1px solid #e3e7ee;text-align:right}"
    "th:first-child,td:first-child{text-align:left}.full{color:#2e7d32}.part{color:#b26a00}.zero{color:#b71c1c}"
    ".none{color:#98a0ad}.date{color:#5a6372;font-size:.85em;white-space:nowrap}a{color:#2455b8}"
    ".badge{display:inline-block;font-size:.75em;font-weight:600;border-radius:4px;padding:0 .45em;margin-left:.4em;cursor:help}"
    ".badge.not-graded{background:#e3e7ee;color:#3a4150}.badge.timed-out{background:#fde7c8;color:#8a4b00}"
    ".badge.invalid{background:#f9d5d3;color:#9b1c1c}"
    ".check{border-left:4px solid #2e9d57;padding:.2em .8em;margin:.4em 0;background:#f7faf8}"
    ".check.fail{border-color:#d9534f;background:#fdf5f5}.check .pts{float:right;color:#5a6372}"
    ".check .num{font-weight:600;margin-right:.4em}"
    ".mistakes th,.mistakes td{text-align:left;vertical-align:top}.mistakes td:first-child{width:55%}.mistakes td:nth-child(2){text-align:right;white-space:nowrap}"
    ".who{font-size:.9em}"
    ".conversation{margin:.6em 0 .4em;overflow-x:auto}.conversation figcaption{font-weight:normal;font-size:.85em;color:#5a6372}"
    ".conversation svg{max-width:none;display:block}"
    "pre{white-space:pre-wrap;word-break:break-word;background:#fff;border:1px solid #e3e7ee;border-radius:4px;"
    "padding:.5em .7em;margin:.4em 0 .2em;font-size:13px}";

static void page_head(struct text *h, const char *title_prefix, const char *name)
{
    text_printf(h, "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>%s", title_prefix);
    if (name)
        html_escaped(h, name);
    text_printf(h, "</title><style>%s</style></head><body>\n", style);
}

/* A failed check's conversation (extra_data.conversation) as a sequence diagram, if it has one. */
static void conversation_figure(struct text *h, json_t *test)
{
    json_t *conversation = json_object_get(json_object_get(test, "extra_data"), "conversation");
    const char *number = string_field(test, "number");
    struct text title = { 0 }, svg = { 0 };
    text_printf(&title, "Check %.20s: what the check and your programs said, in time", number ? number : "?");
    if (seqdiagram_svg(&svg, conversation, text_str(&title))) {
        text_puts(h, "<figure class='conversation'><figcaption>The conversation, time going down "
                     "(hover over a row for all of it; where it went wrong is in red)</figcaption>");
        text_append(h, svg.data, svg.len);
        text_puts(h, "</figure>");
    }
    text_free(&title);
    text_free(&svg);
}

/* The checks of one exercise (tests tagged id), in the order of the results. */
static void feedback_exercise(struct text *h, json_t *results, const char *id)
{
    size_t i;
    json_t *t, *tests = json_object_get(results, "tests");
    double max, score = results_json_score(results, id, &max);
    text_puts(h, "<h2>");
    html_escaped(h, id);
    text_printf(h, " <span class='sub'>%g/%g</span></h2>\n", score, max);
    json_array_foreach(tests, i, t) {
        const char *tag = exercise_of(t), *status = string_field(t, "status"),
                   *output = string_field(t, "output");
        if (!tag || strcmp(tag, id) != 0)
            continue;
        bool failed = !status || strcmp(status, "passed") != 0;
        text_printf(h, "<div class='check%s'><span class='num'>%s", failed ? " fail" : "",
                    failed ? "FAIL" : "PASS");
        const char *number = string_field(t, "number");
        if (number) {
            text_puts(h, " ");
            html_escaped(h, number);
        }
        text_printf(h, "</span><span class='pts'>%g/%g</span>", number_field(t, "score"),
                    number_field(t, "max_score"));
        html_escaped(h, check_what(string_field(t, "name")));
        if (output && *output) {
            text_puts(h, "<pre>");
            html_escaped(h, output);
            text_puts(h, "</pre>");
        }
        if (failed)
            conversation_figure(h, t);
        text_puts(h, "</div>\n");
    }
}

/* A student's own page: status, score, date, then each exercise's checks with their feedback;
 * in_class: it sits in the class report's folder, and links back to it. */
static void feedback_page(struct text *h, const struct student_row *r, bool in_class)
{
    page_head(h, "Get Connected: ", r->name);
    if (in_class)
        text_puts(h, "<p><a href='../" REPORT_FILE "'>&larr; class report</a></p>\n");
    text_puts(h, "<h1>");
    html_escaped(h, r->name);
    status_badge(h, r);
    text_puts(h, "</h1>\n<p class='sub'>");
    if (r->date[0]) {
        text_puts(h, scored(r) ? "Graded " : "Last attempt ");
        date_shown(h, r->date);
    }
    text_puts(h, "</p>\n");
    if (r->reason[0]) {
        text_printf(h, "<p><b>%s:</b> ", status_names[r->status]);
        html_escaped(h, r->reason);
        text_puts(h, "</p>\n");
    }
    if (r->results == NULL) {
        text_puts(h, "</body></html>\n");
        return;
    }
    text_printf(h, "<div class='summary'><div class='card'>Score<b>%g / %g</b></div></div>\n",
                number_field(r->results, "score"), number_field(r->results, "max_score"));
    const char *output = string_field(r->results, "output");
    if (output && *output) {
        text_puts(h, "<pre>");
        html_escaped(h, output);
        text_puts(h, "</pre>\n");
    }
    /* Each exercise once, in the order its first check appears. */
    json_t *tests = json_object_get(r->results, "tests");
    size_t i;
    json_t *t;
    json_array_foreach(tests, i, t) {
        const char *tag = exercise_of(t);
        bool seen = tag == NULL;
        for (size_t j = 0; j < i && !seen; j++) {
            const char *earlier = exercise_of(json_array_get(tests, j));
            seen = earlier && strcmp(earlier, tag) == 0;
        }
        if (!seen)
            feedback_exercise(h, r->results, tag);
    }
    text_puts(h, "</body></html>\n");
}

static int write_file_at(int dir, const char *name, const struct text *t)
{
    int fd = openat(dir, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    const char *p = t->data;
    size_t left = t->len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            close(fd);
            return -1;
        }
        p += w;
        left -= (size_t)w;
    }
    return close(fd);
}

/* OUTDIR/<student>/feedback.html for every student; -1 if one could not be written. */
static int write_feedback_pages(const char *dir, struct student_row *rows, int n)
{
    int rc = 0;
    for (int i = 0; i < n; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, rows[i].name);
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct text page = { 0 };
        feedback_page(&page, &rows[i], true);
        if (fd < 0 || write_file_at(fd, FEEDBACK_FILE, &page) < 0) {
            fprintf(stderr, "grader report: cannot write %s/%s: %s\n", path, FEEDBACK_FILE, strerror(errno));
            rc = -1;
        }
        if (fd >= 0)
            close(fd);
        text_free(&page);
    }
    return rc;
}

/* The earliest and latest grading dates, as "from A to B" (or one date). */
static void grading_dates(struct text *h, struct student_row *rows, int n)
{
    const char *first = NULL, *last = NULL;
    for (int i = 0; i < n; i++) {
        if (!rows[i].date[0] || strcmp(rows[i].date, "unknown") == 0)
            continue;
        if (!first || strcmp(rows[i].date, first) < 0)
            first = rows[i].date;
        if (!last || strcmp(rows[i].date, last) > 0)
            last = rows[i].date;
    }
    if (!first)
        return;
    text_puts(h, "<p class='sub'>Graded ");
    date_shown(h, first);
    if (strcmp(first, last) != 0) {
        text_puts(h, " to ");
        date_shown(h, last);
    }
    text_puts(h, "</p>\n");
}

static void class_page(struct text *h, struct student_row *rows, int n,
                       struct student_row *const *scored_rows, int ns, const struct exercise **ex, int nex)
{
    double sum = 0, max_sum = 0;
    for (int i = 0; i < ns; i++) {
        sum += number_field(scored_rows[i]->results, "score");
        max_sum += number_field(scored_rows[i]->results, "max_score");
    }
    page_head(h, "Get Connected: class report", NULL);
    text_puts(h, "<h1>Get Connected: class report</h1>\n");
    grading_dates(h, rows, n);
    text_printf(h, "<div class='summary'><div class='card'>Students<b>%d</b>", n);
    if (ns < n)
        text_printf(h, "<span class='sub'>%d without a score</span>", n - ns);
    text_printf(h,
                "</div><div class='card'>Class average<b>%.1f%%</b></div>"
                "<div class='card'>Average score<b>%.1f / %g</b></div></div>\n",
                max_sum > 0 ? 100 * sum / max_sum : 0, ns ? sum / ns : 0,
                ns ? number_field(scored_rows[0]->results, "max_score") : 0);
    histogram(h, scored_rows, ns);
    const char *labels[MAX_EXERCISES];
    double pass[MAX_EXERCISES];
    for (int e = 0; e < nex; e++) {
        int full = 0;
        for (int i = 0; i < ns; i++) {
            double max, score = results_json_score(scored_rows[i]->results, ex[e]->id, &max);
            full += max > 0 && score == max;
        }
        labels[e] = ex[e]->id;
        pass[e] = ns ? 100.0 * full / ns : 0;
    }
    bar_chart(h, "Pass rate per exercise (share of students with full marks)", labels, NULL, pass, nex,
              "#2e9d57");
    most_failed(h, scored_rows, ns);
    common_mistakes(h, scored_rows, ns);
    text_puts(h, "<h2>Students</h2>\n<p class='sub'>A name opens that student's feedback; a marker's reason "
                 "shows on hover.</p>\n");
    students_table(h, rows, n, ex, nex);
    text_puts(h, "</body></html>\n");
}

int class_report_write_page(const char *path, json_t *results, const char *name)
{
    struct student_row r = { .name = (char *)name, .results = results, .status = GRADED };
    format_mtime(r.date, sizeof r.date, time(NULL));
    struct text page = { 0 };
    feedback_page(&page, &r, false);
    int rc = write_file_at(AT_FDCWD, path, &page);
    if (rc < 0)
        fprintf(stderr, "grader: cannot write %s: %s\n", path, strerror(errno));
    text_free(&page);
    return rc;
}

int class_report_main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr,
                "usage: grader report OUTDIR   (writes OUTDIR/" REPORT_FILE "; grader report --help)\n");
        return 2;
    }
    const char *dir = argv[1];
    struct student_row *rows = calloc(MAX_STUDENTS, sizeof *rows);
    struct student_row **scored_rows = calloc(MAX_STUDENTS, sizeof *scored_rows);
    if (rows == NULL || scored_rows == NULL) {
        perror("grader report");
        return 1;
    }
    int n = load_students(dir, rows);
    if (n < 0) {
        fprintf(stderr, "grader report: cannot read %s: %s\n", dir, strerror(errno));
        free(rows);
        free(scored_rows);
        return 2;
    }
    int ns = 0;
    for (int i = 0; i < n; i++)
        if (scored(&rows[i]))
            scored_rows[ns++] = &rows[i];
    const struct exercise *ex[MAX_EXERCISES];
    int nex = exercise_all(ex, MAX_EXERCISES);

    struct text h = { 0 };
    class_page(&h, rows, n, scored_rows, ns, ex, nex);
    int rc = write_feedback_pages(dir, rows, n) < 0 ? 1 : 0;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || write_file_at(dfd, REPORT_FILE, &h) < 0) {
        fprintf(stderr, "grader report: cannot write %s/" REPORT_FILE ": %s\n", dir, strerror(errno));
        rc = 1;
    } else {
        fprintf(stderr,
                "grader report: %s/" REPORT_FILE " (%d students, %d without a score; each one's "
                "feedback in <student>/" FEEDBACK_FILE ")\n",
                dir, n, n - ns);
    }
    if (dfd >= 0)
        close(dfd);
    for (int i = 0; i < n; i++) {
        free(rows[i].name);
        json_decref(rows[i].results);
    }
    free(rows);
    free(scored_rows);
    text_free(&h);
    return rc;
}
