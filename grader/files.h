/* files.h - copying and removing files without ever following a symbolic link: what the grader
 * does with submissions, which may contain anything. */
#ifndef GC_FILES_H
#define GC_FILES_H

#include <stddef.h>
#include <sys/types.h>

/* Copies the regular file from (at most max_bytes; never through a link) to a new file to,
 * readable by anyone. Returns 0, or -1 when from is not such a file or the copy failed. */
int copy_regular_file(const char *from, const char *to, size_t max_bytes);

/* Removes path and everything below it (links themselves, not what they point to). */
void remove_tree(const char *path);

/* Removes the socket files in dir (not below it) that belong to uid: with a user id of its own,
 * a check knows they are its programs'. */
void remove_sockets_of(const char *dir, uid_t uid);

#endif
