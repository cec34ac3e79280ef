# shellcheck shell=bash disable=SC2154  # root, work, grader, schema: tests/lib.sh
# The grading part of the kit's tests (tests/run.sh grading, make test-grading), sourced by
# run.sh after lib.sh: the grader against the reference solutions, other correct submissions,
# the untouched skeletons, deliberately broken and hostile submissions, with every results.json
# checked by jq; the rubric's one source; the command line; the Gradescope zip.

# --- The reference solutions get full marks ----------------------------------------------------
grade solutions "$root/solutions"
check_schema solutions
if jq -e '.score == .max_score and .max_score > 0' "$work/solutions.json" >/dev/null; then
    ok "solutions: full marks ($(jq -r '"\(.score)/\(.max_score)"' "$work/solutions.json"))"
else
    not_ok "solutions: full marks" "$(grep -A8 FAIL "$work/solutions.txt" | head -40)"
fi

# --- A second correct submission, written differently, gets full marks too ---------------------
grade alternative "$root/tests/alternative"
check_schema alternative
if jq -e '.score == .max_score' "$work/alternative.json" >/dev/null; then
    ok "alternative: a differently written correct submission gets full marks"
else
    not_ok "alternative: full marks" "$(grep -A8 FAIL "$work/alternative.txt" | head -40)"
fi

