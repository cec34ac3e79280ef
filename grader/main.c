/* main.c - the grader's command line: grade one submission, batch-grade a class, list. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "batch.h"
#include "build.h"
#include "class_report.h"
#include "config.h"
#include "deadline.h"
#include "files.h"
#include "kitcode.h"
#include "lease.h"
#include "results.h"
#include "runner.h"
#include "sandbox.h"
#include "student.h"

#define VERSION "0.1.0"

enum { EXIT_GRADED = 0, EXIT_INTERNAL = 1, EXIT_USAGE = 2 };

static const char usage[] =
    "usage: grader grade [--json FILE] [--html FILE] [--exercise ID]... [--jobs N] [--keep] DIR\n"
    "       grader batch [--jobs N] [--timeout S] [--image IMAGE] [--force] [--only NAME]\n"
    "                    --out OUTDIR SUBMISSIONS\n"
    "       grader report OUTDIR\n"
    "       grader status [--results DIR] [EXERCISES]\n"
    "       grader hint [--state DIR] [--exercises DIR] ID\n"
    "       grader watch [--exercise ID] DIR\n"
    "       grader list [--checks | --files]\n"
    "       grader build-kit [DIR]\n"
    "       grader COMMAND --help | grader --help | --version\n"
    "\n"
    "Get Connected's autograder. `grade` compiles each program of the submission in DIR\n"
    "(DIR/<exercise-id>/*.c) with fixed flags, runs the exercise's checks against the built\n"
    "programs, and prints a report.\n"
    "\n"
    "  --json FILE      also write Gradescope-style results (results.json) to FILE; with\n"
    "                   FILE '-', the JSON goes to stdout and the report to stderr\n"
    "  --html FILE      also write the results as a web page, each failed check's conversation\n"
    "                   drawn as a sequence diagram (make check HTML=1)\n"
    "  --exercise ID    grade only this exercise (repeat for more); default: all\n"
    "  --jobs N         run N checks at once (default: the number of CPUs)\n"
    "  --keep           keep the work folder (builds, programs' output) and print its path\n"
    "  --no-color       no colours (also when NO_COLOR is set or stdout is not a terminal)\n"
    "  --timing         print how long building and checking took, on stderr\n"
    "  --save DIR       also keep each exercise's results as DIR/<exercise-id>.json (for status)\n"
    "  --note TEXT      say TEXT before the results, in the report and in results.json's output\n"
    "\n"
    "`batch` grades a class, each student in a container of its own.\n"
    "`report` writes OUTDIR/report.html, a page about a class graded by batch, and a page of\n"
    "feedback for each student.\n"
    "`status` shows each exercise's state and what to do next (from make check's saved results);\n"
    "`hint ID` the next hint for an exercise; `watch` grades again on every save.\n"
    "`list` prints the exercises and their programs; --checks also every check and its points;\n"
    "--files the files a student writes for each exercise.\n"
    "`build-kit` compiles the kit's own code in the students' programs once (make runs it).\n"
    "`grader COMMAND --help` says more about each.\n"
    "Exit status: 0 when grading completed, whatever the score; 1 on an internal error;\n"
    "2 on a usage error.\n";

static const char report_help[] =
    "usage: grader report OUTDIR\n"
    "\n"
    "Writes OUTDIR/report.html, one self-contained page about a class graded by `grader batch`\n"
    "(or any folder of OUTDIR/<student>/results.json): the class average, the distribution of\n"
    "scores, each exercise's pass rate, the checks most often failed, the class's most common\n"
    "mistakes (the \"cause:<id>\" tags of failed tests, counted per student), and a table of\n"
    "students, sorted by name, case aside. Each name links to OUTDIR/<student>/feedback.html,\n"
    "written too: that student's score and every check's feedback. A student not graded, timed\n"
    "out, or whose results.json cannot be read is marked so, with the reason; the status and\n"
    "the date come from the \"grading\" object batch writes in results.json, else the file's\n"
    "time.\n";

static const char status_help[] =
    "usage: grader status [--results DIR] [EXERCISES]\n"
    "\n"
    "Every exercise in order (make status): not started, in progress or passing, its last\n"
    "score, whether it changed since it was last checked, and what to do next.\n"
    "\n"
    "  --results DIR    where make check saved the results (default .grades)\n"
    "  EXERCISES        the folder of the student's exercises (default exercises)\n";

static const char hint_help[] =
    "usage: grader hint [--state DIR] [--exercises DIR] EXERCISE-ID\n"
    "\n"
    "Shows the next hint for an exercise (make hint EX=03-inet-stream-seqnum), from its\n"
    "HINTS.md: one more each time, from a nudge to the exact call, then the last one again.\n"
    "\n"
    "  --state DIR      where the number of hints seen is kept (default .grades)\n"
    "  --exercises DIR  the folder of the exercises and their HINTS.md (default exercises)\n";

static const char watch_help[] =
    "usage: grader watch [--exercise ID] DIR\n"
    "\n"
    "Grades the exercises in DIR (make watch), then again each time a file in them is saved,\n"
    "keeping the results in .grades for make status. Ctrl-C stops it.\n"
    "\n"
    "  --exercise ID    watch and grade only this exercise\n";

static const char list_help[] =
    "usage: grader list [--checks | --files]\n"
    "\n"
    "Prints each exercise and the programs it builds.\n"
    "\n"
    "  --checks         also every check, its points and what it verifies: the rubric\n"
    "  --files          instead of the programs, the files a student writes for each exercise\n";

struct grade_options {
    const char *json_path;
    const char *html_path;
    const char *selected[MAX_EXERCISES];
    int nselected;
    int jobs;
    bool keep;
    bool colour;
    bool timing;
    const char *save_dir;
    const char *note;
    const char *submission;
};

static bool wants_colour(void)
{
    return config_colour(STDOUT_FILENO);
}

static int parse_grade_options(int argc, char **argv, struct grade_options *o)
{
    static const struct option longopts[] = {
        { "json", required_argument, NULL, 'j' },
        { "html", required_argument, NULL, 'H' },
        { "exercise", required_argument, NULL, 'e' },
        { "jobs", required_argument, NULL, 'J' },
        { "keep", no_argument, NULL, 'k' },
        { "no-color", no_argument, NULL, 'C' },
        { "timing", no_argument, NULL, 'T' },
        { "save", required_argument, NULL, 'S' },
        { "note", required_argument, NULL, 'N' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    *o = (struct grade_options){ .jobs = (int)sysconf(_SC_NPROCESSORS_ONLN), .colour = wants_colour() };
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'j': o->json_path = optarg; break;
        case 'H': o->html_path = optarg; break;
        case 'e':
            if (o->nselected == MAX_EXERCISES)
                return -1;
            o->selected[o->nselected++] = optarg;
            break;
        case 'J':
            o->jobs = atoi(optarg);
            if (o->jobs < 1) {
                fprintf(stderr, "grader: --jobs takes a number of at least 1\n");
                return -1;
            }
            break;
        case 'k': o->keep = true; break;
        case 'C': o->colour = false; break;
        case 'T': o->timing = true; break;
        case 'S': o->save_dir = optarg; break;
        case 'N': o->note = optarg; break;
        case 'h': fputs(usage, stdout); exit(EXIT_GRADED);
        default: return -1;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "grader: grade takes one submission folder\n");
        return -1;
    }
    o->submission = argv[optind];
    return 0;
}

/* Picks the exercises to grade; an unknown id is a usage error. */
static int select_exercises(const struct grade_options *o, const struct exercise **all, int nall,
                            struct exercise_build *builds)
{
    if (o->nselected == 0) {
        for (int i = 0; i < nall; i++)
            builds[i] = (struct exercise_build){ .exercise = all[i] };
        return nall;
    }
    int n = 0;
    for (int s = 0; s < o->nselected; s++) {
        int found = -1;
        for (int i = 0; i < nall; i++)
            if (strcmp(all[i]->id, o->selected[s]) == 0)
                found = i;
        if (found < 0) {
            fprintf(stderr, "grader: no exercise called '%s' (see: grader list)\n", o->selected[s]);
            return -1;
        }
        builds[n++] = (struct exercise_build){ .exercise = all[found] };
    }
    return n;
}

