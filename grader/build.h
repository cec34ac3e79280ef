/* build.h - compiling a submission's programs with fixed flags, never with its own make file.
 *
 * For each exercise, the regular .c and .h files of SUBMISSION/<id>/ are copied into the build
 * folder (a symbolic link is never followed), then each program is compiled from <program>.c plus
 * every other .c file that is not another program's main file. In an exercise whose programs are
 * the kit's drivers (kit_files), those other files are compiled once, into one object that is
 * vetted (symbols.h) and then linked with each driver (kitcode.h). The compiler runs as a
 * separate process under limits, with a sandbox user id when there is one. */
#ifndef GC_BUILD_H
#define GC_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "exercise.h"
#include "text.h"

#define COMPILE_FLAGS "-std=gnu11 -Wall -Wextra -g"
/* What check N.0 of each exercise, its build, is called. */
#define BUILD_CHECK_NAME "compiles with " COMPILE_FLAGS
/* What the kit adds: AddressSanitizer and UndefinedBehaviorSanitizer, so that a memory error is
 * reported with the student's function, file and line instead of a bare crash. */
#define SANITIZE_FLAGS \
    "-fsanitize=address,undefined", "-fno-sanitize-recover=undefined", "-fno-omit-frame-pointer"
/* Everything the compiler is given before the exercise's own flags and the files (also for the
 * kit's drivers, kitcode.c, and for 05's student object, the very code that is vetted and linked).
 * -fno-canonical-system-headers: by default the compiler resolves the path of every system
 * header it opens with realpath(), a readlink() for each folder on the way, about 1,500
 * lookups a program; in a container on fuse-overlayfs each lookup that starts at / is a round
 * trip to the fuse daemon, and the flag takes a third off the compile's CPU there (it only
 * changes how a system header's path could be spelled in a message). */
#define BUILD_FLAGS \
    "-std=gnu11", "-Wall", "-Wextra", "-g", "-pipe", "-fdiagnostics-color=never", \
        "-fno-canonical-system-headers", SANITIZE_FLAGS

/* How the kit's tracer is compiled (once, see kitcode.h). */
#define TRACER_FLAGS "-std=gnu11", "-g", "-O1", "-w", "-pipe", "-fno-omit-frame-pointer"

/* How long one compiler may run. */
#define COMPILE_MS 60000

struct program_build {
    const char *program;
    bool built;
    struct text log; /* compiler messages, or why it was not compiled */
};

struct exercise_build {
    const struct exercise *exercise;
    struct program_build programs[MAX_PROGRAMS];
    int count;
};

/* Builds the n exercises into build_dir/<id>/, running up to jobs compilers at once.
 * Returns 0, or -1 on an internal error (reported on stderr). */
int build_submission(const char *submission, const char *build_dir, struct exercise_build *builds, int n,
                     int jobs, uid_t uid);

void build_free(struct exercise_build *b);

/* The C compiler on PATH ("cc"), or NULL when there is none. */
const char *build_compiler(void);

/* The build folder's layout, BUILD/<exercise-id>/: bin/<program>, the binaries, written by the
 * compiler as the sandbox user and handed to the grader's user once built; <program>.log, what
 * the compiler said; src/, the sources. */
void build_program_path(char *buf, size_t size, const char *build_dir, const char *exercise_id,
                        const char *program);
void build_log_path(char *buf, size_t size, const char *build_dir, const char *exercise_id,
                    const char *program);

#endif
