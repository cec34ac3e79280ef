#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu or Debian):
# install what the grader needs and build it from the kit in /autograder/source.
set -euo pipefail
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    gcc libc6-dev make libcriterion-dev libjansson-dev jq patch >/dev/null
make -C /autograder/source bin/grader
