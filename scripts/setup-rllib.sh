#!/usr/bin/env bash
# RLlib in its own virtualenv (.venv-rllib): RLlib 2.60 pins gymnasium 1.2.2, the main .venv has a newer one.
# Needs scripts/setup.sh first (the apps and the sandbox account). Idempotent and quiet; tests/test_rllib.py
# (the slow suite) runs it, and docs/rl.md's RLlib recipe runs in it.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv-rllib/bin/python ]; then
  python3 -m venv .venv-rllib
fi
if ! .venv-rllib/bin/python -c 'import gym_anything, ray.rllib' 2>/dev/null; then
  if ! .venv-rllib/bin/python -m pip install -q -e '.[rllib]' > .venv-rllib/pip.log 2>&1; then
    cat .venv-rllib/pip.log; echo "setup-rllib: pip install -e '.[rllib]' failed" >&2; exit 1
  fi
fi
echo "setup-rllib: ready ($(.venv-rllib/bin/python -c 'import ray, gymnasium; print("ray", ray.__version__, "gymnasium", gymnasium.__version__)'))"
