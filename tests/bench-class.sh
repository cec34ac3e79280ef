#!/usr/bin/env bash
# Times grading a class: STUDENTS copies of the reference solutions graded by `grader batch`
# (each student in a container of its own), against grading the same submissions one by one
# with `grader grade` outside containers. Prints students a minute and the ratio of the two.
# Not a test: it only reports. Needs Docker and the image (make docker).
# Usage: tests/bench-class.sh [STUDENTS]   (default 20; in the environment, JOBS=N: batch --jobs,
# IMAGE: the image, default get-connected)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
students=${1:-${STUDENTS:-20}}
jobs=${JOBS:-}
# One by one takes STUDENTS times as long as one student: time a sample of them, not all.
sample=$((students < 5 ? students : 5))

image=${IMAGE:-get-connected}
if ! docker image inspect "$image" >/dev/null 2>&1; then
    echo "bench-class: no $image image (make docker builds it); class throughput not timed" >&2
    exit 2
fi
work=$(mktemp -d /tmp/gc-bench-class-XXXXXX)
trap 'rm -rf "$work"' EXIT

mkdir "$work/class"
for i in $(seq -w 1 "$students"); do
    cp -r "$root/solutions" "$work/class/student-$i"
done

seconds_of() {  # seconds_of COMMAND...: runs it, prints its wall-clock seconds
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || true
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }'
}

one_by_one() {
    local dir
    for dir in $(find "$work/class" -mindepth 1 -maxdepth 1 | sort | head -n "$sample"); do
        "$root/bin/grader" grade --no-color "$dir"
    done
}

echo "machine: $(nproc) cores, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "a class of $students copies of solutions/"
sampled=$(seconds_of one_by_one)
each=$(awk -v s="$sampled" -v n="$sample" 'BEGIN { printf "%.2f", s / n }')
alone=$(awk -v e="$each" -v n="$students" 'BEGIN { printf "%.1f", e * n }')
echo "  one by one, outside containers: $each s a student ($sample timed): $alone s for the class"
batch=$(seconds_of "$root/bin/grader" batch --force --image "$image" ${jobs:+--jobs "$jobs"} --out "$work/out" "$work/class")
graded=$(grep -c ',"graded"$' "$work/out/summary.csv" || true)
echo "  grader batch${jobs:+ --jobs $jobs}: $batch s for the class ($graded of $students graded)"
awk -v b="$batch" -v a="$alone" -v n="$students" 'BEGIN {
    printf "  %.0f students a minute; %.2f of the time one by one; 200 students: about %.1f minutes\n",
           n * 60 / b, b / a, 200 * b / n / 60 }'
[ "$graded" -eq "$students" ] || { echo "bench-class: not every student was graded" >&2; exit 1; }
