#!/bin/sh
# `make gradescope`: dist/gradescope-autograder.zip, ready to upload as a Gradescope
# "zip file upload" autograder: setup.sh and run_autograder at the top, the kit in source/.
set -eu
cd "$(dirname "$0")/../.."
if ! command -v zip >/dev/null 2>&1; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq zip >/dev/null
fi
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/source" dist
cp docker/gradescope/setup.sh docker/gradescope/run_autograder "$stage/"
cp -r Makefile README.md grader "$stage/source/"
chmod +x "$stage/setup.sh" "$stage/run_autograder"
rm -f dist/gradescope-autograder.zip
(cd "$stage" && zip -qr "$OLDPWD/dist/gradescope-autograder.zip" .)
echo "gradescope: dist/gradescope-autograder.zip" >&2
