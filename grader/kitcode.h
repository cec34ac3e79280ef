/* kitcode.h - the kit's own code in the students' programs: the tracer (grader/support/trace/,
 * linked into every program) and the drivers of the exercises whose programs are the kit's
 * (05's frame_send and frame_recv, which call the student's framing.c).
 *
 * It is compiled from the kit's files alone, never in the folder of a student's files (whose
 * headers, found first through -I., would change it), as the grader's own user, and once: `make`
 * runs `grader build-kit`, which compiles it into build/kit/ with the very flags of a grading.
 * A grader that finds an object missing, or older than the kit's files it is made from, compiles
 * it into the run's build folder instead (slower; the same programs). */
#ifndef GC_KITCODE_H
#define GC_KITCODE_H

#include "exercise.h"
#include "text.h"

/* Where the kit's files are: $GC_KIT_DIR, or grader/support beside the grader's bin/. */
const char *kitcode_support_dir(void);

/* The tracer's object, or NULL when it could not be had (the reason on stderr): the programs
 * are then built without it, and the checks show no socket calls. build_dir: the run's. */
const char *kitcode_tracer(const char *build_dir, const char *compiler);

/* The object of program's main file, one of ex's kit files, in path; false with the reason in
 * log when it could not be had. */
bool kitcode_driver(const struct exercise *ex, const char *program, const char *build_dir,
                    const char *compiler, char *path, size_t size, struct text *log);

/* grader build-kit [DIR]: compiles all of it into DIR (default build/kit beside the grader). */
int kitcode_main(int argc, char **argv);

#endif
