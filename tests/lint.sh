# shellcheck shell=bash disable=SC2154  # root, work, grader, schema: tests/lib.sh
# The lint part of the kit's tests (make test-lint), sourced by tests/run.sh after lib.sh:
# the kit's shell scripts pass shellcheck (make lint; the Makefile lists them).

if out=$(cd "$root" && make -s lint 2>&1); then
    ok "lint: shellcheck finds nothing to say about the kit's shell scripts"
else
    not_ok "lint: shellcheck on the kit's shell scripts (make lint)" "$out"
fi
