#!/usr/bin/env bash
# The test suite: set everything up, lint, then run pytest on real applications (slow tests excluded;
# pass -m slow to run them, or any other pytest arguments).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check gym_anything envs verifiers benchmarks tests
exec .venv/bin/python -m pytest "$@"
