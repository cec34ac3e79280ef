# shellcheck shell=bash disable=SC2154  # root, work, grader, schema: tests/lib.sh
# What a student and an instructor see, sourced by run.sh: make check in a real terminal
# (tmux), status and hints, watch, the student release, and the class report rendered in
# headless Chromium.

# A tmux server of this run's own: on a shared machine, another run's sessions of the same names
# (gc-check, gc-watch) must not be killed, read or waited for by this one. Inside a pane, tmux
# finds this server through $TMUX.
tmux_socket="$work/tmux.sock"
tmux() { command tmux -S "$tmux_socket" "$@"; }

# run_in_tmux NAME COMMAND: runs COMMAND in a detached 120x60 tmux pane and waits (up to 120 s)
# for it to finish; the screen is then in $work/NAME.screen (with escapes in NAME.escapes).
run_in_tmux() {
    local name=$1 command=$2
    tmux kill-session -t "gc-$name" 2>/dev/null
    tmux new-session -d -s "gc-$name" -x 120 -y 60 \
        "cd '$root' && $command; tmux wait-for -S gc-$name-done; tmux wait-for gc-$name-exit"
    timeout 120 tmux -S "$tmux_socket" wait-for "gc-$name-done"
    tmux capture-pane -p -t "gc-$name" -S -200 >"$work/$name.screen"
    tmux capture-pane -p -e -t "gc-$name" -S -200 >"$work/$name.escapes"
    tmux wait-for -S "gc-$name-exit"
}