static char *make_run_dir(void)
{
    char *dir;
    /* Short, because UNIX socket paths inside it must fit in 108 bytes. */
    if (asprintf(&dir, "%s/gc-XXXXXX", config()->tmpdir) < 0 || mkdtemp(dir) == NULL)
        return NULL;
    char checks[600];
    snprintf(checks, sizeof checks, "%s/checks", dir);
    if (chmod(dir, 0755) < 0 || mkdir(checks, 0755) < 0) {
        free(dir);
        return NULL;
    }
    return dir;
}

static void set_run_environment(const char *run_dir, bool sandbox_uids, bool keep)
{
    char build[700], groups[700];
    snprintf(build, sizeof build, "%s/build", run_dir);
    /* With user ids of its own, a check's leftovers are found by uid (a sweep); without, by the
     * process groups it started. (Killing a logged group later is only as safe as the group
     * id still being the student's: the student's own user, whose processes these are.) */
    snprintf(groups, sizeof groups, "%s/process-groups", run_dir);
    config_set_run(run_dir, build, sandbox_uids, sandbox_uids ? NULL : groups, keep);
}

/* Whatever a check left running when Criterion had to kill it. */
static void kill_leftovers(void)
{
    sandbox_kill_logged_groups(config()->pgid_log);
    lease_sweep_abandoned_uids();
}

