/* Unit tests of conversation.c: the events a check records, how they merge, what is kept of a
 * long conversation, and the text and JSON they become. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>
#include <time.h>

#include "conversation.h"
#include "deadline.h"

static struct text out;

static void describe(void)
{
    text_clear(&out);
    conversation_describe(&out);
}

static void teardown(void)
{
    conversation_end();
    text_free(&out);
}

TestSuite(conversation, .init = conversation_begin, .fini = teardown);

Test(conversation, nothing_said_means_no_section)
{
    conversation_program("seqnum_server", "seqnum_server starts");
    describe();
    cr_assert_eq(out.len, 0, "%s", text_str(&out));
    json_t *events = conversation_json();
    cr_assert_eq(json_array_size(events), 0);
    json_decref(events);
}

Test(conversation, shows_who_said_what_to_whom)
{
    conversation_set_default_peer("seqnum_server");
    conversation_operation();
    conversation_connected(5, true, "127.0.0.1:20001");
    conversation_operation();
    conversation_data(5, "1", 1, true, false);
    conversation_operation();
    conversation_data(5, "0\n", 2, false, false);
    conversation_gave_up(5, 0, 3000, "a line from {peer}");
    describe();
    cr_assert(strstr(out.data, "Conversation:\n") == out.data, "%s", out.data);
    cr_assert(strstr(out.data, "check connects to seqnum_server (127.0.0.1:20001)"), "%s", out.data);
    cr_assert(strstr(out.data, "check -> seqnum_server  \"1\"\n"), "%s", out.data);
    cr_assert(strstr(out.data, "seqnum_server -> check  \"0\\n\"\n"), "%s", out.data);
    cr_assert(strstr(out.data, "gave up waiting for a line from seqnum_server"), "%s", out.data);
    cr_assert(strstr(out.data, "\n    +"), "%s", out.data); /* times, after an indent */
}

Test(conversation, pieces_sent_by_separate_calls_stay_apart)
{
    conversation_operation();
    conversation_data(4, "4", 1, true, false);
    conversation_operation();
    conversation_data(4, "2\n", 2, true, false);
    describe();
    const char *four = strstr(out.data, "\"4\"\n"), *rest = strstr(out.data, "\"2\\n\"\n");
    cr_assert(four && rest && four < rest, "%s", out.data);
}

Test(conversation, one_call_moving_a_mebibyte_is_one_line_each_way)
{
    static char chunk[65536];
    memset(chunk, 'a', sizeof chunk);
    conversation_operation();
    for (int i = 0; i < 16; i++) { /* a full-duplex exchange: sends and receives alternate */
        conversation_data(3, chunk, sizeof chunk, true, false);
        conversation_data(3, chunk, sizeof chunk, false, false);
    }
    json_t *events = conversation_json();
    cr_assert_eq(json_array_size(events), 2);
    cr_assert_eq(json_integer_value(json_object_get(json_array_get(events, 0), "len")), 1048576);
    cr_assert(json_is_true(json_object_get(json_array_get(events, 1), "cut")));
    json_decref(events);
    describe();
    cr_assert(strstr(out.data, "... (1048576 bytes in all)"), "%s", out.data);
}

Test(conversation, datagrams_keep_their_edges)
{
    conversation_operation();
    conversation_data(3, "one", 3, true, true);
    conversation_data(3, "two", 3, true, true);
    json_t *events = conversation_json();
    cr_assert_eq(json_array_size(events), 2);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(events, 1), "kind")), "datagram");
    json_decref(events);
}

Test(conversation, keeps_the_last_events_and_counts_the_rest)
{
    for (int i = 0; i < CONVERSATION_KEPT + 7; i++) {
        conversation_operation();
        conversation_data(3, "x", 1, i % 2 == 0, false);
    }
    describe();
    cr_assert(strstr(out.data, "    (7 earlier events left out)\n"), "%s", out.data);
    json_t *events = conversation_json();
    cr_assert_eq(json_array_size(events), CONVERSATION_KEPT + 1);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(events, 0), "kind")), "omitted");
    cr_assert_eq(json_integer_value(json_object_get(json_array_get(events, 0), "count")), 7);
    json_decref(events);
}

