# The Docker tests, sourced by run.sh (they share its ok/not_ok counters and helpers): build the
# image with the real engine, batch-grade a small class of correct, broken and hostile students,
# and check every results.json and the CSV with jq. Without an engine they are skipped, except
# under CI=true, where that is a failure.

class="$work/class"
# Another name (IMAGE=...) keeps several checkouts' tests from sharing one image.
image=${IMAGE:-get-connected}
out="$work/batch"

# make_student NAME PATCH...: a copy of the solutions with the patches applied.
make_student() {
    local name=$1 patch
    shift
    cp -r "$root/solutions" "$class/$name"
    for patch in "$@"; do
        patch -s -p1 -d "$class/$name" <"$patch" >/dev/null || not_ok "class: $patch applies to $name"
    done
}

# score_of STUDENT [EXERCISE]: the student's score (in one exercise), from results.json.
score_of() {
    jq --arg ex "${2:-}" 'if $ex == "" then .score else [.tests[] | select(.tags[0] == $ex) | .score] | add end' \
        "$out/$1/results.json"
}

expect_score() {
    local student=$1 exercise=$2 want=$3 got
    got=$(score_of "$student" "$exercise")
    if [ "$got" = "$want" ]; then
        ok "batch: $student scores $want${exercise:+ in $exercise}"
    else
        not_ok "batch: $student should score $want${exercise:+ in $exercise}, scored $got" \
            "$(head -c 3000 "$out/$student/report.txt" 2>/dev/null)"
    fi
}

docker_tests() {
    if [ -n "${GC_SKIP_DOCKER:-}" ] && [ "${CI:-}" != true ]; then
        echo "skipped the Docker tests: GC_SKIP_DOCKER is set"
        return
    fi
    if ! docker version >/dev/null 2>&1; then
        if [ "${CI:-}" = true ]; then
            not_ok "docker: the engine answers (required under CI=true)"
        else
            echo "skipped the Docker tests: no Docker engine answers"
        fi
        return
    fi
    if (cd "$root" && sh docker/build-image.sh) >"$work/docker-build.txt" 2>&1; then
        ok "docker: make docker builds the image (no registry needed)"
    else
        not_ok "docker: make docker" "$(tail -20 "$work/docker-build.txt")"
        return
    fi

    mkdir -p "$class"
    make_student "alice"
    make_student "bob (broken)" "$root/tests/broken/03-forgot-htons.patch" "$root/tests/broken/07-echoes-to-sender.patch"
    make_student "carol, \"no compile\"" "$root/tests/hostile/02-server-does-not-compile.patch"
    make_student "dave-loops" "$root/tests/hostile/03-server-loops-forever.patch"
    make_student "eve" "$root/tests/class/network-and-fork-bomb.patch"
    # mallory: a link out of her folder, and a student "folder" that is a link.
    make_student "mallory"
    rm "$class/mallory/01-unix-stream-echo/echo_client.c"
    ln -s /etc/passwd "$class/mallory/01-unix-stream-echo/echo_client.c"
    ln -s /etc "$class/zed-is-a-link"

    "$grader" batch --image "$image" --jobs 2 --timeout 120 --out "$out" "$class" >"$work/batch.txt" 2>&1
    local rc=$?
    [ $rc -eq 0 ] && ok "batch: exits 0" || not_ok "batch: exits 0 (got $rc)" "$(tail -20 "$work/batch.txt")"

    local student
    for student in alice "bob (broken)" "carol, \"no compile\"" dave-loops eve mallory; do
        if jq -e "$schema" "$out/$student/results.json" >/dev/null 2>&1; then
            ok "batch: $student's results.json has the contract's layout"
        else
            not_ok "batch: $student's results.json" "$(head -c 1500 "$out/$student/results.json" 2>&1)"
        fi
    done
    expect_score alice "" 71
    expect_score "bob (broken)" 03-inet-stream-seqnum 3
    expect_score "bob (broken)" 07-poll-chat 3
    expect_score "bob (broken)" "" 57
    expect_score "carol, \"no compile\"" 02-unix-dgram-upper 3
    expect_score "carol, \"no compile\"" "" 64
    expect_score dave-loops 03-inet-stream-seqnum 3
    expect_score eve 03-inet-stream-seqnum 11     # no route out of the container
    expect_score eve 04-inet-dgram-echo 5         # the fork bomb costs its server checks only
    expect_score eve "" 65
    expect_score mallory 01-unix-stream-echo 7
    if grep -q 'root:' "$out/mallory/results.json" "$out/mallory/report.txt"; then
        not_ok "batch: a link in a submission must not let the grader read outside it"
    else
        ok "batch: a link in a submission is not followed (nothing of /etc/passwd in the results)"
    fi
    [ ! -e "$out/zed-is-a-link" ] && ok "batch: a student folder that is a link is skipped" \
        || not_ok "batch: zed-is-a-link should be skipped"

    # summary.csv: a header and one row per student, each exercise's score, total and max.
    local csv="$out/summary.csv"
    if head -1 "$csv" | grep -qx 'student,01-unix-stream-echo,02-unix-dgram-upper,03-inet-stream-seqnum,04-inet-dgram-echo,05-stream-framing,06-concurrent-server,07-poll-chat,total,max' \
        && [ "$(wc -l <"$csv")" -eq 7 ] \
        && grep -qxF '"alice",11,10,11,11,10,9,9,71,71' "$csv" \
        && grep -qxF '"carol, ""no compile""",11,3,11,11,10,9,9,64,71' "$csv"; then
        ok "batch: summary.csv has a header and a row per student (names quoted as CSV)"
    else
        not_ok "batch: summary.csv" "$(cat "$csv")"
    fi

    # Graded students are kept on a second run; --only grades one again, here with a wall-clock
    # limit too short for it, which must yield a clear "timed out" result and no hang.
    local before
    before=$(stat -c %Y "$out/alice/results.json")
    "$grader" batch --image "$image" --out "$out" "$class" >"$work/batch2.txt" 2>&1
    if grep -q '0 students to grade' "$work/batch2.txt" && [ "$(stat -c %Y "$out/alice/results.json")" = "$before" ]; then
        ok "batch: a second run keeps the students already graded"
    else
        not_ok "batch: a second run should grade no one" "$(cat "$work/batch2.txt")"
    fi
    "$grader" batch --image "$image" --only dave-loops --timeout 3 --out "$out" "$class" >"$work/batch3.txt" 2>&1
    if jq -e '.score == 0 and .max_score == 71 and all(.tests[]; .output | contains("timed out"))' \
        "$out/dave-loops/results.json" >/dev/null; then
        ok "batch: a student over the wall-clock limit gets a clear 'timed out' result, 0/71"
    else
        not_ok "batch: timed out result" "$(head -c 1000 "$out/dave-loops/results.json")"
    fi
    if [ -z "$(docker ps -q --filter "name=gc-batch-")" ]; then
        ok "batch: no grading container is left running"
    else
        not_ok "batch: grading containers left running" "$(docker ps)"
    fi
}

docker_tests
