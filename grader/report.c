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

/* The colour of a feedback line, by how it starts: what was expected in green, what came in
 * red (a diff's "-" and "+" lines too), the likely cause in yellow. */
static const char *line_colour(const char *line, const struct palette *p)
{
    if (strncmp(line, "Expected:", 9) == 0 || strncmp(line, "  - ", 4) == 0)
        return p->green;
    if (strncmp(line, "Got:", 4) == 0 || strncmp(line, "  + ", 4) == 0)
        return p->red;
    if (strncmp(line, "Likely cause:", 13) == 0)
        return p->yellow;
    return "";
}

/* Prints feedback indented, line by line, with control characters other than tab shown as '?',
 * so nothing a student's program printed can drive the terminal. */
static void print_feedback(FILE *out, const char *feedback, const struct palette *p)
{
    for (const char *line = feedback; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        fprintf(out, "        %s", line_colour(line, p));
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)line[i];
            fputc((c < 0x20 && c != '\t') || c == 0x7f ? '?' : c, out);
        }
        fprintf(out, "%s\n", p->reset);
        line = end ? end + 1 : NULL;
    }
}

static void print_exercise_header(const struct results *r, const char *exercise, FILE *out,
                                  const struct palette *p)
{
    double score = results_score(r, exercise), max = results_max_score(r, exercise);
    const char *colour = score == max ? p->green : p->red;
    fprintf(out, "\n%s%s%s  %s%g/%g%s\n", p->bold, exercise, p->reset, colour, score, max, p->reset);
}

void results_print(const struct results *r, FILE *out, bool colour)
{
    const struct palette *p = colour ? &colours : &plain;
    if (r->note && *r->note) {
        struct text note = {0};
        text_append_utf8_sanitized(&note, r->note, strlen(r->note));
        fprintf(out, "%s\n\n", text_str(&note));
        text_free(&note);
    }
    for (size_t i = 0; i < r->count; i++) {
        const struct result_item *item = &r->items[i];
        if (i == 0 || strcmp(r->items[i - 1].exercise, item->exercise) != 0)
            print_exercise_header(r, item->exercise, out, p);
        struct text what = {0};
        text_append_utf8_sanitized(&what, item->what, strlen(item->what));
        if (item->passed)
            fprintf(out, "  %sPASS%s %d.%d %s", p->green, p->reset, item->exercise_number, item->number, what.data);
        else
            fprintf(out, "  %sFAIL%s %d.%d %s", p->red, p->reset, item->exercise_number, item->number, what.data);
        if (item->max_score > 0)
            fprintf(out, " %s(%g/%g)%s", p->dim, item->score, item->max_score, p->reset);
        fputc('\n', out);
        text_free(&what);
        if (item->feedback && *item->feedback && (!item->passed || item->number == 0)) {
            struct text fb = {0};
            text_append_utf8_sanitized(&fb, item->feedback, strlen(item->feedback));
            print_feedback(out, fb.data, p);
            text_free(&fb);
        }
    }
    double score = results_score(r, NULL), max = results_max_score(r, NULL);
    fprintf(out, "\n%sTotal: %s%g/%g%s  (%.1f s)\n", p->bold, score == max ? p->green : p->red,
            score, max, p->reset, r->execution_time);
}
