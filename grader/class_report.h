/* class_report.h - `grader report OUTDIR`: OUTDIR/report.html, one self-contained page about a
 * class graded by `grader batch` (or any folder of <student>/results.json). */
#ifndef GC_CLASS_REPORT_H
#define GC_CLASS_REPORT_H


int class_report_main(int argc, char **argv);

#endif
