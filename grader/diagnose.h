/* diagnose.h - the likely socket mistake behind a symptom, in words a student understands.
 *
 * Each function appends to a feedback text. They describe what happened to a student process
 * (how it ended, what it said on stderr) and what the kernel shows about its sockets. */
#ifndef GC_DIAGNOSE_H
#define GC_DIAGNOSE_H

#include <stdbool.h>
#include <stdint.h>

#include "sandbox.h"
#include "text.h"

/* "exited with status 1" / "was killed by SIGSEGV: ..." with the signal's usual meaning. */
void describe_end(struct text *t, const struct proc *p);
/* The signal's name and what it usually means in a socket program. */
const char *signal_meaning(int sig);
/* When report (a program's stderr) holds an AddressSanitizer or UndefinedBehaviorSanitizer
 * report, appends what it found and where in the student's code (function, file, line). */
bool describe_sanitizer_report(struct text *t, const char *report);
/* The last lines the program wrote on stderr, indented, or a note that it wrote nothing. */
void describe_stderr_tail(struct text *t, const char *stderr_path);

/* Why a TCP server started with PORT is not reachable there, judged from its sockets. */
/* True when pid has a socket on port with its bytes swapped (forgot htons): listening for
 * "tcp", bound for "udp". The outcome is known at once; no check need wait for the right port. */
bool diagnose_on_swapped_port(pid_t pid, const char *protocol, uint16_t port);
/* Both return the cause's id (see cause() in harness.h), or NULL when the program is gone. */
const char *diagnose_tcp_listener(struct text *t, pid_t pid, uint16_t port);
/* Why a UDP server started with PORT does not receive there, judged from its sockets. */
const char *diagnose_udp_binding(struct text *t, pid_t pid, uint16_t port);

/* True when the process's TCP (or UDP) socket for port is bound to one address only. Sets
 * *ip to that address (host byte order). */
bool bound_to_one_address(pid_t pid, const char *protocol, uint16_t port, uint32_t *ip);

#endif
