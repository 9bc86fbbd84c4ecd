#!/usr/bin/env bash
# Installs headless Chromium from Debian's packages for test/playground.test.ts.
# Idempotent: does nothing when /usr/bin/chromium is already there. Fails loudly.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  /usr/bin/chromium --version
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "chromium.sh: not root and no sudo; install the 'chromium' package by hand" >&2; exit 1; }
  SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
# An apt index that was never fetched (or lacks chromium) needs an update first.
if ! apt-cache show chromium >/dev/null 2>&1; then
  echo "chromium.sh: apt-get update"
  $SUDO apt-get update
fi
echo "chromium.sh: apt-get install -y chromium"
$SUDO apt-get install -y --no-install-recommends chromium || {
  echo "chromium.sh: apt index may be stale; updating and retrying" >&2
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends chromium
}

[ -x /usr/bin/chromium ] || { echo "chromium.sh: /usr/bin/chromium still missing after install" >&2; exit 1; }
/usr/bin/chromium --version
