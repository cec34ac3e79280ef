#!/bin/sh
# Builds a Debian bookworm base image without a registry: debootstrap from the apt archive this
# machine is configured with (read from its apt sources now, never written down here), with the
# packages the kit's image needs already inside, then `docker import`.
#
# Usage: docker/build-base.sh [IMAGE]     (default: get-connected-base:bookworm)
set -eu

image=${1:-get-connected-base:bookworm}
packages=gcc,libc6-dev,make,libcriterion-dev,libnanopb-dev,libjansson-dev,jq,patch,curl,ca-certificates

# The first archive in the apt sources that serves bookworm's main component.
archive_url() {
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk '
            /^[ \t]*$/ { if (types ~ /deb( |$)/ && suites ~ /(^| )bookworm( |$)/ && uri != "") { print uri; exit } types = suites = uri = ""; next }
            /^Types:/  { types = $0; sub(/^Types:[ \t]*/, "", types) }
            /^URIs:/   { uri = $2 }
            /^Suites:/ { suites = $0; sub(/^Suites:[ \t]*/, "", suites) }
            END        { if (types ~ /deb( |$)/ && suites ~ /(^| )bookworm( |$)/ && uri != "") print uri }
        ' "$f" | head -n 1
    done
    if [ -f /etc/apt/sources.list ]; then
        awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list
    fi
}

url=$(archive_url | head -n 1)
if [ -z "$url" ]; then
    echo "build-base: no apt source for bookworm found in /etc/apt" >&2
    exit 1
fi

if ! command -v debootstrap >/dev/null 2>&1; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq debootstrap >/dev/null
fi

root=$(mktemp -d /tmp/gc-rootfs-XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "build-base: debootstrap bookworm from $url (this takes a minute or two)" >&2
debootstrap --variant=minbase --include="$packages" bookworm "$root" "$url" >"$root.log" 2>&1 || {
    tail -20 "$root.log" >&2
    exit 1
}
rm -f "$root.log"
# Smaller and reproducible: no package lists or caches in the image.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
tar -C "$root" -c . | docker import --change 'CMD ["/bin/bash"]' - "$image" >/dev/null
echo "build-base: $image" >&2
