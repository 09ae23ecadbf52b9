#!/usr/bin/env bash
# Harbor (the task-folder loader and linter that tests/test_harbor_export.py validates exports with) in its own
# virtualenv, .venv-harbor. Harbor 0.26.0 declares Python >= 3.12 and this machine has 3.11: it is installed with
# --ignore-requires-python, and tests/harbor_check.py gives its modules the two typing names they take from 3.12
# (docs/exports.md says what runs and what does not). The pin is the harbor extra of pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
pin=$(python3 -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["harbor"][0])')
if [ ! -x .venv-harbor/bin/python ]; then
  python3 -m venv .venv-harbor
fi
if ! .venv-harbor/bin/python -c "import importlib.metadata as m, sys; sys.exit(m.version('harbor') != '${pin#*==}')" 2>/dev/null; then
  if ! .venv-harbor/bin/python -m pip install -q --ignore-requires-python "$pin" > .venv-harbor/pip.log 2>&1; then
    cat .venv-harbor/pip.log; echo "setup-harbor: pip install $pin failed" >&2; exit 1
  fi
fi
echo "setup-harbor: ready ($(.venv-harbor/bin/python -c 'import importlib.metadata as m; print("harbor", m.version("harbor"))'))"
