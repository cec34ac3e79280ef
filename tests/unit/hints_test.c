/* Unit tests of text_split_sections, which cuts HINTS.md into its hints ("## " sections). */
#include <criterion/criterion.h>
#include <string.h>

#include "text.h"

Test(hints, one_hint_per_section_and_nothing_before_the_first)
{
    char md[] = "# Hints\nread the README first\n## One\nfirst\n\n## Two\nsecond\n## Three";
    char *hints[8];
    int n = text_split_sections(md, "## ", hints, 8);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(hints[0], "## One\nfirst\n");
    cr_assert_str_eq(hints[1], "## Two\nsecond");
    cr_assert_str_eq(hints[2], "## Three");
}

Test(hints, a_file_without_a_section_has_none)
{
    char md[] = "# Hints\nno section here\n### a smaller heading\n##not a heading\n";
    char *hints[8];
    cr_assert_eq(text_split_sections(md, "## ", hints, 8), 0);
    char empty[] = "";
    cr_assert_eq(text_split_sections(empty, "## ", hints, 8), 0);
    cr_assert_eq(text_split_sections(NULL, "## ", hints, 8), 0); /* an empty file read */
}

Test(hints, no_more_than_max)
{
    char md[] = "## 1\n## 2\n## 3\n## 4\n";
    char *hints[2];
    cr_assert_eq(text_split_sections(md, "## ", hints, 2), 2);
    cr_assert_str_eq(hints[0], "## 1");
}
