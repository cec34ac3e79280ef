#!/bin/sh
# `make gradescope`: dist/gradescope-autograder.zip, ready to upload as a Gradescope "zip file
# upload" autograder. Gradescope unzips the zip's contents into /autograder/source, runs
# setup.sh from there once when it builds the image, and copies run_autograder to
# /autograder/run_autograder for each submission: so both stand at the zip's root, beside the kit.
set -eu
cd "$(dirname "$0")/../.."
if ! command -v zip >/dev/null 2>&1; then
    echo "gradescope: zip is missing. Install it (as an administrator: apt-get install zip), then run make gradescope again." >&2
    exit 1
fi
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p dist
cp docker/gradescope/setup.sh docker/gradescope/run_autograder "$stage/"
cp -r Makefile README.md grader "$stage/"
chmod +x "$stage/setup.sh" "$stage/run_autograder"
rm -f dist/gradescope-autograder.zip
(cd "$stage" && zip -qr "$OLDPWD/dist/gradescope-autograder.zip" .)
echo "gradescope: dist/gradescope-autograder.zip" >&2
