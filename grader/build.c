/* build.c - copying a submission's sources and compiling each program, in parallel. */
#define _GNU_SOURCE
#include "build.h"

#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "deadline.h"
#include "diagnose.h"
#include "files.h"
#include "kitcode.h"
#include "sandbox.h"
#include "symbols.h"

#define MAX_SOURCES 64
#define MAX_SOURCE_BYTES (1 << 20)

/* One compiler to run: a program (compiled and linked), or a kit exercise's student object. */
struct job {
    struct text *log; /* where its messages go */
    bool *built;      /* set when it made its output */
    /* The compiler, BUILD_FLAGS (10), 8 link flags, the linker, -I. -r -o OUT MAIN, the objects,
     * NULL and the sources: room to spare. */
    const char *argv[MAX_SOURCES + 32];
    char output[600];
    char main_file[300];
    char src_dir[700];
    char log_path[600];
    struct proc proc;
    bool running;
    int64_t deadline;
};

/* An exercise whose programs are the kit's drivers (kitcode.h): the student's files are compiled
 * once, into one relocatable object, which is vetted (symbols.h) and then linked with each
 * driver. */
struct kit_exercise {
    struct exercise_build *b;
    const char *out_dir;
    char object[700]; /* OUT_DIR/bin/student.o */
    struct text log;  /* the compiler's messages about the student's files */
    bool built;
};

static bool has_suffix(const char *name, const char *suffix)
{
    size_t n = strlen(name), s = strlen(suffix);
    return n > s && strcmp(name + n - s, suffix) == 0;
}

/* A file that holds C (or C++) code but is not a .c or .h file, such as TLPI's ename.c.inc:
 * the student thinks it is compiled, and should be told it is not. */
static bool looks_like_code(const char *name)
{
    static const char *const suffixes[] = { ".inc", ".cpp", ".cc", ".cxx", ".hpp", ".hh", NULL };
    for (int i = 0; suffixes[i]; i++)
        if (has_suffix(name, suffixes[i]))
            return true;
    return strstr(name, ".c.") != NULL || strstr(name, ".h.") != NULL;
}

/* Copies one source file; a link, a device or a file over MAX_SOURCE_BYTES is left out, and
 * the student is told. */
static int copy_source(const char *from, const char *to, struct text *note)
{
    if (copy_regular_file(from, to, MAX_SOURCE_BYTES) == 0)
        return 0;
    text_printf(note, "skipped %s: not a regular file of at most 1 MiB (symbolic links are not followed)\n",
                strrchr(from, '/') + 1);
    return -1;
}

/* Copies the .c and .h files of exercise_dir into src_dir; adds the .c files to sources. */
static int copy_exercise_sources(const char *exercise_dir, const char *src_dir, char sources[][256],
                                 int *nsources, struct text *note)
{
    DIR *d = opendir(exercise_dir);
    if (d == NULL)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.' && looks_like_code(e->d_name))
            text_printf(note,
                        "%s was not compiled: only .c and .h files are (rename it, e.g. to "
                        ".h if another file #includes it)\n",
                        e->d_name);
        if (e->d_name[0] == '.' || (!has_suffix(e->d_name, ".c") && !has_suffix(e->d_name, ".h")))
            continue;
        if (strlen(e->d_name) >= 256 || *nsources >= MAX_SOURCES)
            continue;
        char from[PATH_MAX], to[PATH_MAX];
        snprintf(from, sizeof from, "%s/%s", exercise_dir, e->d_name);
        snprintf(to, sizeof to, "%s/%s", src_dir, e->d_name);
        if (copy_source(from, to, note) == 0 && has_suffix(e->d_name, ".c")) {
            bool known = false;
            for (int i = 0; i < *nsources; i++)
                known |= strcmp(sources[i], e->d_name) == 0;
            if (!known)
                snprintf(sources[(*nsources)++], 256, "%s", e->d_name);
        }
    }
    closedir(d);
    return 0;
}

static bool is_program_source(const struct exercise *ex, const char *file)
{
    for (int i = 0; ex->programs[i]; i++) {
        size_t n = strlen(ex->programs[i]);
        if (strncmp(file, ex->programs[i], n) == 0 && strcmp(file + n, ".c") == 0)
            return true;
    }
    return false;
}

