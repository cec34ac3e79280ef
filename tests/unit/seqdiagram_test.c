/* Unit tests of seqdiagram.c: what it draws from a conversation, which row it marks, and what it
 * does with a results file that was tampered with. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "seqdiagram.h"

static json_t *parse(const char *s)
{
    json_error_t error;
    json_t *j = json_loads(s, 0, &error);
    cr_assert_not_null(j, "%s", error.text);
    return j;
}

/* The <g> of the row whose title starts with words, as a string (owned by t). */
static const char *row_of(const struct text *t, const char *words)
{
    static char row[4096];
    char title[256];
    snprintf(title, sizeof title, "<g><title>%s", words);
    const char *g = strstr(text_str(t), title);
    cr_assert_not_null(g, "no row %s in %s", words, text_str(t));
    const char *end = strstr(g, "</g>");
    snprintf(row, sizeof row, "%.*s", (int)(end - g), g);
    return row;
}

static const char *const conversation =
    "[{\"ms\":2,\"kind\":\"program\",\"from\":\"seqnum_server\",\"note\":\"seqnum_server starts\"},"
    " {\"ms\":80,\"kind\":\"data\",\"from\":\"check\",\"to\":\"seqnum_server\",\"bytes\":\"4\",\"len\":1,\"cut\":false},"
    " {\"ms\":81,\"kind\":\"data\",\"from\":\"seqnum_server\",\"to\":\"check\",\"bytes\":\"0\\\\n\",\"len\":2,\"cut\":false},"
    " {\"ms\":3081,\"kind\":\"gave-up\",\"from\":\"check\",\"to\":\"seqnum_server\","
    "  \"note\":\"gave up waiting for a line from seqnum_server (waited 3000 ms)\"},"
    " {\"ms\":3082,\"kind\":\"close\",\"from\":\"check\",\"to\":\"seqnum_server\",\"note\":\"check closes\"}]";

Test(seqdiagram, draws_lanes_arrows_and_bytes)
{
    json_t *c = parse(conversation);
    struct text t = { 0 };
    cr_assert(seqdiagram_svg(&t, c, "Check 3.3"));
    cr_assert(strncmp(t.data, "<svg xmlns='http://www.w3.org/2000/svg'", 39) == 0);
    cr_assert(strstr(t.data, "<title>Check 3.3</title><desc>"), "%s", t.data);
    cr_assert(strstr(t.data, ">check</text>") && strstr(t.data, ">seqnum_server</text>"));
    cr_assert(strstr(t.data, ">\"4\"</text>"), "%s", t.data);
    cr_assert(strstr(t.data, ">\"0\\n\"</text>"), "%s", t.data);
    cr_assert(strstr(t.data, "prefers-color-scheme: dark"));
    cr_assert(strstr(t.data, "3000 ms later"), "%s", t.data);
    cr_assert_null(strstr(t.data, "<script"));
    text_free(&t);
    json_decref(c);
}

Test(seqdiagram, marks_the_wait_given_up_not_the_last_row)
{
    json_t *c = parse(conversation);
    struct text t = { 0 };
    seqdiagram_svg(&t, c, "x");
    cr_assert(strstr(row_of(&t, "+3081 ms: gave up"), "sq-band"));
    cr_assert_null(strstr(row_of(&t, "+3082 ms"), "sq-band"));
    cr_assert(strstr(t.data, "It went wrong here: +3081 ms"), "%s", t.data);
    text_free(&t);
    json_decref(c);
}

Test(seqdiagram, without_a_wait_marks_a_programs_death)
{
    json_t *c = parse(
        "[{\"ms\":1,\"kind\":\"data\",\"from\":\"check\",\"to\":\"echo_server\",\"bytes\":\"x\",\"len\":1},"
        " {\"ms\":2,\"kind\":\"program\",\"from\":\"echo_server\",\"note\":\"echo_server was killed by SIGPIPE\"},"
        " {\"ms\":3,\"kind\":\"close\",\"from\":\"check\",\"to\":\"echo_server\",\"note\":\"check closes\"}]");
    struct text t = { 0 };
    seqdiagram_svg(&t, c, "x");
    cr_assert(strstr(row_of(&t, "+2 ms"), "sq-band"), "%s", t.data);
    text_free(&t);
    json_decref(c);
}

Test(seqdiagram, nothing_to_draw)
{
    struct text t = { 0 };
    json_t *empty = json_array(), *object = json_object(),
           *omitted = parse("[{\"kind\":\"omitted\",\"count\":3}]");
    cr_assert_not(seqdiagram_svg(&t, NULL, "x"));
    cr_assert_not(seqdiagram_svg(&t, empty, "x"));
    cr_assert_not(seqdiagram_svg(&t, object, "x"));
    cr_assert_not(seqdiagram_svg(&t, omitted, "x"));
    cr_assert_eq(t.len, 0);
    json_decref(empty);
    json_decref(object);
    json_decref(omitted);
}

Test(seqdiagram, a_tampered_file_is_escaped_and_bounded)
{
    struct text many = { 0 };
    text_puts(&many, "[");
    for (int i = 0; i < 500; i++)
        text_printf(&many,
                    "%s{\"ms\":%d,\"kind\":\"data\",\"from\":\"p%d\",\"to\":\"check\",\"bytes\":\"<&'\\\"\\u0001\"}",
                    i ? "," : "", i, i % 20);
    text_puts(&many, ", 5, null, {\"ms\": \"x\", \"kind\": 7, \"from\": \"<script>\"}]");
    json_t *c = parse(many.data);
    struct text t = { 0 };
    cr_assert(seqdiagram_svg(&t, c, "<b>"));
    cr_assert_null(strstr(t.data, "<script"));
    cr_assert_null(strstr(t.data, "<b>"));
    cr_assert(strstr(t.data, "&lt;&amp;&#39;&quot;\\x01"), "%.2000s", t.data);
    int rows = 0;
    for (const char *p = t.data; (p = strstr(p, "<g><title>")) != NULL; p++)
        rows++;
    cr_assert_leq(rows, SEQDIAGRAM_MAX_EVENTS);
    int lanes = 0;
    for (const char *p = t.data; (p = strstr(p, "class='sq-head'")) != NULL; p++)
        lanes++;
    cr_assert_leq(lanes, SEQDIAGRAM_MAX_LANES);
    text_free(&t);
    text_free(&many);
    json_decref(c);
}
