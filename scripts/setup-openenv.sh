#!/usr/bin/env bash
# openenv's own client in its own virtualenv (.venv-openenv), for testing `gym-anything serve` against it:
# openenv-core 0.3.0 requires gradio, fastmcp and huggingface_hub, and gradio pins pillow below 13 (the main .venv
# has 13), so it is not installed in .venv. Only openenv-core goes here (the client needs nothing of ours).
# Idempotent and quiet; scripts/setup.sh runs it, and tests/test_serve_openenv.py does too.
set -euo pipefail
cd "$(dirname "$0")/.."
OPENENV_VERSION=0.3.0
if [ ! -x .venv-openenv/bin/python ]; then
  python3 -m venv .venv-openenv
fi
installed=$(.venv-openenv/bin/python -c 'import importlib.metadata as m; print(m.version("openenv-core"))' 2>/dev/null || true)
if [ "$installed" != "$OPENENV_VERSION" ]; then
  if ! .venv-openenv/bin/python -m pip install -q "openenv-core==$OPENENV_VERSION" > .venv-openenv/pip.log 2>&1; then
    cat .venv-openenv/pip.log; echo "setup-openenv: pip install openenv-core==$OPENENV_VERSION failed" >&2; exit 1
  fi
fi
echo "setup-openenv: ready (openenv-core $OPENENV_VERSION in .venv-openenv)"
