"""Helpers for verifier tests (tests/test_verifiers.py, envs/<software>/tests/test_verifier.py): run an action
plan on a live env and read which verifier items failed."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from gym_anything import actions as A
from gym_anything.actions import ActionType, validate
from gym_anything.audit import run_plan


def run(env, plan: list[dict]) -> dict:
    """The plan's final info, with its reward."""
    reward, info, _ = run_plan(env, plan)
    return {**info, "reward": reward}


def failed(info: dict) -> list[str]:
    """The names of the verifier items that failed."""
    return [i["name"] for i in info["verifier"]["items"] if not i["passed"]]


def keys(action: dict) -> tuple[str, ...]:
    return validate(action, 1280, 720)["keys"]


def texts_replaced(plan: list[dict], replace) -> list[dict]:
    """The plan with every TYPE action's text passed through ``replace(text)``."""
    return [A.type(replace(v["text"])) if (v := validate(a, 1280, 720))["type"] is ActionType.TYPE else a
            for a in plan]


def env_module(software: str, name: str) -> ModuleType:
    """A software folder's own module (``envs/<software>/<name>.py``), loaded by its path for that software's
    tests (a file writer or parser the test uses to bend what the app saved)."""
    path = Path(__file__).resolve().parents[1] / "envs" / software / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"{software.replace('-', '_')}_{name}", path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module
