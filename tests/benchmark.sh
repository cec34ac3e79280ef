#!/usr/bin/env bash
# Times `bin/grader grade`. First on the reference solutions: the whole run, and its two stages
# (building, running the checks) as the grader itself measures them with --timing. Then, for
# each exercise, a correct, an untouched and each broken submission side by side: a broken one
# should be graded about as fast as the correct one, since a check stops waiting as soon as the
# outcome is known. A variant slower than 3x the correct one plus 1 s is marked SLOW.
# Not a test: it only reports.
# Usage: tests/benchmark.sh [RUNS]   (default 3; RUNS=N and EX=ID in the environment work too)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-${RUNS:-3}}
only=${EX:-}
work=$(mktemp -d /tmp/gc-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

exercise_args=()
if [ -n "$only" ]; then
    if [ ! -d "$root/solutions/$only" ]; then
        echo "benchmark: no exercise $only in solutions/" >&2
        exit 2
    fi
    exercise_args=(--exercise "$only")
fi

# grade_time DIR ID: the median total seconds of grading exercise ID in DIR, over $runs runs.
grade_time() {
    local dir=$1 id=$2 log
    log=$(mktemp "$work/timing-XXXXXX")
    for _ in $(seq "$runs"); do
        "$root/bin/grader" grade --timing --no-color --exercise "$id" "$dir" 2>>"$log" >/dev/null
    done
    sed -n 's/.* total \([0-9.]*\) s.*/\1/p' "$log" | median
}

# row NAME SECONDS CORRECT: one line of the table, with the ratio and the mark.
row() {
    local name=$1 seconds=$2 correct=$3
    awk -v n="$name" -v s="$seconds" -v c="$correct" 'BEGIN {
        slow = s > 3 * c + 1
        printf "  %-44s %7.2f %7.1fx%s\n", n, s, (c > 0 ? s / c : 0), (slow ? "  SLOW" : "")
        exit slow }'
}

echo "machine: $(nproc) cores, $(uname -sr)"
echo "grading solutions/${only:+ ($only)} ($runs runs; median seconds)"
for _ in $(seq "$runs"); do
    "$root/bin/grader" grade --timing --no-color "${exercise_args[@]}" "$root/solutions" 2>>"$work/timing" >/dev/null
done
for stage in build checks total; do
    value=$(sed -n "s/.* $stage \([0-9.]*\) s.*/\1/p" "$work/timing" | median)
    printf '%-8s %s s\n' "$stage:" "$value"
done

echo
echo "each exercise alone: correct, untouched skeleton, tests/broken variants"
echo "(median of $runs runs, seconds; SLOW: more than 3x the correct one + 1 s)"
slow=0
total=0
for dir in "$root"/solutions/*/; do
    id=$(basename "$dir")
    [ -z "$only" ] || [ "$id" = "$only" ] || continue
    correct=$(grade_time "$root/solutions" "$id")
    echo "$id"
    row "correct (solutions/)" "$correct" "$correct" || true
    if [ -d "$root/exercises/$id" ]; then
        total=$((total + 1))
        row "skeleton (exercises/)" "$(grade_time "$root/exercises" "$id")" "$correct" || slow=$((slow + 1))
    fi
    for patch in "$root"/tests/broken/"${id%%-*}"-*.patch; do
        [ -e "$patch" ] || continue
        name=$(basename "$patch" .patch)
        rm -rf "$work/variant"
        cp -r "$root/solutions" "$work/variant"
        if ! patch -s -p1 -d "$work/variant" <"$patch" >/dev/null; then
            echo "  $name: the patch does not apply"
            continue
        fi
        total=$((total + 1))
        row "$name" "$(grade_time "$work/variant" "$id")" "$correct" || slow=$((slow + 1))
    done
done
echo
echo "$slow of $total variants SLOW"
