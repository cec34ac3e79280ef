#!/bin/sh
# What `make test` needs beyond the kit's own dependencies: tmux (to drive make check in a real
# terminal), Chromium and ImageMagick (to render and look at the class report), xmllint (whether
# an SVG is well-formed), zip and unzip (the Gradescope zip), GNU time (the batch's peak memory),
# curl (a real HTTP client for the web server of 08), shellcheck and clang-format (make lint,
# make format-check). Installs what is missing; sudo when not root.
set -eu
need=""
command -v tmux >/dev/null 2>&1 || need="$need tmux"
command -v chromium >/dev/null 2>&1 || need="$need chromium"
command -v identify >/dev/null 2>&1 || need="$need imagemagick"
command -v xmllint >/dev/null 2>&1 || need="$need libxml2-utils"
command -v zip >/dev/null 2>&1 || need="$need zip"
command -v unzip >/dev/null 2>&1 || need="$need unzip"
[ -x /usr/bin/time ] || need="$need time"
command -v pkill >/dev/null 2>&1 || need="$need procps"
command -v curl >/dev/null 2>&1 || need="$need curl"
command -v shellcheck >/dev/null 2>&1 || need="$need shellcheck"
command -v clang-format >/dev/null 2>&1 || need="$need clang-format"
# shellcheck disable=SC2086 # the list is meant to split into words
exec sh "$(dirname "$0")/../grader/apt-install.sh" "make test" "" $need
