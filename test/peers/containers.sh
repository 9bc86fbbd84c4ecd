#!/usr/bin/env bash
# Installs Debian's podman, runc and mmdebstrap for test/container.test.ts
# (podman as root with runc: crun fails on this kind of machine; mmdebstrap
# makes the local base image's rootfs). Idempotent; fails loudly.
set -euo pipefail

packages=(podman runc mmdebstrap)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "containers.sh: not root and no sudo; install ${missing[*]} by hand" >&2; exit 1; }
    SUDO="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-cache show "${missing[@]}" >/dev/null 2>&1; then
    echo "containers.sh: apt-get update"
    $SUDO apt-get update
  fi
  echo "containers.sh: apt-get install -y ${missing[*]}"
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}" || {
    echo "containers.sh: apt index may be stale; updating and retrying" >&2
    $SUDO apt-get update
    $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
  }
fi
podman --version
runc --version | head -n 1
mmdebstrap --version
