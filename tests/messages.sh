# shellcheck shell=bash disable=SC2154 # root and work come from run.sh, which sources this
# What a user without the tools sees, sourced by run.sh: make check, make test, make gradescope
# and make docker-check on a machine without sudo, jq, tmux, zip or Docker each say what is
# missing, the command an administrator would run, and the way around it; never a raw
# "command not found". The machine is simulated with a PATH that lacks those commands, and,
# when the tests run as root, by running as nobody (root would install instead of asking).

# path_without NAME...: prints a folder of links to every command on PATH but NAMEs.
path_without() {
    local dir d f
    dir="$work/path-without-$(printf '%s-' "$@")"
    rm -rf "$dir"
    mkdir -p "$dir"
    local IFS=:
    for d in $PATH; do
        # The first folder on PATH wins, as it does for the shell: later links fail, quietly.
        [ -d "$d" ] && ln -s -t "$dir" "$d"/* 2>/dev/null
    done
    unset IFS
    for f in "$@"; do
        rm -f "$dir/$f"
    done
    printf '%s\n' "$dir"
}

# as_user PATH COMMAND...: runs COMMAND in the kit with that PATH, as nobody when we are root.
as_user() {
    local path=$1
    shift
    if [ "$(id -u)" -eq 0 ]; then
        (cd "$root" && setpriv --reuid=65534 --regid=65534 --clear-groups env PATH="$path" HOME=/nonexistent "$@")
    else
        (cd "$root" && env PATH="$path" "$@")
    fi
}

# expect_message NAME OUTPUT TEXT...: OUTPUT mentions every TEXT and no "not found".
expect_message() {
    local name=$1 output=$2 text
    shift 2
    for text in "$@"; do
        if ! grep -qF -- "$text" <<<"$output"; then
            not_ok "$name: the message should say \"$text\"" "$output"
            return
        fi
    done
    if grep -qi 'not found' <<<"$output"; then
        not_ok "$name: a raw \"not found\" reached the user" "$output"
        return
    fi
    ok "$name: says what is missing, the command to install it, and the way around it"
}

messages_tests() {
    # The links are for nobody to follow too.
    chmod 711 "$work"
    local path out
    path=$(path_without sudo jq)
    chmod -R a+rX "$path"
    out=$(as_user "$path" make -s check EX=01-unix-stream-echo 2>&1)
    expect_message "no sudo: make check" "$out" "make check needs" "jq" \
        "sudo apt-get install -y --no-install-recommends jq" "make docker-check"

    path=$(path_without sudo tmux)
    chmod -R a+rX "$path"
    out=$(as_user "$path" make -s test 2>&1)
    expect_message "no sudo: make test" "$out" "make test needs" "tmux" \
        "sudo apt-get install -y --no-install-recommends tmux"

    path=$(path_without sudo zip)
    chmod -R a+rX "$path"
    out=$(as_user "$path" make -s gradescope 2>&1)
    expect_message "no sudo: make gradescope" "$out" "make gradescope needs" "zip" \
        "sudo apt-get install -y --no-install-recommends zip"

    path=$(path_without docker)
    out=$(cd "$root" && PATH="$path" make -s docker-check 2>&1)
    expect_message "no Docker: make docker-check" "$out" "make docker-check needs Docker" \
        "sudo apt-get install -y docker.io" "Docker Desktop" "make check"
    out=$(cd "$root" && PATH="$path" make -s docker-shell 2>&1)
    expect_message "no Docker: make docker-shell" "$out" "make docker-shell needs Docker"

    # A docker command whose engine does not answer (not running, or not ours to use).
    local stub="$work/docker-stub"
    mkdir -p "$stub"
    printf '#!/bin/sh\necho "Cannot connect to the Docker daemon at unix:///var/run/docker.sock." >&2\nexit 1\n' \
        >"$stub/docker"
    chmod 755 "$stub/docker"
    out=$(cd "$root" && PATH="$stub:$path" make -s docker-check 2>&1)
    expect_message "Docker engine down: make docker-check" "$out" "installed but does not answer" \
        "Cannot connect to the Docker daemon" "sudo systemctl start docker" "usermod -aG docker" "make check"
}

messages_tests
