#!/bin/sh
# `make dist`: dist/get-connected-<version>.tar.gz, the student release: the kit without the
# reference solutions and the instructor-only tests (broken and hostile variants, the class
# for batch grading, the second correct submission). Unpacked anywhere, `make check` works.
set -eu
cd "$(dirname "$0")/.."
version=$(sed -n 's/^#define VERSION "\(.*\)"/\1/p' grader/main.c)
name="get-connected-$version"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name" dist
# What git tracks, so that nothing built or local (bin/, build/, .grades/) slips in.
git ls-files -z -- Makefile README.md .dockerignore .editorconfig .clang-format exercises grader docker tests/unit \
    | xargs -0 -I{} cp --parents {} "$stage/$name/"
tar -C "$stage" -czf "dist/$name.tar.gz" "$name"
echo "dist: dist/$name.tar.gz" >&2
