# shellcheck shell=bash disable=SC2154  # root, work, grader, schema: tests/lib.sh
# The format part of the kit's tests (make test-format), sourced by tests/run.sh after lib.sh:
# the grader's C files are as `make format` leaves them (.clang-format, clang-format 14).

if out=$(cd "$root" && make -s format-check 2>&1); then
    ok "format: the grader's C files are in the kit's style (make format-check)"
else
    not_ok "format: files not in the kit's style: run make format" "$out"
fi
