"""Shared fixtures for tests/ and envs/<software>/tests/: one live env per software (reused across tests), and a
leak check for the session."""

from __future__ import annotations

import gc
import os
import secrets
import time

import gymnasium as gym
import pytest

import gym_anything  # noqa: F401 - registers the environments
from gym_anything.runtime.guardian import OWNER_VARIABLE, owned_processes
from gym_anything.specs.registry import all_software

# Every process started in this session, by this process or by vector-env workers, carries this marker.
os.environ.setdefault(OWNER_VARIABLE, f"test-session-{secrets.token_hex(6)}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if any process started by gym-anything in this session is still alive."""
    gc.collect()
    deadline = time.monotonic() + 5
    while owned_processes() and time.monotonic() < deadline:
        time.sleep(0.1)
    leaked = owned_processes()
    if leaked:
        names = {pid: _comm(pid) for pid in leaked}
        print(f"\nLEAKED PROCESSES after the test session: {names}")
        session.exitstatus = 1


def _comm(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return "?"


@pytest.fixture(scope="session")
def software_envs():
    """A lazily created, session-wide env per software id (tasks are picked with options={'task': ...})."""
    created: dict[str, gym.Env] = {}

    def get(env_id: str) -> gym.Env:
        if env_id not in created:
            created[env_id] = gym.make(all_software()[env_id].gym_id)
        return created[env_id]

    yield get
    for env in created.values():
        env.close()


@pytest.fixture(autouse=True)
def _no_display_env(monkeypatch):
    """Nothing may depend on the host's $DISPLAY."""
    monkeypatch.delenv("DISPLAY", raising=False)
