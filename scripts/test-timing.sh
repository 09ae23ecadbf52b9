#!/usr/bin/env bash
# The test suite in its two parts, each timed: the fast part (pytest -m "not app": the fake runner, no apps, no X)
# and the real-app part (pytest -m app: real applications, displays, containers). slow tests stay out of both.
# Extra arguments go to both pytest runs; PYTHON picks the interpreter (default .venv/bin/python).
#   bash scripts/test-timing.sh                 # both parts
#   PARTS=fast bash scripts/test-timing.sh      # only the fast part (PARTS=app: only the real-app part)
set -uo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
declare -A MARKS=([fast]="not app" [app]="app")
summary=()
status=0
for part in ${PARTS:-fast app}; do
    log=$(mktemp)
    start=$(date +%s%N)
    # the slowest tests of each part are listed: the default suite has a 30-minute budget
    "$PYTHON" -m pytest -m "${MARKS[$part]}" -p no:cacheprovider -q --durations=25 "$@" 2>&1 | tee "$log"
    code=${PIPESTATUS[0]}
    tenths=$((($(date +%s%N) - start) / 100000000))
    summary+=("$(printf '%-4s (-m "%s"): %d.%d s wall; %s' "$part" "${MARKS[$part]}" $((tenths / 10)) $((tenths % 10)) \
        "$(grep -E '^[=]* ?[0-9]+ (passed|failed|error|deselected)|in [0-9.]+s' "$log" | tail -1 | tr -d '=')")")
    rm -f "$log"
    [ "$code" -eq 0 ] || status=$code
done
printf '%s\n' "" "${summary[@]}"
exit "$status"
