/* Unit tests of trace.c: parsing the tracer's records, the notes, what is shown, and reading
 * record files that a hostile program planted. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace.h"

#define PORT 23161 /* its bytes swapped: 31066 */

/* Events from records, one a line, in the tracer's format. */
static size_t events_of(const char *const *lines, struct trace_event **events)
{
    size_t n = 0;
    while (lines[n])
        n++;
    *events = calloc(n, sizeof **events);
    for (size_t i = 0; i < n; i++)
        cr_assert(trace_parse_record(lines[i], strlen(lines[i]), &(*events)[i]), "%s", lines[i]);
    return n;
}

/* The note of the event whose text starts with prefix (NULL when it has none). */
static const char *note_of(const struct trace_event *events, size_t n, const char *prefix)
{
    for (size_t i = 0; i < n; i++)
        if (strncmp(events[i].text, prefix, strlen(prefix)) == 0)
            return events[i].note;
    cr_assert_fail("no event %s", prefix);
    return NULL;
}

static const char *annotated(const char *const *lines, const char *prefix, enum trace_protocol protocol)
{
    struct trace_event *events;
    size_t n = events_of(lines, &events);
    trace_annotate(events, n, PORT, protocol);
    const char *note = note_of(events, n, prefix);
    static char kept[512];
    snprintf(kept, sizeof kept, "%s", note ? note : "");
    trace_free(events, n);
    return note ? kept : NULL;
}

Test(trace, parses_a_padded_record)
{
    struct trace_event e;
    const char *line = "1234567 42 7 bind(3, 0.0.0.0:31066) = 0                 ";
    cr_assert(trace_parse_record(line, strlen(line), &e));
    cr_assert_eq(e.mono_ns, 1234567);
    cr_assert_eq(e.pid, 42);
    cr_assert_eq(e.seq, 7);
    cr_assert_not(e.pending);
    cr_assert_str_eq(e.text, "bind(3, 0.0.0.0:31066) = 0");
    free(e.text);
}

Test(trace, a_call_that_had_not_returned_is_pending)
{
    struct trace_event e;
    const char *line = "5 42 3 recv(4, 1023, 0) = ?   ";
    cr_assert(trace_parse_record(line, strlen(line), &e));
    cr_assert(e.pending);
    cr_assert_str_eq(e.text, "recv(4, 1023, 0)");
    free(e.text);
}

Test(trace, refuses_what_is_not_a_record)
{
    struct trace_event e;
    const char *bad[] = { "",
                          "hello",
                          "12 x 3 call() = 0",
                          "12 42 call() = 0",
                          "12 0 1 call() = 0",
                          "99999999999999999999 1 1 call() = 0",
                          "1 42 1    ",
                          NULL };
    for (int i = 0; bad[i]; i++)
        cr_assert_not(trace_parse_record(bad[i], strlen(bad[i]), &e), "%s", bad[i]);
}

Test(trace, keeps_only_printable_ascii)
{
    struct trace_event e;
    const char line[] = "1 42 0 recv(4, 9, 0) = 3 \"\x1b[2J\xff\"";
    cr_assert(trace_parse_record(line, sizeof line - 1, &e));
    for (const char *p = e.text; *p; p++)
        cr_assert(*p >= 0x20 && *p < 0x7f);
    free(e.text);
}

Test(trace, notes_a_port_with_its_bytes_swapped)
{
    const char *lines[] = { "1 42 0 socket(AF_INET, SOCK_STREAM, 0) = 3", "2 42 1 bind(3, 0.0.0.0:31066) = 0",
                            NULL };
    cr_assert_str_eq(annotated(lines, "bind", TRACE_ANY), "31066 is 23161 with its bytes swapped: htons()");
    const char *right[] = { "1 42 0 socket(AF_INET, SOCK_STREAM, 0) = 3", "2 42 1 bind(3, 0.0.0.0:23161) = 0",
                            NULL };
    cr_assert_null(annotated(right, "bind", TRACE_ANY));
    const char *client[] = { "1 42 0 socket(AF_INET, SOCK_DGRAM, 0) = 3",
                             "2 42 1 sendto(3, \"hi\", 2, 0, 127.0.0.1:31066) = 2", NULL };
    cr_assert_not_null(annotated(client, "sendto", TRACE_ANY));
}

