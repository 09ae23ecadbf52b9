#!/usr/bin/env bash
# The test suite: set everything up, lint, then run pytest on real applications (slow tests excluded;
# pass -m slow to run them, or any other pytest arguments). The Docker runner is tested on real containers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/setup-docker.sh  # podman serving the Docker API: tests/test_docker_runner.py uses real containers
.venv/bin/ruff check gym_anything envs benchmarks tests conftest.py
.venv/bin/mypy  # type check (pyproject.toml [tool.mypy])
exec .venv/bin/python -m pytest "$@"
