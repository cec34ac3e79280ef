/* verify.h - results from elsewhere (a grading container, an old run) checked against the
 * rubric before anyone sees a score.
 *
 * Whatever wrote the file, a valid results.json has exactly the rubric's tests (the same
 * numbers, names and max scores, in order), each score a number from 0 to its max, a status
 * that agrees with it, and totals that are the sums. Anything else is not a grade. */
#ifndef GC_VERIFY_H
#define GC_VERIFY_H

#include <jansson.h>
#include <stddef.h>

#include "results.h"
#include "text.h"

/* The most a results.json may weigh: feedback is capped per check, so a real one is far less. */
#define VERIFY_MAX_BYTES (8 << 20)

/* Reads the JSON object in path, refusing a link, anything but a regular file and anything
 * over max_bytes. NULL, with the reason in why, when it cannot. */
json_t *verify_load(const char *path, size_t max_bytes, struct text *why);

/* 0 when root is a results.json for exactly this rubric (runner_not_graded's items);
 * otherwise -1, with the first reason in why. */
int verify_results(const json_t *root, const struct results *rubric, struct text *why);

#endif
