/* symbols.h - what the student's code may call when the kit's drivers call it (05's framing.c).
 *
 * The drivers inject faults into framing.c's reads and writes; code that moved bytes some other
 * way (__real_read, syscall(), stdio on the socket, a function looked up with dlsym) would step
 * around them and pass checks it should fail. So the student's sources (every .c file but the
 * drivers' main files, which hold all of the kit's code with its headers) are compiled into one
 * relocatable object with the build's own flags, and its symbols are read (readelf, as the
 * sandbox user): it may call only the functions of an allow-list, and may not define a name the
 * system's libraries already use (that would replace the library's function for the drivers
 * too). A header named like a system one (stdio.h: found first through -I., it would change the
 * drivers) is refused too. Then the programs are not linked: the checks that need them score 0
 * and the build check says which names were refused, and why. */
#ifndef GC_SYMBOLS_H
#define GC_SYMBOLS_H

#include <stdbool.h>
#include <sys/types.h>

#include "build.h"

/* Why framing.c may not call name, or NULL when it may. */
const char *symbols_refused_call(const char *name);
/* Why framing.c may not define the global name, or NULL when it may. */
const char *symbols_refused_definition(const char *name);

/* Vets the student's files of b's exercise, built in out_dir: when one of its student_files is
 * missing, or anything is refused (above), every program of b is marked not built, its binary
 * removed, the reason in its log. */
void symbols_vet(struct exercise_build *b, const char *out_dir, const char *compiler, uid_t uid);

#endif
