/* symbols.h - what the student's code may call when the kit's drivers call it (05's framing.c).
 *
 * The drivers inject faults into framing.c's reads and writes; code that moved bytes some other
 * way (__real_read, syscall(), stdio on the socket, a function looked up with dlsym) would step
 * around them and pass checks it should fail. So the student's sources (every .c file but the
 * drivers' main files) are compiled into one relocatable object with the build's own flags (the
 * very object the drivers are linked with, see build.c), and its symbols are read (readelf, as
 * the sandbox user): it may call only the functions of an allow-list, and may not define a name
 * the system's libraries already use (that would replace the library's function for the drivers
 * too). Then the programs are not linked: the checks that need them score 0 and the build check
 * says which names were refused, and why. (The student's headers cannot change the drivers: the
 * kit compiles those from its own files alone, see kitcode.h.) */
#ifndef GC_SYMBOLS_H
#define GC_SYMBOLS_H

#include <stdbool.h>
#include <sys/types.h>

#include "build.h"

/* Why framing.c may not call name, or NULL when it may. */
const char *symbols_refused_call(const char *name);
/* Why framing.c may not define the global name, or NULL when it may. */
const char *symbols_refused_definition(const char *name);

/* Vets object, the student's files of ex compiled together (out_dir: where its readings go).
 * True when it may be linked; false with the reason, for the student, in why. */
bool symbols_vet(const struct exercise *ex, const char *object, const char *out_dir, uid_t uid,
                 struct text *why);

#endif
