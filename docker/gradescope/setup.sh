#!/usr/bin/env bash
# Gradescope runs this once, as root, from /autograder/source (where the zip was unzipped), when
# it builds the autograder's image (Ubuntu 22.04, with network): install what the grader needs
# that is missing, and build it.
set -euo pipefail
cd "$(dirname "$0")"
sh grader/install-deps.sh
make bin/grader kit
