#!/bin/sh
# Installs what the kit needs to build and run the grader, if it is missing:
# a C compiler, make, Criterion, jansson and jq (Debian and Ubuntu package names).
# Uses sudo when not run as root. Safe to run again: it installs nothing when all is there.
# Where it cannot install, apt-install.sh says what to ask for, and that Docker is the way around.
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

# shellcheck disable=SC2086 # the list is meant to split into words
exec sh "$(dirname "$0")/apt-install.sh" "make check" \
    "make docker-check   (grades in the kit's Docker image: needs only Docker)" $need
