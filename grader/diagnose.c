/* diagnose.c - turning symptoms into likely causes. */
#define _GNU_SOURCE
#include "diagnose.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "lease.h"
#include "procnet.h"

const char *signal_meaning(int sig)
{
    switch (sig) {
    case SIGSEGV:
        return "a segmentation fault: it used a bad pointer (NULL, freed, or past the end of a buffer)";
    case SIGBUS: return "a bus error: it used memory that does not exist (a bad pointer)";
    case SIGABRT:
        return "it aborted: a failed assert(), or the C library found corrupted memory (a double free, a write past a malloc'ed buffer)";
    case SIGFPE: return "an arithmetic error, such as a division by zero";
    case SIGPIPE:
        return "it wrote to a socket whose peer had already closed it; ignore SIGPIPE (signal(SIGPIPE, SIG_IGN)) or send with MSG_NOSIGNAL, then handle the EPIPE error";
    case SIGXCPU:
        return "it used up its CPU time limit: an endless loop (a loop on a read that keeps returning 0 or -1?)";
    case SIGXFSZ: return "it wrote more output than the limit allows: an endless loop printing?";
    case SIGKILL:
        return "it was killed with SIGKILL, which this check did not send: by the "
               "system's out-of-memory killer, or by another program on this machine";
    case SIGTERM: return "it was asked to stop with SIGTERM";
    case SIGILL: return "an illegal instruction (often a corrupted stack or function pointer)";
    default: return "an unexpected signal";
    }
}

void describe_end(struct text *t, const struct proc *p)
{
    if (!p->exited) {
        text_printf(t, "%s is still running", p->name);
    } else if (WIFEXITED(p->status) && WEXITSTATUS(p->status) == SANITIZER_EXIT_STATUS) {
        text_printf(t, "%s was stopped by AddressSanitizer or UndefinedBehaviorSanitizer", p->name);
    } else if (WIFEXITED(p->status) && WEXITSTATUS(p->status) == 255) {
        /* exit(-1) and return -1 from main: the status is cut to 8 bits. */
        text_printf(t,
                    "%s exited with status 255, which is what return -1 (or exit(-1)) from main "
                    "gives: an exit status is 0 to 255, and errors are 1 (EXIT_FAILURE)",
                    p->name);
    } else if (WIFEXITED(p->status)) {
        text_printf(t, "%s exited with status %d", p->name, WEXITSTATUS(p->status));
    } else if (WIFSIGNALED(p->status)) {
        int sig = WTERMSIG(p->status);
        const char *name = sigabbrev_np(sig);
        text_printf(t, "%s was killed by SIG%s: %s", p->name, name ? name : "?", signal_meaning(sig));
    } else {
        text_printf(t, "%s ended (wait status %d)", p->name, p->status);
    }
}

/* The first stack frame in code the grader compiled: " #2 0x55d0 in read_fully
 * /tmp/gc-x/build/05-stream-framing/src/framing.c:37". Frames in the C library and in the
 * sanitizers' and the kit's wrappers (names starting with "__") are skipped. */
static bool first_student_frame(const char *report, char *where, size_t size)
{
    for (const char *line = report; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        char function[128], file[512];
        unsigned long line_number;
        if (sscanf(line, " #%*d 0x%*x in %127s %511[^: \n]:%lu", function, file, &line_number) != 3)
            continue;
        if (strncmp(function, "__", 2) == 0 || strstr(file, "/src/") == NULL)
            continue;
        snprintf(where, size, "in %s(), at %s:%lu", function, strrchr(file, '/') + 1, line_number);
        return true;
    }
    return false;
}

bool describe_sanitizer_report(struct text *t, const char *report)
{
    if (strstr(report, "AddressSanitizer: hard rss limit exhausted")
        || strstr(report, "AddressSanitizer: out of memory")) {
        text_puts(t, "It ran out of memory: it used more than the 256 MiB it may use. Memory "
                     "allocated in a loop and never freed, or one huge allocation?\n");
        return true;
    }
    const char *asan = strstr(report, "ERROR: AddressSanitizer: ");
    const char *ubsan = strstr(report, ": runtime error: ");
    if (asan) {
        char kind[64] = "", access[64] = "", where[400] = "somewhere outside your files";
        sscanf(asan, "ERROR: AddressSanitizer: %63s", kind);
        const char *rw = strstr(asan, "READ of size");
        if (!rw)
            rw = strstr(asan, "WRITE of size");
        if (rw)
            sscanf(rw, "%63[A-Za-z ]%*[^0-9]", access);
        unsigned long bytes = 0;
        /* A report cut short (or printed by the program itself) may end before the size. */
        const char *size = rw ? strpbrk(rw, "0123456789") : NULL;
        if (size)
            sscanf(size, "%lu", &bytes);
        first_student_frame(asan, where, sizeof where);
        text_printf(t, "AddressSanitizer stopped it: %s", kind);
        if (rw)
            text_printf(t, " (a %s of %lu byte%s)", strncmp(rw, "READ", 4) == 0 ? "read" : "write", bytes,
                        bytes == 1 ? "" : "s");
        text_printf(t, " %s.\n", where);
        if (strcmp(kind, "SEGV") == 0)
            text_puts(t, "That is a segmentation fault (SIGSEGV): a bad pointer, such as NULL.\n");
        else if (strstr(kind, "buffer-overflow"))
            text_puts(t, "It used memory past the end (or before the start) of a buffer: check the "
                         "sizes you pass to recv(), read(), memcpy() and your loops' bounds.\n");
        else if (strstr(kind, "use-after-free"))
            text_puts(t, "It used memory after free()-ing it.\n");
        return true;
    }
    if (ubsan) {
        const char *start = ubsan;
        while (start > report && start[-1] != '\n')
            start--;
        const char *end = strchr(ubsan, '\n');
        size_t len = end ? (size_t)(end - start) : strlen(start);
        text_puts(t, "UndefinedBehaviorSanitizer stopped it: ");
        text_append_printable(t, start, len < 400 ? len : 400);
        text_puts(t, "\n");
        return true;
    }
    return false;
}

