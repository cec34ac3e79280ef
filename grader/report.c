/* report.c - the human-readable report: per exercise, its score, then each check. */
#define _GNU_SOURCE
#include "results.h"

#include <string.h>

#include "text.h"

struct palette {
    const char *bold, *green, *red, *yellow, *dim, *reset;
};

static const struct palette colours = { "\033[1m", "\033[32m", "\033[31m", "\033[33m", "\033[2m", "\033[0m" };
static const struct palette plain = { "", "", "", "", "", "" };

/* Prints text indented, line by line, in colour, with control characters other than tab shown
 * as '?', so nothing a student's program printed can drive the terminal. A diff's "-" and "+"
 * lines (in notes) take the colours of Expected and Got. */
static void print_lines(FILE *out, const char *text, const char *colour, const struct palette *p)
{
    struct text t = { 0 };
    text_append_utf8_sanitized(&t, text, strlen(text));
    for (const char *line = text_str(&t); line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        const char *c = strncmp(line, "  - ", 4) == 0   ? p->green
                        : strncmp(line, "  + ", 4) == 0 ? p->red
                                                        : colour;
        fprintf(out, "        %s", c);
        for (size_t i = 0; i < len; i++) {
            unsigned char ch = (unsigned char)line[i];
            fputc((ch < 0x20 && ch != '\t') || ch == 0x7f ? '?' : ch, out);
        }
        fprintf(out, "%s\n", p->reset);
        line = end ? end + 1 : NULL;
    }
    text_free(&t);
}

struct printing {
    FILE *out;
    const struct palette *p;
};

/* One line of feedback, coloured by its kind: what was expected in green, what came in red,
 * the likely cause in yellow. */
static void print_feedback_line(const struct feedback_line *line, void *arg)
{
    const struct printing *pr = arg;
    const struct palette *p = pr->p;
    const char *colour = line->kind == FEEDBACK_EXPECTED ? p->green
                         : line->kind == FEEDBACK_GOT    ? p->red
                         : line->kind == FEEDBACK_CAUSE  ? p->yellow
                                                         : "";
    struct text t = { 0 };
    text_printf(&t, "%s%s", feedback_label(line->kind), line->text);
    print_lines(pr->out, text_str(&t), colour, p);
    text_free(&t);
}

/* An item's feedback: from its data when the check gave it as data, else its text. */
static void print_feedback(FILE *out, const struct result_item *item, const struct palette *p)
{
    if (item->fb.count > 0) {
        struct printing pr = { out, p };
        feedback_each_in_order(&item->fb, print_feedback_line, &pr);
    } else if (item->feedback) {
        print_lines(out, item->feedback, "", p);
    }
}

static void print_exercise_header(const struct results *r, const char *exercise, FILE *out,
                                  const struct palette *p)
{
    double score = results_score(r, exercise), max = results_max_score(r, exercise);
    const char *colour = score == max ? p->green : p->red;
    fprintf(out, "\n%s%s%s  %s%g/%g%s\n", p->bold, exercise, p->reset, colour, score, max, p->reset);
}

/* s as one line of valid UTF-8 without control characters. */
static void print_line(FILE *out, const char *s)
{
    struct text t = { 0 };
    text_append_utf8_sanitized(&t, s, strlen(s));
    for (size_t i = 0; i < t.len; i++) {
        unsigned char c = (unsigned char)t.data[i];
        fputc(c < 0x20 || c == 0x7f ? '?' : c, out);
    }
    fputc('\n', out);
    text_free(&t);
}

/* How many failed items of the exercise starting at first share item's reason. */
static int sharing(const struct results *r, size_t first, const struct result_item *item)
{
    int n = 0;
    for (size_t j = first; j < r->count && strcmp(r->items[j].exercise, item->exercise) == 0; j++)
        n += !r->items[j].passed && r->items[j].fb.group_key
             && strcmp(r->items[j].fb.group_key, item->fb.group_key) == 0;
    return n;
}

