#!/usr/bin/env bash
# One-time set-up on Debian 12 (run as root or with sudo available): Debian packages for the runtime and
# every environment (read from envs/*/env.yaml), then a virtualenv in .venv with gym-anything installed.
# Safe to re-run: it only installs what is missing.
#   bash scripts/setup.sh                # everything: every software, the test tools and extras (scripts/test.sh)
#   bash scripts/setup.sh --suite demo   # only what running that suite needs (scripts/demo.sh): its software,
#                                        # the runtime, and the package without extras
set -euo pipefail
cd "$(dirname "$0")/.."
SUITE=""
if [ "${1:-}" = "--suite" ]; then
  SUITE=${2:?"setup.sh --suite needs a suite name"}
elif [ "$#" -gt 0 ]; then
  echo "usage: setup.sh [--suite NAME]" >&2; exit 2
fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: apt-get install ${missing[*]}"
    $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# Python tooling first (a Debian python3 needs python3-venv to make the virtualenv).
apt_install python3 python3-venv python3-pip
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
pip_install() {  # quiet unless it fails
  if ! .venv/bin/python -m pip install -q "$@" > .venv/pip.log 2>&1; then
    cat .venv/pip.log; echo "setup: pip install $* failed" >&2; exit 1
  fi
}
pip_install --upgrade pip
if [ -n "$SUITE" ]; then
  pip_install -e .
else
  pip_install -e '.[test]'
fi

# Debian packages: every program gym-anything and its tests run (one list: gym_anything/runtime/programs.py:
# the X runtime, the sandbox, OCR, the leaderboard tests' Chromium) and each environment's application.
# shellcheck disable=SC2046
if [ -n "$SUITE" ]; then
  apt_install $(.venv/bin/gym-anything packages --suite "$SUITE")
else
  apt_install $(.venv/bin/gym-anything packages)
fi

# Run as root, gym-anything starts every application and its display as an unprivileged account, never as root.
account=$(.venv/bin/python -c 'from gym_anything.runtime.sandbox import DEFAULT_ACCOUNT; print(DEFAULT_ACCOUNT)')
if ! id -u "$account" >/dev/null 2>&1; then
  echo "setup: creating the unprivileged account $account (applications run as it)"
  $SUDO $(.venv/bin/python -c 'from gym_anything.runtime.sandbox import CREATE_ACCOUNT; print(CREATE_ACCOUNT)')
fi
# openenv-core's client in its own virtualenv, for the tests of `gym-anything serve` (tests/test_serve_openenv.py)
[ -n "$SUITE" ] || bash scripts/setup-openenv.sh

echo "setup: ready ($(.venv/bin/python -c 'import gym_anything; print(len(gym_anything.gym_ids()))') Gymnasium ids registered)"
