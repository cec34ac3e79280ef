/* Unit tests of results.json: what results.c writes is read back as written, is valid JSON
 * whatever bytes a student's program sent, and verify.c accepts it, but nothing forged. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "results.h"
#include "verify.h"

/* Two exercises' checks, as a grading would leave them; the rubric is the same, ungraded. */
static void graded(struct results *r, struct results *rubric)
{
    *r = (struct results){ .execution_time = 1.5 };
    results_add(r, "01-x", 1, 0, "compiles", 0, true, NULL);
    results_add(r, "01-x", 1, 1, "echoes", 2, true, NULL);
    results_add(r, "02-y", 2, 1, "answers", 3, false, "Sent: \"1\\n\"\nGot: nothing");
    *rubric = (struct results){ 0 };
    for (size_t i = 0; i < r->count; i++) {
        const struct result_item *it = &r->items[i];
        results_add(rubric, it->exercise, it->exercise_number, it->number, it->what, it->max_score, false,
                    NULL);
    }
}

static const char *why_not(const json_t *root, const struct results *rubric)
{
    static struct text why;
    text_free(&why);
    return verify_results(root, rubric, &why) == 0 ? NULL : text_str(&why);
}

Test(results_json, a_round_trip_through_the_file)
{
    struct results r, rubric;
    graded(&r, &rubric);
    char path[] = "/tmp/gc-results-test-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    cr_assert_eq(results_write_json(&r, path), 0);

    struct text why = { 0 };
    json_t *root = verify_load(path, VERIFY_MAX_BYTES, &why);
    unlink(path);
    cr_assert_not_null(root, "%s", text_str(&why));
    cr_assert_null(why_not(root, &rubric));
    cr_assert_float_eq(json_number_value(json_object_get(root, "score")), 2, 1e-9);
    cr_assert_float_eq(json_number_value(json_object_get(root, "max_score")), 5, 1e-9);
    cr_assert_float_eq(json_number_value(json_object_get(root, "execution_time")), 1.5, 1e-9);
    json_t *third = json_array_get(json_object_get(root, "tests"), 2);
    cr_assert_str_eq(json_string_value(json_object_get(third, "name")), "02-y: answers");
    cr_assert_str_eq(json_string_value(json_object_get(third, "number")), "2.1");
    cr_assert_str_eq(json_string_value(json_object_get(third, "status")), "failed");
    cr_assert_str_eq(json_string_value(json_object_get(third, "output")), "Sent: \"1\\n\"\nGot: nothing");
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(third, "tags"), 0)), "02-y");
    cr_assert_str_eq(json_string_value(json_object_get(root, "output")), "Total: 2/5. 01-x 2/2; 02-y 0/3");
    json_decref(root);
    text_free(&why);
    results_free(&r);
    results_free(&rubric);
}

Test(results_json, invalid_utf8_from_a_program_still_makes_valid_json)
{
    struct results r = { 0 };
    results_add(&r, "01-x", 1, 1, "echoes \xc3", 2, false, "Got: \"\xff\xfe\xed\xa0\x80\" \xe2\x82");
    json_t *root = results_to_json(&r);
    cr_assert_not_null(root);
    char *dumped = json_dumps(root, 0);
    cr_assert_not_null(dumped);
    json_error_t error;
    json_t *back = json_loads(dumped, 0, &error);
    cr_assert_not_null(back, "%s", error.text);
    json_t *test = json_array_get(json_object_get(back, "tests"), 0);
    const char *output = json_string_value(json_object_get(test, "output"));
    cr_assert(utf8_valid(output, strlen(output)));
    cr_assert_not_null(strstr(output, "\xef\xbf\xbd"), "bad bytes become U+FFFD: %s", output);
    cr_assert_not_null(strstr(output, "Got: \""), "%s", output);
    const char *name = json_string_value(json_object_get(test, "name"));
    cr_assert_str_eq(name, "01-x: echoes \xef\xbf\xbd");
    free(dumped);
    json_decref(back);
    json_decref(root);
    results_free(&r);
}

Test(results_json, verify_refuses_an_extra_test_and_forged_totals)
{
    struct results r, rubric;
    graded(&r, &rubric);
    json_t *root = results_to_json(&r);
    cr_assert_null(why_not(root, &rubric));

    json_t *forged = json_deep_copy(root);
    json_array_append_new(json_object_get(forged, "tests"),
                          json_deep_copy(json_array_get(json_object_get(root, "tests"), 1)));
    cr_assert_str_eq(why_not(forged, &rubric), "it has 4 tests, the rubric 3");
    json_decref(forged);

    forged = json_deep_copy(root);
    json_object_set_new(forged, "max_score", json_real(2)); /* "full marks": 2/2 */
    cr_assert_not_null(why_not(forged, &rubric));
    json_decref(forged);

    forged = json_deep_copy(root);
    json_t *third = json_array_get(json_object_get(forged, "tests"), 2);
    json_object_set_new(third, "max_score", json_real(0)); /* a lost check made worth 0 */
    json_object_set_new(forged, "max_score", json_real(2));
    cr_assert_not_null(why_not(forged, &rubric));
    json_decref(forged);

    json_decref(root);
    results_free(&r);
    results_free(&rubric);
}
