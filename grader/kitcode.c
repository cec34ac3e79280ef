/* kitcode.c - the kit's own code in the students' programs, compiled once (see kitcode.h). */
#define _GNU_SOURCE
#include "kitcode.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build.h"
#include "config.h"
#include "deadline.h"
#include "sandbox.h"

const char *kitcode_support_dir(void)
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

/* build/kit at the kit's root: where `make` (grader build-kit) leaves the objects. */
static const char *prebuilt_dir(void)
{
    static char dir[PATH_MAX + 64];
    snprintf(dir, sizeof dir, "%s/../../build/kit", kitcode_support_dir());
    return dir;
}

/* The newest change among the files an object is made from: the kit's folder (its source and
 * headers) and the grader itself, whose build flags it was compiled with. */
static time_t newest_source(const char *kit_dir)
{
    struct stat st;
    time_t newest = stat("/proc/self/exe", &st) == 0 ? st.st_mtime : 0;
    DIR *d = opendir(kit_dir);
    if (d == NULL)
        return newest;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (e->d_name[0] != '.' && fstatat(dirfd(d), e->d_name, &st, 0) == 0 && st.st_mtime > newest)
            newest = st.st_mtime;
    closedir(d);
    return newest;
}

static bool is_fresh(const char *object, time_t newest)
{
    struct stat st;
    return stat(object, &st) == 0 && S_ISREG(st.st_mode) && st.st_mtime >= newest;
}

static int make_dirs(const char *path)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) < 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

/* Compiles NAME.c of the kit's folder SUB into ROOT/SUB/NAME.o (its path in path), as the
 * grader's user. The compiler runs in the kit's folder, so that -I. finds the kit's headers and
 * nothing else. The object is written under another name and renamed, so that a grader reading
 * it never sees half of it. False with the reason, or the compiler's messages, in log. */
static bool compile_into(const char *root, const char *sub, const char *name, const char *const *flags,
                         const char *compiler, char *path, size_t size, struct text *log)
{
    char kit_dir[PATH_MAX + 64], out_dir[PATH_MAX + 64], source[300], part[PATH_MAX + 16],
        messages[PATH_MAX + 16];
    snprintf(kit_dir, sizeof kit_dir, "%s/%s", kitcode_support_dir(), sub);
    snprintf(out_dir, sizeof out_dir, "%s/%s", root, sub);
    snprintf(source, sizeof source, "%s.c", name);
    snprintf(path, size, "%s/%s.o", out_dir, name);
    if (make_dirs(out_dir) < 0) {
        text_printf(log, "cannot create %s: %s\n", out_dir, strerror(errno));
        return false;
    }
    snprintf(part, sizeof part, "%s.%d.part", path, (int)getpid());
    snprintf(messages, sizeof messages, "%s.%d.log", path, (int)getpid());
    const char *argv[32];
    int a = 0;
    argv[a++] = compiler;
    for (int i = 0; flags[i]; i++)
        argv[a++] = flags[i];
    argv[a++] = "-I.";
    argv[a++] = "-c";
    argv[a++] = "-o";
    argv[a++] = part;
    argv[a++] = source;
    argv[a] = NULL;
    struct proc_spec spec = {
        .argv = argv,
        .name = "the compiler",
        .cwd = kit_dir,
        .stderr_path = messages,
        .limits = &compiler_limits,
    };
    struct proc p = { .pid = -1 };
    bool built = proc_start(&p, &spec, log) == 0 && proc_wait(&p, deadline_in(COMPILE_MS))
                 && exited_with(&p, 0) && rename(part, path) == 0;
    if (p.pid > 0)
        proc_kill(&p);
    if (!built) {
        text_printf(log, "The kit's %s/%s did not compile:\n", kit_dir, source);
        text_read_file(log, messages, 16 << 10);
        unlink(part);
    }
    unlink(messages);
    return built;
}

/* The object of NAME.c in the kit's folder SUB: build/kit's when fresh, else the one compiled
 * into the run's build folder (compiled now, the first time). */
