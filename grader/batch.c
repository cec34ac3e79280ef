/* batch.c - a class in containers: stage each submission, run `grader grade` in a container,
 * collect OUTDIR/<student>/results.json, then summary.csv with jq. */
#define _GNU_SOURCE
#include "batch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "deadline.h"
#include "files.h"
#include "results.h"
#include "runner.h"
#include "sandbox.h"
#include "text.h"

#define MAX_STUDENTS 4096
#define MAX_STAGED_BYTES (4 << 20)     /* per file: submissions are source code */

static const char batch_usage[] =
    "usage: grader batch [--jobs N] [--timeout SECONDS] [--image IMAGE] [--force] [--only NAME]\n"
    "                    --out OUTDIR SUBMISSIONS\n"
    "\n"
    "Grades every subdirectory of SUBMISSIONS (one per student) with `grader grade`, each in a\n"
    "container of its own: submission read-only, no network, read-only root, no capabilities,\n"
    "limits on memory, CPU, processes and time. Writes OUTDIR/<student>/results.json (and the\n"
    "readable report.txt beside it) and OUTDIR/summary.csv (student, each exercise, total, max).\n"
    "\n"
    "  --jobs N          grade N students at once (default: the number of CPUs)\n"
    "  --timeout S       wall-clock limit per student, in seconds (default 300)\n"
    "  --image IMAGE     the image to grade in (default get-connected; build it with make docker)\n"
    "  --force           grade again students that already have results\n"
    "  --only NAME       grade only this student (again)\n";

struct batch_options {
    const char *out;
    const char *submissions;
    const char *image;
    const char *only;
    int jobs;
    int timeout_s;
    bool force;
};

struct student {
    char *name;
    char out_dir[PATH_MAX];
    char stage_dir[PATH_MAX];
    char container[64];
    struct proc docker;
    bool running;
    int64_t started, deadline;
};

static int parse_options(int argc, char **argv, struct batch_options *o)
{
    static const struct option longopts[] = {
        { "out", required_argument, NULL, 'o' },
        { "jobs", required_argument, NULL, 'j' },
        { "timeout", required_argument, NULL, 't' },
        { "image", required_argument, NULL, 'i' },
        { "only", required_argument, NULL, 'n' },
        { "force", no_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    *o = (struct batch_options){ .image = "get-connected", .jobs = (int)sysconf(_SC_NPROCESSORS_ONLN),
                                 .timeout_s = 300 };
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': o->out = optarg; break;
        case 'j': o->jobs = atoi(optarg); break;
        case 't': o->timeout_s = atoi(optarg); break;
        case 'i': o->image = optarg; break;
        case 'n': o->only = optarg; break;
        case 'f': o->force = true; break;
        case 'h': fputs(batch_usage, stdout); exit(0);
        default: return -1;
        }
    }
    if (o->out == NULL || optind != argc - 1 || o->jobs < 1 || o->timeout_s < 1) {
        fprintf(stderr, "grader batch: needs --out OUTDIR and one SUBMISSIONS folder\n");
        return -1;
    }
    o->submissions = argv[optind];
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct student *)a)->name, ((const struct student *)b)->name);
}

/* The students: real subdirectories of SUBMISSIONS (a symbolic link is not followed). */
static int list_students(const struct batch_options *o, struct student *students)
{
    DIR *d = opendir(o->submissions);
    if (d == NULL) {
        fprintf(stderr, "grader batch: cannot read %s: %s\n", o->submissions, strerror(errno));
        return -1;
    }
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < MAX_STUDENTS) {
        if (e->d_name[0] == '.')
            continue;
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode)) {
            fprintf(stderr, "grader batch: skipping %s: not a folder (links are not followed)\n", e->d_name);
            continue;
        }
        if (o->only && strcmp(o->only, e->d_name) != 0)
            continue;
        students[n++] = (struct student){ .name = strdup(e->d_name) };
    }
    closedir(d);
    qsort(students, (size_t)n, sizeof *students, by_name);
    if (o->only && n == 0) {
        fprintf(stderr, "grader batch: no student called '%s' in %s\n", o->only, o->submissions);
        return -1;
    }
    return n;
}

/* Copies the regular files and folders of from into to, readable by anyone; links, devices
 * and oversized files are left out, so the container sees nothing outside the submission. */
