# shellcheck shell=bash disable=SC2154 # root, work and image come from run.sh and docker.sh
# A student who grades through Docker, sourced by run.sh after docker.sh: in a working copy of the
# kit whose exercises are the solutions, `make docker-check` runs as the image's `student` user on
# the mounted exercises, its results land in the working copy's .grades/, and `make status` on
# the host reads them; `make docker-shell` is a shell of that user on the same files. Skipped as
# docker.sh is: with GC_SKIP_DOCKER outside CI, or without an engine (a failure under CI=true).
# It uses docker.sh's $image (IMAGE from the environment).

# student_copy DIR: a working copy of the kit in DIR with the solutions as its exercises, the
# grader already built (copied with its times, so that make sees it up to date).
student_copy() {
    local dir=$1
    rm -rf "$dir"
    mkdir -p "$dir"
    cp -a "$root/Makefile" "$root/README.md" "$root/grader" "$root/docker" "$root/bin" "$root/build" "$dir/"
    cp -a "$root/solutions" "$dir/exercises"
}

docker_student_tests() {
    if [ -n "${GC_SKIP_DOCKER:-}" ] && [ "${CI:-}" != true ]; then
        skip "Docker student" "GC_SKIP_DOCKER is set"
        return
    fi
    if ! docker version >/dev/null 2>&1; then
        if [ "${CI:-}" = true ]; then
            not_ok "docker student: the engine answers (required under CI=true)"
        else
            skip "Docker student" "no Docker engine answers"
        fi
        return
    fi
    local copy="$work/docker-student" out rc
    student_copy "$copy"
    # The image docker.sh built (make docker-check builds it first when it is missing).
    out=$(cd "$copy" && IMAGE="$image" make -s docker-check 2>&1)
    rc=$?
    if [ $rc -eq 0 ] && grep -qE '^Total: ([0-9]+)/\1 ' <<<"$out"; then
        ok "docker student: make docker-check grades the mounted exercises (full marks)"
    else
        not_ok "docker student: make docker-check (exit $rc)" "$(tail -20 <<<"$out")"
    fi
    out=$(cd "$copy" && make -s status 2>&1)
    if [ "$(grep -c ' passing ' <<<"$out")" -eq "$("$grader" list | wc -l)" ] && ! grep -q 'not checked yet' <<<"$out"; then
        ok "docker student: make status on the host reads the results docker-check left in .grades/"
    else
        not_ok "docker student: make status after docker-check" "$out"
    fi

    # A host user other than root owns the working copy: the container's student takes that
    # user's ids, so what it writes belongs to the student on the host too. (Run as root, the
    # tests give the copy to uid 1234; run as a user, they are that user already.)
    local owner
    owner=$(id -u)
    if [ "$owner" -eq 0 ]; then
        owner=1234
        chown -R "$owner:$owner" "$copy/exercises"
        rm -rf "$copy/.grades"
    fi
    out=$(cd "$copy" && IMAGE="$image" make -s docker-check EX=02-unix-dgram-upper 2>&1)
    if grep -q '^Total: 10/10' <<<"$out" && [ "$(stat -c %u "$copy/.grades/02-unix-dgram-upper.json")" = "$owner" ]; then
        ok "docker student: results written in the container belong to the working copy's owner ($owner)"
    else
        not_ok "docker student: results owned by $owner" "$(tail -5 <<<"$out"; ls -ln "$copy/.grades")"
    fi

    out=$(cd "$copy" && printf 'id -un; id -u; touch exercises/made-in-the-shell\n' \
        | IMAGE="$image" make -s docker-shell 2>&1)
    if [ "$(head -2 <<<"$out" | tr '\n' ' ')" = "student $owner " ] \
        && [ "$(stat -c %u "$copy/exercises/made-in-the-shell" 2>/dev/null)" = "$owner" ]; then
        ok "docker student: make docker-shell is a shell of student, on the student's own files"
    else
        not_ok "docker student: make docker-shell" "$out"
    fi
}

docker_student_tests