# --- A third, in the style of TLPI's examples (dual-stack servers, select(), SIG_IGN children,
# a client with a process per direction): full marks for the exercises it has ------------------
tlpi_exercises=()
for dir in "$root"/tests/alternative-tlpi/*/; do
    tlpi_exercises+=(--exercise "$(basename "$dir")")
done
grade alternative-tlpi "$root/tests/alternative-tlpi" "${tlpi_exercises[@]}"
check_schema alternative-tlpi
if jq -e '.score == .max_score and .max_score > 0' "$work/alternative-tlpi.json" >/dev/null; then
    ok "alternative-tlpi: a TLPI-style correct submission gets full marks"
else
    not_ok "alternative-tlpi: full marks" "$(grep -A8 FAIL "$work/alternative-tlpi.txt" | head -40)"
fi

# --- The untouched skeletons get zero ----------------------------------------------------------
grade skeletons "$root/exercises"
check_schema skeletons
if jq -e '.score == 0 and .max_score > 0' "$work/skeletons.json" >/dev/null; then
    ok "skeletons: zero"
else
    not_ok "skeletons: zero" "$(grep PASS "$work/skeletons.txt" | grep -v '\.0 compiles')"
fi

# --- Broken and hostile submissions lose exactly the points they should -------------------------
# Each patch applies to a copy of the solutions; its header says which checks must fail
# ("Expect-failed: 1.2 1.3") and what their feedback must mention ("Expect-feedback: 1.2 text").
check_patch() {
    local patch=$1 name exercise want got
    name=$(basename "$patch" .patch)
    exercise=$(patch_exercise "$patch")
    if ! make_variant "$work/$name" "$patch"; then
        not_ok "$name: the patch applies"
        return
    fi
    grade "$name" "$work/$name" --exercise "$exercise"
    check_schema "$name"
    want=$(sed -n 's/^Expect-failed: //p' "$patch")
    got=$(failed_numbers "$work/$name.json")
    if [ "$want" = "$got" ]; then
        ok "$name: fails exactly $want"
    else
        not_ok "$name: expected to fail exactly [$want], failed [$got]" "$(grep -A10 FAIL "$work/$name.txt" | head -60)"
    fi
    while read -r number text; do
        [ -n "$number" ] || continue
        if jq -e --arg n "$number" --arg t "$text" '.tests[] | select(.number == $n) | .output | contains($t)' \
            "$work/$name.json" >/dev/null; then
            ok "$name: the feedback of $number mentions \"$text\""
        else
            not_ok "$name: the feedback of $number should mention \"$text\"" \
                "$(jq -r --arg n "$number" '.tests[] | select(.number == $n) | .output' "$work/$name.json")"
        fi
    done < <(sed -n 's/^Expect-feedback: //p' "$patch")
}

# Correct variants (tests/correct: "Expect-failed:" with nothing after it) must fail nothing.
for patch in "$root"/tests/broken/*.patch "$root"/tests/hostile/*.patch "$root"/tests/correct/*.patch; do
    check_patch "$patch"
done

# --- Feedback as data: one message per shared reason, one order, causes as tags ----------------
source "$root/tests/feedback.sh"

# --- What the failed checks' "Socket calls:" sections show, for some of those variants ---------
source "$root/tests/trace.sh"

# --- Red team: attacks on the grader from inside a correct submission; shared machines ------
source "$root/tests/redteam.sh"

# --- A correct client gets the same score where localhost is ::1 first ------------------------
# Debian and Ubuntu map localhost to ::1 before 127.0.0.1, and a correct client that asks
# getaddrinfo() for AF_UNSPEC goes there. In a mount namespace of its own, the grader sees such
# an /etc/hosts; 03 and 04 must still give full marks to correct clients of both kinds.
hosts6="$work/hosts-ipv6-first"
printf '::1\tlocalhost ip6-localhost\n127.0.0.1\tlocalhost\n' >"$hosts6"
# shellcheck disable=SC2016  # expanded by the inner shell
in_ipv6_first() { unshare -m sh -c 'mount --bind "$1" /etc/hosts && shift && exec "$@"' sh "$hosts6" "$@"; }
if [ ! -e /proc/net/if_inet6 ] || ! in_ipv6_first true 2>/dev/null; then
    echo "skipped localhost-is-::1 grading: no IPv6 or no mount namespaces here (needs root)"
elif [ "$(in_ipv6_first getent ahosts localhost | awk 'NR == 1 { print $1 }')" != "::1" ]; then
    not_ok "localhost is ::1 first in a mount namespace with a private /etc/hosts"
else
    for dir in "$root/solutions" "$root/tests/alternative" "$root/tests/alternative-tlpi" \
        "$work/04-client-af-unspec"; do
        name=ipv6-first-$(basename "$dir")
        in_ipv6_first "$grader" grade --no-color --json "$work/$name.json" --exercise 03-inet-stream-seqnum \
            --exercise 04-inet-dgram-echo "$dir" >"$work/$name.txt" 2>&1
        if jq -e '.score == .max_score and .max_score > 0' "$work/$name.json" >/dev/null 2>&1; then
            ok "$name: full marks for 03 and 04 where localhost is ::1 first"
        else
            not_ok "$name: full marks where localhost is ::1 first" "$(grep -A8 FAIL "$work/$name.txt" | head -30)"
        fi
    done
fi

# --- Every check can fail: each check of the rubric is failed by some variant in tests/ ------
# A check that no broken, hostile or class variant fails proves nothing: it might never fail.
covered=$(sed -n 's/^Expect-failed: //p' "$root"/tests/broken/*.patch "$root"/tests/hostile/*.patch \
    "$root"/tests/class/*.patch | tr ' ' '\n' | sed '/^$/d' | sort -u)
uncovered=$("$grader" list --checks | awk '/^[0-9]+\.[0-9]+ / { print $1 }' | sort -u \
    | comm -23 - <(printf '%s\n' "$covered") | sort -t. -k1,1n -k2,2n | tr '\n' ' ')
if [ -z "$uncovered" ]; then
    ok "every check of the rubric is failed by at least one variant in tests/"
else
    not_ok "checks that no variant in tests/ fails (add a broken variant for each): ${uncovered% }"
fi

# --- A submission that prints garbage still yields valid UTF-8 JSON -----------------------------
garbage="$work/01-server-prints-garbage-and-crashes.json"
if iconv -f UTF-8 -t UTF-8 "$garbage" >/dev/null 2>&1 && jq -e . "$garbage" >/dev/null 2>&1 \
    && ! grep -q $'\x1b' "$garbage" "$work/01-server-prints-garbage-and-crashes.txt"; then
    ok "garbage output: results.json is valid UTF-8 JSON; no terminal escape reaches the report"
else
    not_ok "garbage output: results.json must be valid UTF-8 JSON without escapes"
fi
if [ "$(jq '[.tests[] | select(.name | contains("1000"))] | length' "$garbage")" = 0 ] \
    && jq -e '.score < .max_score' "$garbage" >/dev/null; then
    ok "garbage output: the fake JSON the program printed did not change the results"
else
    not_ok "garbage output: the fake JSON changed the results"
fi

# --- A missing exercise scores 0; the others are still graded ---------------------------------
rm -rf "$work/missing"
cp -r "$root/solutions" "$work/missing"
rm -rf "$work/missing/04-inet-dgram-echo"
grade missing "$work/missing" --exercise 03-inet-stream-seqnum --exercise 04-inet-dgram-echo
check_schema missing
if jq -e '([.tests[] | select(.tags[0] == "04-inet-dgram-echo" and .status == "passed")] | length == 0)
          and ([.tests[] | select(.tags[0] == "03-inet-stream-seqnum" and .status == "failed")] | length == 0)
          and (.tests[] | select(.number == "4.0") | .output | contains("missing"))' "$work/missing.json" >/dev/null; then
    ok "missing exercise: 0 for it, with a clear message; the other exercise is graded"
else
    not_ok "missing exercise" "$(head -30 "$work/missing.txt")"
fi

# --- Each exercise README's grading table is the suite's rubric, word for word (make rubric) ---
if out=$(sh "$root/grader/rubric-tables.sh" --check 2>&1); then
    ok "the exercises' READMEs show the suites' rubric word for word (make rubric is up to date)"
else
    not_ok "README grading tables are stale: run make rubric" "$out"
fi
readme_rubric=$(sed -n 's/^| \([0-9]*\.[0-9]*\) | \([0-9]*\) | .*/\1 \2/p' "$root"/exercises/*/README.md)
suite_rubric=$("$grader" list --checks | awk '/^[0-9]+\.[0-9]+ / { print $1, $2 }')
if [ -n "$suite_rubric" ] && [ "$readme_rubric" = "$suite_rubric" ]; then
    ok "the exercises' READMEs list exactly the checks and points the suites grade"
