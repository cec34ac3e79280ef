/* batch.c - a class in containers: stage each submission, run `grader grade` in a container,
 * collect OUTDIR/<student>/results.json, verify each against the rubric (verify.c),
 * then summary.csv (summary.c). */
#define _GNU_SOURCE
#include "batch.h"

#include <dirent.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "dockercli.h"
#include "engine.h"
#include "lease.h"
#include "volumes.h"
#include "summary.h"
#include "verify.h"
#include "files.h"
#include "results.h"
#include "runner.h"
#include "sandbox.h"
#include "text.h"

#define MAX_STUDENTS 4096
#define MAX_JOBS 64
/* A student's grading keeps about half a CPU busy: most of its time is the waits the contract
 * mandates (timeouts, retries, slow clients). Four containers per CPU keep the CPUs busy (a
 * class of 60 on 2 CPUs: 37 a minute with 6, 40 with 8, `make bench-class`). */
#define JOBS_PER_CPU 4
/* What a container may use, in MiB (its Memory): no more run at once than memory
 * holds. The number once; its text for the help is made from it. */
#define CONTAINER_MEMORY_MIB 1024
#define TEXT_OF_(x) #x
#define TEXT_OF(x) TEXT_OF_(x)
/* Its other limits: CPUs, and processes at once (the grader's, the compiler's and the students'). */
#define CONTAINER_CPUS 1
#define CONTAINER_PROCESSES 256
#define MAX_STAGED_BYTES (4 << 20) /* per file: submissions are source code */
#define MAX_REPORT_BYTES (1 << 20) /* the readable report kept beside results.json */

static const char batch_usage[] =
    "usage: grader batch [--jobs N] [--timeout SECONDS] [--image IMAGE] [--force] [--only NAME]\n"
    "                    --out OUTDIR SUBMISSIONS\n"
    "\n"
    "Grades every subdirectory of SUBMISSIONS (one per student) with `grader grade`, each in a\n"
    "container of its own: submission read-only, no network, read-only root, limits on memory,\n"
    "CPU, processes and time. In it the grader starts as root with five capabilities (SETUID,\n"
    "SETGID, KILL, CHOWN, DAC_OVERRIDE: to run each check's programs as a user id of its own);\n"
    "the student's programs have none. Results are checked against the rubric before they count.\n"
    "Writes OUTDIR/<student>/results.json (and the readable report.txt beside it) and\n"
    "OUTDIR/summary.csv (student, each exercise, total, max, status).\n"
    "\n"
    /* clang-format off */ /* the help as it prints, a line a line */
    "  --jobs N          grade N students at once (default: " TEXT_OF(JOBS_PER_CPU) " per CPU, no more than\n"
    "                    the available memory holds at " TEXT_OF(CONTAINER_MEMORY_MIB) " MiB each; at most "
                         TEXT_OF(MAX_JOBS) ")\n"
    "  --timeout S       wall-clock limit per student, in seconds (default 300)\n"
    "  --image IMAGE     the image to grade in (default get-connected; build it with make docker)\n"
    "  --force           grade again students that already have results\n"
    "  --only NAME       grade only this student (again)\n"
    "\n"
    "A student whose grading timed out, whose container failed, or whose results do not match the\n"
    "rubric is not graded: summary.csv gives a status instead of scores, results.json the reason.\n";
/* clang-format on */

/* JOBS_PER_CPU per CPU, as far as MemAvailable allows; at least 1, at most MAX_JOBS. */
static int default_jobs(void)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    long jobs = JOBS_PER_CPU * (cpus > 0 ? cpus : 1);
    FILE *f = fopen("/proc/meminfo", "re");
    char line[128];
    long kb;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %ld kB", &kb) == 1 && kb / 1024 / CONTAINER_MEMORY_MIB < jobs)
            jobs = kb / 1024 / CONTAINER_MEMORY_MIB;
    if (f)
        fclose(f);
    return jobs < 1 ? 1 : jobs > MAX_JOBS ? MAX_JOBS : (int)jobs;
}