ui_tests() {
    if ! command -v tmux >/dev/null; then
        not_ok "ui: tmux is installed (tests/install-test-deps.sh)"
        return
    fi
    local grades="$work/grades"
    run_in_tmux check "bin/grader grade --save '$grades' --exercise 01-unix-stream-echo exercises"
    if grep -q '^01-unix-stream-echo  0/12' "$work/check.screen" && grep -q 'FAIL 1.1, 1.2' "$work/check.screen" \
        && grep -q 'echo_server stopped at TODO 1' "$work/check.screen" && grep -q $'\033\\[31m' "$work/check.escapes"; then
        ok "ui: make check in a terminal shows the score, the failed checks and why (once per program at a TODO), in colour"
    else
        not_ok "ui: make check in tmux" "$(head -20 "$work/check.escapes" | cat -v)"
    fi
    run_in_tmux nocolor "NO_COLOR=1 bin/grader grade --exercise 01-unix-stream-echo exercises"
    if grep -q 'FAIL 1.1' "$work/nocolor.screen" && ! grep -q $'\033\\[3[12]m' "$work/nocolor.escapes"; then
        ok "ui: NO_COLOR=1 turns the colours off"
    else
        not_ok "ui: NO_COLOR" "$(head -10 "$work/nocolor.escapes" | cat -v)"
    fi

    run_in_tmux status "bin/grader status --results '$grades' exercises"
    if grep -q '01-unix-stream-echo *not started *0/12' "$work/status.screen" \
        && grep -q 'Next: 01-unix-stream-echo' "$work/status.screen"; then
        ok "ui: status lists each exercise's state and score, and what to do next"
    else
        not_ok "ui: status" "$(cat "$work/status.screen")"
    fi
    # The same with a finished exercise: solutions' results saved under the exercises' names.
    "$grader" grade --save "$work/grades2" --exercise 01-unix-stream-echo "$root/solutions" >/dev/null
    if "$grader" status --results "$work/grades2" "$root/solutions" | grep -q '01-unix-stream-echo *passing *12/12'; then
        ok "ui: status shows a passing exercise as passing, with its score"
    else
        not_ok "ui: status passing" "$("$grader" status --results "$work/grades2" "$root/solutions")"
    fi

    local first second
    first=$("$grader" hint --state "$work/hints" 03-inet-stream-seqnum | head -1)
    second=$("$grader" hint --state "$work/hints" 03-inet-stream-seqnum | head -1)
    if [ "$first" = "Hint 1 of 5 for 03-inet-stream-seqnum" ] && [ "$second" = "Hint 2 of 5 for 03-inet-stream-seqnum" ]; then
        ok "ui: make hint shows one more hint each time"
    else
        not_ok "ui: hints" "$first / $second"
    fi

    # watch: a save re-grades at once.
    local watched="$work/watched"
    cp -r "$root/exercises" "$watched"
    tmux kill-session -t gc-watch 2>/dev/null
    tmux new-session -d -s gc-watch -x 120 -y 60 "cd '$work' && '$grader' watch --exercise 01-unix-stream-echo '$watched'"
    local deadline=$((SECONDS + 30))
    until tmux capture-pane -p -t gc-watch | grep -q 'Watching for changes' || [ $SECONDS -ge $deadline ]; do
        tmux wait-for -S gc-nothing 2>/dev/null     # a round trip to the tmux server: a short pause
    done
    cp "$root/solutions/01-unix-stream-echo/"*.c "$watched/01-unix-stream-echo/"
    deadline=$((SECONDS + 30))
    until tmux capture-pane -p -t gc-watch | grep -q '^01-unix-stream-echo  12/12' || [ $SECONDS -ge $deadline ]; do
        tmux wait-for -S gc-nothing 2>/dev/null
    done
    if tmux capture-pane -p -t gc-watch | grep -q '^01-unix-stream-echo  12/12'; then
        ok "ui: make watch grades again when a file is saved"
    else
        not_ok "ui: watch" "$(tmux capture-pane -p -t gc-watch)"
    fi
    tmux kill-session -t gc-watch 2>/dev/null

    # The student release: no solutions, no instructor tests; make check works once unpacked.
    if (cd "$root" && sh docker/make-dist.sh) >"$work/dist.txt" 2>&1; then
        local tarballs=("$root"/dist/get-connected-*.tar.gz)
        local tarball=${tarballs[0]}
        mkdir -p "$work/release"
        tar -C "$work/release" -xzf "$tarball"
        local unpacked
        unpacked=$(ls -d "$work"/release/get-connected-*)
        if [ ! -e "$unpacked/solutions" ] && [ ! -e "$unpacked/tests/broken" ] \
            && (cd "$unpacked" && make -s check EX=02-unix-dgram-upper) 2>&1 | grep -q '^Total: 0/10'; then
            ok "ui: make dist: the student release has no solutions, and its make check works"
        else
            not_ok "ui: make dist" "$(ls "$unpacked")"
        fi
    else
        not_ok "ui: make dist" "$(cat "$work/dist.txt")"
    fi

    tmux kill-server 2>/dev/null
    class_report_tests
}

# ui_results: the results the class report is made of, in $work: the grading part's when it
# ran before in this run of tests/run.sh (GC_TEST_RESULTS), else graded here.
ui_results() {
    local name
    for name in solutions alternative skeletons 03-forgot-htons; do
        if [ -s "${GC_TEST_RESULTS:-/nonexistent}/$name.json" ]; then
            cp "$GC_TEST_RESULTS/$name.json" "$work/"
            continue
        fi
        case $name in
        solutions) grade solutions "$root/solutions" ;;
        alternative) grade alternative "$root/tests/alternative" ;;
        skeletons) grade skeletons "$root/exercises" ;;
        03-forgot-htons)
            make_variant "$work/$name" "$root/tests/broken/$name.patch" \
                && grade "$name" "$work/$name" --exercise 03-inet-stream-seqnum ;;
        esac
    done
}

