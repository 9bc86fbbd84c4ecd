#!/usr/bin/env bash
# podman as the container test runs it here: as root, Debian's runc (crun fails
# on hybrid cgroups and setrlimit), cgroupfs (no systemd), and the
# containers.conf beside this file. Elsewhere a plain `podman` or `docker` does.
#
#   test/container/podman.sh build|run|... ARGS
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/containers.conf}"
exec podman --runtime runc --cgroup-manager=cgroupfs "$@"
