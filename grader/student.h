/* student.h - the student's commands: where they stand (status), the next hint (hint), and
 * grading again on every save (watch). */
#ifndef GC_STUDENT_H
#define GC_STUDENT_H

#include <criterion/criterion.h>

int status_main(int argc, char **argv, struct criterion_test_set *set);
int hint_main(int argc, char **argv, struct criterion_test_set *set);
int watch_main(int argc, char **argv, struct criterion_test_set *set);

#endif
