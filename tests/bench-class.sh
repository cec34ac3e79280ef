#!/usr/bin/env bash
# Times grading a class: STUDENTS copies of the reference solutions graded by `grader batch`
# (each student in a container of its own), against grading the same submissions one by one
# with `grader grade` outside containers. Prints students a minute, the ratio of the two, the
# CPU time a student costs each way, and whether every student got the score of one by one
# (the load of many containers at once must not change a score).
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

busy_ticks() { # the machine's CPU time in use so far (every process), in clock ticks
    awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}

# timed NAME COMMAND...: runs it; NAME.s holds its wall-clock seconds, NAME.cpu the CPU seconds
# the machine spent meanwhile (the containers' and the docker engine's included).
timed() {
    local name=$1 start ticks
    shift
    start=$(date +%s.%N)
    ticks=$(busy_ticks)
    "$@" >/dev/null 2>&1 || true
    awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }' >"$work/$name.s"
    awk -v a="$ticks" -v b="$(busy_ticks)" -v hz="$(getconf CLK_TCK)" \
        'BEGIN { printf "%.1f", (b - a) / hz }' >"$work/$name.cpu"
}

one_by_one() {
    local dir
    for dir in $(find "$work/class" -mindepth 1 -maxdepth 1 | sort | head -n "$sample"); do
        "$root/bin/grader" grade --no-color --json "$work/alone-$(basename "$dir").json" "$dir"
    done
}

per() { awk -v x="$1" -v n="$2" 'BEGIN { printf "%.1f", x / n }'; } # per X N: X / N

echo "machine: $(nproc) cores, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "a class of $students copies of solutions/"
timed alone one_by_one
each=$(awk -v s="$(cat "$work/alone.s")" -v n="$sample" 'BEGIN { printf "%.2f", s / n }')
alone=$(awk -v e="$each" -v n="$students" 'BEGIN { printf "%.1f", e * n }')
echo "  one by one, outside containers: $each s a student ($sample timed; $(per "$(cat "$work/alone.cpu")" \
    "$sample") CPU-s each): $alone s for the class"

timed batch "$root/bin/grader" batch --force --image "$image" ${jobs:+--jobs "$jobs"} --out "$work/out" "$work/class"
batch=$(cat "$work/batch.s")
graded=$(grep -c ',"graded"$' "$work/out/summary.csv" || true)
at_once=${jobs:-$("$root/bin/grader" batch --help | sed -n 's/^Here --jobs is \([0-9]*\).*/\1/p')}
echo "  grader batch ($at_once at once): $batch s for the class ($graded of $students graded;" \
    "$(per "$(cat "$work/batch.cpu")" "$students") CPU-s a student, the CPUs" \
    "$(awk -v c="$(cat "$work/batch.cpu")" -v w="$batch" -v p="$(nproc)" 'BEGIN { printf "%.0f", 100 * c / w / p }') % busy)"
awk -v b="$batch" -v a="$alone" -v n="$students" 'BEGIN {
    printf "  %.0f students a minute; %.2f of the time one by one; 200 students: about %.1f minutes\n",
           n * 60 / b, b / a, 200 * b / n / 60 }'

# The load must not change a score: every student's total is the one graded alone.
expected=$(jq -r '.score' "$work"/alone-*.json | sort -u)
differ=$(awk -F, -v want="$expected" 'NR > 1 && $(NF - 2) != want' "$work/out/summary.csv" | wc -l)
if [ "$(echo "$expected" | wc -l)" -ne 1 ] || [ "$differ" -ne 0 ]; then
    echo "bench-class: $differ students scored otherwise than one by one ($expected)" >&2
    exit 1
fi
echo "  every student scored $expected, as one by one"
[ "$graded" -eq "$students" ] || { echo "bench-class: not every student was graded" >&2; exit 1; }