static int build_all(const char *submission, struct exercise_build *builds, int n, int jobs, bool sandbox_uids)
{
    struct lease uid = { -1, 0 };
    if (sandbox_uids && lease_uid(&uid) < 0) {
        fprintf(stderr, "grader: no free sandbox user id (%s)\n", lease_last_error());
        return -1;
    }
    int rc = build_submission(submission, config()->build_dir, builds, n, jobs,
                              (uid_t)(uid.fd >= 0 ? uid.value : 0));
    if (uid.fd >= 0)
        uid_sweep((uid_t)uid.value);
    lease_release(&uid);
    return rc;
}

/* DIR/<exercise-id>.json for each exercise graded: what `grader status` reads. */
static int save_per_exercise(const struct results *results, const struct exercise_build *builds, int n,
                             const char *dir)
{
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        fprintf(stderr, "grader: cannot create %s: %s\n", dir, strerror(errno));
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < n; i++) {
        struct results one;
        char path[PATH_MAX];
        results_of_exercise(results, builds[i].exercise->id, &one);
        snprintf(path, sizeof path, "%s/%s.json", dir, builds[i].exercise->id);
        rc |= results_write_json(&one, path);
        results_free(&one);
    }
    return rc;
}

/* The results as a page (the class report's page of one student), and where it is. */
static int write_html(const struct results *results, const char *path)
{
    json_t *root = results_to_json(results);
    if (root == NULL) {
        fprintf(stderr, "grader: could not build the results for %s\n", path);
        return -1;
    }
    int rc = class_report_write_page(path, root, "Your results");
    json_decref(root);
    fflush(stdout); /* after the report, also when stdout is a pipe */
    if (rc == 0)
        fprintf(stderr,
                "grader: your results as a web page, with each failed check's conversation "
                "drawn: %s\n",
                path);
    return rc;
}

/* The checks of every suite linked in, as Criterion found them (grade runs them). */
static struct criterion_test_set *checks;

static int grade(int argc, char **argv)
{
    struct grade_options o;
    if (parse_grade_options(argc, argv, &o) < 0) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    struct stat st;
    if (stat(o.submission, &st) < 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "grader: %s is not a folder\n", o.submission);
        return EXIT_USAGE;
    }
    const struct exercise *all[MAX_EXERCISES];
    int nall = exercise_all(all, MAX_EXERCISES);
    struct exercise_build builds[MAX_EXERCISES];
    int n = select_exercises(&o, all, nall, builds);
    if (n < 0)
        return EXIT_USAGE;

    if (lease_ready() < 0) {
        fprintf(stderr, "grader: %s\n", lease_last_error());
        return EXIT_INTERNAL;
    }
    int64_t start = now_ms();
    char *run_dir = make_run_dir();
    if (run_dir == NULL) {
        fprintf(stderr, "grader: cannot create a work folder: %s\n", strerror(errno));
        return EXIT_INTERNAL;
    }
    bool sandbox_uids = sandbox_can_switch_uid();
    struct lease uid_range = { -1, 0 };
    if (sandbox_uids && lease_uid_range(&uid_range) < 0) {
        fprintf(stderr, "grader: no range of sandbox user ids is free (%s)\n", lease_last_error());
        remove_tree(run_dir);
        free(run_dir);
        return EXIT_INTERNAL;
    }
    set_run_environment(run_dir, sandbox_uids, o.keep); /* --keep: the checks keep theirs too */
    char build_dir[700];
    snprintf(build_dir, sizeof build_dir, "%s/build", run_dir);
    mkdir(build_dir, 0755);

    int rc = EXIT_GRADED;
    struct results results = { .note = o.note };
    if (build_all(o.submission, builds, n, o.jobs, sandbox_uids) < 0 || runner_preflight() < 0) {
        rc = EXIT_INTERNAL;
    } else {
        int64_t built = now_ms();
        runner_run(checks, builds, n, o.jobs, &results);
        if (o.timing)
            fprintf(stderr, "timing: build %.2f s, checks %.2f s, total %.2f s\n",
                    (double)(built - start) / 1000, (double)(now_ms() - built) / 1000,
                    (double)(now_ms() - start) / 1000);
        kill_leftovers();
        results.execution_time = (double)(now_ms() - start) / 1000.0;
        bool json_on_stdout = o.json_path && strcmp(o.json_path, "-") == 0;
        results_print(&results, json_on_stdout ? stderr : stdout, o.colour);
        if (o.json_path && results_write_json(&results, o.json_path) < 0)
            rc = EXIT_INTERNAL;
        if (o.save_dir && save_per_exercise(&results, builds, n, o.save_dir) < 0)
            rc = EXIT_INTERNAL;
        if (o.html_path && write_html(&results, o.html_path) < 0)
            rc = EXIT_INTERNAL;
    }
    for (int i = 0; i < n; i++)
        build_free(&builds[i]);
    results_free(&results);
    if (o.keep)
        fprintf(stderr, "grader: work folder kept: %s\n", run_dir);
    else
        remove_tree(run_dir);
    free(run_dir);
    lease_release(&uid_range);
    return rc;
}

