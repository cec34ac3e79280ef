/* student.h - the student's commands: where they stand (status), the next hint (hint), and
 * grading again on every save (watch). */
#ifndef GC_STUDENT_H
#define GC_STUDENT_H

int status_main(int argc, char **argv);
int hint_main(int argc, char **argv);
int watch_main(int argc, char **argv);

#endif
