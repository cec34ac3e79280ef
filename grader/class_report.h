/* class_report.h - `grader report OUTDIR`: OUTDIR/report.html, one self-contained page about a
 * class graded by `grader batch` (or any folder of <student>/results.json). */
#ifndef GC_CLASS_REPORT_H
#define GC_CLASS_REPORT_H

#include <jansson.h>

int class_report_main(int argc, char **argv);

/* Writes one page of a student's own results (a results.json object) to path, the way the
 * class report shows each student, failed checks' conversations drawn as sequence diagrams:
 * `grader grade --html FILE` (make check HTML=1). 0, or -1 with a message on stderr. */
int class_report_write_page(const char *path, json_t *results, const char *name);

#endif
