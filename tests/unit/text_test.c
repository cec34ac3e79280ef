/* Unit tests of text.c: quoting bytes for feedback, UTF-8 checking for results.json, escaping
 * for the HTML and SVG pages. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "text.h"

Test(text_quote, escapes_what_is_not_printable)
{
    struct text t = { 0 };
    text_quote(&t, "a\n\"\\\0\xff", 6, 100);
    cr_assert_str_eq(text_str(&t), "\"a\\n\\\"\\\\\\x00\\xff\"");
    text_free(&t);
}

Test(text_quote, cuts_long_input_with_a_note)
{
    struct text t = { 0 };
    text_quote(&t, "abcdefgh", 8, 3);
    cr_assert_str_eq(text_str(&t), "\"abc\" ... and 5 more bytes");
    text_free(&t);
}

Test(utf8, accepts_well_formed_text)
{
    cr_assert(utf8_valid("plain", 5));
    cr_assert(utf8_valid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14));
}

Test(utf8, rejects_ill_formed_sequences)
{
    cr_assert_not(utf8_valid("\xff", 1));
    cr_assert_not(utf8_valid("\xc3\x28", 2));     /* a lead byte without its follower */
    cr_assert_not(utf8_valid("\xc0\xaf", 2));     /* an overlong '/' */
    cr_assert_not(utf8_valid("\xed\xa0\x80", 3)); /* a UTF-16 surrogate */
    cr_assert_not(utf8_valid("\xe2\x82", 2));     /* cut short */
    cr_assert_not(utf8_valid("a\0b", 3));         /* NUL has no place in a JSON string here */
}

Test(utf8, sanitizing_replaces_each_bad_byte)
{
    struct text t = { 0 };
    text_append_utf8_sanitized(&t, "ok\xff\xc3\xa9", 5);
    cr_assert_str_eq(text_str(&t), "ok\xef\xbf\xbd\xc3\xa9");
    cr_assert(utf8_valid(t.data, t.len));
    text_free(&t);
}

Test(text_indent_tail, keeps_the_last_lines_escaped)
{
    struct text t = { 0 };
    const char *err = "one\ntwo\nthree\x1b[2J\n";
    text_indent_tail(&t, err, strlen(err), 2, 1000);
    cr_assert_str_eq(text_str(&t), "    ...\n    two\n    three\\x1b[2J\n");
    text_free(&t);
}

Test(text_markup, escapes_markup_and_control_characters)
{
    struct text t = { 0 };
    text_append_markup(&t, "<a href=\"x\">'&'</a>\n\t\x01", SIZE_MAX, true);
    cr_assert_str_eq(text_str(&t), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;\n\t\\x01");
    text_clear(&t);
    text_append_markup(&t, "one\ntwo", SIZE_MAX, false);
    cr_assert_str_eq(text_str(&t), "one\\x0atwo", "a line of a picture keeps no newline");
    text_free(&t);
}

Test(text_markup, cuts_by_characters_and_mends_bad_bytes)
{
    struct text t = { 0 };
    text_append_markup(&t, "h\xc3\xa9llo", 3, false);
    cr_assert_str_eq(text_str(&t), "h\xc3\xa9l\xe2\x80\xa6", "three characters, then an ellipsis");
    text_clear(&t);
    text_append_markup(&t,
                       "a\xff"
                       "b",
                       SIZE_MAX, false);
    cr_assert_str_eq(text_str(&t),
                     "a\xef\xbf\xbd"
                     "b",
                     "ill-formed UTF-8 becomes U+FFFD");
    text_free(&t);
}