struct batch_options {
    const char *out;
    const char *submissions;
    const char *image;
    const char *only;
    int jobs;
    int timeout_s;
    bool force;
    bool volumes; /* the image's /usr and kit from volumes (volumes.h) */
    char volume_id[VOLUMES_ID_CHARS + 1];
    char hosts[PATH_MAX]; /* the containers' /etc/hosts */
};

struct student {
    char *name;
    char out_dir[PATH_MAX];
    char stage_dir[PATH_MAX];
    char container[64];
    struct engine_wait wait; /* for its container's end */
    int exit_status;         /* its container's, once ended; -1: the engine did not say */
    struct text said;        /* what the engine said when something went wrong */
    bool running;
    int slot;            /* which range of sandbox user ids its container uses */
    char hash[32];       /* the submission's fingerprint, kept with its results */
    const char *outcome; /* STATUS_* once done */
    char reason[160];    /* the first line of why it was not graded, for the run's log */
    int64_t started, deadline;
};

static int parse_options(int argc, char **argv, struct batch_options *o)
{
    static const struct option longopts[] = {
        { "out", required_argument, NULL, 'o' },     { "jobs", required_argument, NULL, 'j' },
        { "timeout", required_argument, NULL, 't' }, { "image", required_argument, NULL, 'i' },
        { "only", required_argument, NULL, 'n' },    { "force", no_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' },          { NULL, 0, NULL, 0 },
    };
    *o = (struct batch_options){ .image = "get-connected", .jobs = default_jobs(), .timeout_s = 300 };
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': o->out = optarg; break;
        case 'j': o->jobs = atoi(optarg); break;
        case 't': o->timeout_s = atoi(optarg); break;
        case 'i': o->image = optarg; break;
        case 'n': o->only = optarg; break;
        case 'f': o->force = true; break;
        case 'h':
            fputs(batch_usage, stdout);
            printf("\nHere --jobs is %d by default.\n", default_jobs());
            exit(0);
        default: return -1;
        }
    }
    if (o->out == NULL || optind != argc - 1 || o->jobs < 1 || o->jobs > MAX_JOBS || o->timeout_s < 1) {
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
            || snprintf(dst, sizeof dst, "%s/%s", to, e->d_name) >= (int)sizeof dst || lstat(src, &st) < 0)
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

/* The student's staging folder: submission/, a copy the container reads, and results/, where
 * the container's grader writes; both the grader's alone (mode 0700 where it matters). */
static int prepare(const struct batch_options *o, const struct student *s)
{
    char src[PATH_MAX], sub[PATH_MAX + 16], res[PATH_MAX + 16];
    snprintf(src, sizeof src, "%s/%s", o->submissions, s->name);
    snprintf(sub, sizeof sub, "%s/submission", s->stage_dir);
    snprintf(res, sizeof res, "%s/results", s->stage_dir);
    if ((mkdir(s->out_dir, 0755) < 0 && errno != EEXIST) || mkdir(s->stage_dir, 0700) < 0
        || stage(src, sub, 0) < 0 || mkdir(res, 0700) < 0)
        return -1;
    return 0;
}

/* A fingerprint of a submission's content: FNV-1a (64 bits) over the relative path, size and
 * bytes of every file stage() would copy, in name order. Not a cryptographic hash: it tells an
 * instructor's own files apart from their earlier version, which is all a regrade needs. */
static void fnv1a(uint64_t *h, const void *bytes, size_t n)
{
    const unsigned char *p = bytes;
    for (size_t i = 0; i < n; i++) {
        *h ^= p[i];
        *h *= 0x100000001b3ULL;
    }
}

static int hash_file(uint64_t *h, const char *path)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_STAGED_BYTES) {
        if (fd >= 0)
            close(fd);
        return 0; /* stage() leaves it out too */
    }
    uint64_t size = (uint64_t)st.st_size;
    fnv1a(h, &size, sizeof size);
    char buf[65536];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        fnv1a(h, buf, (size_t)n);
    close(fd);
    return n < 0 ? -1 : 0;
}

