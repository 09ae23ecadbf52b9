"""Old import paths, kept working: ``import gym_anything.env`` and the like still give the module's names, with a
DeprecationWarning naming the new place. One table; no stub files beside the real modules."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import types
import warnings
from typing import Any

MOVED = {
    "gym_anything.env": ["gym_anything.core.env"],
    "gym_anything.registry": ["gym_anything.specs.registry"],
    "gym_anything.paths": ["gym_anything.specs.paths"],
    "gym_anything.formats": ["gym_anything.authoring.formats"],
    "gym_anything.ocr": ["gym_anything.verification.ocr"],
    "gym_anything.judge": ["gym_anything.verification.checklist", "gym_anything.models.backends",
                           "gym_anything.models.images", "gym_anything.models.answers"],
    "gym_anything.judge_server": ["gym_anything.models.server"],
    "gym_anything.evaluation": ["gym_anything.benchmark.evaluation"],
    "gym_anything.suites": ["gym_anything.benchmark.suites"],
    "gym_anything.recording": ["gym_anything.benchmark.recording"],
    "gym_anything.export": ["gym_anything.benchmark.export"],
    "gym_anything.leaderboard": ["gym_anything.benchmark.leaderboard"],
    "gym_anything.distributed": ["gym_anything.vector.ray"],
    "gym_anything.agents.audited": ["gym_anything.agents.reviewer"],
    "gym_anything.audit.store": ["gym_anything.specs.audits"],
}
"""Old module -> the modules its names now live in (looked up in order)."""

RENAMED = {"EnvSpec": "SoftwareSpec", "Judge": "Backend", "JudgeError": "ModelAnswerError",
           "OpenAIJudge": "OpenAIBackend", "TransformersJudge": "TransformersBackend", "make_judge": "make_backend",
           "JudgeServer": "ModelServer", "AuditedAgent": "ReviewedAgent", "env_spec": "software_spec",
           "all_envs": "all_software", "broken_envs": "broken_software"}
"""Old names of moved things -> their new names."""


class _MovedModule(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        targets = MOVED[self.__name__]
        warnings.warn(f"{self.__name__} moved: use {' / '.join(targets)}", DeprecationWarning, stacklevel=2)
        for target in targets:
            module = importlib.import_module(target)
            for candidate in (name, RENAMED.get(name)):
                if candidate and hasattr(module, candidate):
                    return getattr(module, candidate)
        raise AttributeError(f"{self.__name__} moved to {' / '.join(targets)}, which have no {name!r}")


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname in MOVED:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return _MovedModule(spec.name, f"moved to {', '.join(MOVED[spec.name])}")

    def exec_module(self, module: types.ModuleType) -> None:
        return None


def install() -> None:
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.append(_Finder())
