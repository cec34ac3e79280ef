#!/bin/sh
# Installs what the kit needs to build and run the grader, if it is missing:
# a C compiler, make, Criterion, jansson and jq (Debian and Ubuntu package names).
# Uses sudo when not run as root. Safe to run again: it installs nothing when all is there.
set -eu

need=""
have_header() { printf '#include <%s>\n' "$1" | cc -E -x c - >/dev/null 2>&1; }

command -v cc >/dev/null 2>&1 || need="$need gcc libc6-dev"
command -v make >/dev/null 2>&1 || need="$need make"
command -v jq >/dev/null 2>&1 || need="$need jq"
command -v patch >/dev/null 2>&1 || need="$need patch"
if command -v cc >/dev/null 2>&1; then
    have_header criterion/criterion.h || need="$need libcriterion-dev"
    have_header jansson.h || need="$need libjansson-dev"
else
    need="$need libcriterion-dev libjansson-dev"
fi

[ -z "$need" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "get-connected: missing:$need" >&2
    echo "get-connected: this is not a Debian or Ubuntu system; install them by hand." >&2
    exit 1
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
        echo "get-connected: missing:$need (and no sudo to install them)" >&2
        exit 1
    fi
fi

echo "get-connected: installing$need" >&2
$sudo apt-get update -qq
# shellcheck disable=SC2086 # the list is meant to split into words
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $need >/dev/null