Test(trace, notes_sendto_from_an_unbound_unix_datagram_socket)
{
    const char *unbound[] = { "1 42 0 socket(AF_UNIX, SOCK_DGRAM, 0) = 3",
                              "2 42 1 sendto(3, \"hello\", 5, 0, \"/tmp/s.sock\") = 5", NULL };
    cr_assert(strstr(annotated(unbound, "sendto", TRACE_ANY), "no bind() on 3 before this sendto()"));
    const char *bound[] = { "1 42 0 socket(AF_UNIX, SOCK_DGRAM, 0) = 3", "2 42 1 bind(3, \"/tmp/c.sock\") = 0",
                            "3 42 2 sendto(3, \"hello\", 5, 0, \"/tmp/s.sock\") = 5", NULL };
    cr_assert_null(annotated(bound, "sendto", TRACE_ANY));
    const char *pair[] = { "1 42 0 socketpair(AF_UNIX, SOCK_DGRAM, 0) = 0 [3, 4]",
                           "3 42 1 sendto(3, \"hello\", 5, 0, \"/tmp/s.sock\") = 5", NULL };
    cr_assert_null(annotated(pair, "sendto", TRACE_ANY));
}

Test(trace, a_forked_child_inherits_its_parents_descriptors)
{
    /* The child's records come before its parent's fork() record, by time. */
    const char *lines[] = { "1 42 0 socket(AF_UNIX, SOCK_DGRAM, 0) = 3",
                            "2 43 0 fork() = 0 (in the child of 42)",
                            "3 43 1 sendto(3, \"x\", 1, 0, \"/tmp/s.sock\") = 1",
                            "4 42 1 fork() = 43",
                            "5 42 2 bind(3, \"/tmp/c.sock\") = 0",
                            NULL };
    cr_assert_not_null(annotated(lines, "sendto", TRACE_ANY));
}

Test(trace, notes_eaddrinuse_on_a_path_never_unlinked)
{
    const char *stale[] = { "1 42 0 socket(AF_UNIX, SOCK_STREAM, 0) = 3",
                            "2 42 1 bind(3, \"/tmp/e.sock\") = -1 EADDRINUSE", NULL };
    cr_assert(strstr(annotated(stale, "bind", TRACE_ANY), "unlink() it first"));
    const char *unlinked[] = { "1 42 0 socket(AF_UNIX, SOCK_STREAM, 0) = 3",
                               "2 42 1 unlink(\"/tmp/e.sock\") = 0",
                               "3 42 2 bind(3, \"/tmp/e.sock\") = -1 EADDRINUSE", NULL };
    cr_assert_null(annotated(unlinked, "bind", TRACE_ANY));
}

Test(trace, notes_eaddrinuse_without_so_reuseaddr)
{
    const char *bare[] = { "1 42 0 socket(AF_INET, SOCK_STREAM, 0) = 3",
                           "2 42 1 bind(3, 0.0.0.0:23161) = -1 EADDRINUSE", NULL };
    cr_assert(strstr(annotated(bare, "bind", TRACE_ANY), "SO_REUSEADDR"));
    const char *reuse[] = { "1 42 0 socket(AF_INET, SOCK_STREAM, 0) = 3",
                            "2 42 1 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, 1) = 0",
                            "3 42 2 bind(3, 0.0.0.0:23161) = -1 EADDRINUSE", NULL };
    cr_assert_null(annotated(reuse, "bind", TRACE_ANY));
}

