/* symbols.c - vetting the calls of 05's framing.c against an allow-list (see symbols.h). */
#define _GNU_SOURCE
#include "symbols.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deadline.h"
#include "sandbox.h"
#include "text.h"

#define VET_MS 30000
#define MAX_SYMBOL_TABLE (4 << 20)
#define MAX_REFUSED 8

/* The calls framing.c may make: the ones that move bytes (each wrapped by the drivers), waiting
 * for a descriptor, memory and strings, byte order, errno, messages on stderr, and what the
 * compiler's instrumentation adds (__asan_*, __ubsan_*, by prefix below). */
static const char *const allowed_calls[] = {
    "read", "recv", "recvfrom", "recvmsg", "readv", "write", "send", "sendto", "sendmsg", "writev",
    "poll", "ppoll", "select", "pselect", "fcntl", "getsockopt", "close", "shutdown",
    "memcpy", "memmove", "memset", "memcmp", "memchr", "bzero", "strlen", "strnlen", "strcmp",
    "strncmp", "strcpy", "strncpy", "strcat", "strchr", "strrchr", "strstr", "strdup",
    "strerror", "strerror_r", "__xpg_strerror_r", "malloc", "calloc", "realloc", "free",
    "htonl", "ntohl", "htons", "ntohs", "__errno_location",
    "fprintf", "vfprintf", "printf", "vprintf", "snprintf", "vsnprintf", "sprintf", "puts",
    "putchar", "fputs", "fputc", "putc", "fwrite", "fflush", "perror", "stderr", "stdout",
    "__fprintf_chk", "__printf_chk", "__snprintf_chk", "__sprintf_chk", "__vfprintf_chk",
    "__vsnprintf_chk", "__memcpy_chk", "__memmove_chk", "__memset_chk", "__strcpy_chk",
    "abort", "exit", "_exit", "__assert_fail", "__stack_chk_fail", "_GLOBAL_OFFSET_TABLE_",
    "nanosleep", "usleep", "sleep", "clock_gettime",
    NULL,
};
static const char *const allowed_prefixes[] = { "__asan_", "__ubsan_", NULL };

/* Refused calls that have a reason of their own. */
static const struct {
    const char *names[16];
    const char *why;
} refusals[] = {
    { { "syscall", NULL }, "makes system calls behind the kit's back: call read(), recv(), send() and co. by name" },
    { { "dlsym", "dlvsym", "dlopen", "dlmopen", NULL }, "looks functions up at run time, behind the kit's back" },
    { { "fdopen", "fread", "fgets", "fgetc", "getc", "getc_unlocked", "fread_unlocked", "fscanf",
        "__isoc99_fscanf", "getline", "getdelim", "ungetc", "setvbuf", "setbuf", "fileno", NULL },
      "puts the socket behind stdio, whose buffer hides short reads and EINTR: use read() or recv()" },
    { { "sigaction", "signal", "sigprocmask", "pthread_sigmask", "sigsuspend", "siginterrupt",
        "sigset", "sighold", "sigignore", "bsd_signal", "sysv_signal", "__sysv_signal", "sigblock",
        "sigsetmask", NULL },
      "changes how signals are handled: a signal may interrupt any call (EINTR); handle that instead" },
    { { "setsockopt", "ioctl", NULL }, "changes settings of the socket that the checks rely on" },
};

static bool in_list(const char *const *list, const char *name)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(list[i], name) == 0)
            return true;
    return false;
}

static bool has_prefix(const char *name, const char *prefix)
{
    return strncmp(name, prefix, strlen(prefix)) == 0;
}

const char *symbols_refused_call(const char *name)
{
    if (in_list(allowed_calls, name))
        return NULL;
    for (int i = 0; allowed_prefixes[i]; i++)
        if (has_prefix(name, allowed_prefixes[i]))
            return NULL;
    if (has_prefix(name, "__real_"))
        return "is the call without the kit's fault injection: call it by its own name";
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++)
        if (in_list(refusals[i].names, name))
            return refusals[i].why;
    return "is not a call framing.c needs (the calls it may make are in the exercise's README)";
}

const char *symbols_refused_definition(const char *name)
{
    if (strcmp(name, "main") == 0)
        return "is the drivers' own: framing.c has no main()";
    if (has_prefix(name, "__"))
        return "begins with __: such names belong to the compiler, the system and the kit's wrappers";
    /* Only a lookup, never a call: whether a library the grader shares with the drivers
     * (the C library first) already has a function or variable of this name. */
    if (dlsym(RTLD_DEFAULT, name) != NULL)
        return "is already a function of the C library, which your definition would replace for "
               "the kit's drivers too: make it static, or name it differently";
    return NULL;
}

/* The readelf on PATH, or NULL. */
static const char *find_readelf(void)
{
    static char path[PATH_MAX];
    const char *env = getenv("PATH");
    char *dirs = strdup(env ? env : "/usr/bin:/bin");
    const char *found = NULL;
    for (char *dir = strtok(dirs, ":"); dir && !found; dir = strtok(NULL, ":")) {
        snprintf(path, sizeof path, "%s/readelf", dir);
        if (access(path, X_OK) == 0)
            found = path;
    }
    free(dirs);
    return found;
}