static int stage(const char *from, const char *to, int depth)
{
    if (depth > 8 || mkdir(to, 0755) < 0)
        return -1;
    DIR *d = opendir(from);
    if (d == NULL)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char src[PATH_MAX], dst[PATH_MAX];
        struct stat st;
        if (snprintf(src, sizeof src, "%s/%s", from, e->d_name) >= (int)sizeof src
            || snprintf(dst, sizeof dst, "%s/%s", to, e->d_name) >= (int)sizeof dst
            || lstat(src, &st) < 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            stage(src, dst, depth + 1);
            continue;
        }
        if (S_ISREG(st.st_mode))
            copy_regular_file(src, dst, MAX_STAGED_BYTES);
    }
    closedir(d);
    return 0;
}

static bool has_results(const struct student *s)
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/results.json", s->out_dir);
    return access(path, F_OK) == 0;
}

static int start_container(struct student *s, const struct batch_options *o, int index)
{
    char mount[PATH_MAX + 64], json_tmp[PATH_MAX + 32], report[PATH_MAX + 32];
    snprintf(s->container, sizeof s->container, "gc-batch-%d-%d", (int)getpid(), index);
    snprintf(mount, sizeof mount, "type=bind,source=%s,target=/submission,readonly", s->stage_dir);
    snprintf(json_tmp, sizeof json_tmp, "%s/results.json.tmp", s->out_dir);
    snprintf(report, sizeof report, "%s/report.txt", s->out_dir);
    const char *argv[] = {
        "/usr/bin/env", "docker", "run", "--rm", "--name", s->container,
        "--network", "none", "--read-only", "--tmpfs", "/tmp:rw,exec,nosuid,size=512m",
        /* The grader starts as root with five capabilities and nothing else: enough to give each
         * check's programs a user id of their own (so that the process limit holds per check
         * and a fork bomb is swept away whole), never more. The student's programs run under
         * those unprivileged ids, with no capabilities at all. */
        "--user", "0:0", "--cap-drop", "ALL", "--cap-add", "SETUID", "--cap-add", "SETGID",
        "--cap-add", "KILL", "--cap-add", "CHOWN", "--cap-add", "DAC_OVERRIDE",
        "--security-opt", "no-new-privileges",
        "--memory", "1g", "--memory-swap", "1g", "--cpus", "1", "--pids-limit", "256",
        /* User ids apart from the host's graders', whose sweeps see every container's processes. */
        "--env", "GC_SANDBOX_UID_BASE=1710000000",
        "--mount", mount, o->image,
        "grader", "grade", "--no-color", "--json", "-", "/submission", NULL,
    };
    struct proc_spec spec = {
        .argv = argv, .name = "docker", .stdout_path = json_tmp, .stderr_path = report,
    };
    struct text why = {0};
    if (proc_start(&s->docker, &spec, &why) < 0) {
        fprintf(stderr, "grader batch: %s\n", text_str(&why));
        text_free(&why);
        return -1;
    }
    s->running = true;
    s->started = now_ms();
    s->deadline = s->started + (int64_t)o->timeout_s * 1000;
    return 0;
}

static void kill_container(const struct student *s)
{
    const char *argv[] = { "/usr/bin/env", "docker", "kill", s->container, NULL };
    struct proc p;
    struct text why = {0};
    if (proc_start(&p, &(struct proc_spec){ .argv = argv, .name = "docker kill" }, &why) == 0)
        proc_wait(&p, deadline_in(30000));
    proc_kill(&p);
    text_free(&why);
}

/* results.json for a student the grader could not grade: every check failed, saying why. */
static void write_not_graded(const struct student *s, struct criterion_test_set *set, const char *why)
{
    struct results r = {0};
    runner_not_graded(set, why, &r);
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/results.json", s->out_dir);
    results_write_json(&r, path);
    results_free(&r);
}

/* Keeps the container's results if they are valid JSON; otherwise a clear "not graded". */
static void finish(struct student *s, struct criterion_test_set *set, bool timed_out, int timeout_s)
{
    char tmp[PATH_MAX + 32], path[PATH_MAX + 16];
    snprintf(tmp, sizeof tmp, "%s/results.json.tmp", s->out_dir);
    snprintf(path, sizeof path, "%s/results.json", s->out_dir);
    s->running = false;
    if (timed_out) {
        kill_container(s);
        proc_kill(&s->docker);
        remove(tmp);
        char why[160];
        snprintf(why, sizeof why, "Grading timed out: it took more than %d s, so the container was "
                 "stopped. Not graded.", timeout_s);
        write_not_graded(s, set, why);
        return;
    }
    json_error_t error;
    json_t *results = json_load_file(tmp, 0, &error);
    bool ok = results && json_is_object(results) && json_object_get(results, "tests");
    json_decref(results);
    if (ok && rename(tmp, path) == 0)
        return;
    remove(tmp);
    struct text why = {0}, report = {0};
    char report_path[PATH_MAX + 16];
    snprintf(report_path, sizeof report_path, "%s/report.txt", s->out_dir);
    text_read_file(&report, report_path, 1 << 16);
    text_puts(&why, "Not graded: the grading container failed. What it said:\n");
    text_indent_tail(&why, report.data ? report.data : "", report.len, 10, 2000);
    write_not_graded(s, set, text_str(&why));
    text_free(&why);
    text_free(&report);
}

