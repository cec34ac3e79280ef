# shellcheck shell=bash disable=SC2154  # root, work, grader, schema: tests/lib.sh
# The red team's tests, sourced by run.sh (they share its ok/not_ok counters and helpers): a
# correct submission carrying an attack (tests/redteam/attack.c) still gets exactly its honest
# score and changes nothing of the grader's; shared-machine hazards are reported clearly.

# redteam_submission DIR PROBE EXERCISE...: a copy of the solutions whose given exercises carry
# the attack, aimed at the canary file, probing for descriptors when PROBE is 1.
redteam_submission() {
    local dir=$1 probe=$2 exercise
    shift 2
    for exercise in "$@"; do
        sed "s|@CANARY@|$canary|; s|@PROBE@|$probe|" "$root/tests/redteam/attack.c" >"$dir/$exercise/attack.c"
    done
}

canary="$work/canary"
printf 'the grader never writes here\n' >"$canary"
rm -rf "$work/redteam"
cp -r "$root/solutions" "$work/redteam"
redteam_submission "$work/redteam" 1 01-unix-stream-echo
redteam_submission "$work/redteam" 0 03-inet-stream-seqnum 06-concurrent-server
grade redteam "$work/redteam" --exercise 01-unix-stream-echo --exercise 03-inet-stream-seqnum \
    --exercise 06-concurrent-server
check_schema redteam
if jq -e '.score == .max_score' "$work/redteam.json" >/dev/null; then
    ok "red team: programs that plant links, probe descriptors and poke the grader still get their honest full marks"
else
    not_ok "red team: honest full marks expected" "$(grep -A12 FAIL "$work/redteam.txt" | head -60)"
fi
if [ "$(cat "$canary")" = 'the grader never writes here' ]; then
    ok "red team: no link planted in a check folder was followed by the grader"
else
    not_ok "red team: the grader wrote through a planted link" "$(head -c 300 "$canary")"
fi
if grep -q 'red team:' "$work/redteam.txt"; then
    not_ok "red team: a student program got a handle on the grader" "$(grep 'red team:' "$work/redteam.txt" | sort -u | head)"
else
    ok "red team: no inherited descriptor, no write to the grader's process or binaries"
fi

# A Criterion socket path squatted by another user: a clear message and exit 1, not a silent abort.
# (exec keeps the pid, which names the path.)
# Only the file this test made is removed: the others are the sockets of graders running beside
# this one (another make test, a student's make check), and removing one hangs that grader.
squat="$work/squatted-pid"
out=$(bash -c 'echo $$ >"$2" && touch "/tmp/criterion_$$.sock" && chown nobody "/tmp/criterion_$$.sock" &&
               exec "$0" grade --exercise 01-unix-stream-echo "$1"' "$grader" "$root/solutions" "$squat" 2>&1)
rc=$?
[ -s "$squat" ] && rm -f "/tmp/criterion_$(cat "$squat").sock"
if [ $rc -eq 1 ] && grep -q 'already exists' <<<"$out"; then
    ok "shared machine: a squatted Criterion socket is reported (exit 1, the path and what to do)"
else
    not_ok "shared machine: a squatted Criterion socket (exit $rc)" "$out"
fi

# The Criterion socket removed while the checks run (a careless "rm /tmp/criterion_*"): said
# within seconds, exit 1, not a hang until the run's deadline. The grader looks once a second,
# so the socket goes 1.5 s after it appears, well before the solutions' 4-5 s of checks end.
"$grader" grade --no-color "$root/solutions" >"$work/removed.txt" 2>&1 &
removed_pid=$!
deadline=$((SECONDS + 10))
while [ "$SECONDS" -lt "$deadline" ] && [ ! -S "/tmp/criterion_$removed_pid.sock" ] \
    && kill -0 "$removed_pid" 2>/dev/null; do
    sleep 0.01
done
sleep 1.5
rm -f "/tmp/criterion_$removed_pid.sock"
started=$SECONDS
wait "$removed_pid"
rc=$?
if [ $rc -eq 1 ] && grep -q 'was removed by another program' "$work/removed.txt" && [ $((SECONDS - started)) -lt 20 ]; then
    ok "shared machine: the Criterion socket removed mid-run is said, exit 1, no hang"
else
    not_ok "shared machine: the Criterion socket removed mid-run (exit $rc)" "$(cat "$work/removed.txt")"
fi

# A lock folder another user owns: said, not "no free port" in every check.
mkdir -p "$work/not-mine"
chown nobody "$work/not-mine"
out=$(GC_LOCK_DIR="$work/not-mine" "$grader" grade --exercise 01-unix-stream-echo "$root/solutions" 2>&1)
rc=$?
if [ $rc -ne 0 ] && grep -q 'not a private folder of yours' <<<"$out"; then
    ok "shared machine: a lock folder that is not the user's is refused with a clear message"
else
    not_ok "shared machine: a lock folder owned by another user (exit $rc)" "$(head -20 <<<"$out")"
fi