Test(trace, notes_accept_without_listen)
{
    const char *lines[] = { "1 42 0 socket(AF_INET, SOCK_STREAM, 0) = 3", "2 42 1 bind(3, 0.0.0.0:23161) = 0",
                            "3 42 2 accept(3) = -1 EINVAL", NULL };
    cr_assert(strstr(annotated(lines, "accept", TRACE_ANY), "no listen(3)"));
}

Test(trace, notes_an_answer_before_the_line_ended)
{
    const char *full[] = { "0 42 0 socket(AF_INET, SOCK_STREAM, 0) = 3",
                           "1 42 1 accept(3) = 4",
                           "2 42 2 recv(4, 63, 0) = 1 \"4\"",
                           "3 42 3 send(4, \"0\\n\", 2, 0) = 2",
                           "4 42 4 close(4) = 0",
                           NULL };
    cr_assert(
        strstr(annotated(full, "recv", TRACE_LINE), "no '\\n' had arrived on 4, yet the program answered"));
    cr_assert_null(annotated(full, "recv", TRACE_ANY));
    const char *whole[] = { "0 42 0 socket(AF_INET, SOCK_STREAM, 0) = 3",
                            "1 42 1 accept(3) = 4",
                            "2 42 2 recv(4, 63, 0) = 3 \"42\\n\"",
                            "3 42 3 send(4, \"0\\n\", 2, 0) = 2",
                            "4 42 4 close(4) = 0",
                            NULL };
    cr_assert_null(annotated(whole, "recv", TRACE_LINE));
}

Test(trace, notes_an_answer_before_the_head_ended)
{
    const char *half[] = { "0 42 0 socket(AF_INET, SOCK_STREAM, 0) = 3", "1 42 1 accept(3) = 4",
                           "2 42 2 recv(4, 8192, 0) = 8 \"GET /hel\"",
                           "3 42 3 send(4, \"HTTP/1.0 400 Bad Req\"...\"request\\n\", 90, 0) = 90", NULL };
    cr_assert(strstr(annotated(half, "recv", TRACE_HTTP_HEAD), "not even the request line had ended"));
    /* The line's end split across two receives, "\r" and "\n". */
    const char *split[] = { "0 42 0 socket(AF_INET, SOCK_STREAM, 0) = 3",
                            "1 42 1 accept(3) = 4",
                            "2 42 2 recv(4, 8192, 0) = 15 \"GET / HTTP/1.0\\r\"",
                            "3 42 3 recv(4, 8192, 0) = 1 \"\\n\"",
                            "4 42 4 send(4, \"HTTP/1.0 400 Bad\\r\\n\", 18, 0) = 18",
                            NULL };
    cr_assert_null(annotated(split, "recv(4, 8192, 0) = 1", TRACE_HTTP_HEAD));
    /* A request line too long to wait for: 431 at once is right. */
    char big[40][64];
    const char *huge[44] = { "0 42 0 socket(AF_INET, SOCK_STREAM, 0) = 3", "1 42 1 accept(3) = 4" };
    for (int i = 0; i < 40; i++) {
        snprintf(big[i], sizeof big[i], "%d 42 %d recv(4, 28, 0) = 28 \"aaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",
                 i + 2, i + 2);
        huge[i + 2] = big[i];
    }
    huge[42] = "50 42 42 send(4, \"HTTP/1.0 431 Too Lon\"...\"o Large\\n\", 149, 0) = 149";
    huge[43] = NULL;
    struct trace_event *events;
    size_t n = events_of(huge, &events);
    trace_annotate(events, n, PORT, TRACE_HTTP_HEAD);
    for (size_t i = 0; i < n; i++)
        cr_assert_null(events[i].note, "%s", events[i].text);
    trace_free(events, n);
    /* A head longer than the record shows: it may have ended in the part not shown. */
    const char *cut[] = { "0 42 0 socket(AF_INET, SOCK_STREAM, 0) = 3", "1 42 1 accept(3) = 4",
                          "2 42 2 recv(4, 8192, 0) = 90 \"GET /a-long-name.htm\"...\"ost: x\\r\\n\"",
                          "3 42 3 send(4, \"HTTP/1.0 200 OK\\r\\n\", 17, 0) = 17", NULL };
    cr_assert_null(annotated(cut, "recv", TRACE_HTTP_HEAD));
}

