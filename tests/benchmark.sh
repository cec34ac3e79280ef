#!/usr/bin/env bash
# Times `bin/grader grade` on the reference solutions: the whole run, and how much of it is
# compiling (the same compiler command lines, timed alone). Not a test: it only reports.
# Usage: tests/benchmark.sh [RUNS]   (default 5)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-5}
work=$(mktemp -d /tmp/gc-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
now() { date +%s.%N; }

echo "machine: $(nproc) cores, $(uname -sr)"
echo "grading solutions/ ($runs runs; median seconds)"

for run in $(seq "$runs"); do
    start=$(now)
    "$root/bin/grader" grade --no-color "$root/solutions" >/dev/null
    echo "$(now) $start" | awk '{ print $1 - $2 }' >>"$work/total"

    # Compiling alone: every program, two at a time as the grader does on two cores.
    start=$(now)
    for dir in "$root"/solutions/*/; do
        for main in "$dir"*.c; do
            echo "cd $dir && cc -std=gnu11 -Wall -Wextra -g -pipe -I. -o $work/prog $(basename "$main")"
        done
    done | xargs -P "$(nproc)" -I{} sh -c '{}'
    echo "$(now) $start" | awk '{ print $1 - $2 }' >>"$work/compile"
done

total=$(median <"$work/total")
compile=$(median <"$work/compile")
printf 'total:     %.2f s\n' "$total"
printf 'compiling: %.2f s\n' "$compile"
printf 'checks:    %.2f s (total minus compiling)\n' "$(echo "$total $compile" | awk '{ print $1 - $2 }')"
