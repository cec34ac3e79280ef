/* summary.h - OUTDIR/summary.csv for a class graded by batch: a header, then a row per student
 * (name, each exercise's score, total, max, status) from OUTDIR/<student>/results.json.
 *
 * A row's scores come only from results that pass verify_results against the rubric; a student
 * not graded (timed out, the container failed, invalid results) has empty score cells and the
 * reason in the status column, never a number that could be mistaken for a grade. */
#ifndef GC_SUMMARY_H
#define GC_SUMMARY_H

#include <jansson.h>

#include "results.h"
#include "text.h"

/* The batch's own note in each results.json it writes: "grading": {"status", "reason", "date"}. */
#define GRADING_KEY "grading"
#define STATUS_GRADED "graded"
#define STATUS_NOT_GRADED "not graded"
#define STATUS_TIMED_OUT "timed out"
#define STATUS_INVALID "invalid results"

struct summary_counts {
    int graded, not_graded, timed_out, invalid;
    double score_sum; /* of the graded students */
    double max_score; /* the rubric's total */
};

/* The status a results.json declares (STATUS_GRADED when it says none). */
const char *summary_status_of(const json_t *root);

/* Writes out_dir/summary.csv for the n students (folder names in out_dir). Returns 0, or -1 with
 * a message on stderr. */
int summary_write(const char *out_dir, char *const *students, int n, const struct results *rubric,
                  struct summary_counts *counts);

/* Appends s to t as one CSV cell: quoted, quotes doubled, and a leading = + - @ (or tab, CR)
 * defused with a ' so that a spreadsheet never runs it as a formula. */
void summary_csv_cell(struct text *t, const char *s);

#endif