static int hash_tree(uint64_t *h, const char *dir, const char *rel, int depth)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    if (n < 0 || depth > 8)
        return n < 0 ? -1 : 0;
    int rc = 0;
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        char path[PATH_MAX], sub[PATH_MAX];
        struct stat st;
        if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0
            && snprintf(path, sizeof path, "%s/%s", dir, name) < (int)sizeof path
            && snprintf(sub, sizeof sub, "%s/%s", rel, name) < (int)sizeof sub && lstat(path, &st) == 0
            && (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode))) {
            fnv1a(h, sub, strlen(sub) + 1);
            rc |= S_ISDIR(st.st_mode) ? hash_tree(h, path, sub, depth + 1) : hash_file(h, path);
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

/* "fnv1a64:0123456789abcdef" for the submission in dir. */
static void submission_hash(const char *dir, char *out, size_t size)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    if (hash_tree(&h, dir, "", 0) < 0)
        h = 0; /* unreadable: never equal to a stored fingerprint, so it is regraded */
    snprintf(out, size, "fnv1a64:%016llx", (unsigned long long)h);
}

/* The fingerprint stored with a student's results, "" when there is none. */
static void stored_hash(const struct student *s, char *out, size_t size)
{
    char path[PATH_MAX + 16];
    struct text why = { 0 };
    snprintf(path, sizeof path, "%s/results.json", s->out_dir);
    json_t *root = verify_load(path, VERIFY_MAX_BYTES, &why);
    const json_t *hash = json_object_get(json_object_get(root, GRADING_KEY), "submission_hash");
    snprintf(out, size, "%s", json_is_string(hash) ? json_string_value(hash) : "");
    json_decref(root);
    text_free(&why);
}

static bool has_results(const struct student *s)
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/results.json", s->out_dir);
    return access(path, F_OK) == 0;
}

/* The container of one student, as the engine's API describes it (engine.h). */
static json_t *container_config(const struct student *s, const struct batch_options *o, long uid_base)
{
    char submission[PATH_MAX + 16], results[PATH_MAX + 16], uids[64];
    snprintf(submission, sizeof submission, "%s/submission", s->stage_dir);
    snprintf(results, sizeof results, "%s/results", s->stage_dir);
    snprintf(uids, sizeof uids, "GC_SANDBOX_UID_BASE=%ld", uid_base);
    /* clang-format off */ /* a mount a line */
    json_t *mounts = json_pack("[{s:s, s:s, s:s, s:b}, {s:s, s:s, s:s}, {s:s, s:s, s:s, s:b}]",
        "Type", "bind", "Source", submission, "Target", "/submission", "ReadOnly", 1,
        "Type", "bind", "Source", results, "Target", "/results",
        "Type", "bind", "Source", o->hosts, "Target", "/etc/hosts", "ReadOnly", 1);
    /* clang-format on */
    /* The image's /usr and kit, read-only, from volumes when they could be had. */
    if (o->volumes)
        volumes_add_mounts(mounts, o->volume_id);
    json_int_t memory = (json_int_t)CONTAINER_MEMORY_MIB << 20;
    /* clang-format off */ /* a setting and its value on one line, grouped by purpose */
    return json_pack(
        "{s:s, s:s, s:[s], s:[s, s, s], s:b, s:{"
        "s:s, s:{s:s}, s:{s:s}, s:b, s:{s:s}, s:[s], s:[s, s, s, s, s], s:[s], s:I, s:I, s:I, s:I, s:o, s:b}}",
        "Image", o->image,
        "User", "0:0",
        /* User ids of this container's own, apart from every other grader's. */
        "Env", uids,
        "Cmd", "sh", "-c",
        "exec grader grade --no-color --json /results/results.json /submission >/results/report.txt 2>&1",
        /* Its own network namespace with loopback only (as --network none), without the engine's
         * network hook (engine.h). */
        "NetworkDisabled", 1,
        "HostConfig",
        "NetworkMode", "none",
        /* As docker gives a container of --network none: IPv4 loopback only, and the /etc/hosts
         * of write_hosts() (the engine writes none where the network is disabled). */
        "Sysctls", "net.ipv6.conf.all.disable_ipv6", "1",
        /* Nothing the container prints is kept or trusted: the results come through /results,
         * a folder only the grader (root in the container) can write, never the student's
         * programs; the engine keeps no log of it either. */
        "LogConfig", "Type", "none",
        "ReadonlyRootfs", 1, "Tmpfs", "/tmp", "rw,exec,nosuid,size=512m",
        /* The grader starts as root with five capabilities and nothing else: enough to give each
         * check's programs a user id of their own (so that the process limit holds per check
         * and a fork bomb is swept away whole), never more. The student's programs run under
         * those unprivileged ids, with no capabilities at all. */
        "CapDrop", "ALL",
        "CapAdd", "SETUID", "SETGID", "KILL", "CHOWN", "DAC_OVERRIDE",
        "SecurityOpt", "no-new-privileges",
        "Memory", memory, "MemorySwap", memory,
        "NanoCpus", (json_int_t)CONTAINER_CPUS * 1000000000, "PidsLimit", (json_int_t)CONTAINER_PROCESSES,
        "Mounts", mounts,
        /* The engine removes it once it has ended. */
        "AutoRemove", 1);
    /* clang-format on */
}

