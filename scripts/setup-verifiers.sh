#!/usr/bin/env bash
# Prime Intellect's verifiers (0.4.0, the verifiers extra) with this package in its own virtualenv, .venv-verifiers
# (verifiers pins its own pydantic/openai/... stack; the main .venv stays as it is). Needs scripts/setup.sh first
# (the apps). Idempotent and quiet; tests/test_verifiers_env.py runs it, and docs/exports.md's recipe runs in it.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv-verifiers/bin/python ]; then
  python3 -m venv .venv-verifiers
fi
if ! .venv-verifiers/bin/python -c 'import gym_anything_vf, verifiers.v1' 2>/dev/null; then
  if ! .venv-verifiers/bin/python -m pip install -q -e '.[verifiers]' > .venv-verifiers/pip.log 2>&1; then
    cat .venv-verifiers/pip.log; echo "setup-verifiers: pip install -e '.[verifiers]' failed" >&2; exit 1
  fi
fi
echo "setup-verifiers: ready ($(.venv-verifiers/bin/python -c 'import importlib.metadata as m; print("verifiers", m.version("verifiers"), "gymnasium", m.version("gymnasium"))'))"
