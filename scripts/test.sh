#!/usr/bin/env bash
# The test suite: set everything up, lint, type-check, then run pytest: with no arguments the fast part (fake
# runner) and the real-app part, each timed; with arguments, pytest with them (e.g. -m slow for the slow tests).
# The Docker runner is tested on real containers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/setup-docker.sh  # podman serving the Docker API: tests/test_docker_runner.py uses real containers
.venv/bin/ruff check gym_anything envs benchmarks tests conftest.py
.venv/bin/mypy  # type check (pyproject.toml [tool.mypy])
if [ "$#" -gt 0 ]; then
    exec .venv/bin/python -m pytest "$@"
fi
# No arguments: the whole suite in its two timed parts, fast (fake runner) then real-app (scripts/test-timing.sh).
exec bash scripts/test-timing.sh
