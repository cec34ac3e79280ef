# shellcheck shell=bash disable=SC2154 # root, work, ok, not_ok come from run.sh, which sources this
# Feedback as data, sourced by run.sh after the broken variants were graded into $work/NAME.json
# and $work/NAME.txt: one message per shared reason, no guessed cause after a TODO stop, the
# lines of every failed check in one order, and each diagnosis carried as a tag "cause:<id>".

# The labels of a failed check's output, in the order the contract of feedback gives them.
# shellcheck disable=SC2016  # a jq program: its $n is jq's, not the shell's
feedback_order='
  def rank: if startswith("Ran:") then 0 elif startswith("Sent:") then 1
            elif startswith("Expected:") then 2 elif startswith("Got:") then 3
            elif startswith("Likely cause:") then 4 else null end;
  [.tests[] | select(.status == "failed") | .number as $n
   | [.output | split("\n")[] | rank | select(. != null)]
   | select(. != sort) | $n]'

feedback_tests() {
    local name json bad out

    # An untouched skeleton: about one line per program, and no guess after "TODO n".
    local fails programs
    fails=$(grep -c '^  FAIL' "$work/skeletons.txt")
    programs=$("$grader" list | awk -F'[: ,]+' '/^[0-9]/ { n += NF - 1 } END { print n }')
    if [ "$fails" -le "$programs" ] && ! grep -q 'Likely cause' "$work/skeletons.txt"; then
        ok "feedback: the untouched skeletons get one line per program ($fails FAIL lines, $programs programs), no likely cause"
    else
        not_ok "feedback: the untouched skeletons should get about one line per program and no likely cause" \
            "$(head -40 "$work/skeletons.txt")"
    fi
    if jq -e '[.tests[] | select(.status == "failed")] | length > 0
              and all(.extra_data.shared_reason.key | startswith("todo:"))' \
        "$work/skeletons.json" >/dev/null; then
        ok "feedback: each failed skeleton check names the TODO its program stopped at (extra_data.shared_reason)"
    else
        not_ok "feedback: each failed skeleton check should name its TODO" \
            "$(jq -c '[.tests[] | select(.status == "failed") | {number, extra_data}] | .[:5]' "$work/skeletons.json")"
    fi

    # The byte-swapped port: said once in the report, kept per check in results.json.
    name=03-forgot-htons
    if [ "$(grep -c 'htons() is missing' "$work/$name.txt")" = 1 ] \
        && jq -e '[.tests[] | select(.status == "failed")] | length == 7
                  and all(.tags | index("cause:htons"))
                  and all(.output | contains("htons(port)"))' "$work/$name.json" >/dev/null; then
        ok "feedback: $name says the swapped port once in the report; each of its 7 checks keeps its output and the tag cause:htons"
    else
        not_ok "feedback: $name should say the swapped port once, with a cause:htons tag on each check" \
            "$(head -20 "$work/$name.txt")"
    fi

    # Diagnoses carried as data, from the variants that make each mistake.
    local pair number id
    for pair in 02-client-never-binds:2.7:unbound-dgram-client 06-never-reaps:6.3:zombies \
        01-server-dies-of-sigpipe:1.10:sigpipe 03-one-recv-per-request:3.3:single-recv; do
        IFS=: read -r name number id <<<"$pair"
        if jq -e --arg n "$number" --arg t "cause:$id" \
            '.tests[] | select(.number == $n) | .status == "failed" and (.tags | index($t))
             and (.extra_data.cause.id == ($t | ltrimstr("cause:")))' "$work/$name.json" >/dev/null; then
            ok "feedback: $name: check $number carries the tag cause:$id"
        else
            not_ok "feedback: $name: check $number should carry the tag cause:$id" \
                "$(jq -c --arg n "$number" '.tests[] | select(.number == $n) | {status, tags, extra_data}' "$work/$name.json")"
        fi
    done

    # Ran, Sent, Expected, Got, then the likely cause: in every failed check of every variant.
    bad=""
    for json in "$work"/skeletons.json "$work"/0[1-8]-*.json; do
        [ -f "$json" ] || continue
        out=$(jq -r "$feedback_order | join(\" \")" "$json" 2>/dev/null)
        [ -n "$out" ] && bad+="$(basename "$json" .json): $out"$'\n'
    done
    if [ -z "$bad" ]; then
        ok "feedback: every failed check says Ran, Sent, Expected, Got, then the likely cause, in that order"
    else
        not_ok "feedback: these checks give their lines out of order" "$bad"
    fi
}

feedback_tests