Test(conversation, a_peer_named_later_is_named_from_the_connect_on)
{
    conversation_set_default_peer("echo_client");
    conversation_operation();
    conversation_connected(6, true, "echo.sock");
    conversation_name_peer(6, "echo_server");
    conversation_operation();
    conversation_data(6, "hi", 2, true, false);
    describe();
    cr_assert(strstr(out.data, "check connects to echo_server (echo.sock)"), "%s", out.data);
    cr_assert(strstr(out.data, "check -> echo_server"), "%s", out.data);
    cr_assert_null(strstr(out.data, "echo_client"), "%s", out.data);
}

Test(conversation, refused_tries_before_a_connect_become_a_count)
{
    for (int i = 0; i < 3; i++) {
        conversation_operation();
        conversation_note(-1, CONV_ERROR, "{check}'s connect() to %s failed with ECONNREFUSED", "127.0.0.1:9");
    }
    conversation_connected(3, true, "127.0.0.1:9");
    conversation_data(3, "x", 1, true, false);
    describe();
    cr_assert(strstr(out.data, "(127.0.0.1:9, after 3 failed tries)"), "%s", out.data);
    cr_assert_null(strstr(out.data, "ECONNREFUSED"), "%s", out.data);
}

Test(conversation, repeated_notes_are_counted)
{
    for (int i = 0; i < 5; i++)
        conversation_note(-1, CONV_ERROR, "{check}'s connect() to %s failed with ECONNREFUSED", "127.0.0.1:9");
    describe();
    cr_assert(strstr(out.data, "ECONNREFUSED (x5"), "%s", out.data);
}

Test(conversation, a_look_is_not_giving_up)
{
    conversation_data(3, "x", 1, false, true);
    conversation_gave_up(3, 100, 100, "a datagram");
    describe();
    cr_assert_null(strstr(out.data, "gave up"), "%s", out.data);
}

Test(conversation, bytes_are_escaped_and_cut_to_a_line)
{
    char binary[48];
    for (int i = 0; i < 48; i++)
        binary[i] = (char)(0x80 + i);
    conversation_data(3, binary, sizeof binary, false, false);
    describe();
    cr_assert(strstr(out.data, "\"\\x80\\x81"), "%s", out.data);
    cr_assert(strstr(out.data, "... (48 bytes in all)"), "%s", out.data);
    json_t *events = conversation_json();
    const char *bytes = json_string_value(json_object_get(json_array_get(events, 0), "bytes"));
    cr_assert(bytes && strncmp(bytes, "\\x80\\x81", 8) == 0, "%s", bytes);
    json_decref(events);
}

Test(conversation, a_datagram_goes_where_it_arrived)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    conversation_program("udp_echo_client", "check kills udp_echo_client (SIGKILL)");
    conversation_data_at(3, "hello?", 6, false, true, now - 1);
    describe();
    const char *datagram = strstr(out.data, "datagram"), *kill = strstr(out.data, "kills");
    cr_assert(datagram && kill && datagram < kill, "%s", out.data);
}

Test(conversation, a_programs_calls_merge_in_by_time)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    conversation_operation();
    conversation_data(3, "1", 1, true, false);
    conversation_call("seqnum_server", now + 1000000000, "recv(4, 256) = 1 \"1\"");
    conversation_call("seqnum_server", now + 1000000000, "setsockopt(3, SO_REUSEADDR) = 0");
    describe();
    const char *send = strstr(out.data, "check -> "),
               *call = strstr(out.data, "seqnum_server recv(4, 256) = 1 \"1\"\n");
    cr_assert(send && call && send < call, "%s", out.data);
    /* A second after the check's send, however late the test itself started. */
    json_t *events = conversation_json();
    json_int_t gap = json_integer_value(json_object_get(json_array_get(events, 1), "ms"))
                     - json_integer_value(json_object_get(json_array_get(events, 0), "ms"));
    cr_assert(gap >= 990 && gap <= 1000, "%lld", (long long)gap);
    json_decref(events);
    cr_assert_null(strstr(out.data, "setsockopt"), "%s", out.data);
}

