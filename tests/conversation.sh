# shellcheck shell=bash
# The "Conversation:" section of failed checks (issue 12), sourced by run.sh after the broken
# variants were graded (it reads their results in $work). For several variants it checks what
# the section says, not just that it is there: the pieces a check sent, in order, what came
# back, the check closing early, a program's end, the "gave up" line and its delay.
#
# Run on its own, `bash tests/conversation.sh` grades the variants it needs first.

# conversation_of NAME NUMBER: the Conversation: section of check NUMBER of variant NAME.
conversation_of() {
    local name=$1 number=$2
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
    # A client that leaves early: the check closing, then the server's death by SIGPIPE.
    expect_conversation 01-server-dies-of-sigpipe 1.10 'the check closing early, then SIGPIPE' \
        'check -> echo_server  "x"$' \
        'check -> echo_server  ".*" \.\.\. \(1000 bytes in all\)$' \
        'check closes the connection to echo_server$' \
        'echo_server was killed by SIGPIPE$'
    # A client that never shuts down: its bytes, then the check giving up after 3 s.
    expect_conversation 01-client-never-shuts-down 1.7 'the bytes, then giving up after 3 s' \
        'echo_client starts$' \
        'echo_client connects to check$' \
        'echo_client -> check  "the end is near\\n"$' \
        '^    \+[0-9]+ ms +gave up waiting for echo_client to send more or close \(waited [0-9]+ ms\)$'
    section=$(conversation_of 01-client-never-shuts-down 1.7)
    waited=$(sed -n 's/.*gave up waiting .*(waited \([0-9]*\) ms)$/\1/p' <<<"$section")
    at=$(sed -n 's/^    +\([0-9]*\) ms .*gave up waiting.*/\1/p' <<<"$section")
    last=$(sed -n 's/^    +\([0-9]*\) ms .*echo_client -> check.*/\1/p' <<<"$section" | tail -1)
    if [ -n "$waited" ] && [ -n "$at" ] && [ -n "$last" ] && [ "$waited" -ge 3000 ] && [ "$waited" -lt 3500 ] \
        && [ $((at - last)) -ge 2990 ] && [ $((at - last)) -lt 3500 ]; then
        ok "01-client-never-shuts-down: the gave-up line comes 3 s after the last bytes (${waited} ms)"
    else
        not_ok "01-client-never-shuts-down: the gave-up line should come 3 s after the last bytes" "$section"
    fi
    # 64 KiB in one line with its total, not a line per recv().
    expect_conversation 01-client-never-shuts-down 1.8 '64 KiB as one line with its total' \
        'echo_client -> check  ".*" \.\.\. \(65536 bytes in all\)$'
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

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -uo pipefail
    root=$(cd "$(dirname "$0")/.." && pwd)
    grader="$root/bin/grader"
    work=$(mktemp -d /tmp/gc-conversation-XXXXXX)
    trap 'rm -rf "$work"' EXIT
    passed=0 failed=0
    ok()     { passed=$((passed + 1)); printf 'ok      %s\n' "$1"; }
    not_ok() { failed=$((failed + 1)); printf 'FAILED  %s\n' "$1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/        /'; }
    conversation_tests
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
else
    conversation_tests
fi
