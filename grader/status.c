/* status.c - `grader status`: every exercise in order, its state and score, and what to do next.
 * Fast: it reads the results `make check` saved (grader grade --save) and the files' dates. */
#define _GNU_SOURCE
#include "student.h"

#include <dirent.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "exercise.h"
#include "runner.h"
#include "text.h"

struct exercise_state {
    const char *state; /* "passing", "in progress", "not started", "not checked yet" */
    double score, max;
    bool have_results;
    bool changed; /* a source file is newer than the results */
};

/* Newest modification time of the exercise's .c and .h files; whether all still hold TODO(1). */
static time_t scan_sources(const char *dir, bool *untouched)
{
    time_t newest = 0;
    int files = 0, with_first_todo = 0;
    DIR *d = opendir(dir);
    *untouched = false;
    if (d == NULL)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 3 || (strcmp(e->d_name + len - 2, ".c") != 0 && strcmp(e->d_name + len - 2, ".h") != 0))
            continue;
        char path[PATH_MAX + 256];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (stat(path, &st) < 0)
            continue;
        if (st.st_mtime > newest)
            newest = st.st_mtime;
        if (strcmp(e->d_name + len - 2, ".c") != 0)
            continue;
        struct text src = { 0 };
        text_read_file(&src, path, 1 << 20);
        files++;
        with_first_todo += strstr(text_str(&src), "TODO(1);") != NULL;
        text_free(&src);
    }
    closedir(d);
    *untouched = files > 0 && with_first_todo == files;
    return newest;
}

static struct exercise_state state_of(const struct exercise *ex, const char *work, const char *results_dir)
{
    struct exercise_state s = { .state = "not checked yet" };
    char dir[PATH_MAX], path[PATH_MAX + 64];
    snprintf(dir, sizeof dir, "%s/%s", work, ex->id);
    snprintf(path, sizeof path, "%s/%s.json", results_dir, ex->id);
    bool untouched;
    time_t newest = scan_sources(dir, &untouched);
    struct stat st;
    json_t *r = stat(path, &st) == 0 ? json_load_file(path, 0, NULL) : NULL;
    if (r) {
        s.have_results = true;
        s.score = json_number_value(json_object_get(r, "score"));
        s.max = json_number_value(json_object_get(r, "max_score"));
        s.changed = newest > st.st_mtime;
        json_decref(r);
    }
    if (s.have_results && s.max > 0 && s.score == s.max)
        s.state = "passing";
    else if (untouched)
        s.state = "not started";
    else if (s.have_results)
        s.state = "in progress";
    return s;
}

int status_main(int argc, char **argv)
{
    const char *results_dir = ".grades";
    static const struct option longopts[] = { { "results", required_argument, NULL, 'r' },
                                              { NULL, 0, NULL, 0 } };
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c != 'r') {
            fprintf(stderr, "usage: grader status [--results DIR] [EXERCISES]\n");
            return 2;
        }
        results_dir = optarg;
    }
    const char *work = optind < argc ? argv[optind] : "exercises";
    bool colour = config_colour(STDOUT_FILENO);
    const char *green = colour ? "\033[32m" : "", *yellow = colour ? "\033[33m" : "",
               *dim = colour ? "\033[2m" : "", *bold = colour ? "\033[1m" : "",
               *reset = colour ? "\033[0m" : "";

    const struct exercise *all[32];
    int n = exercise_all(all, MAX_EXERCISES);
    const struct exercise *next = NULL;
    printf("%sGet Connected: where you stand%s\n\n", bold, reset);
    for (int i = 0; i < n; i++) {
        struct exercise_state s = state_of(all[i], work, results_dir);
        const char *colour_of = strcmp(s.state, "passing") == 0       ? green
                                : strcmp(s.state, "in progress") == 0 ? yellow
                                                                      : dim;
        printf("  %-24s %s%-16s%s", all[i]->id, colour_of, s.state, reset);
        if (s.have_results)
            printf("%3g/%-3g", s.score, s.max);
        else
            printf("  -    ");
        if (s.changed)
            printf("  %s(changed since the last check)%s", dim, reset);
        printf("\n");
        if (next == NULL && strcmp(s.state, "passing") != 0)
            next = all[i];
    }
    printf("\n");
    if (next)
        printf("Next: %s%s%s. Read exercises/%s/README.md, then: make check EX=%s\n"
               "Stuck? make hint EX=%s\n",
               bold, next->id, reset, next->id, next->id, next->id);
    else
        printf("%sAll exercises pass. Well done!%s\n", green, reset);
    return 0;
}
