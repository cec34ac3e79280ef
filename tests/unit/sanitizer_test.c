/* Unit tests of describe_sanitizer_report: what feedback says of the report a student's
 * program left on stderr when AddressSanitizer or UBSan stopped it. Stderr is the student's to
 * write: anything in it must be read without harm. */
#include <criterion/criterion.h>
#include <string.h>

#include "diagnose.h"

static const char *described(const char *report, bool *found)
{
    static struct text t;
    text_free(&t);
    *found = describe_sanitizer_report(&t, report);
    return text_str(&t);
}

Test(sanitizer, an_overflow_names_the_access_and_the_students_line)
{
    const char *report =
        "=================================================================\n"
        "==4242==ERROR: AddressSanitizer: stack-buffer-overflow on address 0x7ffc4 at pc 0x55d0 bp 0x7ff sp 0x7ff\n"
        "WRITE of size 4 at 0x7ffc4 thread T0\n"
        "    #0 0x7f10 in __interceptor_memcpy ../../../../src/libsanitizer/sanitizer_common/x.inc:827\n"
        "    #1 0x55d0 in frame_recv /tmp/gc-x/build/05-stream-framing/src/framing.c:37\n"
        "    #2 0x55d1 in main /tmp/gc-x/build/05-stream-framing/src/driver.c:12\n";
    bool found;
    const char *said = described(report, &found);
    cr_assert(found);
    cr_assert_not_null(strstr(said, "AddressSanitizer stopped it: stack-buffer-overflow (a write of 4 bytes) "
                                    "in frame_recv(), at framing.c:37."),
                       "%s", said);
    cr_assert_not_null(strstr(said, "past the end"), "%s", said);
}

Test(sanitizer, a_segv_is_named_a_segmentation_fault)
{
    bool found;
    const char *said = described("==1==ERROR: AddressSanitizer: SEGV on unknown address 0x000000000000\n"
                                 "    #0 0x55 in main /b/01-unix-stream-echo/src/echo_server.c:20\n",
                                 &found);
    cr_assert(found);
    cr_assert_not_null(strstr(said, "SEGV in main(), at echo_server.c:20."), "%s", said);
    cr_assert_not_null(strstr(said, "segmentation fault"), "%s", said);
}

Test(sanitizer, ubsan_gives_its_line)
{
    bool found;
    const char *said = described("start\n/b/src/seqnum_server.c:41:9: runtime error: signed integer overflow: "
                                 "2147483647 + 1 cannot be represented in type 'int'\nmore\n",
                                 &found);
    cr_assert(found);
    cr_assert_str_eq(said, "UndefinedBehaviorSanitizer stopped it: /b/src/seqnum_server.c:41:9: runtime error: "
                           "signed integer overflow: 2147483647 + 1 cannot be represented in type 'int'\n");
}

Test(sanitizer, running_out_of_memory)
{
    bool found;
    const char *said =
        described("==9==ERROR: AddressSanitizer: out of memory: allocator is trying to allocate\n", &found);
    cr_assert(found);
    cr_assert_not_null(strstr(said, "ran out of memory"), "%s", said);
}

Test(sanitizer, ordinary_stderr_is_no_report)
{
    bool found;
    const char *said = described("echo_server: listening on /tmp/x.sock\nbind: Address already in use\n",
                                 &found);
    cr_assert_not(found);
    cr_assert_str_eq(said, "");
}

Test(sanitizer, a_report_cut_short_or_forged_is_read_without_harm)
{
    bool found;
    /* What a program may print itself, or a report cut off by the stderr cap. */
    described("ERROR: AddressSanitizer: heap-use-after-free\nREAD of size", &found);
    cr_assert(found);
    described("ERROR: AddressSanitizer: ", &found);
    cr_assert(found);
    described("    #1 0x55 in f /src/", &found);
    cr_assert_not(found);
    const char *said = described("x: runtime error: \x1b[2J\xff", &found);
    cr_assert(found);
    cr_assert_null(strchr(said, '\x1b'), "escapes are shown, not sent to the terminal: %s", said);
}
