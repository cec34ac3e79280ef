#!/usr/bin/env bash
# The kit's own tests, in parts that can run alone: `tests/run.sh [PART...]` (make test-PART
# runs one; make test runs the parts of all_parts). Ends with one line for all the parts run:
# "N passed, N failed, N skipped (why)".
#
#   lint     shellcheck on the kit's shell scripts (make lint)
#   format   the grader's C files are as make format leaves them (make format-check)
#   unit     the grader's helpers' unit tests
#   grading  the grader on the solutions, other correct submissions, the skeletons, broken and
#            hostile variants, the red team; the rubric's one source; the command line; the
#            Gradescope zip
#   san      the grader and the unit tests built with ASan and UBSan: unit tests, solutions and
#            a few variants graded by the sanitized grader
#   ui       what students and instructors see: terminal, status, hints, watch, the release, the
#            class report, the diagrams, the messages about missing tools, curl against 08
#   docker   the image, batch grading in containers, Gradescope in containers, make docker-check
#
# A part is a list of files of tests/ (part_files), sourced one after the other after
# tests/lib.sh (the counters and grading helpers), in a work folder of its own. A new test goes
# into a file of its part; a new file, into part_files.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)

part_files() {
    case $1 in
    lint) echo lint.sh ;;
    format) echo format.sh ;;
    unit) echo unit.sh ;;
    grading) echo grading.sh ;;             # which sources redteam.sh
    san) echo san.sh ;;
    ui) echo ui.sh diagrams.sh conversation.sh messages.sh curl.sh ;;
    docker) echo docker.sh docker-student.sh ;;
    *) return 1 ;;
    esac
}

# What make test runs, in this order.
all_parts=(lint format unit grading san ui docker)
# Heavy parts grade many submissions with deadlines on every wait: on the two cores this kit is
# tested on, two of them at once make checks time out. They run one after another, in
# all_parts' order; the light parts run beside them. ui starts once grading has ended, whose
# results it reuses for the class report (run alone, it grades them itself).
is_heavy() { case $1 in grading | san | docker) return 0 ;; *) return 1 ;; esac; }
after_grading() { [ "$1" = ui ]; }

# --part PART (run.sh's own use): runs one part's files in this process, with GC_TEST_WORK,
# GC_TEST_COUNTS and GC_TEST_RESULTS set by the code below.
if [ "${1:-}" = --part ]; then
    part=$2
    # shellcheck source=tests/lib.sh
    source "$root/tests/lib.sh"
    # A part whose shell stops half-way (set -u, a crash) fails, and what it counted still counts.
    # shellcheck disable=SC2317  # called by the trap below
    part_end() {
        [ -n "${part_done:-}" ] || not_ok "$part: its tests stopped before their end (exit $1)"
        test_counts >"$GC_TEST_COUNTS"
    }
    trap 'part_end $?' EXIT
    for file in $(part_files "$part"); do
        # shellcheck disable=SC1090  # the parts' files, each checked on its own by make lint
        source "$root/tests/$file"
    done
    part_done=1
    exit 0
fi

[ $# -gt 0 ] || set -- "${all_parts[@]}"
parts=()
for part in "$@"; do
    if ! part_files "$part" >/dev/null; then
        echo "usage: tests/run.sh [PART...]   parts: lint format unit grading san ui docker" >&2
        exit 2
    fi
    parts+=("$part")
done
wanted() { [[ " ${parts[*]} " == *" $1 "* ]]; }

run=$(mktemp -d /tmp/gc-test-XXXXXX)
trap 'rm -rf "$run"' EXIT
# Some tests run commands as nobody inside a part's folder (messages.sh opens its own to them).
chmod 711 "$run"

declare -A started_at reported
# start PART: runs the part in the background; its output goes to $run/PART.log, its exit
# status to PART.rc once it has ended, its counts to PART.counts.
start() {
    local part=$1
    mkdir -p "$run/$part"
    started_at[$part]=$SECONDS
    (
        GC_TEST_WORK="$run/$part" GC_TEST_COUNTS="$run/$part.counts" GC_TEST_RESULTS="$run/grading" \
            bash "$0" --part "$part" >"$run/$part.log" 2>&1
        echo $? >"$run/$part.rc"
    ) &
}

# report_ended: prints the output of each part that has ended since the last call.
report_ended() {
    local part
    for part in "${!started_at[@]}"; do
        if [ ! -e "$run/$part.rc" ] || [ -n "${reported[$part]:-}" ]; then
            continue
        fi
        reported[$part]=1
        [ ${#parts[@]} -eq 1 ] || printf -- '--- %s (%d s) %s\n' "$part" $((SECONDS - started_at[$part])) \
            "-----------------------------------------------------------------------------------"
        [ ${#parts[@]} -eq 1 ] || cat "$run/$part.log"
    done
}

all_ended() {
    local part
    for part in "$@"; do
        [ -e "$run/$part.rc" ] || return 1
    done
}

# await PART...: until each PART has ended, printing the output of every part as it ends.
await() {
    report_ended
    until all_ended "$@"; do
        wait -n
        [ $? -ne 127 ] || break         # no job left to wait for: a part's shell was killed
        report_ended
    done
}

if [ ${#parts[@]} -eq 1 ]; then
    # One part: its output as it comes.
    part=${parts[0]}
    mkdir -p "$run/$part"
    started_at[$part]=$SECONDS
    GC_TEST_WORK="$run/$part" GC_TEST_COUNTS="$run/$part.counts" GC_TEST_RESULTS="$run/grading" \
        bash "$0" --part "$part"
    echo $? >"$run/$part.rc"
else
    # The sanitized build, which takes a few minutes of CPU, is done beforehand at the lowest
    # priority, in what the heavy parts leave; the san part then finds it made.
    if wanted san; then
        (cd "$root" && nice -n 19 make -s SANITIZE=1 >"$run/san-build.log" 2>&1; echo $? >"$run/san-build.rc") &
    fi
    for part in "${parts[@]}"; do
        if ! is_heavy "$part" && ! { after_grading "$part" && wanted grading; }; then
            echo "... $part started"
            start "$part"
        fi
    done
    for part in "${parts[@]}"; do
        is_heavy "$part" || continue
        if [ "$part" = san ]; then
            await san-build
        fi
        echo "... $part started"
        start "$part"
        await "$part"
        if [ "$part" = grading ]; then
            for light in "${parts[@]}"; do
                if after_grading "$light"; then
                    echo "... $light started"
                    start "$light"
                fi
            done
        fi
    done
    await "${parts[@]}"
fi

# The one line for every part run.
passed=0 failed=0 skipped=0
reasons=()
for part in "${parts[@]}"; do
    if [ -s "$run/$part.counts" ]; then
        read -r p f s <"$run/$part.counts"
        passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
        mapfile -t -O "${#reasons[@]}" reasons < <(tail -n +2 "$run/$part.counts")
    else
        failed=$((failed + 1))
        echo "FAILED  $part: ended without its counts (exit $(cat "$run/$part.rc" 2>/dev/null || echo '?'))"
    fi
done
why=""
if [ "$skipped" -gt 0 ]; then
    why=$(printf '%s; ' "${reasons[@]}")
    why=" (${why%; })"
fi
echo
echo "$passed passed, $failed failed, $skipped skipped$why"
[ "$failed" -eq 0 ]