/* The first executable NAME in $PATH, in buf; NULL when there is none. */
static const char *find_in_path(const char *name, char *buf, size_t size)
{
    const char *env_path = getenv("PATH");
    char *dirs = strdup(env_path ? env_path : "/usr/bin:/bin");
    const char *found = NULL;
    for (char *dir = strtok(dirs, ":"); dir && !found; dir = strtok(NULL, ":")) {
        snprintf(buf, size, "%s/%s", dir, name);
        if (access(buf, X_OK) == 0)
            found = buf;
    }
    free(dirs);
    return found;
}

const char *build_compiler(void)
{
    static char path[512];
    return find_in_path("cc", path, sizeof path);
}

/* The gold linker links a program with the sanitizers' runtimes in half the time of the default
 * one (0.04 s against 0.09 s): a second of CPU a student, where a class is graded. Same program;
 * where gold is missing, the default linker. */
static bool have_gold(void)
{
    static int found = -1;
    char path[512];
    if (found < 0)
        found = find_in_path("ld.gold", path, sizeof path) != NULL;
    return found;
}

/* The compiler, the build's flags and the exercise's link flags: the start of every program's
 * command line. Returns how many arguments it wrote. */
static int program_flags(const char **argv, const struct exercise *ex, const char *compiler)
{
    int a = 0;
    argv[a++] = compiler;
    static const char *const flags[] = { BUILD_FLAGS, NULL };
    for (int i = 0; flags[i]; i++)
        argv[a++] = flags[i];
    for (int i = 0; i < 8 && ex->link_flags[i]; i++)
        argv[a++] = ex->link_flags[i];
    if (have_gold())
        argv[a++] = "-fuse-ld=gold";
    return a;
}

/* Where a job's messages go and what it makes: out_dir/<name>.log and output. */
static void job_files(struct job *job, const char *out_dir, const char *name, const char *output)
{
    snprintf(job->output, sizeof job->output, "%s", output);
    snprintf(job->log_path, sizeof job->log_path, "%s/%s.log", out_dir, name);
    snprintf(job->src_dir, sizeof job->src_dir, "%s/src", out_dir);
}

/* Prepares the compiler command for one program, compiled from its main file and the
 * exercise's other sources. False when its main file is missing. */
static bool prepare_job(struct job *job, struct program_build *pb, const struct exercise *ex,
                        const char *out_dir, char sources[][256], int nsources, const char *compiler,
                        const char *tracer)
{
    const char *program = pb->program;
    job->log = &pb->log;
    job->built = &pb->built;
    char main_file[300];
    snprintf(main_file, sizeof main_file, "%s.c", program);
    bool have_main = false;
    for (int i = 0; i < nsources; i++)
        have_main |= strcmp(sources[i], main_file) == 0;
    if (!have_main) {
        text_printf(job->log, "%s/%s is missing.\n", ex->id, main_file);
        return false;
    }
    char binary[600];
    snprintf(binary, sizeof binary, "%s/bin/%s", out_dir, program);
    job_files(job, out_dir, program, binary);
    int a = program_flags(job->argv, ex, compiler);
    /* The compiler runs in the src folder with relative names, so that its messages say
     * "echo_server.c:12:5", as they would on the student's own machine. */
    job->argv[a++] = "-I.";
    job->argv[a++] = "-o";
    job->argv[a++] = job->output;
    snprintf(job->main_file, sizeof job->main_file, "%s", main_file);
    job->argv[a++] = job->main_file;
    for (int i = 0; i < nsources; i++) {
        if (!is_program_source(ex, sources[i]))
            job->argv[a++] = sources[i];
    }
    if (tracer != NULL)
        job->argv[a++] = tracer;
    job->argv[a] = NULL;
    return true;
}

/* Prepares the compiler command for a kit exercise's student files: every .c file that is not
 * a driver's, compiled into one relocatable object, bin/student.o (bin/ is the one folder the
 * compiler may write). */
static void prepare_student_object(struct job *job, struct kit_exercise *k, char sources[][256], int nsources,
                                   const char *compiler)
{
    const struct exercise *ex = k->b->exercise;
    job_files(job, k->out_dir, "student", k->object);
    job->log = &k->log;
    job->built = &k->built;
    int a = 0;
    job->argv[a++] = compiler;
    static const char *const flags[] = { BUILD_FLAGS, "-I.", "-r", "-o", NULL };
    for (int i = 0; flags[i]; i++)
        job->argv[a++] = flags[i];
    job->argv[a++] = job->output;
    for (int i = 0; i < nsources; i++)
        if (!is_program_source(ex, sources[i]))
            job->argv[a++] = sources[i];
    job->argv[a] = NULL;
}

