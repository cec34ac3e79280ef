# shellcheck shell=bash
# The "Conversation:" section of failed checks (issue 12) and its picture (issue 14), sourced by
# run.sh after diagrams.sh (whose functions it uses) and the broken variants (whose results in
# $work it reads). For several variants it checks what the section says, not just that it is
# there: the pieces a check sent, in order, what came back, the check closing early, a
# program's end, the "gave up" line and its delay. Then the pages that draw conversations as
# sequence diagrams (grader report, grade --html): well-formed, inside their viewBox, not blank
# in light and dark mode in headless Chromium, the bytes on the arrows, forged input escaped.
#
# Run on its own, `bash tests/conversation.sh` grades the variants it needs first.

# conversation_of NAME NUMBER: the Conversation: section of check NUMBER of variant NAME.
conversation_of() {
    local name=$1 number=$2
    # The grading part graded the variants already (GC_TEST_RESULTS, when run.sh runs parts).
    if [ ! -f "$work/$name.json" ] && [ -s "${GC_TEST_RESULTS:-/nonexistent}/$name.json" ]; then
        cp "$GC_TEST_RESULTS/$name.json" "$work/"
    fi
    if [ ! -f "$work/$name.json" ]; then
        rm -rf "${work:?}/$name"
        cp -r "$root/solutions" "$work/$name"
        patch -s -p1 -d "$work/$name" <"$root/tests/broken/$name.patch" >/dev/null
        "$grader" grade --no-color --jobs 2 --json "$work/$name.json" \
            --exercise "$(sed -n 's/^+++ b\/\([^/]*\)\/.*/\1/p' "$root/tests/broken/$name.patch" | head -1)" \
            "$work/$name" >/dev/null 2>&1
    fi
    jq -r --arg n "$number" '.tests[] | select(.number == $n) | .output' "$work/$name.json" 2>/dev/null \
        | sed -n '/^Conversation:$/,$p'
}

# in_order TEXT LINE-PATTERN...: every pattern (grep -E) matches a line of TEXT, each on a later
# line than the one before.
in_order() {
    local text=$1 pattern at=0 line
    shift
    for pattern in "$@"; do
        line=$(tail -n +"$((at + 1))" <<<"$text" | grep -nE -m1 -- "$pattern" | cut -d: -f1)
        [ -n "$line" ] || return 1
        at=$((at + line))
    done
}

# expect_conversation NAME NUMBER WHAT PATTERN...: the section of NAME's check NUMBER has lines
# matching the patterns, in that order.
expect_conversation() {
    local name=$1 number=$2 what=$3 section
    shift 3
    section=$(conversation_of "$name" "$number")
    if [ -z "$section" ]; then
        not_ok "$name: check $number's feedback has a Conversation: section" \
            "$(jq -r --arg n "$number" '.tests[] | select(.number == $n) | .output' "$work/$name.json" 2>/dev/null)"
    elif in_order "$section" "$@"; then
        ok "$name: check $number's conversation shows $what"
    else
        not_ok "$name: check $number's conversation should show $what" "$section"
    fi
}

