#!/bin/sh
# `make docker`: builds the kit's image (default name get-connected) whichever way this machine
# allows: on debian:bookworm-slim when it is here or can be pulled, else on a base image built
# from the apt archive by build-base.sh (once; later builds reuse it).
set -eu
cd "$(dirname "$0")/.."
image=${IMAGE:-get-connected}
base=debian:bookworm-slim

if ! docker version >/dev/null 2>&1; then
    echo "build-image: the docker engine does not answer (is it running? may you use it?)" >&2
    exit 1
fi
if ! docker image inspect "$base" >/dev/null 2>&1 && ! timeout 60 docker pull -q "$base" >/dev/null 2>&1; then
    base=get-connected-base:bookworm
    if ! docker image inspect "$base" >/dev/null 2>&1; then
        echo "build-image: $base cannot be pulled here: building a base image from the apt archive" >&2
        sh docker/build-base.sh "$base"
    fi
fi
echo "build-image: building $image on $base" >&2
docker build --quiet -f docker/Dockerfile --build-arg BASE="$base" -t "$image" . >/dev/null
echo "build-image: $image" >&2