/* Prepares the command that links one of a kit exercise's programs: the kit's driver, the
 * student's object and the tracer. False, with why in the program's log, when the driver's
 * object could not be had. */
static bool prepare_link(struct job *job, const struct kit_exercise *k, struct program_build *pb,
                         const char *build_dir, const char *compiler, const char *tracer)
{
    const struct exercise *ex = k->b->exercise;
    char binary[600];
    snprintf(binary, sizeof binary, "%s/bin/%s", k->out_dir, pb->program);
    job_files(job, k->out_dir, pb->program, binary);
    job->log = &pb->log;
    job->built = &pb->built;
    if (!kitcode_driver(ex, pb->program, build_dir, compiler, job->main_file, sizeof job->main_file, &pb->log))
        return false;
    int a = program_flags(job->argv, ex, compiler);
    job->argv[a++] = "-o";
    job->argv[a++] = job->output;
    job->argv[a++] = job->main_file;
    job->argv[a++] = k->object;
    if (tracer != NULL)
        job->argv[a++] = tracer;
    job->argv[a] = NULL;
    return true;
}

static int start_job(struct job *job, uid_t uid)
{
    struct proc_spec spec = {
        .argv = job->argv,
        .name = "the compiler",
        .cwd = job->src_dir,
        .stderr_path = job->log_path,
        .stdout_path = NULL,
        .uid = uid,
        .limits = &compiler_limits,
    };
    if (proc_start(&job->proc, &spec, job->log) < 0)
        return -1;
    job->running = true;
    job->deadline = deadline_in(COMPILE_MS);
    return 0;
}

static void finish_job(struct job *job, bool timed_out)
{
    job->running = false;
    if (timed_out) {
        proc_kill(&job->proc);
        text_printf(job->log, "The compiler did not finish within %d s.\n", COMPILE_MS / 1000);
    }
    text_read_file(job->log, job->log_path, 64 << 10);
    *job->built = !timed_out && job->proc.exited && job->proc.status == 0 && access(job->output, F_OK) == 0;
    if (!*job->built && job->log->len == 0) { /* no message of its own: say how it ended */
        describe_end(job->log, &job->proc);
        text_puts(job->log, ".\n");
    }
    proc_kill(&job->proc);
}

/* Runs the prepared jobs, at most `parallel` at once, each until it ends or its deadline. */
static void run_jobs(struct job *jobs, int njobs, int parallel, uid_t uid)
{
    int next = 0, running = 0;
    while (next < njobs || running > 0) {
        while (next < njobs && running < parallel) {
            if (start_job(&jobs[next], uid) == 0)
                running++;
            next++;
        }
        struct pollfd pfds[64];
        int map[64], n = 0;
        int64_t nearest = INT64_MAX;
        for (int i = 0; i < njobs && n < 64; i++) {
            if (!jobs[i].running)
                continue;
            pfds[n] = (struct pollfd){ .fd = jobs[i].proc.pidfd, .events = POLLIN };
            map[n++] = i;
            if (jobs[i].deadline < nearest)
                nearest = jobs[i].deadline;
        }
        if (n == 0)
            continue;
        poll(pfds, (nfds_t)n, ms_left(nearest));
        for (int k = 0; k < n; k++) {
            struct job *job = &jobs[map[k]];
            if (!proc_running(&job->proc) || now_ms() >= job->deadline) {
                finish_job(job, !job->proc.exited);
                running--;
            }
        }
    }
}

/* Each program's log, in full, beside where its binary would be: the checks show it when the
 * program they need was not built. */
static void save_logs(const struct exercise_build *b, const char *out_dir)
{
    for (int i = 0; i < b->count; i++) {
        char path[800];
        snprintf(path, sizeof path, "%s/%s.log", out_dir, b->programs[i].program);
        FILE *f = fopen(path, "we");
        if (f == NULL)
            continue;
        fwrite(text_str(&b->programs[i].log), 1, b->programs[i].log.len, f);
        fclose(f);
    }
}

