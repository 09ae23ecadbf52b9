"""Helpers for verifier tests (tests/test_verifiers.py, envs/<software>/tests/test_verifier.py): run an action
plan on a live env and read which verifier items failed."""

from __future__ import annotations

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
