#!/usr/bin/env bash
# Set-up for the Docker runner on Debian 12 without a Docker engine: podman serves the Docker API.
# Installs podman + runc + debootstrap, builds the local base image (debootstrap; no registry is needed)
# and starts `podman system service` on $GYM_ANYTHING_PODMAN_SOCKET (default /run/podman/podman.sock).
# Idempotent and quiet: it skips whatever already exists. A machine with a real Docker engine does not need
# this script; point DOCKER_HOST at the engine instead (the base image must then be built there).
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
SOCKET="${GYM_ANYTHING_PODMAN_SOCKET:-/run/podman/podman.sock}"
STATE="${GYM_ANYTHING_DOCKER_STATE:-/var/lib/gym-anything}"
# podman reads containers.conf while it serves, so the service must not depend on a checkout that may go away:
# it uses a copy in the state folder.
export CONTAINERS_CONF="$STATE/containers.conf"
BASE_IMAGE="localhost/gym-anything-base:bookworm"
MIRROR="${GYM_ANYTHING_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

missing=()
for pkg in podman runc debootstrap curl procps; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup-docker: apt-get install ${missing[*]}"
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
$SUDO mkdir -p "$STATE"
restart=0
if ! cmp -s scripts/containers.conf "$CONTAINERS_CONF"; then
  $SUDO cp scripts/containers.conf "$CONTAINERS_CONF"
  restart=1
fi

if ! $SUDO env CONTAINERS_CONF="$CONTAINERS_CONF" podman image exists "$BASE_IMAGE"; then
  echo "setup-docker: building $BASE_IMAGE with debootstrap (about a minute)"
  rootfs="$STATE/rootfs.$$"
  trap '$SUDO rm -rf "$rootfs"' EXIT
  if ! $SUDO debootstrap --variant=minbase bookworm "$rootfs" "$MIRROR" > "$STATE/debootstrap.log" 2>&1; then
    tail -20 "$STATE/debootstrap.log"; echo "setup-docker: debootstrap failed" >&2; exit 1
  fi
  $SUDO rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  $SUDO tar -C "$rootfs" -c . | $SUDO env CONTAINERS_CONF="$CONTAINERS_CONF" podman import -q - "$BASE_IMAGE" >/dev/null
  $SUDO rm -rf "$rootfs"
  trap - EXIT
fi

api_up() { curl -sf --max-time 2 --unix-socket "$SOCKET" http://d/_ping >/dev/null 2>&1; }
# A service started with another containers.conf (an older set-up, or a file that is gone) is restarted.
for pid in $(pgrep -f "podman system service --time=0 unix://$SOCKET" || true); do
  if [ "$restart" = 1 ] || [ "$($SUDO readlink "/proc/$pid/cwd")" != "$STATE" ] \
      || ! $SUDO tr '\0' '\n' < "/proc/$pid/environ" | grep -qx "CONTAINERS_CONF=$CONTAINERS_CONF"; then
    echo "setup-docker: restarting the podman service (started with another containers.conf or folder)"
    $SUDO kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do [ -e "/proc/$pid" ] || break; sleep 0.1; done
  fi
done
if ! api_up; then
  $SUDO mkdir -p "$(dirname "$SOCKET")"
  $SUDO rm -f "$SOCKET"
  # Detached from this shell (setsid): the service outlives the set-up, like a system daemon would. It runs in
  # the state folder: conmon writes files (e.g. "oom" after an OOM kill) into its working directory.
  (cd "$STATE" && $SUDO env CONTAINERS_CONF="$CONTAINERS_CONF" setsid podman system service --time=0 \
    "unix://$SOCKET" > "$STATE/podman-service.log" 2>&1 < /dev/null &)
  for _ in $(seq 100); do api_up && break; sleep 0.1; done
  api_up || { tail -20 "$STATE/podman-service.log"; echo "setup-docker: the podman API did not come up" >&2; exit 1; }
fi
echo "setup-docker: ready (Docker API at unix://$SOCKET, base image $BASE_IMAGE)"