else
    not_ok "README grading tables differ from the suites" "$(diff <(echo "$readme_rubric") <(echo "$suite_rubric"))"
fi
# Check numbers are 1, 2, 3, ... in each exercise, none typed twice or skipped.
gaps=$("$grader" list --checks | awk -F'[. ]' '/^[0-9]+\.[0-9]+ / { if ($2 != last[$1] + 1) print $1 "." $2; last[$1] = $2 }')
if [ -z "$gaps" ]; then
    ok "each exercise numbers its checks 1, 2, 3, ... in order"
else
    not_ok "check numbers out of order or with gaps: $gaps"
fi

# --- The header students see is the one the grader builds with ---------------------------------
if cmp -s "$root/exercises/05-stream-framing/framing.h" "$root/grader/support/05-stream-framing/framing.h"; then
    ok "05: the students' framing.h is the kit's"
else
    not_ok "05: exercises/05-stream-framing/framing.h differs from grader/support/05-stream-framing/framing.h"
fi

# --- The command line ----------------------------------------------------------------------
if "$grader" --help | grep -q 'usage: grader grade'; then
    ok "grader --help shows the usage"
else
    not_ok "grader --help"
fi
help_missing=""
for command in grade batch report status hint watch list build-kit; do
    "$grader" "$command" --help >"$work/help.txt" 2>&1 && grep -q "usage: grader $command" "$work/help.txt" \
        && grep -q "grader $command" <("$grader" --help) || help_missing="$help_missing $command"