/* `grader list`: the exercises and their programs; with --checks, every check and its points
 * ("1.3 2 echo_server echoes 1 MiB..."), the rubric as the suites define it; with --files, the
 * files a student writes for each exercise. */
static int list(int argc, char **argv)
{
    bool checks = argc > 1 && strcmp(argv[1], "--checks") == 0;
    bool files = argc > 1 && strcmp(argv[1], "--files") == 0;
    const struct exercise *all[MAX_EXERCISES];
    int n = exercise_all(all, MAX_EXERCISES);
    for (int i = 0; i < n; i++) {
        printf("%s:", all[i]->id);
        if (files && all[i]->student_files[0]) {
            for (int f = 0; all[i]->student_files[f]; f++)
                printf(" %s", all[i]->student_files[f]);
        } else {
            for (int p = 0; all[i]->programs[p]; p++)
                printf(files ? " %s.c" : " %s", all[i]->programs[p]);
        }
        printf("\n");
    }
    if (checks) {
        struct results rubric = { 0 };
        runner_not_graded("", &rubric);
        for (size_t i = 0; i < rubric.count; i++)
            if (rubric.items[i].number > 0)
                printf("%d.%d %g %s\n", rubric.items[i].exercise_number, rubric.items[i].number,
                       rubric.items[i].max_score, rubric.items[i].what);
        results_free(&rubric);
    }
    return EXIT_GRADED;
}

/* In a container the grader may be process 1, which inherits every orphaned process (a student
 * server's children, say). Criterion's runner would then reap processes it never started, and
 * lose track of its own. So process 1 only forks, reaps everything, and passes on the grader's
 * exit status, as a minimal init does. */
static void become_init_if_process_1(void)
{
    if (getpid() != 1)
        return;
    pid_t grader = fork();
    if (grader < 0) {
        perror("grader: fork");
        exit(EXIT_INTERNAL);
    }
    if (grader == 0)
        return;
    for (;;) {
        int status;
        pid_t pid = wait(&status);
        if (pid < 0 && errno == EINTR)
            continue;
        if (pid == grader || pid < 0)
            exit(pid < 0 ? EXIT_INTERNAL : WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_INTERNAL);
    }
}

/* The commands. grade and batch parse --help among their options; the others' help is here. */
struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
};

static const struct command commands[] = {
    { "grade", grade, NULL },
    { "batch", batch_main, NULL },
    { "report", class_report_main, report_help },
    { "status", status_main, status_help },
    { "hint", hint_main, hint_help },
    { "watch", watch_main, watch_help },
    { "list", list, list_help },
    { "build-kit", kitcode_main, NULL },
    { NULL, NULL, NULL },
};

/* --help or -h anywhere among a command's arguments (argv[0] is the command). */
static bool asks_for_help(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    return false;
}

int main(int argc, char **argv)
{
    become_init_if_process_1();
    if (argc < 2) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    const char *command = argv[1];
    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0 || strcmp(command, "help") == 0) {
        fputs(usage, stdout);
        return EXIT_GRADED;
    }
    if (strcmp(command, "--version") == 0) {
        printf("grader (Get Connected) %s\n", VERSION);
        return EXIT_GRADED;
    }
    const struct command *c = commands;
    while (c->name && strcmp(c->name, command) != 0)
        c++;
    if (c->name == NULL) {
        fprintf(stderr, "grader: unknown command '%s'\n\n%s", command, usage);
        return EXIT_USAGE;
    }
    if (c->help && asks_for_help(argc - 1, argv + 1)) {
        fputs(c->help, stdout);
        return EXIT_GRADED;
    }
    /* Before anything else runs: Criterion may start a check in a fresh copy of the grader, which
     * must get here in the same state. */
    checks = criterion_initialize();
    int rc = c->run(argc - 1, argv + 1);
    criterion_finalize(checks);
    return rc;
}