static int start_container(struct student *s, const struct batch_options *o, int index, long uid_base)
{
    snprintf(s->container, sizeof s->container, "gc-batch-%d-%d", (int)getpid(), index);
    json_t *config = container_config(s, o, uid_base);
    int rc = config ? engine_run(s->container, config, &s->wait, &s->said) : -1;
    json_decref(config);
    if (rc < 0)
        return -1;
    s->running = true;
    s->started = now_ms();
    s->deadline = s->started + (int64_t)o->timeout_s * 1000;
    return 0;
}

/* "2026-11-25T01:02:03Z": when a result was written. */
static void utc_now(char *buf, size_t size)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Adds the batch's note ("grading": status, reason, date) and writes OUTDIR/<student>/results.json. */
static int save_with_note(json_t *root, const struct student *s, const char *status, const char *reason)
{
    char date[32], path[PATH_MAX + 16];
    utc_now(date, sizeof date);
    json_object_set_new(root, GRADING_KEY,
                        json_pack("{s:s, s:s, s:s, s:s}", "status", status, "reason", reason, "date", date,
                                  "submission_hash", s->hash));
    snprintf(path, sizeof path, "%s/results.json", s->out_dir);
    return results_save_json(root, path);
}

/* results.json for a student the grader could not grade: every check failed, saying why, and
 * the status that keeps it from ever being read as a score. report.txt says it too. */
static void write_not_graded(struct student *s, const struct results *rubric, const char *status,
                             const char *why)
{
    s->outcome = status;
    const char *first = strncmp(why, "Not graded: ", 12) == 0 ? why + 12 : why;
    int len = (int)strcspn(first, "\n");
    snprintf(s->reason, sizeof s->reason, "%.*s", len > 0 && first[len - 1] == '.' ? len - 1 : len, first);
    struct results r = { 0 };
    for (size_t i = 0; i < rubric->count; i++) {
        const struct result_item *it = &rubric->items[i];
        results_add(&r, it->exercise, it->exercise_number, it->number, it->what, it->max_score, false, why);
    }
    json_t *root = results_to_json(&r);
    if (root)
        save_with_note(root, s, status, why);
    json_decref(root);
    results_free(&r);
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/report.txt", s->out_dir);
    FILE *f = fopen(path, "we");
    if (f) {
        fprintf(f, "%s: %s\n", status, why);
        fclose(f);
    }
}

/* Copies at most max_bytes of from (a regular file, not a link) to to. */
static void copy_capped(const char *from, const char *to, size_t max_bytes)
{
    struct text t = { 0 };
    text_read_file(&t, from, max_bytes);
    FILE *f = fopen(to, "we");
    if (f) {
        fwrite(text_str(&t), 1, t.len, f);
        fclose(f);
    }
    text_free(&t);
}

