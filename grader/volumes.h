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

#include <jansson.h>

/* Volumes are named after the first VOLUMES_ID_CHARS hex digits of the image's id. */
#define VOLUMES_ID_CHARS 12

/* Fills the volumes for image (once; concurrent graders wait for the one filling them) and
 * writes their id. scratch: a folder of the caller's for the docker client's output. Returns 0,
 * or -1 with the reason on stderr: the containers then read the image's own files (slower; the
 * same grades). */
int volumes_prepare(const char *image, const char *scratch, char id[VOLUMES_ID_CHARS + 1]);

/* Adds their mounts, read-only, to mounts (a container configuration's Mounts, engine.h). */
void volumes_add_mounts(json_t *mounts, const char *id);

#endif
