/* symbols.c - vetting what the student's code in 05 calls, against an allow-list (see symbols.h). */
#define _GNU_SOURCE
#include "symbols.h"

#include <dirent.h>
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
#define MAX_FILES 32

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

static bool is_main_file(const struct exercise *ex, const char *name)
{
    for (int i = 0; ex->programs[i]; i++) {
        size_t n = strlen(ex->programs[i]);
        if (strncmp(name, ex->programs[i], n) == 0 && strcmp(name + n, ".c") == 0)
            return true;
    }
    return false;
}

static bool has_suffix(const char *name, const char *suffix)
{
    size_t n = strlen(name), k = strlen(suffix);
    return n > k && strcmp(name + n - k, suffix) == 0;
}

/* The student's files in src_dir: every .c file but the drivers' main files (the kit keeps all
 * its driver code in those and in headers), and every header. */
struct student_files {
    char sources[MAX_FILES][256];
    int nsources;
    char headers[MAX_FILES][256];
    int nheaders;
};

static void list_files(const struct exercise *ex, const char *src_dir, struct student_files *f)
{
    f->nsources = f->nheaders = 0;
    DIR *d = opendir(src_dir);
    if (d == NULL)
        return;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strlen(e->d_name) >= 256)
            continue;
        if (has_suffix(e->d_name, ".c") && !is_main_file(ex, e->d_name) && f->nsources < MAX_FILES)
            snprintf(f->sources[f->nsources++], 256, "%s", e->d_name);
        else if (has_suffix(e->d_name, ".h") && f->nheaders < MAX_FILES)
            snprintf(f->headers[f->nheaders++], 256, "%s", e->d_name);
    }
    closedir(d);
}

/* Adds a line for each header named like one in the compiler's system folders (stdio.h,
 * stddef.h, ...): found first through -I., it would replace the system's in the kit's drivers
 * too. The folders are the compiler's own list ("cc -E -v"). */
static int shadowing_headers(const struct student_files *f, const char *compiler, const char *out_dir,
                             uid_t uid, struct text *refused, struct text *why)
{
    if (f->nheaders == 0)
        return 0;
    char list_path[PATH_MAX];
    snprintf(list_path, sizeof list_path, "%s/include-dirs.txt", out_dir);
    struct proc p;
    struct proc_spec spec = {
        .argv = (const char *const[]){ compiler, "-xc", "-E", "-v", "/dev/null", NULL },
        .name = "the compiler",
        .cwd = "/",
        .stderr_path = list_path,
        .uid = uid,
        .limits = &compiler_limits,
    };
    if (proc_start(&p, &spec, why) < 0)
        return -1;
    bool ok = proc_wait(&p, deadline_in(VET_MS)) && exited_with(&p, 0);
    proc_kill(&p);
    struct text dirs = { 0 };
    if (ok)
        text_read_file(&dirs, list_path, 64 << 10);
    const char *start = ok ? strstr(text_str(&dirs), "#include <...> search starts here:\n") : NULL;
    if (start == NULL) {
        text_puts(why, "the compiler did not list its include folders\n");
        text_free(&dirs);
        return -1;
    }
    int count = 0;
    for (const char *line = strchr(start, '\n') + 1; *line == ' '; line = strchr(line, '\n') + 1) {
        const char *end = strchr(line, '\n');
        if (end == NULL)
            break;
        for (int i = 0; i < f->nheaders; i++) {
            char path[PATH_MAX];
            snprintf(path, sizeof path, "%.*s/%s", (int)(end - line - 1), line + 1, f->headers[i]);
            if (access(path, F_OK) == 0) {
                text_printf(refused,
                            "  - has %s, which would replace the system's <%s> for the kit's "
                            "drivers too: name it differently.\n",
                            f->headers[i], f->headers[i]);
                count++;
            }
        }
    }
    text_free(&dirs);
    return count;
}

/* Compiles the student's sources into one relocatable object (with the build's own flags, so
 * it is the code that is linked) and adds a line for each refused symbol in it. */