/* Runs argv as the sandbox user in cwd, stdout into out_path; true when it exits with 0. */
static bool run_tool(const char *const *argv, const char *name, const char *cwd, const char *out_path,
                     uid_t uid, struct text *why)
{
    struct proc p;
    struct proc_spec spec = {
        .argv = argv, .name = name, .cwd = cwd, .stdout_path = out_path, .uid = uid,
        .limits = &compiler_limits,
    };
    if (proc_start(&p, &spec, why) < 0)
        return false;
    bool ok = proc_wait(&p, deadline_in(VET_MS)) && exited_with(&p, 0);
    if (!ok)
        text_printf(why, "%s failed\n", name);
    proc_kill(&p);
    return ok;
}

/* Adds one line per refused symbol of readelf's table to refused; returns how many. */
static int refused_symbols(const char *table, struct text *refused)
{
    int count = 0;
    for (const char *line = table; *line && count < MAX_REFUSED; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : "") {
        /* "   15: 0000000000000000     0 NOTYPE  GLOBAL DEFAULT  UND send" */
        char bind[32], ndx[32], name[256];
        int num;
        if (sscanf(line, " %d: %*s %*s %*s %31s %*s %31s %255[^\n]", &num, bind, ndx, name) != 4)
            continue;
        if (strcmp(bind, "GLOBAL") != 0 && strcmp(bind, "WEAK") != 0 && strcmp(bind, "UNIQUE") != 0)
            continue;
        bool undefined = strcmp(ndx, "UND") == 0;
        const char *why = undefined ? symbols_refused_call(name) : symbols_refused_definition(name);
        if (why) {
            text_printf(refused, "  - %s %s%s, which %s.\n", undefined ? "calls" : "defines", name,
                        undefined ? "()" : "", why);
            count++;
        }
    }
    return count;
}

/* Marks every program of b not built, with why as its whole log. */
static void refuse(struct exercise_build *b, const char *out_dir, const struct text *why)
{
    for (int i = 0; i < b->count; i++) {
        struct program_build *pb = &b->programs[i];
        char binary[PATH_MAX];
        snprintf(binary, sizeof binary, "%s/bin/%s", out_dir, pb->program);
        unlink(binary);
        pb->built = false;
        text_free(&pb->log);
        text_append(&pb->log, why->data, why->len);
    }
}

void symbols_vet(struct exercise_build *b, const char *out_dir, const char *compiler, uid_t uid)
{
    const struct exercise *ex = b->exercise;
    const char *file = ex->student_files[0];
    char src_dir[PATH_MAX - 256], source[PATH_MAX], object[PATH_MAX], table_path[PATH_MAX];
    snprintf(src_dir, sizeof src_dir, "%s/src", out_dir);
    snprintf(source, sizeof source, "%s/%s", src_dir, file);
    snprintf(object, sizeof object, "%s/bin/%s.o", out_dir, file);    /* where the compiler may write */
    snprintf(table_path, sizeof table_path, "%s/%s.symbols", out_dir, file);
    struct text why = {0};
    if (access(source, F_OK) < 0) {
        text_printf(&why, "%s/%s is missing: the kit's drivers call the functions you write in it "
                    "(see the exercise's README), so nothing could be linked.\n", ex->id, file);
        refuse(b, out_dir, &why);
        text_free(&why);
        return;
    }
    bool any_built = false;
    for (int i = 0; i < b->count; i++)
        any_built |= b->programs[i].built;
    if (!any_built)                 /* the compiler's messages already say what is wrong */
        return;

    const char *argv[48];
    int a = 0;
    static const char *const flags[] = { BUILD_FLAGS, NULL };
    argv[a++] = compiler;
    for (int i = 0; flags[i]; i++)
        argv[a++] = flags[i];
    for (int i = 0; i < 8 && ex->link_flags[i]; i++)
        argv[a++] = ex->link_flags[i];
    const char *rest[] = { "-I.", "-c", "-o", object, file, NULL };
    for (int i = 0; rest[i]; i++)
        argv[a++] = rest[i];
    argv[a] = NULL;
    const char *readelf = find_readelf();
    struct text table = {0}, refused = {0};
    bool have_table = readelf != NULL && run_tool(argv, "the compiler", src_dir, NULL, uid, &why)
                && run_tool((const char *const[]){ readelf, "-sW", object, NULL }, "readelf", src_dir,
                            table_path, uid, &why);
    if (have_table)
        text_read_file(&table, table_path, MAX_SYMBOL_TABLE);
    if (!have_table || table.len == 0) {
        text_printf(&why, "%s/%s could not be vetted (%s): the kit cannot grade it without knowing "
                    "what it calls.\n", ex->id, file, readelf ? "its symbols could not be read" : "no readelf on PATH");
        refuse(b, out_dir, &why);
    } else if (refused_symbols(table.data, &refused) > 0) {
        text_free(&why);
        text_printf(&why, "%s/%s was not linked into the kit's drivers, so every check that needs it "
                    "scores 0. The drivers make reads and writes short and interrupt them (EINTR) to "
                    "test your loops; %s may only move bytes with read/recv/recvfrom/recvmsg/readv and "
                    "write/send/sendto/sendmsg/writev, and not step around that. It:\n%s",
                    ex->id, file, file, refused.data);
        refuse(b, out_dir, &why);
    }
    text_free(&table);
    text_free(&refused);
    text_free(&why);
}
