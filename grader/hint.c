/* hint.c - `grader hint ID`: the next hint for an exercise, one more each time, from a gentle
 * nudge to the exact call. Hints live in exercises/<id>/HINTS.md, one per "## " section; how
 * many a student has seen is kept in .grades/<id>.hints. */
#define _GNU_SOURCE
#include "student.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "exercise.h"
#include "runner.h"
#include "text.h"

#define MAX_HINTS 16
#define HINT_HEADING "## " /* each hint is a section of HINTS.md */

static int read_count(const char *path)
{
    FILE *f = fopen(path, "re");
    int n = 0;
    if (f) {
        if (fscanf(f, "%d", &n) != 1)
            n = 0;
        fclose(f);
    }
    return n;
}

int hint_main(int argc, char **argv)
{
    const char *state_dir = ".grades", *kit = "exercises";
    static const struct option longopts[] = {
        { "state", required_argument, NULL, 's' },
        { "exercises", required_argument, NULL, 'e' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c == 's')
            state_dir = optarg;
        else if (c == 'e')
            kit = optarg;
        else
            return 2;
    }
    if (optind != argc - 1) {
        fprintf(stderr, "usage: grader hint [--state DIR] [--exercises DIR] EXERCISE-ID\n"
                        "       (make hint EX=03-inet-stream-seqnum)\n");
        return 2;
    }
    const char *id = argv[optind];
    const struct exercise *all[32];
    int known = exercise_all(all, MAX_EXERCISES), found = 0;
    for (int i = 0; i < known; i++)
        found |= strcmp(all[i]->id, id) == 0;
    if (!found) {
        fprintf(stderr, "grader: no exercise called '%s' (see: grader list)\n", id);
        return 2;
    }
    char path[PATH_MAX], count_path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s/HINTS.md", kit, id);
    snprintf(count_path, sizeof count_path, "%s/%s.hints", state_dir, id);
    struct text text = { 0 };
    if (text_read_file(&text, path, 1 << 20) < 0) {
        fprintf(stderr, "grader: no hints for %s (%s)\n", id, path);
        return 1;
    }
    char *hints[MAX_HINTS];
    int n = text_split_sections(text.data, HINT_HEADING, hints, MAX_HINTS);
    if (n == 0) {
        fprintf(stderr, "grader: %s has no hints: each hint starts with a line \"%s...\"\n", path,
                HINT_HEADING);
        text_free(&text);
        return 1;
    }
    int seen = read_count(count_path);
    int show = seen < n ? seen : n - 1; /* the next one, or the last again */
    printf("Hint %d of %d for %s\n\n%s\n", show + 1, n, id, hints[show] + strlen(HINT_HEADING));
    if (show + 1 < n)
        printf("(make hint EX=%s again for the next one)\n", id);
    else
        printf("(that was the last hint: the solution is yours to write)\n");
    if (mkdir(state_dir, 0755) < 0 && errno != EEXIST)
        return 0;
    FILE *f = fopen(count_path, "we");
    if (f) {
        fprintf(f, "%d\n", show + 1);
        fclose(f);
    }
    text_free(&text);
    return 0;
}
