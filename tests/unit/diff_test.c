/* Unit tests of diff.c: how the bytes a check got differ from those it expected, and the
 * likely cause each shape of difference suggests (explain_difference words them). */
#include <criterion/criterion.h>
#include <string.h>

#include "diff.h"

/* diff_compare on two byte strings given with their lengths. */
#define COMPARE(want, got) diff_compare((want), sizeof(want) - 1, (got), sizeof(got) - 1)

Test(diff, nothing_and_the_same)
{
    struct difference d = diff_compare("abc", 3, NULL, 0);
    cr_assert_eq(d.shape, DIFF_NOTHING);
    cr_assert_eq(d.cause, DIFF_NO_CAUSE);
    d = COMPARE("abc", "abc");
    cr_assert_eq(d.shape, DIFF_SAME);
    cr_assert_eq(d.at, 3);
}

Test(diff, cut_right_before_a_nul_is_a_c_string)
{
    struct difference d = COMPARE("ab\0cd", "ab");
    cr_assert_eq(d.shape, DIFF_CUT);
    cr_assert_eq(d.at, 2);
    cr_assert_eq(d.cause, DIFF_STOPPED_AT_NUL);
}

Test(diff, cut_elsewhere_is_a_short_transfer)
{
    struct difference d = COMPARE("abcdef", "abcd");
    cr_assert_eq(d.shape, DIFF_CUT);
    cr_assert_eq(d.cause, DIFF_SHORT_TRANSFER);
    /* A NUL later than the cut is no reason. */
    d = COMPARE("abcd\0f", "abc");
    cr_assert_eq(d.cause, DIFF_SHORT_TRANSFER);
}

Test(diff, longer_names_no_cause)
{
    struct difference d = COMPARE("abc", "abcdef");
    cr_assert_eq(d.shape, DIFF_LONGER);
    cr_assert_eq(d.at, 3);
    cr_assert_eq(d.cause, DIFF_NO_CAUSE);
}

Test(diff, a_missing_nul)
{
    struct difference d = COMPARE("a\0bc", "abc?");
    cr_assert_eq(d.shape, DIFF_AT);
    cr_assert_eq(d.at, 1);
    cr_assert_eq(d.cause, DIFF_LOST_NUL);
}

Test(diff, bytes_where_a_line_ended_are_a_buffer_printed_as_a_string)
{
    struct difference d = COMPARE("hello\n", "hello\x7f\x01garbage\n");
    cr_assert_eq(d.shape, DIFF_AT);
    cr_assert_eq(d.at, 5);
    cr_assert_eq(d.cause, DIFF_PRINTED_AS_STRING);
}

Test(diff, reversed_bytes_are_byte_order_not_a_lost_nul)
{
    /* 42 as a 16-bit and a 32-bit number, sent in host order where network order was due. */
    struct difference d = COMPARE("\x00\x2a", "\x2a\x00");
    cr_assert_eq(d.cause, DIFF_BYTE_ORDER);
    d = COMPARE("\x00\x00\x00\x2a", "\x2a\x00\x00\x00");
    cr_assert_eq(d.cause, DIFF_BYTE_ORDER);
    cr_assert(diff_bytes_reversed("\x01\x02", 2, "\x02\x01", 2));
    cr_assert_not(diff_bytes_reversed("\x01\x01", 2, "\x01\x01", 2)); /* equal: not reversed */
    cr_assert_not(diff_bytes_reversed("\x01\x02", 2, "\x02", 1));     /* too short to tell */
}

Test(diff, only_short_printable_lines_are_text)
{
    cr_assert(diff_is_text("a line\n", 7));
    cr_assert(diff_is_text("tab\there\n", 9));
    cr_assert_not(diff_is_text("", 0));
    cr_assert_not(diff_is_text("no newline", 10));
    cr_assert_not(diff_is_text("nul\0byte\n", 9));
    cr_assert_not(diff_is_text("escape \x1b[31m\n", 13));
    static char big[5000];
    memset(big, 'x', sizeof big);
    big[10] = '\n';
    cr_assert_not(diff_is_text(big, sizeof big));
}

Test(diff, lines_mark_what_agrees_and_what_differs)
{
    struct text t = { 0 };
    const char *want = "1: one\n2: two\n3: three\n", *got = "1: one\n2: TWO\n3: three\n4: \x01\n";
    diff_lines(&t, want, strlen(want), got, strlen(got));
    cr_assert_str_eq(text_str(&t), "Diff (- expected, + got):\n"
                                   "    1: one\n"
                                   "  - 2: two\n"
                                   "  + 2: TWO\n"
                                   "    3: three\n"
                                   "  + 4: \\x01\n");
    text_free(&t);
}

Test(diff, lines_stop_after_forty)
{
    struct text want = { 0 }, got = { 0 }, out = { 0 };
    for (int i = 0; i < 100; i++) {
        text_printf(&want, "line %d\n", i);
        text_printf(&got, "LINE %d\n", i);
    }
    diff_lines(&out, want.data, want.len, got.data, got.len);
    size_t lines = 0;
    for (size_t i = 0; i < out.len; i++)
        lines += out.data[i] == '\n';
    cr_assert_eq(lines, 1 + 2 * 40, "a title and 40 pairs, got %zu lines", lines);
    text_free(&want);
    text_free(&got);
    text_free(&out);
}
