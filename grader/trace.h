/* trace.h - the socket calls a student's program made, as its tracer recorded them, for the
 * feedback of a failed check ("Socket calls:").
 *
 * Every program the grader builds is linked with grader/support/trace/gc-trace.c, which writes
 * one file per process in the folder the program runs in (the check's work/ folder):
 * .gc-trace.<pid the program started as>.<pid>, lines of fixed 256-byte slots, each
 *     <CLOCK_MONOTONIC ns> <pid> <sequence number> <call> = <result>
 * padded with spaces; a call still waiting ends in " = ?". The files are the student's: they
 * may hold anything, be links or pipes, or be missing. So they are opened without following
 * links, read only when they are regular files of the folder's owner, at most TRACE_FILE_MAX
 * bytes each, and every record is checked and cut to printable ASCII. What they say is only
 * ever shown to the student, never used for a score. */
#ifndef GC_TRACE_H
#define GC_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sandbox.h"
#include "text.h"

/* The tracer's layout (grader/support/trace/gc-trace.c defines the same). */
#define TRACE_SLOT 256
#define TRACE_FILE_MAX (256 * TRACE_SLOT)

struct trace_event {
    int64_t mono_ns; /* when it returned (or started, when pending); CLOCK_MONOTONIC */
    pid_t pid;
    uint64_t seq;            /* its number among its process's records, from 0 */
    uint64_t missing_before; /* records of the process lost before this one (the ring wrapped) */
    bool pending;            /* it had not returned when the records were read */
    char *text;              /* "bind(3, 0.0.0.0:31066) = 0"; "recv(4, 1023, 0)" when pending */
    char *note;              /* why it matters, when sure: "31066 is 23161 with its bytes ..." */
};

/* What the program's reads on a stream connection should wait for, which tells a short read
 * (one recv() for a whole request) from a complete one. */
enum trace_protocol {
    TRACE_ANY,       /* unknown: no judgement */
    TRACE_UNTIL_EOF, /* everything the peer sends, until recv() returns 0 */
    TRACE_LINE,      /* a line, up to '\n' */
    TRACE_HTTP_HEAD, /* an HTTP request's head, up to its blank line "\r\n\r\n" */
};

/* The protocol a program of the kit speaks on its stream connections, by its name. */
enum trace_protocol trace_protocol_of(const char *program);

/* Every record of the processes of the program started as root (it and the processes it
 * forked), read from the folder dir, sorted by time; port: the check's port (0: none),
 * protocol: see above. Returns how many; *events (NULL when none) is freed with trace_free. */
size_t trace_read_dir(const char *dir, pid_t root, uint16_t port, enum trace_protocol protocol,
                      struct trace_event **events);
/* The same for a program the check started, from the check's folder. */
size_t trace_read(const struct proc *p, uint16_t port, struct trace_event **events);
void trace_free(struct trace_event *events, size_t n);

/* One record (a line, without its '\n') into e (e->note NULL). False when it is not a record. */
bool trace_parse_record(const char *line, size_t n, struct trace_event *e);
/* Sets the notes of events[0..n) (sorted by time, of one program): the causes its calls show. */
void trace_annotate(struct trace_event *events, size_t n, uint16_t port, enum trace_protocol protocol);

/* Appends the calls of events[0..n) of the program called name, indented, at most about
 * max_lines of them: the first few, every annotated one, and the last, with a line saying
 * how many were left out. */
void trace_format(struct text *out, const char *name, const struct trace_event *events, size_t n,
                  int max_lines);

/* Appends a "Socket calls:" section with the calls of each program in procs[0..n) that made
 * any (nothing when none did). For a failed check's feedback. */
void trace_describe_all(struct text *out, const struct proc *procs, int n, uint16_t port);

#endif
