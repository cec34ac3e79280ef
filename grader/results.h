/* results.h - the outcome of a grading: one item per check, and the ways it is written out.
 *
 * Items hold feedback as given; anything shown or written is made valid UTF-8 first, whatever a
 * student's program printed. The JSON is the Gradescope autograder layout (results.json). */
#ifndef GC_RESULTS_H
#define GC_RESULTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "feedback.h"

struct result_item {
    char *exercise;      /* "01-unix-stream-echo" */
    int exercise_number; /* 1 */
    int number;          /* 3 in "1.3"; 0 for the build */
    char *what;          /* "echo_server echoes a line" */
    double score;
    double max_score;
    bool passed;
    char *feedback;     /* NULL when there is nothing to say; else fb as text */
    struct feedback fb; /* the same as data (its lines, cause id, group), when a check gave it */
};

struct results {
    struct result_item *items;
    size_t count;
    size_t cap;
    double execution_time; /* seconds */
    const char *note;      /* said before the results (e.g. files of an upload left out) */
};

void results_add(struct results *r, const char *exercise, int exercise_number, int number, const char *what,
                 double max_score, bool passed, const char *feedback);
/* The same with the check's feedback as data (copied); the item's text is fb rendered. */
void results_add_feedback(struct results *r, const char *exercise, int exercise_number, int number,
                          const char *what, double max_score, bool passed, const struct feedback *fb);
/* Orders items by exercise, then by check number. */
void results_sort(struct results *r);
double results_score(const struct results *r, const char *exercise /* NULL: all */);
double results_max_score(const struct results *r, const char *exercise /* NULL: all */);
void results_free(struct results *r);

/* Copies the items of one exercise into out (zeroed first). */
void results_of_exercise(const struct results *r, const char *exercise, struct results *out);

/* Writes results.json to path ("-": stdout). Returns 0, or -1 with a message on stderr. */
int results_write_json(const struct results *r, const char *path);
/* The results.json object for r (valid UTF-8 whatever the feedback holds); NULL on failure. */
json_t *results_to_json(const struct results *r);
/* Writes a JSON object to path ("-": stdout), atomically (a reader never sees half a file).
 * Returns 0, or -1 with a message on stderr. */
int results_save_json(json_t *root, const char *path);

/* In a results.json object: the sum of the scores of the tests of one exercise (the tests whose
 * first tag is its id; NULL: all tests), and in *max (unless NULL) of their max scores. Every
 * per-exercise figure (summary.csv, the class report) is summed here. */
double results_json_score(const json_t *root, const char *exercise, double *max);

/* The human-readable report, in colour when colour is true. */
void results_print(const struct results *r, FILE *out, bool colour);

#endif
