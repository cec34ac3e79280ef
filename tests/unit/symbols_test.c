/* Unit tests of symbols.c: which calls and definitions 05's framing.c may have. */
#include <criterion/criterion.h>
#include <string.h>

#include "symbols.h"

Test(symbols, allows_every_way_to_move_bytes_and_the_sanitizers)
{
    static const char *const ok[] = { "read",
                                      "recv",
                                      "recvfrom",
                                      "recvmsg",
                                      "readv",
                                      "write",
                                      "send",
                                      "sendto",
                                      "sendmsg",
                                      "writev",
                                      "htonl",
                                      "ntohl",
                                      "__errno_location",
                                      "memcpy",
                                      "poll",
                                      "fprintf",
                                      "perror",
                                      "stderr",
                                      "__asan_report_load4",
                                      "__ubsan_handle_type_mismatch_v1_abort",
                                      NULL };
    for (int i = 0; ok[i]; i++)
        cr_expect_null(symbols_refused_call(ok[i]), "%s should be allowed", ok[i]);
}

Test(symbols, refuses_what_steps_around_the_faults, .description = "with a reason of its own")
{
    cr_expect(strstr(symbols_refused_call("__real_read"), "fault injection") != NULL);
    cr_expect(strstr(symbols_refused_call("syscall"), "behind the kit's back") != NULL);
    cr_expect(strstr(symbols_refused_call("dlsym"), "run time") != NULL);
    cr_expect(strstr(symbols_refused_call("fdopen"), "stdio") != NULL);
    cr_expect(strstr(symbols_refused_call("fread"), "stdio") != NULL);
    cr_expect(strstr(symbols_refused_call("sigaction"), "signals") != NULL);
    cr_expect(strstr(symbols_refused_call("__read_chk"), "not a call") != NULL);
    cr_expect(strstr(symbols_refused_call("read@GLIBC_2.2.5"), "not a call") != NULL);
}

Test(symbols, refuses_definitions_that_replace_the_library)
{
    cr_expect_null(symbols_refused_definition("send_msg"));
    cr_expect_null(symbols_refused_definition("read_fully"));
    cr_expect_not_null(symbols_refused_definition("read"));
    cr_expect_not_null(symbols_refused_definition("sigaction"));
    cr_expect_not_null(symbols_refused_definition("main"));
    cr_expect_not_null(symbols_refused_definition("__wrap_recv"));
}
