/* Unit tests of verify.c (results.json against the rubric) and of summary.csv's cells. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "results.h"
#include "summary.h"
#include "verify.h"

/* A rubric of two checks (and the build) and the results.json a grader would write for it. */
static void rubric_and_results(struct results *rubric, json_t **root, bool second_passed)
{
    *rubric = (struct results){ 0 };
    results_add(rubric, "01-x", 1, 0, "compiles", 0, false, "");
    results_add(rubric, "01-x", 1, 1, "echoes", 2, false, "");
    results_add(rubric, "01-x", 1, 2, "survives", 1, false, "");
    struct results r = { 0 };
    results_add(&r, "01-x", 1, 0, "compiles", 0, true, "");
    results_add(&r, "01-x", 1, 1, "echoes", 2, true, "");
    results_add(&r, "01-x", 1, 2, "survives", 1, second_passed, "it died");
    *root = results_to_json(&r);
    results_free(&r);
}

static const char *why_of(const json_t *root, const struct results *rubric)
{
    static struct text why;
    text_free(&why);
    why = (struct text){ 0 };
    return verify_results(root, rubric, &why) == 0 ? NULL : text_str(&why);
}

Test(verify, accepts_what_the_grader_writes)
{
    struct results rubric;
    json_t *root;
    rubric_and_results(&rubric, &root, false);
    cr_assert_null(why_of(root, &rubric));
    results_free(&rubric);
    json_decref(root);
}

Test(verify, rejects_a_score_above_the_max)
{
    struct results rubric;
    json_t *root;
    rubric_and_results(&rubric, &root, true);
    json_object_set_new(json_array_get(json_object_get(root, "tests"), 1), "score", json_real(5));
    json_object_set_new(root, "score", json_real(6));
    cr_assert_not_null(why_of(root, &rubric));
    results_free(&rubric);
    json_decref(root);
}

Test(verify, rejects_a_total_that_is_not_the_sum)
{
    struct results rubric;
    json_t *root;
    rubric_and_results(&rubric, &root, false);
    json_object_set_new(root, "score", json_real(3));
    cr_assert_str_eq(why_of(root, &rubric), "its score is not the sum of its tests' scores");
    results_free(&rubric);
    json_decref(root);
}

Test(verify, rejects_a_string_score_and_missing_tests)
{
    struct results rubric;
    json_t *root;
    rubric_and_results(&rubric, &root, false);
    json_object_set_new(json_array_get(json_object_get(root, "tests"), 1), "score", json_string("=1+1"));
    cr_assert_not_null(why_of(root, &rubric));
    json_array_remove(json_object_get(root, "tests"), 2);
    cr_assert_str_eq(why_of(root, &rubric), "it has 2 tests, the rubric 3");
    json_object_del(root, "tests");
    cr_assert_str_eq(why_of(root, &rubric), "it has no array of tests");
    results_free(&rubric);
    json_decref(root);
}

Test(verify, rejects_a_renamed_test_and_a_status_that_disagrees)
{
    struct results rubric;
    json_t *root;
    rubric_and_results(&rubric, &root, false);
    json_t *second = json_array_get(json_object_get(root, "tests"), 2);
    json_object_set_new(second, "status", json_string("passed"));
    cr_assert_str_eq(why_of(root, &rubric), "test 1.2 has a status that does not agree with its score");
    json_object_set_new(second, "name", json_string("01-x: something else"));
    cr_assert_not_null(strstr(why_of(root, &rubric), "not named as in the rubric"));
    results_free(&rubric);
    json_decref(root);
}

Test(verify, rejects_points_moved_to_another_exercise)
{
    struct results rubric;
    json_t *root;
    rubric_and_results(&rubric, &root, true);
    /* The sums per exercise follow the first tag: a test tagged with another exercise would
     * move its points there in summary.csv, the total staying right. */
    json_t *tags = json_object_get(json_array_get(json_object_get(root, "tests"), 1), "tags");
    json_array_set_new(tags, 0, json_string("99-elsewhere"));
    cr_assert_not_null(why_of(root, &rubric));
    json_array_set_new(tags, 0, json_integer(7));
    cr_assert_not_null(why_of(root, &rubric));
    results_free(&rubric);
    json_decref(root);
}

Test(verify, accepts_cause_tags_and_extra_data)
{
    struct results rubric;
    json_t *root;
    rubric_and_results(&rubric, &root, false);
    json_t *test = json_array_get(json_object_get(root, "tests"), 1);
    json_array_append_new(json_object_get(test, "tags"), json_string("cause:htons"));
    json_object_set_new(test, "extra_data",
                        json_pack("{s:{s:s, s:s}}", "cause", "id", "htons", "text", "use htons()"));
    cr_assert_null(why_of(root, &rubric));
    results_free(&rubric);
    json_decref(root);
}

Test(summary, csv_cells_are_quoted_and_formulas_defused)
{
    struct text t = { 0 };
    summary_csv_cell(&t, "carol, \"no compile\"");
    summary_csv_cell(&t, "=1+2");
    summary_csv_cell(&t, "@SUM(A1)");
    summary_csv_cell(&t, "");
    cr_assert_str_eq(text_str(&t), "\"carol, \"\"no compile\"\"\"\"'=1+2\"\"'@SUM(A1)\"\"\"");
    text_free(&t);
}