static void show_progress(int done, int total, int64_t start, bool on_terminal, const struct student *s)
{
    int64_t elapsed = (now_ms() - start) / 1000;
    if (!on_terminal) {
        if (s)
            fprintf(stderr, "grader batch: [%d/%d] %s graded\n", done, total, s->name);
        return;
    }
    fprintf(stderr, "\r\033[K[%d/%d] %lld:%02lld elapsed", done, total, (long long)elapsed / 60,
            (long long)elapsed % 60);
    if (done > 0 && done < total) {
        long long left = (long long)(elapsed * (total - done) / done);
        fprintf(stderr, ", about %lld:%02lld left", left / 60, left % 60);
    }
    if (done == total)
        fputc('\n', stderr);
}

/* Runs the containers, at most jobs at once, each until it ends or its deadline. */
static void grade_all(struct student *todo[], int n, const struct batch_options *o,
                      struct criterion_test_set *set)
{
    int next = 0, running = 0, done = 0;
    int64_t start = now_ms();
    bool on_terminal = isatty(STDERR_FILENO);
    show_progress(0, n, start, on_terminal, NULL);
    while (done < n) {
        while (next < n && running < o->jobs) {
            if (start_container(todo[next], o, next) == 0) {
                running++;
            } else {
                write_not_graded(todo[next], set, "Not graded: docker could not be started.");
                done++;
            }
            next++;
        }
        struct pollfd pfds[256];
        int map[256], k = 0;
        int64_t nearest = INT64_MAX;
        for (int i = 0; i < next && k < 256; i++) {
            if (!todo[i]->running)
                continue;
            pfds[k] = (struct pollfd){ .fd = todo[i]->docker.pidfd, .events = POLLIN };
            map[k++] = i;
            if (todo[i]->deadline < nearest)
                nearest = todo[i]->deadline;
        }
        if (k > 0)
            poll(pfds, (nfds_t)k, ms_left(nearest < now_ms() + 1000 ? nearest : now_ms() + 1000));
        for (int j = 0; j < k; j++) {
            struct student *s = todo[map[j]];
            bool ended = !proc_running(&s->docker);
            if (!ended && now_ms() < s->deadline)
                continue;
            finish(s, set, !ended, o->timeout_s);
            running--;
            done++;
            show_progress(done, n, start, on_terminal, s);
        }
        if (on_terminal && k > 0)
            show_progress(done, n, start, on_terminal, NULL);
    }
}

/* OUTDIR/summary.csv: a header, then one row per student with results, built by jq. */
static int write_summary(const struct batch_options *o, struct student *students, int n,
                         struct criterion_test_set *set)
{
    const struct exercise *ex[32];
    int nex = runner_exercises(set, ex, 32);
    struct text ids = {0}, header = {0};
    text_puts(&ids, "[");
    text_puts(&header, "student");
    for (int i = 0; i < nex; i++) {
        text_printf(&ids, "%s\"%s\"", i ? "," : "", ex[i]->id);
        text_printf(&header, ",%s", ex[i]->id);
    }
    text_puts(&ids, "]");
    text_puts(&header, ",total,max\n");

    static const char program[] =
        ". as $r | (input_filename | split(\"/\") | .[-2]) as $student"
        " | [$student] + ($ids | map(. as $id | [$r.tests[] | select(.tags[0] == $id) | .score] | add // 0))"
        " + [$r.score, $r.max_score] | @csv";
    const char **argv = calloc((size_t)n + 8, sizeof *argv);
    char (*files)[PATH_MAX + 16] = calloc((size_t)n + 1, sizeof *files);
    int a = 0, k = 0;
    argv[a++] = "/usr/bin/env";
    argv[a++] = "jq";
    argv[a++] = "-r";
    argv[a++] = "--argjson";
    argv[a++] = "ids";
    argv[a++] = ids.data;
    argv[a++] = program;
    for (int i = 0; i < n; i++) {
        if (!has_results(&students[i]))
            continue;
        snprintf(files[k], sizeof files[k], "%s/results.json", students[i].out_dir);
        argv[a++] = files[k++];
    }
    argv[a] = NULL;

