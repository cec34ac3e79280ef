# shellcheck shell=bash disable=SC2154  # root, work, grader, schema: tests/lib.sh
# The unit part of the kit's tests (make test-unit), sourced by tests/run.sh after lib.sh: the
# grader's helpers' unit tests (tests/unit/*.c, Criterion; the Makefile builds build/unit-tests).

if "$root/build/unit-tests" --jobs 2 >"$work/unit.txt" 2>&1; then
    ok "unit tests of the grader's helpers ($(grep -o 'Tested: [0-9]*' "$work/unit.txt"))"
else
    not_ok "unit tests of the grader's helpers" "$(tail -30 "$work/unit.txt")"
fi