static bool kit_object(const char *sub, const char *name, const char *const *flags, const char *build_dir,
                       const char *compiler, char *path, size_t size, struct text *log)
{
    char kit_dir[PATH_MAX + 64], run_root[PATH_MAX + 16];
    snprintf(kit_dir, sizeof kit_dir, "%s/%s", kitcode_support_dir(), sub);
    time_t newest = newest_source(kit_dir);
    snprintf(path, size, "%s/%s/%s.o", prebuilt_dir(), sub, name);
    if (is_fresh(path, newest))
        return true;
    snprintf(run_root, sizeof run_root, "%s/kit", build_dir);
    snprintf(path, size, "%s/%s/%s.o", run_root, sub, name);
    return is_fresh(path, newest) || compile_into(run_root, sub, name, flags, compiler, path, size, log);
}

/* The tracer: its folder and name (trace/gc-trace.c), and its flags. */
#define TRACER_DIR "trace"
#define TRACER_NAME "gc-trace"
static const char *const tracer_flags[] = { TRACER_FLAGS, NULL };
static const char *const driver_flags[] = { BUILD_FLAGS, NULL };

const char *kitcode_tracer(const char *build_dir, const char *compiler)
{
    static char object[PATH_MAX + 128];
    struct text why = { 0 };
    bool built = kit_object(TRACER_DIR, TRACER_NAME, tracer_flags, build_dir, compiler, object, sizeof object,
                            &why);
    if (!built)
        fprintf(stderr, "grader: the kit's tracer is missing; programs are built without it\n%s",
                text_str(&why));
    text_free(&why);
    return built ? object : NULL;
}

bool kitcode_driver(const struct exercise *ex, const char *program, const char *build_dir,
                    const char *compiler, char *path, size_t size, struct text *log)
{
    return kit_object(ex->id, program, driver_flags, build_dir, compiler, path, size, log);
}

static const char *build_kit_help =
    "usage: grader build-kit [DIR]\n\n"
    "Compiles the kit's own code that the students' programs are linked with (the\n"
    "tracer, and the drivers of exercises whose programs are the kit's) into DIR,\n"
    "by default build/kit at the kit's root, with the flags of a grading. `make`\n"
    "runs it; a grader that finds no such object, or one older than its sources,\n"
    "compiles it for each grading instead.\n"
    "Exit status: 0 when all of it compiled, 1 otherwise, 2 for a usage error.\n";

/* Compiles NAME.c of the kit's folder SUB into DIR/SUB/NAME.o; false (said on stderr) if not. */
static bool build_one(const char *dir, const char *sub, const char *name, const char *const *flags,
                      const char *compiler)
{
    char object[PATH_MAX + 400];
    struct text log = { 0 };
    bool ok = compile_into(dir, sub, name, flags, compiler, object, sizeof object, &log);
    if (!ok)
        fprintf(stderr, "grader build-kit: %s", text_str(&log));
    text_free(&log);
    return ok;
}

int kitcode_main(int argc, char **argv)
{
    static const struct option options[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    for (int c; (c = getopt_long(argc, argv, "h", options, NULL)) != -1;) {
        if (c == 'h') {
            fputs(build_kit_help, stdout);
            return 0;
        }
        fputs(build_kit_help, stderr);
        return 2;
    }
    if (argc - optind > 1) {
        fputs(build_kit_help, stderr);
        return 2;
    }
    /* The compiler runs in the kit's folders: it is given absolute paths. */
    const char *given = optind < argc ? argv[optind] : prebuilt_dir();
    char dir[PATH_MAX];
    if (make_dirs(given) < 0 || realpath(given, dir) == NULL) {
        fprintf(stderr, "grader build-kit: cannot create %s: %s\n", given, strerror(errno));
        return 1;
    }
    const char *compiler = build_compiler();
    if (compiler == NULL) {
        fprintf(stderr, "grader build-kit: no C compiler (cc) on PATH\n");
        return 1;
    }
    bool ok = build_one(dir, TRACER_DIR, TRACER_NAME, tracer_flags, compiler);
    const struct exercise *all[MAX_EXERCISES];
    int n = exercise_all(all, MAX_EXERCISES);
    for (int i = 0; i < n; i++)
        for (int p = 0; all[i]->kit_files && all[i]->programs[p]; p++)
            ok &= build_one(dir, all[i]->id, all[i]->programs[p], driver_flags, compiler);
    return ok ? 0 : 1;
}
