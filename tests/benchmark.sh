#!/usr/bin/env bash
# Times `bin/grader grade` on the reference solutions: the whole run, and its two stages
# (building, running the checks) as the grader itself measures them with --timing.
# Not a test: it only reports. Usage: tests/benchmark.sh [RUNS]   (default 5)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-5}
work=$(mktemp -d /tmp/gc-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

echo "machine: $(nproc) cores, $(uname -sr)"
echo "grading solutions/ ($runs runs; median seconds)"
for _ in $(seq "$runs"); do
    "$root/bin/grader" grade --timing --no-color "$root/solutions" 2>>"$work/timing" >/dev/null
done
for stage in build checks total; do
    value=$(sed -n "s/.* $stage \([0-9.]*\) s.*/\1/p" "$work/timing" | median)
    printf '%-8s %s s\n' "$stage:" "$value"
done