    char rows[PATH_MAX], csv[PATH_MAX], tmp[PATH_MAX + 8];
    snprintf(rows, sizeof rows, "%s/.summary-rows", o->out);
    snprintf(csv, sizeof csv, "%s/summary.csv", o->out);
    snprintf(tmp, sizeof tmp, "%s.tmp", csv);
    int rc = -1;
    struct proc jq;
    struct text why = {0}, body = {0};
    if (k == 0 || (proc_start(&jq, &(struct proc_spec){ .argv = argv, .name = "jq", .stdout_path = rows }, &why) == 0
                   && proc_wait(&jq, deadline_in(60000)) && exited_with(&jq, 0))) {
        if (k > 0)
            text_read_file(&body, rows, 64 << 20);
        FILE *f = fopen(tmp, "we");
        if (f && fwrite(header.data, 1, header.len, f) == header.len
            && fwrite(text_str(&body), 1, body.len, f) == body.len && fclose(f) == 0 && rename(tmp, csv) == 0)
            rc = 0;
    }
    if (rc < 0)
        fprintf(stderr, "grader batch: could not write %s (is jq installed?) %s\n", csv, text_str(&why));
    remove(rows);
    text_free(&why);
    text_free(&body);
    text_free(&ids);
    text_free(&header);
    free(argv);
    free(files);
    return rc;
}

static int image_exists(const char *image)
{
    const char *argv[] = { "/usr/bin/env", "docker", "image", "inspect", image, NULL };
    struct proc p;
    struct text why = {0};
    int rc = proc_start(&p, &(struct proc_spec){ .argv = argv, .name = "docker" }, &why);
    text_free(&why);
    if (rc < 0)
        return 0;
    bool ok = proc_wait(&p, deadline_in(30000)) && exited_with(&p, 0);
    proc_kill(&p);
    return ok;
}

int batch_main(int argc, char **argv, struct criterion_test_set *set)
{
    struct batch_options o;
    if (parse_options(argc, argv, &o) < 0) {
        fputs(batch_usage, stderr);
        return 2;
    }
    if (!image_exists(o.image)) {
        fprintf(stderr, "grader batch: no docker image '%s' (build it with `make docker`, and check "
                        "that the docker engine runs)\n", o.image);
        return 1;
    }
    struct student *students = calloc(MAX_STUDENTS, sizeof *students);
    int n = list_students(&o, students);
    if (n < 0)
        return 2;
    if (mkdir(o.out, 0755) < 0 && errno != EEXIST) {
        fprintf(stderr, "grader batch: cannot create %s: %s\n", o.out, strerror(errno));
        return 1;
    }
    char stage_root[] = "/tmp/gc-stage-XXXXXX";
    if (mkdtemp(stage_root) == NULL || chmod(stage_root, 0755) < 0) {
        fprintf(stderr, "grader batch: cannot create a staging folder: %s\n", strerror(errno));
        return 1;
    }
    struct student **todo = calloc((size_t)n + 1, sizeof *todo);
    int ntodo = 0;
    for (int i = 0; i < n; i++) {
        struct student *s = &students[i];
        snprintf(s->out_dir, sizeof s->out_dir, "%s/%s", o.out, s->name);
        snprintf(s->stage_dir, sizeof s->stage_dir, "%s/%d", stage_root, i);
        if (has_results(s) && !o.force && !o.only)
            continue;       /* graded before: keep it */
        char src[PATH_MAX];
        snprintf(src, sizeof src, "%s/%s", o.submissions, s->name);
        if ((mkdir(s->out_dir, 0755) < 0 && errno != EEXIST) || stage(src, s->stage_dir, 0) < 0) {
            fprintf(stderr, "grader batch: cannot prepare %s: %s\n", s->name, strerror(errno));
            continue;
        }
        todo[ntodo++] = s;
    }
    fprintf(stderr, "grader batch: %d student%s to grade, %d already graded\n", ntodo,
            ntodo == 1 ? "" : "s", n - ntodo);
    grade_all(todo, ntodo, &o, set);
    remove_tree(stage_root);
    int rc = write_summary(&o, students, n, set) == 0 ? 0 : 1;
    for (int i = 0; i < n; i++)
        free(students[i].name);
    free(students);
    free(todo);
    return rc;
}
