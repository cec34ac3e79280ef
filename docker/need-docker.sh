#!/bin/sh
# need-docker.sh WHAT [IMAGE]: makes sure WHAT (say "make docker-check") can use Docker: the
# command is installed and its engine answers; with IMAGE, that image exists too (it is built,
# once, when it does not). When Docker cannot be used it says what is wrong, the exact command
# that fixes it, and the way around it, then exits 1: never a raw "docker: not found".
set -eu
cd "$(dirname "$0")/.."

what=$1
image=${2:-}

if ! command -v docker >/dev/null 2>&1; then
    cat >&2 <<EOF
get-connected: $what needs Docker, which is not installed here.
  An administrator installs it with:   sudo apt-get install -y docker.io   (Debian, Ubuntu)
  On Windows or macOS:                 install Docker Desktop (https://docs.docker.com/get-docker/)
  Or instead, on Debian or Ubuntu:     make check   (grades without Docker)
EOF
    exit 1
fi
if ! why=$(docker version 2>&1 >/dev/null); then
    why=$(printf '%s\n' "$why" | grep -v '^$' | tail -n 1)
    cat >&2 <<EOF
get-connected: $what needs Docker, which is installed but does not answer:
  $why
  If the engine is not running:        sudo systemctl start docker   (Docker Desktop: start it)
  If you may not use it:               sudo usermod -aG docker "\$USER"   (then log in again)
  Or instead, on Debian or Ubuntu:     make check   (grades without Docker)
EOF
    exit 1
fi
if [ -n "$image" ] && ! docker image inspect "$image" >/dev/null 2>&1; then
    echo "get-connected: the image $image is not built yet: building it first (make docker, once)" >&2
    IMAGE=$image sh docker/build-image.sh
fi