static int make_dir(const char *path, uid_t uid)
{
    if (mkdir(path, 0755) < 0 && errno != EEXIST)
        return -1;
    if (uid != 0 && chown(path, uid, uid) < 0)
        return -1;
    return 0;
}

/* Hands bin/ to the grader's user once the compilers are done: its binaries become the
 * grader's, and anything else the sandbox user left there (a link, a pipe) is removed. Later
 * checks may run as that same user id, and must not be able to change what they run. */
static int seal_bin_dir(const char *bin_dir)
{
    DIR *d = opendir(bin_dir);
    if (d == NULL)
        return -1;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (!S_ISREG(st.st_mode)) {
            if (unlinkat(dirfd(d), e->d_name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0)
                rc = -1;
            continue;
        }
        if (fchownat(dirfd(d), e->d_name, getuid(), getgid(), AT_SYMLINK_NOFOLLOW) < 0
            || fchmodat(dirfd(d), e->d_name, 0755, 0) < 0)
            rc = -1;
    }
    closedir(d);
    if (chown(bin_dir, getuid(), getgid()) < 0 || chmod(bin_dir, 0755) < 0)
        rc = -1;
    return rc;
}

void build_program_path(char *buf, size_t size, const char *build_dir, const char *exercise_id,
                        const char *program)
{
    snprintf(buf, size, "%s/%s/bin/%s", build_dir, exercise_id, program);
}

void build_log_path(char *buf, size_t size, const char *build_dir, const char *exercise_id, const char *program)
{
    snprintf(buf, size, "%s/%s/%s.log", build_dir, exercise_id, program);
}

/* Whether every file a student writes for ex (its student_files) is among sources; if not, the
 * first one missing in *missing. */
static bool student_files_present(const struct exercise *ex, char sources[][256], int nsources,
                                  const char **missing)
{
    for (int k = 0; ex->student_files[k]; k++) {
        bool present = false;
        for (int i = 0; i < nsources; i++)
            present |= strcmp(sources[i], ex->student_files[k]) == 0;
        if (!present) {
            *missing = ex->student_files[k];
            return false;
        }
    }
    return true;
}

/* Once k's student object was compiled: vets it, then prepares the link of each of its
 * programs into jobs. Returns how many it prepared. */
static int prepare_kit_links(struct kit_exercise *k, struct job *jobs, const char *build_dir,
                             const char *compiler, const char *tracer, uid_t uid)
{
    struct exercise_build *b = k->b;
    struct text why = { 0 };
    bool vetted = k->built && symbols_vet(b->exercise, k->object, k->out_dir, uid, &why);
    int n = 0;
    for (int i = 0; i < b->count; i++) {
        struct program_build *pb = &b->programs[i];
        if (k->built && !vetted) { /* the refusal alone: it says what to change */
            text_free(&pb->log);
            text_append(&pb->log, why.data ? why.data : "", why.len);
            continue;
        }
        text_append(&pb->log, k->log.data ? k->log.data : "", k->log.len); /* errors, or warnings */
        if (vetted && prepare_link(&jobs[n], k, pb, build_dir, compiler, tracer))
            n++;
    }
    text_free(&why);
    return n;
}