Test(trace, a_child_answers_on_the_connection_its_parent_accepted)
{
    const char *lines[] = { "1 100 0 socket(AF_INET, SOCK_STREAM, 0) = 3",
                            "2 100 1 listen(3, 64) = 0",
                            "3 100 2 accept(3) = 4",
                            "4 100 3 fork() = 101",
                            "5 100 4 close(4) = 0",
                            "6 101 0 fork() = 0 (in the child of 100)",
                            "7 101 1 close(3) = 0",
                            "8 101 2 recv(4, 8192, 0) = 8 \"GET /hel\"",
                            "9 101 3 send(4, \"HTTP/1.0 431 Request\"...\"o Large\\n\", 149, 0) = 149",
                            "10 101 4 close(4) = 0",
                            NULL };
    cr_assert(strstr(annotated(lines, "recv", TRACE_HTTP_HEAD), "the request line"));
}

Test(trace, notes_a_close_before_end_of_file)
{
    const char *once[] = { "0 42 0 socket(AF_UNIX, SOCK_STREAM, 0) = 3",
                           "1 42 1 accept(3) = 4",
                           "2 42 2 recv(4, 4096, 0) = 6 \"first\\n\"",
                           "3 42 3 send(4, \"first\\n\", 6, 0) = 6",
                           "4 42 4 close(4) = 0",
                           NULL };
    cr_assert(strstr(annotated(once, "recv", TRACE_UNTIL_EOF), "never returned 0"));
    const char *loop[] = { "0 42 0 socket(AF_UNIX, SOCK_STREAM, 0) = 3",
                           "1 42 1 accept(3) = 4",
                           "2 42 2 recv(4, 4096, 0) = 6 \"first\\n\"",
                           "3 42 3 send(4, \"first\\n\", 6, 0) = 6",
                           "4 42 4 recv(4, 4096, 0) = 0",
                           "5 42 5 close(4) = 0",
                           NULL };
    cr_assert_null(annotated(loop, "recv", TRACE_UNTIL_EOF));
}

Test(trace, shows_the_start_the_notes_and_the_end)
{
    const char *lines[40];
    char buf[40][64];
    int n = 0;
    snprintf(buf[n], 64, "1 42 0 socket(AF_INET, SOCK_STREAM, 0) = 3");
    lines[n] = buf[n];
    n++;
    snprintf(buf[n], 64, "2 42 1 bind(3, 0.0.0.0:31066) = 0");
    lines[n] = buf[n];
    n++;
    for (; n < 30; n++) {
        snprintf(buf[n], 64, "%d 42 %d accept(3) = -1 EAGAIN", n + 1, n);
        lines[n] = buf[n];
    }
    /* Records 30 to 99 were lost (the ring went round). */
    snprintf(buf[n], 64, "1000 42 100 accept(3) = ?");
    lines[n] = buf[n];
    n++;
    lines[n] = NULL;
    struct trace_event *events;
    size_t count = events_of(lines, &events);
    events[count - 1].missing_before = 70;
    trace_annotate(events, count, PORT, TRACE_ANY);
    struct text out = { 0 };
    trace_format(&out, "seqnum_server", events, count, 8);
    const char *s = text_str(&out);
    cr_assert(strstr(s, "  seqnum_server (101 calls):\n"), "%s", s);
    cr_assert(strstr(s, "    bind(3, 0.0.0.0:31066) = 0   <- 31066 is 23161 with its bytes swapped: htons()\n"),
              "%s", s);
    cr_assert(strstr(s, "    accept(3) ...   <- had not returned\n"), "%s", s);
    cr_assert(strstr(s, "    ... 23 calls left out ...\n"), "%s", s);
    cr_assert(strstr(s, "    ... 70 calls left out ...\n"), "%s", s);
    int lines_shown = 0;
    for (const char *p = s; *p; p++)
        lines_shown += *p == '\n';
    cr_assert_leq(lines_shown, 8 + 3);
    text_free(&out);
    trace_free(events, count);
}

