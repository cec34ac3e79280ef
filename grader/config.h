/* config.h - the grader's run configuration: every environment variable it reads, read here,
 * once (CONTRIBUTING.md, "Environment variables", says what each is for).
 *
 * Some are settings a user or a test may give; the others are how `grader grade` tells its own
 * checks about the run (Criterion runs each check in a process of its own), and how `grader
 * batch` tells the grader in a container which sandbox user ids are its. */
#ifndef GC_CONFIG_H
#define GC_CONFIG_H

#include <stdbool.h>

struct config {
    /* Given by a user or a test. */
    const char *tmpdir;   /* GC_TMPDIR: where run folders are made (default /tmp) */
    const char *lock_dir; /* GC_LOCK_DIR: the lease lock folder (NULL: per-user default) */
    const char *kit_dir;  /* GC_KIT_DIR: the kit's root (NULL: found from the binary) */
    bool no_uid_sandbox;  /* GC_NO_UID_SANDBOX: run programs as the grader's own user */
    bool debug;           /* GC_DEBUG: Criterion's own messages on stderr */
    bool no_color;        /* NO_COLOR (https://no-color.org), set and not empty */
    /* Set by batch for the grader in a container: the first of its sandbox user ids (0: none). */
    long sandbox_uid_base; /* GC_SANDBOX_UID_BASE */
    /* Set by grade for its checks (config_set_run). */
    const char *run_dir;   /* GC_RUN_DIR: the run's folder; checks make theirs inside */
    const char *build_dir; /* GC_BUILD_DIR: the built programs */
    const char *pgid_log;  /* GC_PGID_LOG: where process groups are logged without sandbox uids */
    bool sandbox_uids;     /* GC_SANDBOX_UIDS: each check runs programs as a uid of its own */
    bool keep;             /* GC_KEEP: checks keep their folders (grade --keep) */
};

/* The configuration, read from the environment on first use. */
const struct config *config(void);

/* Whether to colour what goes to fd: a terminal, and NO_COLOR not set. */
bool config_colour(int fd);

/* Sets the run's part of the configuration, here and in the environment the checks inherit. */
void config_set_run(const char *run_dir, const char *build_dir, bool sandbox_uids, const char *pgid_log,
                    bool keep);

#endif
