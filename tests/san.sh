# shellcheck shell=bash disable=SC2154  # root, work, grader, schema: tests/lib.sh
# The san part of the kit's tests (make test-san), sourced by tests/run.sh after lib.sh: the
# grader and its unit tests built with AddressSanitizer and UBSan (make SANITIZE=1, into bin-san/
# and build-san/); the unit tests, then the solutions and a few broken and hostile variants
# graded by the sanitized grader, which must grade them as the plain one does and report nothing
# of its own. Students' programs are always built with sanitizers; this is the grader's turn.
#
# The reports go to files (log_path), never to the grader's output: feedback quotes students'
# sanitizer reports (their programs get their own options from the sandbox), which must not be
# taken for the grader's. UBSan halts at its first report, so that a report is also a failure.
#
# Leaks are looked for in the unit tests, where each test's process ends normally: memory a
# helper did not free is a leak. Not in grading: each check is a Criterion worker that exits
# right after it, and a failing check leaves its buffers to that exit (fail() does not return),
# which LeakSanitizer reports by the dozen (36 reports for 4 broken variants, every one a buffer
# of a failed check), costing a fifth of the time and finding nothing that outlives a check.

san_grader="$root/bin-san/grader"
san_reports="$work/san-reports"

# san_run NAME LEAKS COMMAND...: runs COMMAND with the sanitizers' reports in
# $san_reports/NAME.*, leak detection on when LEAKS is 1.
san_run() {
    local name=$1 leaks=$2
    shift 2
    mkdir -p "$san_reports"
    ASAN_OPTIONS="detect_leaks=$leaks:log_path=$san_reports/$name.asan" \
        UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$san_reports/$name.ubsan" "$@"
}

# san_reports_of NAME: the reports the sanitizers wrote for NAME, if any (first lines).
san_reports_of() {
    local f
    for f in "$san_reports/$1".*; do
        [ -e "$f" ] && head -40 "$f"
    done
}

# san_grade NAME DIR [grader options...]: like grade, with the sanitized grader.
san_grade() {
    local name=$1 dir=$2
    shift 2
    san_run "$name" 0 "$san_grader" grade --no-color --jobs 2 --json "$work/$name.json" "$@" "$dir" \
        >"$work/$name.txt" 2>&1
}

san_tests() {
    local out
    if ! out=$(cd "$root" && make -s SANITIZE=1 2>&1); then
        not_ok "san: make SANITIZE=1 builds the grader and the unit tests" "$(tail -30 <<<"$out")"
        return
    fi
    ok "san: make SANITIZE=1 builds the grader and the unit tests with ASan and UBSan"

    san_run unit 1 "$root/build-san/unit-tests" --jobs 2 >"$work/san-unit.txt" 2>&1
    local rc=$? reports
    reports=$(san_reports_of unit)
    if [ $rc -eq 0 ] && [ -z "$reports" ]; then
        ok "san: the unit tests pass under ASan and UBSan, without a leak ($(grep -o 'Tested: [0-9]*' "$work/san-unit.txt"))"
    else
        not_ok "san: the unit tests under ASan and UBSan (exit $rc)" "$(tail -20 "$work/san-unit.txt"; echo "$reports")"
    fi

    san_grade san-solutions "$root/solutions"
    reports=$(san_reports_of san-solutions)
    if jq -e '.score == .max_score and .max_score > 0' "$work/san-solutions.json" >/dev/null 2>&1 \
        && [ -z "$reports" ]; then
        ok "san: the sanitized grader gives the solutions full marks, with no report of its own"
    else
        not_ok "san: the sanitized grader on the solutions" \
            "$(grep -A8 FAIL "$work/san-solutions.txt" | head -30; echo "$reports")"
    fi

    # Failing checks' paths: a student's sanitizer report summarized (05), hostile bytes quoted
    # and escaped into JSON (01), the diagnosis of a byte-swapped port (03).
    local patch name want got
    for patch in "$root/tests/broken/05-writes-past-cap.patch" \
        "$root/tests/hostile/01-server-prints-garbage-and-crashes.patch" \
        "$root/tests/broken/03-forgot-htons.patch"; do
        name=san-$(basename "$patch" .patch)
        if ! make_variant "$work/$name" "$patch"; then
            not_ok "$name: the patch applies"
            continue
        fi
        san_grade "$name" "$work/$name" --exercise "$(patch_exercise "$patch")"
        want=$(sed -n 's/^Expect-failed: //p' "$patch")
        got=$(failed_numbers "$work/$name.json" 2>/dev/null)
        reports=$(san_reports_of "$name")
        if [ "$want" = "$got" ] && [ -z "$reports" ] && jq -e "$schema" "$work/$name.json" >/dev/null 2>&1; then
            ok "$name: the sanitized grader fails exactly $want, with no report of its own"
        else
            not_ok "$name: expected to fail exactly [$want], failed [$got]" \
                "$(grep -A10 FAIL "$work/$name.txt" | head -40; echo "$reports")"
        fi
    done
}

san_tests
