/* startup.c - a check's process starts without initializing libgit2.
 *
 * Criterion runs each check in a process of its own, started afresh from this binary, and each
 * start calls git_libgit2_init(): libcriterion links libgit2 only to draw the diffs of its
 * string-comparing assertions, which the grader never uses (its checks fail through verdict.c),
 * yet that initialization costs about 14 ms of CPU a process: over a second for a student's
 * ninety-odd checks, the largest part of grading a class in containers.
 *
 * Defined in the executable, these functions take the place of libgit2's own: the dynamic
 * linker binds libcriterion's calls to the executable's definitions first. libgit2 is then
 * initialized for real only if a diff is ever drawn (git_diff_buffers below). Where the
 * Makefile links Criterion statically, libgit2 is not linked at all: these are the only
 * functions of it that Criterion calls, and a diff (never drawn) would fail with -1. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>

static int initialized;

static void *libgit2(const char *name)
{
    return dlsym(RTLD_NEXT, name);
}

int git_libgit2_init(void);
int git_libgit2_shutdown(void);
int git_diff_buffers(const void *old_buffer, size_t old_len, const char *old_as_path, const void *new_buffer,
                     size_t new_len, const char *new_as_path, const void *options, void *file_cb,
                     void *binary_cb, void *hunk_cb, void *line_cb, void *payload);

/* libgit2's answer is how many initializations are in force: one, as far as Criterion knows. */
int git_libgit2_init(void)
{
    return 1;
}

int git_libgit2_shutdown(void)
{
    if (!initialized)
        return 0;
    int (*shutdown)(void) = (int (*)(void))libgit2("git_libgit2_shutdown");
    initialized = 0;
    return shutdown ? shutdown() : 0;
}

int git_diff_buffers(const void *old_buffer, size_t old_len, const char *old_as_path, const void *new_buffer,
                     size_t new_len, const char *new_as_path, const void *options, void *file_cb,
                     void *binary_cb, void *hunk_cb, void *line_cb, void *payload)
{
    int (*init)(void) = (int (*)(void))libgit2("git_libgit2_init");
    int (*diff)(const void *, size_t, const char *, const void *, size_t, const char *, const void *, void *,
                void *, void *, void *, void *) = (int (*)(const void *, size_t, const char *, const void *,
                                                           size_t, const char *, const void *, void *, void *,
                                                           void *, void *, void *))libgit2("git_diff_buffers");
    if (init == NULL || diff == NULL)
        return -1;
    if (!initialized && init() > 0)
        initialized = 1;
    return diff(old_buffer, old_len, old_as_path, new_buffer, new_len, new_as_path, options, file_cb,
                binary_cb, hunk_cb, line_cb, payload);
}