done
if [ -z "$help_missing" ]; then
    ok "every grader command answers --help (exit 0, its usage), and grader --help lists it"
else
    not_ok "grader COMMAND --help fails for:$help_missing"
fi
# What batch's help and the README say of the grader's capabilities in a container: the same.
caps='SETUID, SETGID, KILL, CHOWN, DAC_OVERRIDE'
if "$grader" batch --help | tr '\n' ' ' | grep -q "five capabilities ($caps" \
    && tr '\n' ' ' <"$root/README.md" | grep -q "five capabilities ($caps"; then
    ok "batch --help and the README name the same five capabilities of the grader in a container"
else
    not_ok "batch --help and the README disagree on capabilities" "$("$grader" batch --help)"
fi
# Batch reaches the engine through its UNIX socket: another DOCKER_HOST is refused, and said so.
DOCKER_HOST=tcp://127.0.0.1:9 "$grader" batch --out "$work/batch-tcp" "$root/solutions" >"$work/batch-tcp.txt" 2>&1
if [ $? -eq 1 ] && grep -q 'DOCKER_HOST is tcp://127.0.0.1:9, but batch grading reaches the engine through its UNIX socket' \
    "$work/batch-tcp.txt"; then
    ok "batch with a DOCKER_HOST that is not a UNIX socket: exit 1, and why"
else
    not_ok "batch with DOCKER_HOST=tcp://...: exit 1 and a clear message" "$(cat "$work/batch-tcp.txt")"
fi
# The kit's own code, compiled by the grader: the tracer and each kit program's driver.
if "$grader" build-kit "$work/kit" >"$work/build-kit.txt" 2>&1 && [ -s "$work/kit/trace/gc-trace.o" ] \
    && [ -s "$work/kit/05-stream-framing/frame_send.o" ] && [ -s "$work/kit/05-stream-framing/frame_recv.o" ]; then
    ok "grader build-kit compiles the tracer and 05's drivers into the folder given"
else
    not_ok "grader build-kit DIR" "$(cat "$work/build-kit.txt"; find "$work/kit" 2>&1)"
fi
"$grader" grade --exercise no-such-exercise "$root/solutions" >/dev/null 2>&1
if [ $? -eq 2 ]; then
    ok "an unknown exercise is a usage error (exit 2)"
else
    not_ok "an unknown exercise: exit 2"
fi
"$grader" grade "$work/does-not-exist" >/dev/null 2>&1
if [ $? -eq 2 ]; then
    ok "a missing submission folder is a usage error (exit 2)"
else
    not_ok "missing folder: exit 2"
fi

# --- The Gradescope autograder zip, run as Gradescope would (loose files uploaded) -------------
if (cd "$root" && make -s gradescope) >"$work/gradescope.txt" 2>&1; then
    ag="$work/autograder"
    mkdir -p "$ag/source" "$ag/submission"
    # The zip's contents go to source/, as Gradescope unzips them (docker.sh runs setup.sh too).
    unzip -q "$root/dist/gradescope-autograder.zip" -d "$ag/source"
    cp "$root"/solutions/*/*.c "$ag/submission/"        # loose files, as students often upload
    if make -s -C "$ag/source" bin/grader >"$work/gradescope.txt" 2>&1 \
        && AUTOGRADER_ROOT="$ag" bash "$ag/source/run_autograder" >>"$work/gradescope.txt" 2>&1 \
        && jq -e "$schema and .score == .max_score" "$ag/results/results.json" >/dev/null; then
        ok "gradescope: the zip's run_autograder grades loose files into results/results.json (full marks)"
    else
        not_ok "gradescope: run_autograder" "$(tail -30 "$work/gradescope.txt")"
    fi
else
    not_ok "gradescope: make gradescope" "$(tail -20 "$work/gradescope.txt")"
fi

