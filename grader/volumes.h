/* volumes.h - the grading image's /usr and kit on Docker volumes, for batch grading.
 *
 * Where the engine's storage driver is fuse-overlayfs, every file a container opens (the
 * compiler and its headers, each check's start of the grader and its libraries) goes through a
 * process in user space: that cost a fifth of the CPU of grading a class. A volume is a plain
 * folder of the host. Filled once per image (the volumes are named after the image's id), they
 * are mounted read-only in every grading container, in place of the image's own /usr and
 * /opt/get-connected: the same files, read faster. */
#ifndef GC_VOLUMES_H
#define GC_VOLUMES_H

#include <stddef.h>

#define VOLUMES_MOUNTS 2
#define VOLUMES_MOUNT_CHARS 200

/* Fills the volumes for image (once; concurrent graders wait for the one filling them) and
 * writes the --mount values a grading container is given. scratch: a folder of the caller's
 * for the docker client's output. Returns 0, or -1 with the reason on stderr: the containers
 * then read the image's own files (slower; the same grades). */
int volumes_prepare(const char *image, const char *scratch, char mounts[VOLUMES_MOUNTS][VOLUMES_MOUNT_CHARS]);

#endif
