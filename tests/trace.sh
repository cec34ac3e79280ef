# shellcheck shell=bash disable=SC2154 # root and work come from run.sh, which sources this
# The "Socket calls:" section of failed checks, sourced by run.sh after the broken and hostile
# variants were graded (their results are in $work/NAME.json): for several broken variants the
# section is there, shows the very call that went wrong, and names the cause; a program that
# plants links, pipes and garbage where its records go gets nothing harmful shown.

# trace_section NAME NUMBER: the Socket calls: section of check NUMBER's feedback in NAME.json.
trace_section() {
    jq -r --arg n "$2" '.tests[] | select(.number == $n) | .output' "$work/$1.json" 2>/dev/null \
        | sed -n '/^Socket calls:$/,/^[^ ]/p' | sed '1!{/^[^ ]/d}'
}

# trace_expect NAME NUMBER WHAT REGEX...: the section shows a line matching each REGEX (grep -E).
trace_expect() {
    local name=$1 number=$2 what=$3 section regex
    shift 3
    section=$(trace_section "$name" "$number")
    for regex in "$@"; do
        if ! grep -qE -- "$regex" <<<"$section"; then
            not_ok "$name: the socket calls of $number show $what" \
                "no line matches: $regex"$'\n'"${section:-(no Socket calls: section)}"
            return
        fi
    done
    ok "$name: the socket calls of $number show $what"
}

trace_tests() {
    local section bound told ran
    # The htons mistake: bind() to the byte-swapped port, and the note says whose port it is.
    trace_expect 03-forgot-htons 3.1 "bind() to the byte-swapped port, with the htons() note" \
        '^    bind\(3, 0\.0\.0\.0:[0-9]+\) = 0   <- [0-9]+ is [0-9]+ with its bytes swapped: htons\(\)$'
    section=$(trace_section 03-forgot-htons 3.1)
    bound=$(sed -n 's/^    bind(3, 0\.0\.0\.0:\([0-9]*\)) = 0   <- \([0-9]*\) is \([0-9]*\) .*/\1 \2 \3/p' <<<"$section")
    ran=$(jq -r '.tests[] | select(.number == "3.1") | .output' "$work/03-forgot-htons.json" \
        | sed -n 's/^Ran: *seqnum_server \([0-9]*\).*/\1/p')
    read -r bound told port <<<"$bound"
    if [ -n "$ran" ] && [ "${port:-}" = "$ran" ] && [ "$bound" = "$told" ] \
        && [ "$bound" = $(( (ran >> 8 | ran << 8) & 0xffff )) ]; then
        ok "03-forgot-htons: the bound port is the check's port ($ran) with its bytes swapped"
    else
        not_ok "03-forgot-htons: the bound port should be $ran with its bytes swapped" "$section"
    fi

    # A datagram client that never binds: its sendto(), and no bind() before it.
    trace_expect 02-client-never-binds 2.9 "the client's sendto() with no bind() before it" \
        '^  upper_client \(' \
        '^    sendto\(3, "hello", 5, 0, "[^"]*server\.sock"\) = 5   <- no bind\(\) on 3 before this sendto\(\)'
    if grep -q '^    bind(' <<<"$(trace_section 02-client-never-binds 2.9)"; then
        not_ok "02-client-never-binds: the client's calls should hold no bind()" "$(trace_section 02-client-never-binds 2.9)"
    else
        ok "02-client-never-binds: the client's calls hold no bind()"
    fi

    # One recv() per client: the single recv() on the connection, then its close().
    section=$(trace_section 01-one-recv-per-client 1.3)
    if [ "$(grep -c '^    recv(4, ' <<<"$section")" = 1 ] \
        && grep -qE '^    recv\(4, [0-9]+, 0\) = [0-9]+ .*   <- the last recv\(\) on 4 before close\(\): it never returned 0' <<<"$section" \
        && grep -q '^    close(4) = 0$' <<<"$section"; then
        ok "01-one-recv-per-client: the socket calls of 1.3 show the one recv() per connection, then close()"
    else
        not_ok "01-one-recv-per-client: the socket calls of 1.3 should show one recv(), noted, then close()" "$section"
    fi
    trace_expect 03-one-recv-per-request 3.3 "the recv() that got half a request, noted" \
        '^    recv\(4, [0-9]+, 0\) = 1 "4"   <- no .\\n. had arrived on 4, yet the program answered'
    trace_expect 03-client-reads-once 3.9 "the client's one recv() before close(), noted" \
        '^    recv\(3, [0-9]+, 0\) = [0-9]+ "[0-9]*"   <- the last recv\(\) on 3 before close\(\), and no .\\n. had arrived' \
        '^    close\(3\) = 0$'

    trace_expect 08-one-recv-for-head 8.13 "the forked child's recv() of half a request line, noted" \
        '^    \[[0-9]+\] recv\(4, [0-9]+, 0\) = [0-9]+ "GET /[^"]*"   <- not even the request line had ended'

    # bind() EADDRINUSE: a stale socket file, and a port without SO_REUSEADDR.
    trace_expect 01-keeps-stale-socket-file 1.5 "bind() EADDRINUSE on a stale socket file, noted" \
        '^    bind\(3, "[^"]*echo\.sock"\) = -1 EADDRINUSE   <- a file already exists at this path'
    trace_expect 03-no-reuseaddr 3.7 "bind() EADDRINUSE without SO_REUSEADDR, noted" \
        '^    bind\(3, 0\.0\.0\.0:[0-9]+\) = -1 EADDRINUSE   <- no setsockopt\(3, SOL_SOCKET, SO_REUSEADDR\)'

    # A send() that SIGPIPE killed: recorded before it started, and named.
    trace_expect 01-server-dies-of-sigpipe 1.10 "the send() that SIGPIPE killed" \
        '^    send\(4, \.\.\., [0-9]+, 0\) \.\.\.   <- SIGPIPE killed it here'

    # Through 05's --wrap wrappers too, while AddressSanitizer still reports.
    trace_expect 05-writes-past-cap 5.7 "framing.c's recv() calls through the kit's wrappers" \
        '^  frame_recv \(' '^    recv\(3, 4, 0\) = 4 '

    # The untouched skeletons stop at their first TODO: no section for calls made before it.
    if [ -f "$work/skeletons.json" ] && ! jq -r '.tests[].output' "$work/skeletons.json" | grep -q '^Socket calls:'; then
        ok "skeletons: no Socket calls: section for programs that stopped at a TODO"
    else
        not_ok "skeletons: a Socket calls: section for programs that stopped at a TODO (or not graded)"
    fi

    # A server that planted a link to /etc/shadow, a pipe and garbage where its records go.
    local forged="$work/01-server-forges-its-trace.json" size
    size=$(jq '[.tests[].output | length] | max' "$forged" 2>/dev/null)
    if [ ! -f "$forged" ]; then
        not_ok "01-server-forges-its-trace: was not graded"
    elif [ -r /etc/shadow ] && jq -r '.tests[].output' "$forged" | grep -qF -f <(cut -d: -f1-3 /etc/shadow | grep -v '^$'); then
        not_ok "01-server-forges-its-trace: the feedback shows a line of /etc/shadow"
    elif jq -r '.tests[].output' "$forged" | LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]'; then
        not_ok "01-server-forges-its-trace: a control character of the garbage reached the feedback"
    elif [ "${size:-0}" -gt 16000 ]; then
        not_ok "01-server-forges-its-trace: a check's feedback grew to $size bytes"
    else
        ok "01-server-forges-its-trace: planted links, pipes and garbage show nothing harmful (feedback at most $size bytes)"
    fi
}

trace_tests
