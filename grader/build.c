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
#include "sandbox.h"
#include "symbols.h"

#define MAX_SOURCES 64
#define MAX_SOURCE_BYTES (1 << 20)
#define COMPILE_MS 60000

struct job {
    struct program_build *program;
    /* The compiler, BUILD_FLAGS (10), 8 link flags, the linker, -I. -o OUT MAIN, the tracer, NULL
     * and the sources: room to spare. */
    const char *argv[MAX_SOURCES + 32];
    char paths[2][600];
    char main_file[300];
    char src_dir[700];
    char log_path[600];
    struct proc proc;
    bool running;
    int64_t deadline;
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

/* Where the kit's own files are: $GC_KIT_DIR, or grader/support beside the grader's bin/. */
static const char *kit_support_dir(void)
{
    static char dir[PATH_MAX + 32];
    if (config()->kit_dir)
        return config()->kit_dir;
    char exe[PATH_MAX - 64];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n < 0)
        return "grader/support";
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = '\0';
    snprintf(dir, sizeof dir, "%s/../grader/support", exe);
    return dir;
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

static const char *find_compiler(void)
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

/* Prepares the compiler command for one program. False when its main file is missing. */
static bool prepare_job(struct job *job, const struct exercise *ex, const char *out_dir, char sources[][256],
                        int nsources, const char *compiler, const char *tracer)
{
    const char *program = job->program->program;
    char main_file[300];
    snprintf(main_file, sizeof main_file, "%s.c", program);
    bool have_main = false;
    for (int i = 0; i < nsources; i++)
        have_main |= strcmp(sources[i], main_file) == 0;
    if (!have_main) {
        text_printf(&job->program->log, "%s/%s is missing.\n", ex->id, main_file);
        return false;
    }
    int a = 0, p = 0;
    job->argv[a++] = compiler;
    static const char *const flags[] = { BUILD_FLAGS, NULL };
    for (int i = 0; flags[i]; i++)
        job->argv[a++] = flags[i];
    for (int i = 0; i < 8 && ex->link_flags[i]; i++)
        job->argv[a++] = ex->link_flags[i];
    if (have_gold())
        job->argv[a++] = "-fuse-ld=gold";
    /* The compiler runs in the src folder with relative names, so that its messages say
     * "echo_server.c:12:5", as they would on the student's own machine. */
    job->argv[a++] = "-I.";
    job->argv[a++] = "-o";
    snprintf(job->paths[p], sizeof job->paths[p], "%s/bin/%s", out_dir, program);
    job->argv[a++] = job->paths[p++];
    job->argv[a++] = job->main_file;
    snprintf(job->main_file, sizeof job->main_file, "%s", main_file);
    for (int i = 0; i < nsources; i++) {
        if (!is_program_source(ex, sources[i]))
            job->argv[a++] = sources[i];
    }
    if (tracer != NULL)
        job->argv[a++] = tracer;
    job->argv[a] = NULL;
    snprintf(job->log_path, sizeof job->log_path, "%s/%s.log", out_dir, program);
    snprintf(job->src_dir, sizeof job->src_dir, "%s/src", out_dir);
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
    if (proc_start(&job->proc, &spec, &job->program->log) < 0)
        return -1;
    job->running = true;
    job->deadline = deadline_in(COMPILE_MS);
    return 0;
}

static void finish_job(struct job *job, bool timed_out)
{
    struct program_build *pb = job->program;
    job->running = false;
    if (timed_out) {
        proc_kill(&job->proc);
        text_printf(&pb->log, "The compiler did not finish within %d s.\n", COMPILE_MS / 1000);
    }
    text_read_file(&pb->log, job->log_path, 64 << 10);
    char *binary = job->paths[0];
    pb->built = !timed_out && job->proc.exited && job->proc.status == 0 && access(binary, X_OK) == 0;
    if (!pb->built && pb->log.len == 0) { /* no message of its own: say how it ended */
        describe_end(&pb->log, &job->proc);
        text_puts(&pb->log, ".\n");
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

/* The kit's tracer (grader/support/trace/gc-trace.c, see grader/trace.h), as an object that
 * every program is linked with: `make` builds it beside the grader's own objects (build/); a
 * grader without it, or with one older than the source, compiles it here once per run. It is
 * the kit's own code, so it is compiled as the grader, without the sanitizers (it must not add
 * reports of its own) and without warnings (a student must never see one about it). Returns
 * the object's path in build_dir, or NULL when there is none: the programs are then built
 * without it, and the checks show no socket calls. */
static const char *build_tracer(const char *build_dir, const char *compiler)
{
    static char object[PATH_MAX], source[PATH_MAX + 64], prebuilt[PATH_MAX + 64], log[PATH_MAX];
    snprintf(source, sizeof source, "%s/trace/gc-trace.c", kit_support_dir());
    snprintf(prebuilt, sizeof prebuilt, "%s/../../build/gc-trace.o", kit_support_dir());
    snprintf(object, sizeof object, "%s/gc-trace.o", build_dir);
    snprintf(log, sizeof log, "%s/gc-trace.log", build_dir);
    struct stat src, pre;
    if (stat(source, &src) == 0 && stat(prebuilt, &pre) == 0 && pre.st_mtime >= src.st_mtime
        && copy_regular_file(prebuilt, object, 4 << 20) == 0)
        return object;
    const char *argv[] = { compiler, TRACER_FLAGS, "-c", "-o", object, source, NULL };
    struct proc_spec spec = {
        .argv = argv,
        .name = "the compiler",
        .cwd = build_dir,
        .stderr_path = log,
        .uid = 0,
        .limits = &compiler_limits,
    };
    struct proc p;
    struct text why = { 0 };
    bool built = proc_start(&p, &spec, &why) == 0 && proc_wait(&p, deadline_in(COMPILE_MS))
                 && exited_with(&p, 0);
    if (p.pid > 0)
        proc_kill(&p);
    if (!built) {
        text_read_file(&why, log, 4096);
        fprintf(stderr, "grader: the kit's tracer (%s) did not compile; programs are built without it\n%s",
                source, text_str(&why));
    }
    text_free(&why);
    return built ? object : NULL;
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

int build_submission(const char *submission, const char *build_dir, struct exercise_build *builds, int n,
                     int jobs, uid_t uid)
{
    const char *compiler = find_compiler();
    if (compiler == NULL) {
        fprintf(stderr, "grader: no C compiler (cc) on PATH\n");
        return -1;
    }
    int total = 0;
    for (int i = 0; i < n; i++)
        for (int p = 0; builds[i].exercise->programs[p]; p++)
            total++;
    struct job *all = calloc((size_t)total + 1, sizeof *all);
    /* One list of source names per exercise: the jobs' command lines point into them. */
    char(*sources)[256] = calloc((size_t)n * MAX_SOURCES, 256);
    char(*out_dirs)[600] = calloc((size_t)n + 1, 600);
    if (all == NULL || sources == NULL || out_dirs == NULL) {
        fprintf(stderr, "grader: out of memory\n");
        return -1;
    }
    const char *tracer = build_tracer(build_dir, compiler);
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
            snprintf(kit, sizeof kit, "%s/%s", kit_support_dir(), ex->id);
            if (copy_exercise_sources(kit, src_dir, mine, &nsources, &note) < 0) {
                fprintf(stderr, "grader: the kit's files for %s are missing (%s)\n", ex->id, kit);
                return -1;
            }
        }
        for (b->count = 0; ex->programs[b->count]; b->count++) {
            struct program_build *pb = &b->programs[b->count];
            *pb = (struct program_build){ .program = ex->programs[b->count] };
            text_append(&pb->log, note.data ? note.data : "", note.len);
            if (!present) {
                text_printf(&pb->log, "The folder %s/ is missing from the submission.\n", ex->id);
                continue;
            }
            all[njobs].program = pb;
            if (prepare_job(&all[njobs], ex, out_dirs[i], mine, nsources, compiler, tracer))
                njobs++;
        }
        text_free(&note);
    }
    run_jobs(all, njobs, jobs, uid);
    for (int i = 0; i < n; i++) /* code the kit's drivers call may call only what it allows */
        if (builds[i].exercise->kit_files)
            symbols_vet(&builds[i], out_dirs[i], compiler, uid);
    int rc = 0;
    for (int i = 0; i < n; i++) {
        char bin_dir[700];
        snprintf(bin_dir, sizeof bin_dir, "%s/bin", out_dirs[i]);
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
    return rc;
}

void build_free(struct exercise_build *b)
{
    for (int i = 0; i < b->count; i++)
        text_free(&b->programs[i].log);
}