static bool same_reason(const struct result_item *a, const struct result_item *b)
{
    return !a->passed && !b->passed && a->fb.group_key && b->fb.group_key
           && strcmp(a->fb.group_key, b->fb.group_key) == 0 && strcmp(a->exercise, b->exercise) == 0;
}

/* Checks that failed for one shared reason (a program stopped at a TODO, was not built, listens
 * on a swapped port): the reason once, the checks under it, one check's details. A program that
 * stopped at a TODO needs no details: one line says it all. */
static void print_group(const struct results *r, size_t first, size_t i, FILE *out, const struct palette *p)
{
    const struct result_item *item = &r->items[i];
    double max = 0;
    fprintf(out, "  %sFAIL%s ", p->red, p->reset);
    for (size_t j = first, k = 0; j < r->count && strcmp(r->items[j].exercise, item->exercise) == 0; j++) {
        if (!same_reason(&r->items[j], item))
            continue;
        fprintf(out, "%s%d.%d", k++ ? ", " : "", item->exercise_number, r->items[j].number);
        max += r->items[j].max_score;
    }
    fprintf(out, " %s(0/%g)%s %s", p->dim, max, p->reset, p->yellow);
    print_line(out, item->fb.group_text);
    fputs(p->reset, out);
    if (strncmp(item->fb.group_key, "todo:", 5) == 0)
        return;
    for (size_t j = first; j < r->count && strcmp(r->items[j].exercise, item->exercise) == 0; j++) {
        if (same_reason(&r->items[j], item)) {
            fprintf(out, "       %d.%d ", item->exercise_number, r->items[j].number);
            print_line(out, r->items[j].what);
        }
    }
    if (item->feedback && *item->feedback) {
        fprintf(out, "        %sIn check %d.%d:%s\n", p->dim, item->exercise_number, item->number, p->reset);
        print_feedback(out, item, p);
    }
}

/* True when an earlier failed item of the exercise already said item's shared reason. */
static bool said_before(const struct results *r, size_t first, size_t i)
{
    for (size_t j = first; j < i; j++)
        if (same_reason(&r->items[j], &r->items[i]))
            return true;
    return false;
}

void results_print(const struct results *r, FILE *out, bool colour)
{
    const struct palette *p = colour ? &colours : &plain;
    if (r->note && *r->note) {
        struct text note = { 0 };
        text_append_utf8_sanitized(&note, r->note, strlen(r->note));
        fprintf(out, "%s\n\n", text_str(&note));
        text_free(&note);
    }
    size_t first = 0; /* the exercise's first item */
    for (size_t i = 0; i < r->count; i++) {
        const struct result_item *item = &r->items[i];
        if (i == 0 || strcmp(r->items[i - 1].exercise, item->exercise) != 0) {
            first = i;
            print_exercise_header(r, item->exercise, out, p);
        }
        if (!item->passed && item->fb.group_key && sharing(r, first, item) > 1) {
            if (!said_before(r, first, i))
                print_group(r, first, i, out, p);
            continue;
        }
        struct text what = { 0 };
        text_append_utf8_sanitized(&what, item->what, strlen(item->what));
        if (item->passed)
            fprintf(out, "  %sPASS%s %d.%d %s", p->green, p->reset, item->exercise_number, item->number,
                    what.data);
        else
            fprintf(out, "  %sFAIL%s %d.%d %s", p->red, p->reset, item->exercise_number, item->number,
                    what.data);
        if (item->max_score > 0)
            fprintf(out, " %s(%g/%g)%s", p->dim, item->score, item->max_score, p->reset);
        fputc('\n', out);
        text_free(&what);
        if (item->feedback && *item->feedback && (!item->passed || item->number == 0))
            print_feedback(out, item, p);
    }
    double score = results_score(r, NULL), max = results_max_score(r, NULL);
    fprintf(out, "\n%sTotal: %s%g/%g%s  (%.1f s)\n", p->bold, score == max ? p->green : p->red, score, max,
            p->reset, r->execution_time);
}
