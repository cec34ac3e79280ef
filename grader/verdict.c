/* verdict.c - what a failed check says: its lines (Ran, Sent, Expected, Got, the likely cause),
 * the sections (socket calls, conversation), a reason shared with other checks, and the failure
 * itself, handed to the runner as data (feedback.h). */
#define _GNU_SOURCE
#include "harness.h"

#include <ctype.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "conversation.h"
#include "diff.h"
#include "trace.h"

/* --- Feedback -------------------------------------------------------------------------------- */

/* Notes (the end of a program's stderr, a diff) are written as text into check.feedback; the
 * next line of another kind, or fail(), turns what was written into one note line. */
static void flush_note(void)
{
    if (check.feedback.len == 0)
        return;
    feedback_add(&check.fb, FEEDBACK_NOTE, text_str(&check.feedback));
    text_free(&check.feedback);
}

static void add_line(enum feedback_kind kind, const char *format, va_list ap)
{
    char *line;
    if (vasprintf(&line, format, ap) < 0)
        abort();
    flush_note();
    feedback_add(&check.fb, kind, line);
    free(line);
}

#define FEEDBACK_LINE(function, kind) \
    void function(const char *format, ...) \
    { \
        va_list ap; \
        va_start(ap, format); \
        add_line(kind, format, ap); \
        va_end(ap); \
    }

FEEDBACK_LINE(sent, FEEDBACK_SENT)
FEEDBACK_LINE(expected, FEEDBACK_EXPECTED)
FEEDBACK_LINE(got, FEEDBACK_GOT)

void cause(const char *id, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    add_line(FEEDBACK_CAUSE, format, ap);
    va_end(ap);
    if (check.fb.cause_id == NULL) /* the first cause named is the one counted */
        feedback_set_cause_id(&check.fb, id);
}

void cause_if_fails(const char *id, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    free(check.pending_cause);
    if (vasprintf(&check.pending_cause, format, ap) < 0)
        abort();
    va_end(ap);
    free(check.pending_cause_id);
    check.pending_cause_id = strdup(id);
}

void fail_for_shared_reason(const char *key, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    char *text;
    if (vasprintf(&text, format, ap) < 0)
        abort();
    va_end(ap);
    if (check.fb.group_key == NULL)
        feedback_set_group(&check.fb, key, text);
    free(text);
}

void tell_about(const struct proc *p)
{
    struct text end = { 0 };
    describe_end(&end, p);
    got("%s", text_str(&end));
    text_free(&end);
    if (p->exited || p->pid > 0)
        describe_stderr_tail(&check.feedback, check_output_path(p, "err"));
    if (check_went_into_background(p))
        cause("background",
              "a server runs until it is killed: one that exits with status 0 by itself went into "
              "the background (fork() and exit in the parent, daemon(), TLPI's becomeDaemon()) or "
              "returned from main(). Stay in the foreground: the grader starts the server and "
              "stops it with SIGTERM, and a server in the background escapes both.");
    if (p->exited && p - check.procs >= 0 && p - check.procs < check.nprocs
        && check.left_processes[p - check.procs])
        got("%s exited while other processes it started still ran", p->name);
}

/* A name fit for feedback: the skeletons' TODO() macro names a program or a file. */
static bool plain_name(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
            return false;
    return true;
}

/* When a program of the check stopped at a skeleton's TODO(n) (it says so on stderr and exits
 * with status 3), that is the whole story: every check that needs that part fails the same way,
 * and a likely cause would only guess at code that is not written yet. */