# malformed_students DIR: students whose results.json is missing, timed out, not graded or
# malformed in every way a file can be, beside graded ones ("alice" and "Bob", to sort).
malformed_students() {
    local c=$1 weird
    mkdir -p "$c/alice" "$c/Bob" "$c/carol" "$c/dave" "$c/eve" "$c/frank" "$c/gina" "$c/hank" "$c/judy" \
        "$c/kate" "$c/nick" "$c/pat"
    jq '.grading = {status: "graded", reason: "", date: "2026-11-25T01:02:03Z", submission_sha256: "00"}' \
        "$work/solutions.json" >"$c/alice/results.json"
    # Bob and carol made the same mistake as student-03-forgot-htons, whose grading tagged it
    # (cause:htons); a tag given twice still counts the student once.
    jq '(.tests[] | select(.status == "failed") | .tags) += ["cause:htons"]' \
        "$work/03-forgot-htons.json" >"$c/Bob/results.json"
    jq '.grading = {status: "timed out", reason: "over the 300 s limit", date: "2026-11-25T01:00:00Z"}
        | .score = 0 | .tests[] |= (.score = 0 | .status = "failed" | .output = "timed out")
        | .tests[1].tags += ["cause:htons", "cause:", 7]' \
        "$work/solutions.json" >"$c/carol/results.json"
    printf '{"score": 1, "max_score": 2, "tests": [], "output": "\xff\xfe"}' >"$c/eve/results.json"
    jq '.score = "71"' "$work/solutions.json" >"$c/frank/results.json"
    echo '{"score": 3}' >"$c/gina/results.json"
    echo '{"score": 3, "max_score": 5, "tests": [1, "x", null, {"status": 5, "tags": "x", "name": 7},
          {"tags": [3]}, {"tags": ["01-unix-stream-echo"], "status": 1, "score": "2", "max_score": 2}]}' \
        >"$c/hank/results.json"
    echo 'not JSON' >"$c/judy/results.json"
    echo '[1, 2]' >"$c/kate/results.json"
    jq '.grading = {status: "not graded", reason: "no exercise folder in the submission", date: 5}' \
        "$work/solutions.json" >"$c/nick/results.json"
    ln -s /etc/passwd "$c/pat/results.json"
    weird=$(printf 'mal\xffformed \x1b[31mname')
    mkdir -p "$c/$weird"
    cp "$work/alternative.json" "$c/$weird/results.json"
}

