#!/usr/bin/env bash
# Builds (once) a local Node 24 base image for the Dockerfile's NODE_IMAGE build
# argument, with no image registry: see base.Containerfile. Prints its name.
#
#   NODE_IMAGE="$(test/container/base.sh)"
#
# Cached: the rootfs tarball (mmdebstrap, about 2 minutes) and npm's package in
# .cache/container/, the node binary in .cache/node/ (scripts/node24.sh), and
# the image itself in podman's storage under a tag naming every input, so a
# second call only checks that the image exists. Progress goes to stderr.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="$root/.cache/container"
podman="$root/test/container/podman.sh"
npm_version="${BASE_NPM_VERSION:-11.19.1}"
suite=bookworm
mkdir -p "$cache"

node_dir="$(NODE24_OFFICIAL=1 "$root/scripts/node24.sh")"
node_version="$("$node_dir/node" --version)"
rootfs="$cache/$suite-minbase.tar"
# The host's CA bundle (see base.Containerfile); its hash is in the tag, so a changed bundle makes a new base.
ca_bundle="${HOST_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
ca_hash="none"
[ -s "$ca_bundle" ] && ca_hash="$(sha256sum "$ca_bundle" | cut -c1-12)"
image="localhost/agent-runs-node-base:${node_version#v}-npm$npm_version-$suite-ca$ca_hash"

if "$podman" image exists "$image"; then
  echo "$image"
  exit 0
fi

if [ ! -s "$rootfs" ]; then
  command -v mmdebstrap >/dev/null || { echo "base.sh: mmdebstrap is needed (apt-get install mmdebstrap)" >&2; exit 1; }
  echo "base.sh: mmdebstrap --variant=minbase $suite (about 2 minutes)" >&2
  # The name ends in .tar: mmdebstrap picks its output format from it.
  mmdebstrap --variant=minbase --quiet "$suite" "$cache/.partial-$suite.tar" >&2
  mv "$cache/.partial-$suite.tar" "$rootfs"
fi

npm_dir="$cache/npm-$npm_version"
if [ ! -f "$npm_dir/package.json" ]; then
  tmp="$(mktemp -d "$cache/.npm-XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  echo "base.sh: fetching npm@$npm_version from the npm registry" >&2
  tarball="$(cd "$tmp" && npm pack "npm@$npm_version" --silent --pack-destination "$tmp" | tail -n 1)"
  tar -xzf "$tmp/$tarball" -C "$tmp"
  rm -rf "$npm_dir"
  mv "$tmp/package" "$npm_dir"
fi

rootfs_image="localhost/agent-runs-rootfs:$suite-minbase"
echo "base.sh: podman import $rootfs" >&2
"$podman" import --quiet "$rootfs" "$rootfs_image" >&2

context="$(mktemp -d)"
trap 'rm -rf "$context" ${tmp:+"$tmp"}' EXIT
cp "$node_dir/node" "$context/node"
cp -a "$npm_dir" "$context/npm"
extra_ca=/etc/ssl/certs/ca-certificates.crt
if [ "$ca_hash" = none ]; then
  : >"$context/ca-certificates.crt"
  extra_ca=""
else
  cp "$ca_bundle" "$context/ca-certificates.crt"
fi
echo "base.sh: building $image" >&2
"$podman" build --quiet --network host --format docker --build-arg "ROOTFS_IMAGE=$rootfs_image" --build-arg "EXTRA_CA_CERTS=$extra_ca" \
  -f "$root/test/container/base.Containerfile" -t "$image" "$context" >&2
echo "$image"