static void note_todo_stop(void)
{
    for (int i = 0; i < check.nprocs; i++) {
        const struct proc *p = &check.procs[i];
        if (!p->exited || !exited_with(p, 3))
            continue;
        struct text err = { 0 };
        text_read_file(&err, check_output_path(p, "err"), 4096);
        char where[64] = "";
        int n = 0;
        for (const char *line = text_str(&err); line && *line;
             line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
            if (sscanf(line, "%63[^: \n]: TODO %d is not done yet", where, &n) == 2)
                break;
        text_free(&err);
        if (n <= 0 || !plain_name(where))
            continue;
        feedback_drop(&check.fb, FEEDBACK_CAUSE);
        feedback_set_cause_id(&check.fb, NULL);
        free(check.pending_cause);
        check.pending_cause = NULL;
        feedback_set_group(&check.fb, fmt("todo:%s:%d", where, n),
                           fmt("%s stopped at TODO %d: that part is not written yet%s", where, n,
                               strchr(where, '.') ? "" : fmt(" (see %s.c)", where)));
        return;
    }
}

/* The programs' own calls on their sockets, from their traces, into the conversation: the
 * other side of each exchange (the server's recv() that got only "4"). Shown, never judged. */
static void add_traced_calls(void)
{
    uint16_t port = check.port.fd >= 0 ? (uint16_t)check.port.value : 0;
    for (int i = 0; i < check.nprocs; i++) {
        struct trace_event *events = NULL;
        size_t n = trace_read(&check.procs[i], port, &events);
        for (size_t k = 0; k < n; k++)
            conversation_call(check.procs[i].name, events[k].mono_ns,
                              events[k].pending ? fmt("%s ... still waiting", events[k].text) : events[k].text);
        trace_free(events, n);
    }
}

/* What was said, as the last section of the feedback and as data for the pages' diagrams.
 * Not after a program stopped at a TODO: it never got to say anything, and that is all there
 * is to say. */
static void conversation_to_feedback(struct feedback *f)
{
    if (f->group_key && strncmp(f->group_key, "todo:", 5) == 0)
        return;
    add_traced_calls();
    struct text section = { 0 };
    conversation_describe(&section);
    if (section.len > 0) {
        feedback_add(f, FEEDBACK_SECTION, text_str(&section));
        feedback_set_extra(f, "conversation", conversation_json());
    }
    text_free(&section);
}

_Noreturn void fail(void)
{
    flush_note();
    if (check.pending_cause && !feedback_has(&check.fb, FEEDBACK_CAUSE))
        cause(check.pending_cause_id, "%s", check.pending_cause);
    note_todo_stop();
    if (check.fb.count == 0)
        got("a failure the check did not describe");
    /* What the check's programs did on their sockets, as their tracer recorded it. */
    struct text calls = { 0 };
    trace_describe_all(&calls, check.procs, check.nprocs, check.port.fd >= 0 ? (uint16_t)check.port.value : 0);
    if (calls.len > 0)
        feedback_add(&check.fb, FEEDBACK_SECTION, text_str(&calls));
    text_free(&calls);
    conversation_to_feedback(&check.fb);
    char *message = feedback_to_json(&check.fb);
    cr_assert_fail("%s", message);
    free(message);
    abort();
}

_Noreturn void fail_mismatch(const struct mismatch *m)
{
    if (m->sent)
        sent("%s", m->sent);
    if (m->expected)
        expected("%s", m->expected);
    if (m->got)
        got("%s", m->got);
    if (m->got_bytes)
        explain_difference(m->want, m->want_len, m->got_bytes);
    if (m->cause)
        cause(m->cause_id, "%s", m->cause);
    if (m->program && exits_soon(m->program))
        tell_about(m->program);
    fail();
}

void expect_reply_then_eof(int fd, struct proc *peer, const void *msg, size_t n, const char *what_sent,
                           const void *want, size_t want_len)
{
    struct text in = { 0 };
    enum io_result r = exchange(fd, msg, n, true, &in, want_len + 4096, deadline_in(ANSWER_MS));
    if (r == IO_EOF && in.len == want_len && memcmp(in.data, want, want_len) == 0)
        return;
    const char *expect = fmt("%s, then end-of-file (the connection closed)", quote(want, want_len));
    if (r == IO_EOF || r == IO_FULL)
        MISMATCH(.sent = what_sent, .expected = expect, .want = want, .want_len = want_len, .got_bytes = &in,
                 .program = peer);
    if (r == IO_TIMEOUT && in.len == want_len && memcmp(in.data, want, want_len) == 0)
        MISMATCH(.sent = what_sent, .expected = expect, .got = io_outcome(r, &in), .program = peer,
                 .cause_id = "no-close-after-eof",
                 .cause = "the reply came back but the connection stayed open: when recv() returns 0 "
                          "the client is done, so close() the connected socket.");
    MISMATCH(.sent = what_sent, .expected = expect, .got = io_outcome(r, &in), .program = peer);
}

const char *io_outcome(enum io_result r, const struct text *in)
{
    const char *so_far = in->len ? fmt(" after %s", quote_text(in)) : "";
    switch (r) {
    case IO_OK: return fmt("%s", quote_text(in));
    case IO_EOF:
        return in->len ? fmt("%s, then end-of-file", quote_text(in))
                       : "end-of-file at once (the connection was closed)";
    case IO_TIMEOUT:
        if (why_stopped(NULL))
            return fmt("nothing more%s: %s", so_far, why_stopped(NULL));
        return fmt("nothing more within %d s%s", ANSWER_MS / 1000, so_far);
    case IO_FULL: return fmt("more than expected: %s", quote_text(in));
    case IO_ERROR: return fmt("%s%s", errno_text(errno), so_far);
    }
    return "?";
}

void explain_difference(const void *want, size_t n, const struct text *in)
{
    const char *w = want;
    if (diff_is_text(w, n) && diff_is_text(in->data, in->len))
        diff_lines(&check.feedback, w, n, in->data, in->len);
    struct difference d = diff_compare(w, n, in->data, in->len);
    switch (d.shape) {
    case DIFF_SAME: return;
    case DIFF_NOTHING: got("nothing: not one byte"); return;
    case DIFF_CUT: got("only the first %zu of %zu bytes: %s", in->len, n, quote_text(in)); break;
    case DIFF_LONGER:
        got("%zu bytes more than expected: %s", in->len - n, quote(in->data + n, in->len - n));
        break;
    case DIFF_AT:
        got("a difference at byte %zu: expected %s, got %s (%zu bytes in all)", d.at,
            quote(w + d.at, n - d.at < 16 ? n - d.at : 16),
            quote(in->data + d.at, in->len - d.at < 16 ? in->len - d.at : 16), in->len);
        break;
    }
    switch (d.cause) {
    case DIFF_NO_CAUSE:
    /* Reversed bytes are a number in the wrong byte order, not a lost NUL: the check that
     * sent numbers knows which, and says so itself. */
    case DIFF_BYTE_ORDER: break;
    case DIFF_STOPPED_AT_NUL:
        cause("c-string", "it stopped right before the first NUL byte: socket data is bytes, not a C string. "
                          "Use the length recv() returns, not strlen() or printf(\"%%s\").");
        break;
    case DIFF_SHORT_TRANSFER:
        cause("single-recv",
              "it stopped after %zu bytes: one recv() or send() moves at most what fits in its "
              "buffer, and may move less (a piece of what was sent). Loop until recv() returns 0, "
              "and send what is left after a short send().",
              in->len);
        break;
    case DIFF_LOST_NUL:
        cause("c-string", "a NUL byte went missing: socket data is bytes, not a C string (strlen, strcpy, printf "
                          "%%s stop at NUL).");
        break;
    case DIFF_PRINTED_AS_STRING:
        cause("c-string",
              "extra bytes at the end of a line: a received buffer printed as a C string, with no "
              "NUL after the data? Print exactly the bytes received: printf(\"%%.*s\\n\", (int)n, buf).");
        break;
    }
}
