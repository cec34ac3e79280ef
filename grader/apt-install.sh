#!/bin/sh
# apt-install.sh WHAT ALTERNATIVE PACKAGE...: installs the Debian/Ubuntu PACKAGEs that WHAT (say
# "make check") needs, as root or with sudo. When this machine cannot do that, it says in one
# place what is missing, the exact command an administrator would run, and ALTERNATIVE (a way
# around it, or "" for none), then exits 1: never a raw "sudo: not found".
set -eu

what=$1
alternative=$2
shift 2
[ $# -gt 0 ] || exit 0

# cannot REASON: the one message, then exit 1.
cannot() {
    {
        echo "get-connected: $what needs what is not installed here: $*"
        echo "get-connected: $reason"
        if [ -n "$admin" ]; then
            echo "  An administrator installs it with:   $admin"
        fi
        if [ -n "$alternative" ]; then
            echo "  Or instead:                          $alternative"
        fi
    } >&2
    exit 1
}

admin="sudo apt-get install -y --no-install-recommends $*"
if ! command -v apt-get >/dev/null 2>&1; then
    admin=""
    reason="this is not Debian or Ubuntu (no apt-get): install these packages' equivalents by hand."
    cannot "$@"
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
        reason="you are not root and there is no sudo to install it with."
        cannot "$@"
    fi
    sudo=sudo
fi

echo "get-connected: $what: installing $*" >&2
if ! $sudo apt-get update -qq \
    || ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null; then
    reason="installing it failed (see above)${sudo:+: may you use sudo here?}"
    cannot "$@"
fi
