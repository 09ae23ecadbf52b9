#!/usr/bin/env bash
# The demo: set everything up, then run the oracle and a random agent on one task per software, on real
# applications on a virtual display. Prints rewards; trajectories (steps.jsonl + PNG frames) go to demo-output/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --suite demo  # only the demo suite's software and the package without extras
exec .venv/bin/gym-anything demo --out demo-output "$@"
