/* report_hooks.c - Criterion's report hooks: each finished check's verdict to runner.c.
 *
 * In a file of their own, and near its top: ReportHook names its functions after the line it
 * stands on (hook_l<N>_impl), and libcriterion.a defines its own on lines 87 to 107. Where
 * Criterion is linked statically (see the Makefile) a hook of ours on one of those lines would
 * be defined twice. */
#include <criterion/hooks.h>

#include "runner.h"

ReportHook(POST_TEST)(struct criterion_test_stats *stats)
{
    runner_record(stats, false);
}

ReportHook(TEST_CRASH)(struct criterion_test_stats *stats)
{
    runner_record(stats, true);
}
