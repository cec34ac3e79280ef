# What a student and an instructor see, sourced by run.sh: make check in a real terminal
# (tmux), status and hints, watch, the student release, and the class report rendered in
# headless Chromium.

# run_in_tmux NAME COMMAND: runs COMMAND in a detached 120x60 tmux pane and waits (up to 120 s)
# for it to finish; the screen is then in $work/NAME.screen (with escapes in NAME.escapes).
run_in_tmux() {
    local name=$1 command=$2
    tmux kill-session -t "gc-$name" 2>/dev/null
    tmux new-session -d -s "gc-$name" -x 120 -y 60 \
        "cd '$root' && $command; tmux wait-for -S gc-$name-done; tmux wait-for gc-$name-exit"
    timeout 120 tmux wait-for "gc-$name-done"
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
    if grep -q '^01-unix-stream-echo  0/11' "$work/check.screen" && grep -q 'FAIL 1.1' "$work/check.screen" \
        && grep -q 'TODO 1 is not done yet' "$work/check.screen" && grep -q $'\033\\[31m' "$work/check.escapes"; then
        ok "ui: make check in a terminal shows the score, the failed checks, their feedback, in colour"
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
    if grep -q '01-unix-stream-echo *not started *0/11' "$work/status.screen" \
        && grep -q 'Next: 01-unix-stream-echo' "$work/status.screen"; then
        ok "ui: status lists each exercise's state and score, and what to do next"
    else
        not_ok "ui: status" "$(cat "$work/status.screen")"
    fi
    # The same with a finished exercise: solutions' results saved under the exercises' names.
    "$grader" grade --save "$work/grades2" --exercise 01-unix-stream-echo "$root/solutions" >/dev/null
    if "$grader" status --results "$work/grades2" "$root/solutions" | grep -q '01-unix-stream-echo *passing *11/11'; then
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
    until tmux capture-pane -p -t gc-watch | grep -q '^01-unix-stream-echo  11/11' || [ $SECONDS -ge $deadline ]; do
        tmux wait-for -S gc-nothing 2>/dev/null
    done
    if tmux capture-pane -p -t gc-watch | grep -q '^01-unix-stream-echo  11/11'; then
        ok "ui: make watch grades again when a file is saved"
    else
        not_ok "ui: watch" "$(tmux capture-pane -p -t gc-watch)"
    fi
    tmux kill-session -t gc-watch 2>/dev/null

    # The student release: no solutions, no instructor tests; make check works once unpacked.
    if (cd "$root" && sh docker/make-dist.sh) >"$work/dist.txt" 2>&1; then
        local tarball
        tarball=$(ls "$root"/dist/get-connected-*.tar.gz | head -1)
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

    # The class report, rendered as a person would see it.
    local class_out="$work/report-class"
    mkdir -p "$class_out"
    local s
    for s in solutions skeletons 03-forgot-htons alternative; do
        mkdir -p "$class_out/student-$s"
        cp "$work/$s.json" "$class_out/student-$s/results.json"
    done
    mkdir -p "$class_out/<script>alert(1)</script>"
    cp "$work/solutions.json" "$class_out/<script>alert(1)</script>/results.json"
    if "$grader" report "$class_out" >/dev/null 2>&1 && [ -s "$class_out/report.html" ] \
        && ! grep -q '<script>' "$class_out/report.html" && ! grep -Eq '(src|href)=' "$class_out/report.html"; then
        ok "ui: report.html is written, self-contained, with names escaped"
    else
        not_ok "ui: grader report" "$(head -c 500 "$class_out/report.html" 2>&1)"
    fi
    if command -v chromium >/dev/null && command -v identify >/dev/null; then
        timeout 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
            --screenshot="$work/report.png" --window-size=1000,1400 "file://$class_out/report.html" >/dev/null 2>&1
        local spread colours
        spread=$(identify -format '%[fx:standard_deviation]' "$work/report.png" 2>/dev/null || echo 0)
        colours=$(identify -format '%k' "$work/report.png" 2>/dev/null || echo 0)
        if awk -v s="$spread" -v c="$colours" 'BEGIN { exit !(s > 0.05 && c > 50) }'; then
            ok "ui: the report renders in headless Chromium and the screenshot is not blank ($colours colours)"
        else
            not_ok "ui: report screenshot looks blank (spread $spread, $colours colours)"
        fi
    else
        not_ok "ui: chromium and identify are installed (tests/install-test-deps.sh)"
    fi
}

ui_tests