/* How the container ended, for a "not graded" result. */
static void container_failure(const struct student *s, struct text *why)
{
    if (s->exit_status == 137)
        text_puts(why, "Not graded: the grader was killed in its container (SIGKILL: out of memory, "
                       "or stopped from outside).");
    else if (s->exit_status >= 0)
        text_printf(why, "Not graded: the grading container ended with status %d.", s->exit_status);
    else
        text_puts(why, "Not graded: the docker engine did not say how the grading container ended.");
    if (s->said.len > 0) {
        text_puts(why, "\nWhat the engine said:\n");
        text_indent_tail(why, s->said.data, s->said.len, 10, 2000);
    }
    char path[PATH_MAX + 32];
    struct text tail = { 0 };
    snprintf(path, sizeof path, "%s/results/report.txt", s->stage_dir);
    text_read_file(&tail, path, 1 << 16);
    if (tail.len > 0) {
        text_puts(why, "\nThe end of the grader's report:\n");
        text_indent_tail(why, tail.data, tail.len, 10, 2000);
    }
    text_free(&tail);
}

/* Keeps the container's results only when the grader ended well and they are the rubric's;
 * otherwise a clear "not graded", with the reason. */
static void finish(struct student *s, const struct results *rubric, bool timed_out, int timeout_s)
{
    s->running = false;
    if (timed_out) {
        engine_kill(s->container);
        engine_wait_close(&s->wait);
        char why[200];
        snprintf(why, sizeof why,
                 "Grading timed out: it took more than %d s, so the container was "
                 "stopped. Not graded.",
                 timeout_s);
        write_not_graded(s, rubric, STATUS_TIMED_OUT, why);
        return;
    }
    struct text why = { 0 };
    if (s->exit_status != 0) {
        if (s->exit_status < 0)
            engine_kill(s->container); /* it may run on, unwatched */
        container_failure(s, &why);
        write_not_graded(s, rubric, STATUS_NOT_GRADED, text_str(&why));
        text_free(&why);
        return;
    }
    char path[PATH_MAX + 32], report[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/results/results.json", s->stage_dir);
    json_t *root = verify_load(path, VERIFY_MAX_BYTES, &why);
    if (root && verify_results(root, rubric, &why) == 0 && save_with_note(root, s, STATUS_GRADED, "") == 0) {
        snprintf(path, sizeof path, "%s/results/report.txt", s->stage_dir);
        snprintf(report, sizeof report, "%s/report.txt", s->out_dir);
        copy_capped(path, report, MAX_REPORT_BYTES);
        s->outcome = STATUS_GRADED;
    } else {
        struct text reason = { 0 };
        text_printf(&reason, "Not graded: invalid results (%s). Tell your instructor.", text_str(&why));
        write_not_graded(s, rubric, STATUS_INVALID, text_str(&reason));
        text_free(&reason);
    }
    json_decref(root);
    text_free(&why);
}

static void show_progress(int done, int total, int64_t start, bool on_terminal, const struct student *s)
{
    int64_t elapsed = (now_ms() - start) / 1000;
    if (!on_terminal) {
        if (s)
            fprintf(stderr, "grader batch: [%d/%d] %s: %s\n", done, total, s->name, s->outcome);
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

/* Runs the containers, at most jobs at once, each until it ends or its deadline. Each running
 * container has a slot, and each slot a range of sandbox user ids of its own. */
static void grade_all(struct student *todo[], int n, const struct batch_options *o,
                      const struct results *rubric, const struct lease *ranges)
{
    int next = 0, running = 0, done = 0;
    bool *slot_busy = calloc((size_t)o->jobs, sizeof *slot_busy);
    int64_t start = now_ms();
    bool on_terminal = isatty(STDERR_FILENO);
    show_progress(0, n, start, on_terminal, NULL);
    while (done < n) {
        while (next < n && running < o->jobs) {
            int slot = 0;
            while (slot_busy[slot])
                slot++;
            todo[next]->slot = slot;
            if (start_container(todo[next], o, next, ranges[slot].value) == 0) {
                slot_busy[slot] = true;
                running++;
            } else {
                struct text why = { 0 };
                text_printf(&why, "Not graded: its container could not be started.\n%s",
                            text_str(&todo[next]->said));
                write_not_graded(todo[next], rubric, STATUS_NOT_GRADED, text_str(&why));
                text_free(&why);
                done++;
            }
            next++;
        }
        struct pollfd pfds[MAX_JOBS];
        int map[MAX_JOBS], k = 0;
        int64_t nearest = INT64_MAX;
        for (int i = 0; i < next && k < MAX_JOBS; i++) {
            if (!todo[i]->running)
                continue;
            pfds[k] = (struct pollfd){ .fd = todo[i]->wait.fd, .events = POLLIN };
            map[k++] = i;
            if (todo[i]->deadline < nearest)
                nearest = todo[i]->deadline;
        }
        if (k > 0)
            poll(pfds, (nfds_t)k, ms_left(nearest < now_ms() + 1000 ? nearest : now_ms() + 1000));
        for (int j = 0; j < k; j++) {
            struct student *s = todo[map[j]];
            bool ended = engine_wait_read(&s->wait, &s->exit_status, &s->said) == 1;
            if (!ended && now_ms() < s->deadline)
                continue;
            finish(s, rubric, !ended, o->timeout_s);
            slot_busy[s->slot] = false;
            running--;
            done++;
            show_progress(done, n, start, on_terminal, s);
        }
        if (on_terminal && k > 0)
            show_progress(done, n, start, on_terminal, NULL);
    }
    free(slot_busy);
}

static bool image_exists(const char *image)
{
    const char *argv[] = { "/usr/bin/env", "docker", "image", "inspect", image, NULL };
    return dockercli_run(argv, NULL, NULL, 30000) == 0;
}

/* The end of a run: what happened to whom, and where the summary is. */
static void print_summary(FILE *f, const struct summary_counts *c, int kept, const char *out,
                          struct student *const graded[], int n)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    char date[32];
    utc_now(date, sizeof date);
    fprintf(f,
            "grader batch: %s: %d graded (%d kept from before), %d not graded, %d timed out, "
            "%d with invalid results",
            date, c->graded, kept, c->not_graded, c->timed_out, c->invalid);
    if (c->graded > 0)
        fprintf(f, "; class average %.1f/%g", c->score_sum / c->graded, c->max_score);
    fprintf(f, ".\ngrader batch: summary: %s/summary.csv (peak memory of this process: %ld MB)\n", out,
            ru.ru_maxrss / 1024);
    /* Those of this run by name, so that the log keeps why even after a later run grades them. */
    for (int i = 0; i < n; i++)
        if (graded[i]->outcome && strcmp(graded[i]->outcome, STATUS_GRADED) != 0)
            fprintf(f, "grader batch: %s: %s (%s)\n", graded[i]->name, graded[i]->outcome, graded[i]->reason);
    if (c->not_graded + c->timed_out + c->invalid > 0)
        fprintf(f, "grader batch: the students not graded have the reason in their results.json "
                   "and report.txt, and a status in summary.csv.\n");
}

/* The summary on the terminal, and appended to OUTDIR/batch.log, the record of every run. */
static void report_run(const struct summary_counts *c, int kept, const char *out,
                       struct student *const graded[], int n)
{
    print_summary(stderr, c, kept, out, graded, n);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/batch.log", out);
    FILE *log = fopen(path, "ae");
    if (log) {
        print_summary(log, c, kept, out, graded, n);
        fclose(log);
    }
}

/* The containers' /etc/hosts, as docker writes it for a container of --network none: with the
 * network disabled the engine writes none, and without one "localhost" does not resolve. */
static int write_hosts(const char *path)
{
    FILE *f = fopen(path, "wxe");
    if (f == NULL)
        return -1;
    fputs("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\n"
          "ff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n",
          f);
    return fclose(f) == 0 && chmod(path, 0644) == 0 ? 0 : -1;
}

/* One range of sandbox user ids per container that may run at once. */
static int lease_ranges(struct lease *ranges, int jobs)
{
    for (int i = 0; i < jobs; i++) {
        if (lease_free_uid_range(&ranges[i]) < 0) {
            fprintf(stderr, "grader batch: no free range of sandbox user ids (%s)\n", lease_last_error());
            return -1;
        }
    }
    return 0;
}

int batch_main(int argc, char **argv)
{
    struct batch_options o;
    if (parse_options(argc, argv, &o) < 0) {
        fputs(batch_usage, stderr);
        return 2;
    }
    struct text unreachable = { 0 };
    if (!engine_reachable(&unreachable)) {
        fprintf(stderr, "grader batch: %s\n", text_str(&unreachable));
        text_free(&unreachable);
        return 1;
    }
    if (!image_exists(o.image)) {
        fprintf(stderr,
                "grader batch: no docker image '%s' (build it with `make docker`, and check "
                "that the docker engine runs)\n",
                o.image);
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
    /* Private to root: the staged submissions and the containers' result folders. */
    char stage_root[] = "/tmp/gc-stage-XXXXXX";
    if (mkdtemp(stage_root) == NULL) {
        fprintf(stderr, "grader batch: cannot create a staging folder: %s\n", strerror(errno));
        return 1;
    }
    snprintf(o.hosts, sizeof o.hosts, "%s/hosts", stage_root);
    if (write_hosts(o.hosts) < 0) {
        fprintf(stderr, "grader batch: cannot write %s: %s\n", o.hosts, strerror(errno));
        return 1;
    }
    struct lease ranges[MAX_JOBS];
    if (lease_ranges(ranges, o.jobs) < 0)
        return 1;
    o.volumes = volumes_prepare(o.image, stage_root, o.volume_id) == 0;
    struct results rubric = { 0 };
    runner_not_graded("", &rubric);

    struct student **todo = calloc((size_t)n + 1, sizeof *todo);
    char **names = calloc((size_t)n + 1, sizeof *names);
    int ntodo = 0, regraded = 0;
    for (int i = 0; i < n; i++) {
        struct student *s = &students[i];
        names[i] = s->name;
        snprintf(s->out_dir, sizeof s->out_dir, "%s/%s", o.out, s->name);
        snprintf(s->stage_dir, sizeof s->stage_dir, "%s/%d", stage_root, i);
        char src[PATH_MAX], before[32];
        snprintf(src, sizeof src, "%s/%s", o.submissions, s->name);
        submission_hash(src, s->hash, sizeof s->hash);
        if (has_results(s) && !o.force && !o.only) {
            stored_hash(s, before, sizeof before);
            if (before[0] == '\0' || strcmp(before, s->hash) == 0)
                continue; /* graded before, and not changed since: keep it */
            fprintf(stderr, "grader batch: %s changed since it was graded: grading again\n", s->name);
            regraded++;
        }
        if (prepare(&o, s) < 0) {
            fprintf(stderr, "grader batch: cannot prepare %s: %s\n", s->name, strerror(errno));
            continue;
        }
        todo[ntodo++] = s;
    }
    int kept = n - ntodo;
    fprintf(stderr, "grader batch: %d student%s to grade (%d changed since graded), %d already graded", ntodo,
            ntodo == 1 ? "" : "s", regraded, kept);
    if (ntodo > 1)
        fprintf(stderr, "; %d at once", ntodo < o.jobs ? ntodo : o.jobs);
    fputc('\n', stderr);
    grade_all(todo, ntodo, &o, &rubric, ranges);
    remove_tree(stage_root);
    for (int i = 0; i < o.jobs; i++)
        lease_release(&ranges[i]);

    struct summary_counts counts;
    int rc = summary_write(o.out, names, n, &rubric, &counts) == 0 ? 0 : 1;
    report_run(&counts, kept, o.out, todo, ntodo);
    results_free(&rubric);
    for (int i = 0; i < n; i++)
        free(students[i].name);
    free(students);
    free(todo);
    free(names);
    return rc;
}
