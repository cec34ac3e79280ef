/* symbols.h - what a file the kit's drivers call may call in turn (05's framing.c).
 *
 * The drivers inject faults into framing.c's reads and writes; a framing.c that moved bytes
 * some other way (__real_read, syscall(), stdio on the socket, a function looked up with
 * dlsym) would step around them and pass checks it should fail. So the file is compiled alone,
 * with the build's own flags, and the symbols of the object are read (readelf, run as the
 * sandbox user): it may call only the functions of an allow-list, and may not define a name the
 * system's libraries already use (that would replace the library's function for the drivers
 * too). Anything else, and the programs are not linked: the checks that need them score 0 and
 * the build check says which names were refused, and why. */
#ifndef GC_SYMBOLS_H
#define GC_SYMBOLS_H

#include <stdbool.h>
#include <sys/types.h>

#include "build.h"

/* Why framing.c may not call name, or NULL when it may. */
const char *symbols_refused_call(const char *name);
/* Why framing.c may not define the global name, or NULL when it may. */
const char *symbols_refused_definition(const char *name);

/* Vets b's exercise's first student_files entry, built in out_dir: when it is missing, or refused
 * (above), every program of b is marked not built, its binary removed, the reason in its log. */
void symbols_vet(struct exercise_build *b, const char *out_dir, const char *compiler, uid_t uid);

#endif