void describe_stderr_tail(struct text *t, const char *stderr_path)
{
    struct text err = { 0 };
    long size = text_read_file(&err, stderr_path, 1 << 20);
    if (size > 0 && describe_sanitizer_report(t, err.data)) {
        text_free(&err);
        return;
    }
    if (size <= 0) {
        text_puts(t, "It wrote nothing on stderr.\n");
    } else {
        text_puts(t, "The end of what it wrote on stderr:\n");
        text_indent_tail(t, err.data, err.len, 8, 1200);
    }
    text_free(&err);
}

/* True when one of the n sockets is on port with its bytes swapped (listening, for TCP). */
static bool on_swapped(const struct inet_socket *s, int n, uint16_t port, bool tcp)
{
    for (int i = 0; i < n; i++)
        if (s[i].local_port == port_byte_swapped(port) && (!tcp || s[i].state == PROCNET_TCP_LISTEN))
            return true;
    return false;
}

bool diagnose_on_swapped_port(pid_t pid, const char *protocol, uint16_t port)
{
    struct inet_socket s[64];
    bool tcp = strcmp(protocol, "tcp") == 0;
    int n = tcp ? procnet_listeners_of(pid, s, 64) : procnet_sockets_of(pid, protocol, s, 64);
    return on_swapped(s, n, port, tcp);
}

const char *diagnose_tcp_listener(struct text *t, pid_t pid, uint16_t port)
{
    struct inet_socket s[64];
    int n = procnet_sockets_of(pid, "tcp", s, 64);
    if (n < 0) {
        text_puts(t, "It is no longer running.\n");
        return NULL;
    }
    if (on_swapped(s, n, port, true)) {
        text_printf(t,
                    "It listens on port %u instead of %u: that is %u with its two bytes swapped. "
                    "Ports go into sin_port in network byte order: use htons(port).\n",
                    port_byte_swapped(port), port, port);
        return "htons";
    }
    for (int i = 0; i < n; i++) {
        if (s[i].local_port == port && s[i].state == PROCNET_TCP_LISTEN) {
            text_printf(t,
                        "It listens on port %u now, but only after the check stopped waiting: does it "
                        "do slow work (or sleep) before listen()?\n",
                        port);
            return "slow-to-listen";
        }
    }
    for (int i = 0; i < n; i++) {
        if (s[i].local_port == port && s[i].state != PROCNET_TCP_LISTEN) {
            text_printf(t,
                        "It has a socket bound to port %u that is not listening: call listen() after bind().\n",
                        port);
            return "no-listen";
        }
        if (s[i].state == PROCNET_TCP_LISTEN) {
            text_printf(t, "It listens on %s, not on port %u: use the port given on the command line.\n",
                        procnet_address(s[i].local_ip, s[i].local_port), port);
            return "wrong-port";
        }
    }
    text_printf(t, "It has no TCP socket listening on port %u (socket(), bind() and listen() not done yet?).\n",
                port);
    return "not-listening";
}

const char *diagnose_udp_binding(struct text *t, pid_t pid, uint16_t port)
{
    struct inet_socket s[64];
    int n = procnet_sockets_of(pid, "udp", s, 64);
    if (n < 0) {
        text_puts(t, "It is no longer running.\n");
        return NULL;
    }
    if (on_swapped(s, n, port, false)) {
        text_printf(t,
                    "It is bound to port %u instead of %u: that is %u with its two bytes swapped. "
                    "Ports go into sin_port in network byte order: use htons(port).\n",
                    port_byte_swapped(port), port, port);
        return "htons";
    }
    if (n > 0) {
        text_printf(t,
                    "Its UDP socket is on %s, not on port %u: bind() it to the port given on the command line.\n",
                    procnet_address(s[0].local_ip, s[0].local_port), port);
        return "wrong-port";
    }
    text_printf(t, "It has no UDP socket bound to port %u (socket() and bind() not done yet?).\n", port);
    return "not-bound";
}

bool bound_to_one_address(pid_t pid, const char *protocol, uint16_t port, uint32_t *ip)
{
    struct inet_socket s[64];
    int n = procnet_sockets_of(pid, protocol, s, 64);
    for (int i = 0; i < n; i++) {
        if (s[i].local_port == port && s[i].remote_port == 0 && s[i].local_ip != 0) {
            *ip = s[i].local_ip;
            return true;
        }
    }
    return false;
}