Test(conversation, a_programs_calls_leave_room_for_the_check)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    conversation_operation();
    conversation_data(3, "x", 1, true, false);
    for (int i = 0; i < 300; i++)
        conversation_call("echo_server", now + 100000000 + i, "recv(4, 4096) = 4096");
    json_t *events = conversation_json();
    size_t calls = 0;
    for (size_t i = 0; i < json_array_size(events); i++)
        calls += strcmp(json_string_value(json_object_get(json_array_get(events, i), "kind")), "call") == 0;
    cr_assert_eq(calls, CONVERSATION_CALLS_KEPT);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(events, 1), "kind")), "data");
    json_decref(events);
}

Test(conversation, connections_open_at_once_are_numbered)
{
    conversation_set_default_peer("chat_server");
    conversation_connected(5, true, "127.0.0.1:9");
    conversation_connected(6, true, "127.0.0.1:9");
    conversation_operation();
    conversation_data(6, "hi\n", 3, true, false);
    conversation_note(5, CONV_CLOSE, "{check} closes the connection to {peer}");
    conversation_forget(5);
    describe();
    cr_assert(strstr(out.data, "check#2 -> chat_server  \"hi\\n\""), "%s", out.data);
    cr_assert(strstr(out.data, "check#1 closes the connection to chat_server"), "%s", out.data);
}

Test(conversation, one_connection_at_a_time_is_just_the_check)
{
    conversation_connected(5, true, "127.0.0.1:9");
    conversation_note(5, CONV_CLOSE, "{check} closes the connection to {peer}");
    conversation_forget(5);
    conversation_connected(5, true, "127.0.0.1:9");
    conversation_data(5, "x", 1, true, false);
    describe();
    cr_assert_null(strstr(out.data, "#"), "%s", out.data);
}

Test(conversation, many_descriptors_do_not_overflow_the_names)
{
    for (int fd = 3; fd < 400; fd++) {
        conversation_connected(fd, true, "127.0.0.1:9");
        conversation_name_peer(fd, "chat_server");
        conversation_data(fd, "x", 1, true, false);
    }
    describe();
    cr_assert(strstr(out.data, "chat_server"), "%s", out.data);
}

Test(conversation, calls_of_two_programs_come_out_in_time_order)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    conversation_data(3, "x", 1, true, false);
    for (int i = 0; i < 20; i++)
        conversation_call("echo_server", now + (2 * i + 1) * 1000000, "recv(4, 1) = 1");
    for (int i = 0; i < 20; i++)
        conversation_call("echo_client", now + (2 * i + 2) * 1000000, "send(3, 1) = 1");
    json_t *events = conversation_json();
    long first = -1, last = -1;
    size_t n = json_array_size(events), calls = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(events, i);
        if (strcmp(json_string_value(json_object_get(e, "kind")), "call") != 0)
            continue;
        long ms = (long)json_integer_value(json_object_get(e, "ms"));
        cr_assert_geq(ms, last);
        first = first < 0 ? ms : first;
        last = ms;
        calls++;
    }
    cr_assert_eq(calls, CONVERSATION_CALLS_KEPT);
    cr_assert_geq(first, 25); /* the latest in time were kept: 25 to 40 ms of 1 to 40 */
    json_decref(events);
}

Test(conversation, what_the_check_sends_is_timed_before_the_call)
{
    conversation_operation();
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t before = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    struct timespec pause = { 0, 3000000 };
    nanosleep(&pause, NULL); /* the send() takes a while; the program reads at once */
    conversation_call("seqnum_server", before + 1000000, "recv(4, 63, 0) = 1 \"4\"");
    conversation_data(3, "4", 1, true, false);
    describe();
    const char *send = strstr(out.data, "check -> "), *recv = strstr(out.data, "recv(4, 63, 0)");
    cr_assert(send && recv && send < recv, "%s", out.data);
}

Test(conversation, says_why_a_wait_stopped_early)
{
    conversation_set_default_peer("echo_client");
    conversation_operation();
    conversation_data(5, "hi\n", 3, false, false);
    conversation_stopped_waiting(5, now_ms() - 250, "{peer} to send more or close",
                                 "echo_client was blocked in read()");
    describe();
    cr_assert(strstr(out.data, "stopped waiting for echo_client to send more or close after 25"), "%s",
              out.data);
    cr_assert(strstr(out.data, " ms: echo_client was blocked in read()\n"), "%s", out.data);
}