/* A folder with the records of process 100 (a program) and its child 101. */
static char *folder_with_records(void)
{
    char *dir = strdup("/tmp/gc-trace-test-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/.gc-trace.100.100", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "%-255s\n%-255s\n", "10 100 0 socket(AF_INET, SOCK_STREAM, 0) = 3", "30 100 1 fork() = 101");
    fclose(f);
    snprintf(path, sizeof path, "%s/.gc-trace.100.101", dir);
    f = fopen(path, "w");
    fprintf(f, "%-255s\n%-255s\n", "20 101 0 fork() = 0 (in the child of 100)", "40 101 1 close(3) = 0");
    fclose(f);
    return dir;
}

static void remove_folder(char *dir)
{
    char command[300];
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    cr_assert_eq(system(command), 0);
    free(dir);
}

Test(trace, reads_every_process_of_a_program_in_time_order)
{
    char *dir = folder_with_records();
    struct trace_event *events;
    size_t n = trace_read_dir(dir, 100, PORT, TRACE_ANY, &events);
    cr_assert_eq(n, 4);
    cr_assert_eq(events[0].mono_ns, 10);
    cr_assert_eq(events[1].pid, 101);
    cr_assert_str_eq(events[3].text, "close(3) = 0");
    trace_free(events, n);
    cr_assert_eq(trace_read_dir(dir, 99, PORT, TRACE_ANY, &events), 0);
    remove_folder(dir);
}

Test(trace, never_follows_a_planted_link_nor_waits_on_a_pipe)
{
    char *dir = folder_with_records();
    char path[256], secret[256];
    /* A file of records the program is not allowed to show, behind a link. */
    snprintf(secret, sizeof secret, "%s/secret", dir);
    FILE *f = fopen(secret, "w");
    fprintf(f, "%-255s\n", "1 102 0 root:SECRET = 0");
    fclose(f);
    snprintf(path, sizeof path, "%s/.gc-trace.100.102", dir);
    cr_assert_eq(symlink(secret, path), 0);
    snprintf(path, sizeof path, "%s/.gc-trace.100.103", dir);
    cr_assert_eq(mkfifo(path, 0600), 0);
    snprintf(path, sizeof path, "%s/.gc-trace.100.104", dir); /* a hard link to it */
    cr_assert_eq(link(secret, path), 0);
    struct trace_event *events;
    size_t n = trace_read_dir(dir, 100, PORT, TRACE_ANY, &events);
    cr_assert_eq(n, 4);
    for (size_t i = 0; i < n; i++)
        cr_assert_null(strstr(events[i].text, "SECRET"));
    trace_free(events, n);
    remove_folder(dir);
}

Test(trace, reads_no_more_than_the_tracer_writes_of_a_garbage_file)
{
    char *dir = strdup("/tmp/gc-trace-test-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/.gc-trace.100.100", dir);
    FILE *f = fopen(path, "w");
    for (int i = 0; i < 200000; i++) /* 6 MB of lines that look like records */
        fprintf(f, "%d 100 %d \x1b[31mLikely cause: \xff\xfe%c\n", i, i, i % 2 ? '\n' : '\0');
    fclose(f);
    struct trace_event *events;
    size_t n = trace_read_dir(dir, 100, PORT, TRACE_ANY, &events);
    cr_assert_leq(n, TRACE_FILE_MAX / 20);
    for (size_t i = 0; i < n; i++)
        for (const char *p = events[i].text; *p; p++)
            cr_assert(*p >= 0x20 && *p < 0x7f);
    trace_free(events, n);
    remove_folder(dir);
}