conversation_tests() {
    local section waited at last
    # A request in two pieces: "4", then "2\n", then what the server answered (it took "4").
    expect_conversation 03-one-recv-per-request 3.3 'the pieces "4" then "2\n" and the replies' \
        '^    \+[0-9]+ ms +check connects to seqnum_server \(127\.0\.0\.1:[0-9]+' \
        '^    \+[0-9]+ ms +check -> seqnum_server  "4"$' \
        '^    \+[0-9]+ ms +check -> seqnum_server  "2\\n"$' \
        '^    \+[0-9]+ ms +seqnum_server -> check  "0\\n"$' \
        '^    \+[0-9]+ ms +check -> seqnum_server  "1\\n"$' \
        '^    \+[0-9]+ ms +seqnum_server -> check  "4\\n"$'
    # With the programs' traces merged in: the server's one recv() that got only "4", and its answer.
    expect_conversation 03-one-recv-per-request 3.3 'the server reading only "4", then answering' \
        'check -> seqnum_server  "4"$' \
        'seqnum_server recv\([0-9]+, [0-9]+, 0\) = 1 "4"$' \
        'seqnum_server send\([0-9]+, "0\\n", 2, 0\) = 2$'
    # A client that leaves early: the check closing, then the server's death by SIGPIPE.
    expect_conversation 01-server-dies-of-sigpipe 1.10 'the check closing early, then SIGPIPE' \
        'check#1 -> echo_server  "x"$' \
        'echo_server -> check#1  "x"$' \
        'check#2 -> echo_server  ".*" \.\.\. \(1000 bytes in all\)$' \
        'check#2 closes the connection to echo_server$' \
        'echo_server was killed by SIGPIPE$'
    # Three clients at once, each its own number: the half line, the full line, who stopped
    # waiting, and why (the server stuck in recv() on the half line).
    expect_conversation 07-reads-until-newline 7.3 'which client sent what, and which stopped waiting' \
        'check#1 -> chat_server  "half a li"$' \
        'check#2 -> chat_server  "full line\\n"$' \
        'check#3 stopped waiting for a line from chat_server after [0-9]+ ms: chat_server was blocked in recv\(\)'
    # A client that never shuts down: its bytes, then the check stopping its wait, and why.
    expect_conversation 01-client-never-shuts-down 1.7 'the bytes, then why the check stopped waiting' \
        'echo_client starts$' \
        'echo_client connects to check$' \
        'echo_client -> check  "the end is near\\n"$' \
        '^    \+[0-9]+ ms +stopped waiting for echo_client to send more or close after [0-9]+ ms: echo_client was blocked in read\(\)'
    # The wait ended early (fail fast: the client was stuck, waiting out the 3 s would teach
    # nothing more), and no later after the last bytes than the wait it states (which may have
    # begun before the bytes came).
    section=$(conversation_of 01-client-never-shuts-down 1.7)
    waited=$(sed -n 's/.*stopped waiting .* after \([0-9]*\) ms: .*/\1/p' <<<"$section")
    at=$(sed -n 's/^    +\([0-9]*\) ms .*stopped waiting.*/\1/p' <<<"$section")
    last=$(sed -n 's/^    +\([0-9]*\) ms .*echo_client -> check.*/\1/p' <<<"$section" | tail -1)
    if [ -n "$waited" ] && [ -n "$at" ] && [ -n "$last" ] && [ "$waited" -lt 3000 ] \
        && [ "$at" -gt "$last" ] && [ $((at - last)) -le $((waited + 20)) ]; then
        ok "01-client-never-shuts-down: the check stops waiting $((at - last)) ms after the last bytes (not 3 s)"
    else
        not_ok "01-client-never-shuts-down: the stop line should come after the last bytes, within the wait it states, under 3 s" "$section"
    fi
    # 64 KiB in one line with its total, not a line per recv().
    expect_conversation 01-client-never-shuts-down 1.8 '64 KiB as one line with its total' \
        'echo_client -> check  ".*" \.\.\. \(65536 bytes in all\)( until \+[0-9]+ ms)?$'
    # Datagrams keep their edges: one line each, and the ones the check dropped on purpose.
    expect_conversation 04-client-one-deadline-for-all-tries 4.7 'each datagram, the drops, the end' \
        'udp_echo_client -> check  datagram "are you there\?"$' \
        'check drops it, as if it were lost on the way$' \
        'udp_echo_client -> check  datagram "are you there\?"$' \
        'udp_echo_client exited with status 2$'
    expect_conversation 04-client-one-deadline-for-all-tries 4.11 'four tries, one line each' \
        'datagram "slowly"$' 'datagram "slowly"$' 'datagram "slowly"$' 'datagram "slowly"$'
    # A server on the byte-swapped port: the refused connects, counted on one line.
    expect_conversation 03-forgot-htons 3.1 'the refused connects' \
        'seqnum_server starts$' \
        "check's connect\(\) to 127\.0\.0\.1:[0-9]+ failed with ECONNREFUSED"
    # Bounded: at most 40 events and a line saying how many were left out.
    local longest
    longest=$(jq -r '.tests[].output' "$work"/*.json 2>/dev/null \
        | awk '/^Conversation:$/ { n = 0; inside = 1; next } inside && /^    / { if (++n > max) max = n; next }
               { inside = 0 } END { print max + 0 }')
    if [ "$longest" -le 41 ]; then
        ok "conversations: no section is longer than 40 events and a count ($longest lines at most)"
    else
        not_ok "conversations: a section has $longest lines, more than 40 events and a count"
    fi
    # A check that passes says nothing.
    if [ -f "$work/solutions.json" ] && jq -e '[.tests[].output | select(contains("Conversation:"))] | length == 0' \
        "$work/solutions.json" >/dev/null; then
        ok "conversations: the solutions' results have none (passed checks say nothing)"
    elif [ -f "$work/solutions.json" ]; then
        not_ok "conversations: a passed check of the solutions shows a conversation"
    fi
}

# --- The conversation as a picture (issue 14) ------------------------------------------------

# A conversation as conversation_json() gives it (03's request in pieces, then a reply that never
# came): for pages drawn from results that do not carry one.
conversation_fixture='[
 {"ms":2,"kind":"program","from":"seqnum_server","note":"seqnum_server starts"},
 {"ms":80,"kind":"connect","from":"check","to":"seqnum_server","note":"check connects to seqnum_server (127.0.0.1:29046)"},
 {"ms":80,"kind":"data","from":"check","to":"seqnum_server","bytes":"4","len":1,"cut":false},
 {"ms":81,"kind":"data","from":"check","to":"seqnum_server","bytes":"2\\n","len":2,"cut":false},
 {"ms":81,"kind":"data","from":"seqnum_server","to":"check","bytes":"0\\n","len":2,"cut":false},
 {"ms":82,"kind":"data","from":"check","to":"seqnum_server","bytes":"\\xbd(\\xaar\\x00","len":1048576,"cut":true},
 {"ms":3090,"kind":"gave-up","from":"check","to":"seqnum_server","note":"gave up waiting for a line from seqnum_server (waited 3003 ms)"}]'
# Every field of the wrong type or hostile, and more programs than lanes: still a valid picture.
conversation_hostile='[{"kind":"omitted","count":"many"}, 7, null, [1], {"ms":"x","kind":"data",
 "from":"<script>alert(1)</script>","to":"check","bytes":"\u0001<b>&amp;\"'"'"'","len":99999999999,"cut":true},
 {"ms":-5,"kind":"datagram","from":"p1","to":"p2","bytes":5},{"from":"p3","to":"p4","kind":"data"},
 {"from":"p5","to":"p6","kind":"data"},{"from":"p7","to":"check","kind":"data","bytes":"x"},
 {"kind":"gave-up","note":"'"$(printf 'x%.0s' $(seq 1 600))"'"}]'

# seqdiagram_extract PAGE DIR NAME: each sequence diagram of PAGE as DIR/NAME-N.svg; prints the
# paths.
seqdiagram_extract() {
    local page=$1 dir=$2 name=$3
    awk -v base="$dir/$name" '{ while (match($0, /<svg xmlns=.http:\/\/www\.w3\.org\/2000\/svg. class=.sq.[^>]*>/)) {
            rest = substr($0, RSTART); end = index(rest, "</svg>")
            file = sprintf("%s-%d.svg", base, ++n); printf "%s\n", substr(rest, 1, end + 5) >file; close(file)
            print file; $0 = substr(rest, end + 6) } }' "$page"
}

# seqdiagram_check DIR NAME:PAGE[:TEXT...]...: each PAGE has sequence diagrams, each well-formed
# (xmllint), with a title and a desc, inside its viewBox, not blank in light and dark mode
# (headless Chromium, as diagrams.sh checks the READMEs' pictures); each TEXT is drawn in one of
# its page's. All pages' diagrams go through the same three Chromium runs.
seqdiagram_check() {
    local dir=$1 spec name page texts svgs=() mine svg problems text line
    shift
    rm -rf "$dir"
    mkdir -p "$dir"
    for spec in "$@"; do
        IFS=: read -r name page _ <<<"$spec"
        mapfile -t mine < <(seqdiagram_extract "$page" "$dir" "$name")
        svgs+=("${mine[@]}")
    done
    [ "${#svgs[@]}" -gt 0 ] && diagram_check_page "$dir/check.html" "${svgs[@]}"
    diagram_chromium --dump-dom "$DIAGRAM_SCHEME_LIGHT" "$dir/check.html" \
        | sed -n 's/^DIAGRAM //p' | sed 's/&lt;/</g; s/&gt;/>/g; s/&amp;/\&/g' >"$dir/results.txt"
    grep ' ok$' "$dir/results.txt" >"$dir/drawable.txt"
    diagram_shots "$dir" "$dir/drawable.txt" "$DIAGRAM_SCHEME_LIGHT" light
    diagram_shots "$dir" "$dir/drawable.txt" "$DIAGRAM_SCHEME_DARK" dark
    for spec in "$@"; do
        IFS=: read -r name page texts <<<"$spec"
        problems=""
        mine=("$dir/$name"-*.svg)
        if [ ! -f "${mine[0]}" ]; then
            not_ok "$name: the page draws a sequence diagram" "$(head -c 1500 "$page")"
            continue
        fi
        for svg in "${mine[@]}"; do
            xmllint --noout "$svg" 2>>"$dir/xmllint.txt" || problems="$problems $(basename "$svg"): not well-formed;"
            line=$(grep -F "$svg " "$dir/results.txt")
            [ "${line##* }" = ok ] || problems="$problems ${line:-$(basename "$svg"): not checked by Chromium};"
            for mode in light dark; do
                [ "${line##* }" = ok ] || continue
                diagram_looks "$mode" "$dir/$(basename "$svg" .svg)-$mode.png" >/dev/null \
                    || problems="$problems $(basename "$svg") blank or not $mode;"
            done
        done
        while IFS= read -r -d '|' text; do
            grep -qF -- ">$text</text>" "${mine[@]}" || problems="$problems no arrow says $text;"
        done <<<"${texts:+$texts|}"
        if [ -z "$problems" ]; then
            ok "$name: ${#mine[@]} sequence diagram(s), well-formed, in their viewBox, drawn light and dark${texts:+, the bytes on the arrows}"
        else
            not_ok "$name: sequence diagrams:$problems" "$(cat "$dir/xmllint.txt" 2>/dev/null)"
        fi
    done
}

seqdiagram_tests() {
    local variant=03-one-recv-per-request class="$work/seqdiagram-class" conversations
    if ! command -v xmllint >/dev/null || ! command -v chromium >/dev/null || ! command -v convert >/dev/null; then
        not_ok "sequence diagrams: xmllint, chromium and ImageMagick are installed (tests/install-test-deps.sh)"
        return
    fi
    conversation_of "$variant" 3.3 >/dev/null      # graded, if it was not yet
    # The class report's page of a student: from the real results where they carry conversations
    # (tests[].extra_data.conversation), else with one put in by hand.
    conversations=$(jq '[.tests[] | select(.extra_data.conversation | type == "array")] | length' "$work/$variant.json")
    rm -rf "$class"
    mkdir -p "$class/alice" "$class/mallory"
    if [ "$conversations" -gt 0 ]; then
        cp "$work/$variant.json" "$class/alice/results.json"
    else
        jq --argjson c "$conversation_fixture" '(.tests[] | select(.number == "3.3") | .extra_data) = {conversation: $c}' \
            "$work/$variant.json" >"$class/alice/results.json"
    fi
    jq --argjson c "$conversation_hostile" '(.tests[] | select(.number == "3.3") | .extra_data) = {conversation: $c}' \
        "$work/$variant.json" >"$class/mallory/results.json"
    "$grader" report "$class" >"$work/seqdiagram-report.txt" 2>&1
    if grep -q '<script>' "$class/mallory/feedback.html"; then
        not_ok "report-forged-conversation: a program name from results.json reached the page unescaped"
    else
        ok "report-forged-conversation: names and bytes from results.json are escaped"
    fi
    # make check HTML=1: grade --html writes the page and says where.
    local page="$work/seqdiagram-grade/report.html" out pages
    mkdir -p "$(dirname "$page")"
    if [ ! -d "$work/$variant" ]; then      # only its results came from the grading part
        cp -r "$root/solutions" "$work/$variant"
        patch -s -p1 -d "$work/$variant" <"$root/tests/broken/$variant.patch" >/dev/null
    fi
    out=$("$grader" grade --no-color --jobs 2 --json "$work/seqdiagram-grade/results.json" --html "$page" \
        --exercise 03-inet-stream-seqnum "$work/$variant" 2>&1)
    if [ -s "$page" ] && grep -qF "$page" <<<"$out" && grep -q 'FAIL 3.3' "$page"; then
        ok "grade --html: writes the page of the results and says where ($(basename "$page"))"
    else
        not_ok "grade --html: the page and its path" "$out"
    fi
    pages=("report-$variant:$class/alice/feedback.html:\"4\"|\"2\\n\"|\"0\\n\"" "report-forged:$class/mallory/feedback.html")
    if jq -e '[.tests[] | select(.extra_data.conversation | type == "array")] | length > 0' \
        "$work/seqdiagram-grade/results.json" >/dev/null 2>&1; then
        pages+=("grade-html-$variant:$page:\"4\"|\"2\\n\"")
    else
        skip "grade --html sequence diagrams" "results.json carries no extra_data.conversation yet"
    fi
    seqdiagram_check "$work/seqdiagrams" "${pages[@]}"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -uo pipefail
    root=$(cd "$(dirname "$0")/.." && pwd)
    grader="$root/bin/grader"
    work=$(mktemp -d /tmp/gc-conversation-XXXXXX)
    trap 'rm -rf "$work"' EXIT
    passed=0 failed=0 skipped=0
    ok()     { passed=$((passed + 1)); printf 'ok      %s\n' "$1"; }
    not_ok() { failed=$((failed + 1)); printf 'FAILED  %s\n' "$1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/        /'; }
    skip()   { skipped=$((skipped + 1)); printf 'SKIPPED %s: %s\n' "$1" "$2"; }
    # diagrams.sh's functions, without its own run.
    # shellcheck source=tests/diagrams.sh
    source <(sed '/^if \[ "${BASH_SOURCE\[0\]}" = "$0" \]; then$/,$d' "$root/tests/diagrams.sh")
    conversation_tests
    seqdiagram_tests
    echo "$passed passed, $failed failed, $skipped skipped"
    [ "$failed" -eq 0 ]
else
    conversation_tests
    seqdiagram_tests
fi
