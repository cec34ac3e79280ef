/* conversation.h - what a check said to the student's programs and what they said back, in
 * time: the "Conversation:" section of a failed check's feedback, and the same as JSON for the
 * sequence diagrams of the HTML pages (seqdiagram.h).
 *
 * netio.c records the check's side (connects, accepts, the bytes each way, shutdowns, closes,
 * end-of-file, errors, giving up at a deadline); harness.c records programs starting, exiting and
 * being killed. netio knows only descriptors, so a descriptor's peer is the program the harness
 * names for it (conversation_name_peer), else the program started most recently.
 *
 * Memory is bounded whatever a check moves: the bytes of one netio call in one direction on one
 * descriptor are one event (a 1 MiB echo is two lines), each event keeps only the first bytes,
 * and only the last CONVERSATION_KEPT events are kept (the end is where things went wrong). */
#ifndef GC_CONVERSATION_H
#define GC_CONVERSATION_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "text.h"

/* Events kept (and shown), the last ones; earlier ones are counted. */
#define CONVERSATION_KEPT 40
/* Of them, the programs' own calls at most (the last ones): a server echoing 1 MiB makes
 * hundreds, which would leave no room for what the check said. */
#define CONVERSATION_CALLS_KEPT 16
/* Bytes kept of each event's data; the rest is counted ("... (1048576 bytes in all)"). */
#define CONVERSATION_BYTES_KEPT 48

/* What the check itself is called in the conversation. */
#define CONVERSATION_CHECK "check"

enum conversation_kind {
    CONV_DATA,     /* bytes on a stream: from -> to */
    CONV_DATAGRAM, /* one datagram: from -> to (never merged: datagrams keep their edges) */
    CONV_CONNECT,  /* from connected to to */
    CONV_SHUTDOWN, /* from shut down its writing side towards to */
    CONV_CLOSE,    /* from closed its end of the connection with to */
    CONV_EOF,      /* from saw end-of-file from to */
    CONV_ERROR,    /* a call of from's failed (ECONNRESET, EPIPE, ECONNREFUSED...) */
    CONV_GAVE_UP,  /* from stopped waiting at a deadline: where a check usually went wrong */
    CONV_NOTE,     /* what the check did on purpose, e.g. dropped a datagram as if lost */
    CONV_PROGRAM,  /* a program started, exited or was killed (from is the program) */
    CONV_CALL,     /* a program's own system call, from its trace (from is the program) */
};

/* Starts a check's conversation: times are counted from now, nothing recorded yet. */
void conversation_begin(void);
/* Forgets everything (the check ended). */
void conversation_end(void);

/* The program a descriptor of the check talks to. Events already recorded on fd since it was
 * opened are given that name too (a connect is recorded before the harness can name it). */
void conversation_name_peer(int fd, const char *program);
/* The program started most recently: the peer of descriptors nobody named. */
void conversation_set_default_peer(const char *program);

/* Each netio call begins an operation: the bytes one operation moves in one direction on one
 * descriptor make one event, however many system calls moved them. */
void conversation_operation(void);

/* The check moved bytes on fd: sent (outgoing) or received. datagram: one event per call. */
void conversation_data(int fd, const void *bytes, size_t n, bool outgoing, bool datagram);
/* The same for bytes that arrived at mono_ns (CLOCK_MONOTONIC; the kernel's stamp of a
 * datagram), maybe well before the check read them: the event goes where that time is. */
void conversation_data_at(int fd, const void *bytes, size_t n, bool outgoing, bool datagram, int64_t mono_ns);
/* A connection on fd: outgoing when the check connected, else the check accepted one. where:
 * the address ("127.0.0.1:31066", a path), may be NULL. */
void conversation_connected(int fd, bool outgoing, const char *where);
/* An event with a note of its own: kind is CONV_SHUTDOWN, CONV_CLOSE, CONV_EOF, CONV_ERROR,
 * CONV_GAVE_UP or CONV_NOTE; the note says {peer} where fd's peer's name goes, {check} where
 * the check's ("check", or "check#2" on its second connection when it had several open). fd -1: not about one descriptor. A note the same as the last event's is
 * counted there instead ("(x120, until +3000 ms)"): a connect retried every few ms. */
void conversation_note(int fd, enum conversation_kind kind, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
/* "gave up waiting for WHAT (waited N ms)" at the deadline of a wait that began at start_ms
 * (now_ms() times); nothing for a wait too short to count (a look: deadline_in(0)). */
void conversation_gave_up(int fd, int64_t start_ms, int64_t deadline_ms, const char *what);
/* "stopped waiting for WHAT after N ms: WHY" for a wait that began at start_ms and ended before
 * its deadline because the answer could not come (why: stall.c's reason, "echo_client was
 * blocked in read()..."). */
void conversation_stopped_waiting(int fd, int64_t start_ms, const char *what, const char *why);
/* Whether fd has been part of the conversation (a close of any other socket is not news). */
bool conversation_knows(int fd);
/* Forgets fd (after its close was recorded): the number may be reused for another peer. */
void conversation_forget(int fd);
/* A program's event (it started, exited, was killed): from is its name. */
void conversation_program(const char *program, const char *format, ...) __attribute__((format(printf, 2, 3)));
/* One of a program's own calls, from its trace, at mono_ns (CLOCK_MONOTONIC): merged into the
 * timeline by time, in any order of calls (one program after another). Calls that are not about
 * the conversation (socket(), setsockopt(), signal()...) are left out. */
void conversation_call(const char *program, int64_t mono_ns, const char *text);

/* Whether anything was said: a check that never talked to a program shows no section. */
bool conversation_happened(void);
/* Appends "Conversation:" and one indented line per event (the last CONVERSATION_KEPT). */
void conversation_describe(struct text *out);
/* The same events as a JSON array of objects: ms, kind, from, to (absent for a note about one
 * side), bytes (escaped as in the text, without quotes, absent without data), len, cut (bytes
 * were left out), until_ms, repeat, note. A first object of kind "omitted" with count says how
 * many earlier events were left out. */
json_t *conversation_json(void);

#endif
