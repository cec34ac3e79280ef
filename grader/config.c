/* config.c - the environment variables the grader reads, read in one place. */
#define _GNU_SOURCE
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

static struct config current;
static bool loaded;

/* A variable's value, or NULL when it is unset or empty. */
static const char *value(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

const struct config *config(void)
{
    if (loaded)
        return &current;
    const char *base = value("GC_SANDBOX_UID_BASE");
    current = (struct config){
        .tmpdir = value("GC_TMPDIR") ? value("GC_TMPDIR") : "/tmp",
        .lock_dir = value("GC_LOCK_DIR"),
        .kit_dir = value("GC_KIT_DIR"),
        .no_uid_sandbox = value("GC_NO_UID_SANDBOX") != NULL,
        .debug = value("GC_DEBUG") != NULL,
        .no_color = value("NO_COLOR") != NULL,
        .sandbox_uid_base = base ? strtol(base, NULL, 10) : 0,
        .run_dir = value("GC_RUN_DIR") ? value("GC_RUN_DIR") : "/tmp",
        .build_dir = value("GC_BUILD_DIR") ? value("GC_BUILD_DIR") : ".",
        .pgid_log = value("GC_PGID_LOG"),
        .sandbox_uids = value("GC_SANDBOX_UIDS") != NULL,
        .keep = value("GC_KEEP") != NULL,
    };
    loaded = true;
    return &current;
}

bool config_colour(int fd)
{
    return isatty(fd) && !config()->no_color;
}

static void set_or_unset(const char *name, const char *v)
{
    if (v)
        setenv(name, v, 1);
    else
        unsetenv(name);
}

void config_set_run(const char *run_dir, const char *build_dir, bool sandbox_uids, const char *pgid_log,
                    bool keep)
{
    set_or_unset("GC_RUN_DIR", run_dir);
    set_or_unset("GC_BUILD_DIR", build_dir);
    set_or_unset("GC_SANDBOX_UIDS", sandbox_uids ? "1" : NULL);
    set_or_unset("GC_PGID_LOG", pgid_log);
    set_or_unset("GC_KEEP", keep ? "1" : NULL);
    loaded = false; /* read again, strings from the environment just set */
    config();
}
