/* symbols.c - vetting what the student's code in 05 calls, against an allow-list (see symbols.h). */
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
#define MAX_DISASSEMBLY (16 << 20)
#define MAX_REFUSED 8

/* The calls framing.c may make: the ones that move bytes (each wrapped by the drivers), waiting
 * for a descriptor, memory and strings, byte order, errno, messages on stderr, and what the
 * compiler's instrumentation adds (__asan_*, __ubsan_*, by prefix below). */
/* clang-format off */ /* grouped by kind, one kind a line */
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
/* clang-format on */
static const char *const allowed_prefixes[] = { "__asan_", "__ubsan_", NULL };

/* Refused calls that have a reason of their own. */
static const struct {
    const char *names[16];
    const char *why;
} refusals[] = {
    { { "syscall", NULL },
      "makes system calls behind the kit's back: call read(), recv(), send() and co. by name" },
    { { "dlsym", "dlvsym", "dlopen", "dlmopen", NULL },
      "looks functions up at run time, behind the kit's back" },
    { { "fdopen", "fread", "fgets", "fgetc", "getc", "getc_unlocked", "fread_unlocked", "fscanf",
        "__isoc99_fscanf", "getline", "getdelim", "ungetc", "setvbuf", "setbuf", "fileno", NULL },
      "puts the socket behind stdio, whose buffer hides short reads and EINTR: use read() or recv()" },
    { { "sigaction", "signal", "sigprocmask", "pthread_sigmask", "sigsuspend", "siginterrupt", "sigset",
        "sighold", "sigignore", "bsd_signal", "sysv_signal", "__sysv_signal", "sigblock", "sigsetmask", NULL },
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

/* The tool (readelf, objdump) on PATH, in path; NULL when there is none. */
static const char *find_tool(const char *name, char path[PATH_MAX])
{
    const char *env = getenv("PATH");
    char *dirs = strdup(env ? env : "/usr/bin:/bin");
    const char *found = NULL;
    for (char *dir = strtok(dirs, ":"); dir && !found; dir = strtok(NULL, ":")) {
        snprintf(path, PATH_MAX, "%s/%s", dir, name);
        if (access(path, X_OK) == 0)
            found = path;
    }
    free(dirs);
    return found;
}

/* Whether objdump's disassembly holds an instruction that enters the kernel: inline assembly
 * making its own system calls (the compiler never emits one for C code). */
static bool makes_system_calls(const char *disassembly)
{
    static const char *const entries[] = { "syscall", "sysenter", "int $0x80", "svc", NULL };
    for (const char *line = disassembly; *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : "") {
        const char *tab = strchr(line, '\t'); /* "   4:\tsyscall" */
        const char *end = strchr(line, '\n');
        if (tab == NULL || (end && tab > end))
            continue;
        char insn[64];
        if (sscanf(tab + 1, "%63[^\n]", insn) != 1)
            continue;
        for (char *c = insn; *c; c++) /* "int    $0x80": one space, as in the list */
            while (c[0] == ' ' && c[1] == ' ')
                memmove(c, c + 1, strlen(c));
        for (int i = 0; entries[i]; i++) {
            size_t n = strlen(entries[i]);
            if (strncmp(insn, entries[i], n) == 0 && (insn[n] == '\0' || insn[n] == ' '))
                return true;
        }
    }
    return false;
}

/* Runs argv as the sandbox user in cwd, stdout into out_path; true when it exits with 0. */
static bool run_tool(const char *const *argv, const char *name, const char *cwd, const char *out_path,
                     uid_t uid, struct text *why)
{
    struct proc p;
    struct proc_spec spec = {
        .argv = argv,
        .name = name,
        .cwd = cwd,
        .stdout_path = out_path,
        .uid = uid,
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
    for (const char *line = table; *line && count < MAX_REFUSED;
         line = strchr(line, '\n') ? strchr(line, '\n') + 1 : "") {
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

/* Reads object's symbol table and disassembly (readelf, objdump, as the sandbox user) and adds
 * a line for each refused symbol in it. Returns how many, or -1 when it could not be read. */
static int refused_in_object(const char *object, const char *out_dir, uid_t uid, struct text *refused,
                             struct text *why)
{
    char table_path[PATH_MAX], code_path[PATH_MAX], readelf[PATH_MAX], objdump[PATH_MAX];
    snprintf(table_path, sizeof table_path, "%s/student.symbols", out_dir);
    snprintf(code_path, sizeof code_path, "%s/student.asm", out_dir);
    if (find_tool("readelf", readelf) == NULL || find_tool("objdump", objdump) == NULL) {
        text_puts(why, "no readelf or objdump on PATH\n");
        return -1;
    }
    struct text table = { 0 }, code = { 0 };
    bool ok = run_tool((const char *const[]){ readelf, "-sW", object, NULL }, "readelf", out_dir, table_path,
                       uid, why)
              && run_tool((const char *const[]){ objdump, "-d", "--no-show-raw-insn", object, NULL },
                          "objdump", out_dir, code_path, uid, why);
    if (!ok || text_read_file(&table, table_path, MAX_SYMBOL_TABLE) < 0 || table.len == 0
        || table.len >= MAX_SYMBOL_TABLE /* cut: what was left out could not be vetted */
        || text_read_file(&code, code_path, MAX_DISASSEMBLY) < 0 || code.len >= MAX_DISASSEMBLY) {
        text_free(&table);
        text_free(&code);
        return -1;
    }
    int count = refused_symbols(table.data, refused);
    if (makes_system_calls(text_str(&code))) {
        text_puts(refused, "  - makes system calls itself, in assembly, behind the kit's back: call "
                           "read(), recv(), send() and co. by name.\n");
        count++;
    }
    text_free(&table);
    text_free(&code);
    return count;
}

bool symbols_vet(const struct exercise *ex, const char *object, const char *out_dir, uid_t uid, struct text *why)
{
    struct text refused = { 0 }, trouble = { 0 };
    int calls = refused_in_object(object, out_dir, uid, &refused, &trouble);
    if (calls < 0)
        text_printf(why,
                    "Your files in %s/ could not be vetted: the kit cannot grade them without "
                    "knowing what they call.\n%s",
                    ex->id, text_str(&trouble));
    else if (calls > 0)
        text_printf(why,
                    "Your files in %s/ were not linked into the kit's drivers, so every check "
                    "that needs them scores 0. The drivers make reads and writes short and interrupt "
                    "them (EINTR) to test your loops; your code may only move bytes with read/recv/"
                    "recvfrom/recvmsg/readv and write/send/sendto/sendmsg/writev, and not step around "
                    "that. Your code:\n%s",
                    ex->id, refused.data);
    text_free(&refused);
    text_free(&trouble);
    return calls == 0;
}
