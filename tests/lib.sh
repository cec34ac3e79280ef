# shellcheck shell=bash
# What the parts of the kit's tests share, sourced by tests/run.sh before a part's files: where
# the kit is, the part's work folder, the ok/not_ok/skip counters, grading helpers. The counts go
# to $GC_TEST_COUNTS at the end, for run.sh to add up over the parts.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
grader="$root/bin/grader"
# Each part works in a folder of its own (run.sh makes it), so that parts running side by side
# never share a file name.
work=${GC_TEST_WORK:?tests/lib.sh is sourced by tests/run.sh, which sets GC_TEST_WORK}

passed=0
failed=0
skipped=0
skip_reasons=()
ok()     { passed=$((passed + 1)); printf 'ok      %s\n' "$1"; }
not_ok() { failed=$((failed + 1)); printf 'FAILED  %s\n' "$1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/        /'; }
# skip WHAT WHY: a group of tests not run here, counted and said again at the end.
skip()   { skipped=$((skipped + 1)); skip_reasons+=("$1: $2"); printf 'SKIPPED %s: %s\n' "$1" "$2"; }

# test_counts: "PASSED FAILED SKIPPED", then one skip reason a line; what run.sh adds up.
test_counts() {
    echo "$passed $failed $skipped"
    [ "$skipped" -eq 0 ] || printf '%s\n' "${skip_reasons[@]}"
}

# grade NAME DIR [grader options...]: grades DIR into $work/NAME.json, quietly.
grade() {
    local name=$1 dir=$2
    shift 2
    "$grader" grade --no-color --json "$work/$name.json" "$@" "$dir" >"$work/$name.txt" 2>&1
}

# The contract's results.json layout, with score equal to the sum of the tests' scores.
# shellcheck disable=SC2034  # used by the parts' files
schema='
  (.score | type == "number") and (.max_score | type == "number")
  and (.execution_time | type == "number") and (.output | type == "string")
  and (.tests | type == "array" and length > 0)
  and all(.tests[];
      (.name | type == "string" and test("^[0-9]{2}-[a-z0-9-]+: "))
      and (.number | type == "string" and test("^[0-9]+\\.[0-9]+$"))
      and (.score | type == "number") and (.max_score | type == "number")
      and (.score >= 0 and .score <= .max_score)
      and (.status == "passed" or .status == "failed")
      and (.max_score == 0 or ((.status == "passed") == (.score == .max_score)))
      and (.output | type == "string")
      and (.visibility == "visible" or .visibility == "hidden")
      and (.tags | type == "array" and length >= 1 and (.[0] | test("^[0-9]{2}-"))))
  and (.score == ([.tests[].score] | add))
  and (.max_score == ([.tests[].max_score] | add))'

check_schema() {
    local name=$1
    if jq -e "$schema" "$work/$name.json" >/dev/null 2>&1; then
        ok "$name: results.json has the contract's fields and types; score is the sum of the tests"
    else
        not_ok "$name: results.json does not match the contract" "$(head -c 2000 "$work/$name.json")"
    fi
}

# The failed checks' numbers, sorted, on one line.
failed_numbers() {
    jq -r '[.tests[] | select(.status == "failed") | .number] | sort_by(split(".") | map(tonumber)) | join(" ")' "$1"
}

# patch_exercise PATCH: the exercise a variant's patch changes (the folder of its first file).
patch_exercise() {
    sed -n 's/^+++ b\/\([^/]*\)\/.*/\1/p' "$1" | head -1
}

# make_variant DIR PATCH: DIR becomes a copy of the solutions with PATCH applied; fails when
# the patch does not apply.
make_variant() {
    local dir=$1 patch=$2
    rm -rf "$dir"
    cp -r "$root/solutions" "$dir"
    patch -s -p1 -d "$dir" <"$patch" >/dev/null
}