int build_submission(const char *submission, const char *build_dir, struct exercise_build *builds, int n,
                     int jobs, uid_t uid)
{
    const char *compiler = build_compiler();
    if (compiler == NULL) {
        fprintf(stderr, "grader: no C compiler (cc) on PATH\n");
        return -1;
    }
    int total = 0;
    for (int i = 0; i < n; i++)
        for (int p = 0; builds[i].exercise->programs[p]; p++)
            total++;
    /* A job for each program, and one more for each exercise's student object at most. */
    struct job *all = calloc((size_t)(total + n) + 1, sizeof *all);
    /* One list of source names per exercise: the jobs' command lines point into them. */
    char(*sources)[256] = calloc((size_t)n * MAX_SOURCES, 256);
    char(*out_dirs)[600] = calloc((size_t)n + 1, 600);
    struct kit_exercise *kits = calloc((size_t)n + 1, sizeof *kits);
    if (all == NULL || sources == NULL || out_dirs == NULL || kits == NULL) {
        fprintf(stderr, "grader: out of memory\n");
        return -1;
    }
    const char *tracer = kitcode_tracer(build_dir, compiler);
    int njobs = 0;
    for (int i = 0; i < n; i++) {
        struct exercise_build *b = &builds[i];
        const struct exercise *ex = b->exercise;
        char exercise_dir[600], src_dir[700], bin_dir[700];
        snprintf(exercise_dir, sizeof exercise_dir, "%s/%s", submission, ex->id);
        snprintf(out_dirs[i], 600, "%s/%s", build_dir, ex->id);
        snprintf(src_dir, sizeof src_dir, "%s/src", out_dirs[i]);
        snprintf(bin_dir, sizeof bin_dir, "%s/bin", out_dirs[i]);
        if (make_dir(out_dirs[i], 0) < 0 || make_dir(src_dir, 0) < 0 || make_dir(bin_dir, uid) < 0) {
            fprintf(stderr, "grader: cannot create %s: %s\n", src_dir, strerror(errno));
            return -1;
        }
        struct text note = { 0 };
        int nsources = 0;
        char(*mine)[256] = sources + (size_t)i * MAX_SOURCES;
        bool present = copy_exercise_sources(exercise_dir, src_dir, mine, &nsources, &note) == 0;
        if (present && ex->kit_files) {
            char kit[PATH_MAX + 300];
            snprintf(kit, sizeof kit, "%s/%s", kitcode_support_dir(), ex->id);
            if (copy_exercise_sources(kit, src_dir, mine, &nsources, &note) < 0) {
                fprintf(stderr, "grader: the kit's files for %s are missing (%s)\n", ex->id, kit);
                return -1;
            }
        }
        const char *missing = NULL;
        bool complete = present && (!ex->kit_files || student_files_present(ex, mine, nsources, &missing));
        for (b->count = 0; ex->programs[b->count]; b->count++) {
            struct program_build *pb = &b->programs[b->count];
            *pb = (struct program_build){ .program = ex->programs[b->count] };
            text_append(&pb->log, note.data ? note.data : "", note.len);
            if (!present)
                text_printf(&pb->log, "The folder %s/ is missing from the submission.\n", ex->id);
            else if (missing)
                text_printf(&pb->log,
                            "%s/%s is missing: the kit's drivers call the functions you write in it "
                            "(see the exercise's README), so nothing could be linked.\n",
                            ex->id, missing);
            else if (!ex->kit_files
                     && prepare_job(&all[njobs], pb, ex, out_dirs[i], mine, nsources, compiler, tracer))
                njobs++;
        }
        if (complete && ex->kit_files) {
            struct kit_exercise *k = &kits[i];
            k->b = b;
            k->out_dir = out_dirs[i];
            snprintf(k->object, sizeof k->object, "%s/bin/student.o", out_dirs[i]);
            prepare_student_object(&all[njobs++], k, mine, nsources, compiler);
        }
        text_free(&note);
    }
    run_jobs(all, njobs, jobs, uid);
    /* Then the programs of the kit's drivers, once the student's object is there and vetted. */
    int nlinks = 0;
    for (int i = 0; i < n; i++)
        if (kits[i].b != NULL)
            nlinks += prepare_kit_links(&kits[i], all + njobs + nlinks, build_dir, compiler, tracer, uid);
    run_jobs(all + njobs, nlinks, jobs, uid);
    int rc = 0;
    for (int i = 0; i < n; i++) {
        char bin_dir[700];
        snprintf(bin_dir, sizeof bin_dir, "%s/bin", out_dirs[i]);
        if (kits[i].b != NULL) {
            unlink(kits[i].object); /* bin/ is for the programs */
            text_free(&kits[i].log);
        }
        if (uid != 0)
            uid_sweep(uid); /* nothing may run as uid while its folder is taken from it */
        if (uid != 0 && seal_bin_dir(bin_dir) < 0) {
            fprintf(stderr, "grader: cannot take back %s: %s\n", bin_dir, strerror(errno));
            rc = -1;
        }
        save_logs(&builds[i], out_dirs[i]);
    }
    free(all);
    free(sources);
    free(out_dirs);
    free(kits);
    return rc;
}

void build_free(struct exercise_build *b)
{
    for (int i = 0; i < b->count; i++)
        text_free(&b->programs[i].log);
}
