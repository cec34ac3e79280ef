/* batch.h - grading a whole class: every subdirectory of SUBMISSIONS is one student, graded by
 * `grader grade` inside a container of its own (docker/Dockerfile), with no network, a read-only
 * root, no capabilities and limits on memory, CPU, processes and wall-clock time. */
#ifndef GC_BATCH_H
#define GC_BATCH_H

/* `grader batch ...`: argc/argv start at "batch". Returns the exit status. */
int batch_main(int argc, char **argv);

#endif