# The class report: written, self-contained but for links to each student's own page, never
# crashing on malformed results, and rendered as a person would see it (headless Chromium).
class_report_tests() {
    local class_out="$work/report-class" s
    ui_results
    mkdir -p "$class_out"
    for s in solutions skeletons 03-forgot-htons alternative; do
        mkdir -p "$class_out/student-$s"
        cp "$work/$s.json" "$class_out/student-$s/results.json"
    done
    mkdir -p "$class_out/<script>alert(1)</script>"
    cp "$work/solutions.json" "$class_out/<script>alert(1)</script>/results.json"
    malformed_students "$class_out"
    local html="$class_out/report.html" rc
    "$grader" report "$class_out" >"$work/report.txt" 2>&1
    rc=$?
    if [ $rc -eq 0 ] && [ -s "$html" ] && ! grep -q '<script>' "$html" && ! grep -q 'src=' "$html" \
        && [ "$(grep -o "href='[^']*'" "$html" | grep -vc "^href='[^:/']*/feedback.html'$")" = 0 ]; then
        ok "ui: report.html is written, self-contained (links only to the students' pages), names escaped"
    else
        not_ok "ui: grader report (exit $rc)" "$(cat "$work/report.txt"; head -c 500 "$html" 2>&1)"
    fi
    local missing=0 link
    while read -r link; do
        [ -s "$class_out/$(printf '%b' "${link//%/\\x}")" ] || missing=$((missing + 1))
    done < <(grep -o "href='[^']*'" "$html" | sed "s/^href='//; s/'$//")
    if [ "$(grep -c "href='" "$html")" -ge 17 ] && [ "$missing" = 0 ] \
        && grep -q 'FAIL 3.1' "$class_out/Bob/feedback.html" && grep -q 'htons' "$class_out/Bob/feedback.html"; then
        ok "ui: each student's name links to a page of their own feedback (Bob's names htons)"
    else
        not_ok "ui: feedback pages ($missing links lead nowhere)" "$(grep -o "href='[^']*'" "$html")"
    fi
    # The table in order, case-insensitively; each marker where it belongs.
    local table
    table=$(sed -n '/<tbody>/,/<\/tbody>/p' "$html")
    if [ "$(grep -o "<tr class='[a-z-]*'><td><a href='[^']*'" <<<"$table" | sed "s/.*href='//; s/'$//; s|/feedback.html||" \
            | grep -x -e alice -e Bob -e carol | tr '\n' ' ')" = "alice Bob carol " ] \
        && grep -q "href='carol/.*class='badge timed-out' title='over the 300 s limit'" <<<"$table" \
        && grep -q "href='dave/.*class='badge not-graded'" <<<"$table" \
        && grep -q "href='nick/.*class='badge not-graded' title='no exercise folder" <<<"$table" \
        && [ "$(grep -c "class='badge invalid'" <<<"$table")" = 6 ]; then
        ok "ui: students sorted case-insensitively; not graded, timed out and invalid results are marked"
    else
        not_ok "ui: report order and markers" "$table"
    fi
    if grep -q '2026-11-25 01:02 UTC' "$html" && grep -q "Graded 2026-11-25 01:02 UTC" "$class_out/alice/feedback.html"; then
        ok "ui: the report and the student's page give the grading date"
    else
        not_ok "ui: grading dates" "$(grep -o "class='date'>[^<]*" "$html")"
    fi
    if grep -q "<title>03-inet-stream-seqnum: seqnum_server reads a request that arrives in pieces, up to the newline</title>" "$html" \
        && grep -q "<th title='01-unix-stream-echo'>01</th>" "$html"; then
        ok "ui: a check's name cut in the chart, or an exercise's number, shows in full on hover"
    else
        not_ok "ui: full names on hover" "$(grep -o '<title>[^<]*' "$html")"
    fi
    local mistakes
    mistakes=$(sed -n "/most common mistakes/,/<\/table>/p" "$html")
    if grep -q "<tr><td><b>htons</b><br><span class='sub'>e.g. It listens on port" <<<"$mistakes" \
        && grep -q "<td>3 ([0-9]*%)</td><td class='who'><a href='Bob/feedback.html'>Bob</a>, <a href='carol/feedback.html'>carol</a>, <a href='student-03-forgot-htons/" <<<"$mistakes" \
        && [ "$(grep -c '<tr><td><b>' <<<"$mistakes")" = 1 ]; then
        ok "ui: the class's most common mistakes: each cause tag counted once per student, with who made it"
    else
        not_ok "ui: the class's most common mistakes" "$mistakes"
    fi
    if iconv -f UTF-8 -t UTF-8 "$html" >/dev/null 2>&1 && ! grep -q $'\x1b' "$html" "$class_out"/*/feedback.html; then
        ok "ui: invalid UTF-8 and escapes in names and results come out as valid UTF-8, escapes shown"
    else
        not_ok "ui: report encoding"
    fi

    if ! command -v chromium >/dev/null || ! command -v identify >/dev/null; then
        not_ok "ui: chromium and identify are installed (tests/install-test-deps.sh)"
        return
    fi
    local page
    for page in report.html Bob/feedback.html; do
        rm -f "$work/page.png"
        timeout 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
            --screenshot="$work/page.png" --window-size=1000,1400 "file://$class_out/$page" >/dev/null 2>&1
        local spread colours
        spread=$(identify -format '%[fx:standard_deviation]' "$work/page.png" 2>/dev/null || echo 0)
        colours=$(identify -format '%k' "$work/page.png" 2>/dev/null || echo 0)
        if awk -v s="$spread" -v c="$colours" 'BEGIN { exit !(s > 0.05 && c > 50) }'; then
            ok "ui: $page renders in headless Chromium and the screenshot is not blank ($colours colours)"
        else
            not_ok "ui: $page screenshot looks blank (spread $spread, $colours colours)"
        fi
        cp "$work/page.png" "$work/$(basename "$(dirname "$page")")-$(basename "$page" .html).png"
    done
}

ui_tests