static int refused_in_object(const struct student_files *f, const char *compiler, const char *src_dir,
                             const char *out_dir, uid_t uid, struct text *refused, struct text *why)
{
    char object[PATH_MAX], table_path[PATH_MAX], code_path[PATH_MAX];
    snprintf(object, sizeof object, "%s/bin/student.o", out_dir); /* where the compiler may write */
    snprintf(table_path, sizeof table_path, "%s/student.symbols", out_dir);
    snprintf(code_path, sizeof code_path, "%s/student.asm", out_dir);
    const char *argv[MAX_FILES + 32];
    int a = 0;
    static const char *const flags[] = { BUILD_FLAGS, "-I.", "-r", "-o", NULL };
    argv[a++] = compiler;
    for (int i = 0; flags[i]; i++)
        argv[a++] = flags[i];
    argv[a++] = object;
    for (int i = 0; i < f->nsources; i++)
        argv[a++] = f->sources[i];
    argv[a] = NULL;
    char readelf[PATH_MAX], objdump[PATH_MAX];
    if (find_tool("readelf", readelf) == NULL || find_tool("objdump", objdump) == NULL) {
        text_puts(why, "no readelf or objdump on PATH\n");
        return -1;
    }
    struct text table = { 0 }, code = { 0 };
    bool ok = run_tool(argv, "the compiler", src_dir, NULL, uid, why)
              && run_tool((const char *const[]){ readelf, "-sW", object, NULL }, "readelf", src_dir,
                          table_path, uid, why)
              && run_tool((const char *const[]){ objdump, "-d", "--no-show-raw-insn", object, NULL },
                          "objdump", src_dir, code_path, uid, why);
    unlink(object); /* bin/ is for the programs */
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

void symbols_vet(struct exercise_build *b, const char *out_dir, const char *compiler, uid_t uid)
{
    const struct exercise *ex = b->exercise;
    char src_dir[PATH_MAX - 256];
    snprintf(src_dir, sizeof src_dir, "%s/src", out_dir);
    struct student_files *f = calloc(1, sizeof *f);
    struct text why = { 0 }, refused = { 0 };
    if (f == NULL)
        abort();
    list_files(ex, src_dir, f);
    const char *missing = NULL;
    for (int k = 0; ex->student_files[k] && !missing; k++) {
        bool present = false;
        for (int i = 0; i < f->nsources; i++)
            present |= strcmp(f->sources[i], ex->student_files[k]) == 0;
        if (!present)
            missing = ex->student_files[k];
    }
    bool any_built = false;
    for (int i = 0; i < b->count; i++)
        any_built |= b->programs[i].built;
    if (missing) {
        text_printf(&why,
                    "%s/%s is missing: the kit's drivers call the functions you write in it "
                    "(see the exercise's README), so nothing could be linked.\n",
                    ex->id, missing);
        refuse(b, out_dir, &why);
    } else if (any_built) { /* else the compiler's messages already say what is wrong */
        int shadows = shadowing_headers(f, compiler, out_dir, uid, &refused, &why);
        int calls = shadows < 0 ? -1 : refused_in_object(f, compiler, src_dir, out_dir, uid, &refused, &why);
        if (calls < 0) {
            text_printf(&why,
                        "Your files in %s/ could not be vetted: the kit cannot grade them without "
                        "knowing what they call.\n",
                        ex->id);
            refuse(b, out_dir, &why);
        } else if (shadows + calls > 0) {
            text_free(&why);
            text_printf(&why,
                        "Your files in %s/ were not linked into the kit's drivers, so every check "
                        "that needs them scores 0. The drivers make reads and writes short and interrupt "
                        "them (EINTR) to test your loops; your code may only move bytes with read/recv/"
                        "recvfrom/recvmsg/readv and write/send/sendto/sendmsg/writev, and not step around "
                        "that. Your code:\n%s",
                        ex->id, refused.data);
            refuse(b, out_dir, &why);
        }
    }
    text_free(&why);
    text_free(&refused);
    free(f);
}
