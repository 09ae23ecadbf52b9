"""Harbor's own loader and linter on exported task folders; run by tests/test_harbor_export.py in .venv-harbor.

Harbor 0.26.0 declares Python >= 3.12; on this machine's 3.11 its task modules load once ``typing`` has the two
names they import from 3.12 (``override``, and pydantic wants typing_extensions' ``TypedDict``). Prints one JSON
object per folder: the loaded config's key facts and every lint finding.
"""

from __future__ import annotations

import json
import sys
import typing
from pathlib import Path

import typing_extensions

typing.override = typing_extensions.override  # type: ignore[attr-defined]
typing.TypedDict = typing_extensions.TypedDict  # type: ignore[misc]

from harbor.lint.task import lint_task  # noqa: E402
from harbor.models.task.task import Task  # noqa: E402

for folder in sys.argv[1:]:
    task = Task(folder)
    config = task.config
    print(json.dumps({
        "folder": folder,
        "instruction": task.instruction,
        "network_mode": config.environment.network_mode.value,
        "agent_user": config.agent.user,
        "agent_network": config.agent.network_mode.value if config.agent.network_mode else None,
        "verifier_network": config.verifier.network_mode.value if config.verifier.network_mode else None,
        "verifier_user": config.verifier.user,
        "healthcheck": config.environment.healthcheck.command if config.environment.healthcheck else None,
        "test": str(task.paths.discovered_test_path),
        "solve": str(task.paths.discovered_solve_path),
        "dockerfile": (task.paths.environment_dir / "Dockerfile").is_file(),
        "findings": [{"rule": f.rule.value, "message": f.message} for f in lint_task(Path(folder))],
    }))
