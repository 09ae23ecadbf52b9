"""Shared fixtures for tests/ and envs/<software>/tests/: one live env per software (reused across tests), a leak
check for the session, and the split of the suite into a fast part and a real-app part.

A test that starts a real application, X display or container is marked ``app`` (explicitly, or by using the
``software_envs`` fixture): ``pytest -m "not app"`` is the fast part (the fake runner, no apps, no X) and
``pytest -m app`` the real-app part; ``slow`` tests stay out of both unless the ``-m`` expression names ``slow``.
Tests not marked ``app`` run with a ``PATH`` whose ``Xvfb`` refuses to start (and a ``DOCKER_HOST`` that does not
answer), in this process and in every process they start; a test that tries is an error naming the missing mark,
so no real-app test hides in the fast part.
"""

from __future__ import annotations

import gc
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import pytest

import gym_anything  # noqa: F401 - registers the environments
from gym_anything.runtime.guardian import OWNER_VARIABLE, owned_processes
from gym_anything.specs.registry import all_software

# Every process started in this session, by this process or by vector-env workers, carries this marker.
os.environ.setdefault(OWNER_VARIABLE, f"test-session-{secrets.token_hex(6)}")


NO_APPS = Path(tempfile.mkdtemp(prefix="ga-tests-no-apps-"))  # an Xvfb that refuses, first in PATH for fast tests
STARTED = NO_APPS / "started"  # one line per refused start
REAL_ENV = {name: os.environ.get(name) for name in ("PATH", "DOCKER_HOST")}
_SHIM = """#!/bin/sh
echo "$0" >> {log}
echo "this test is not marked 'app' (conftest.py) but started a real display ($0)" >&2
exit 1
"""


def pytest_configure(config: pytest.Config) -> None:
    os.chmod(NO_APPS, 0o755)  # the display runs as the sandbox account when the driver is root
    STARTED.touch(mode=0o666)
    os.chmod(STARTED, 0o666)
    shim = NO_APPS / "Xvfb"
    shim.write_text(_SHIM.format(log=STARTED))
    shim.chmod(0o755)


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(NO_APPS, ignore_errors=True)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests that use the live envs ``app``; leave ``slow`` tests out unless ``-m`` names them."""
    for item in items:
        if "software_envs" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.app)
    if "slow" not in (config.getoption("markexpr") or ""):
        slow = [item for item in items if item.get_closest_marker("slow")]
        if slow:
            items[:] = [item for item in items if not item.get_closest_marker("slow")]
            config.hook.pytest_deselected(items=slow)


def _set_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before any fixture of the test: real programs for ``app`` tests, the refusing Xvfb for the others."""
    STARTED.write_text("")
    if item.get_closest_marker("app"):
        for name, value in REAL_ENV.items():
            _set_env(name, value)
    else:
        _set_env("PATH", f"{NO_APPS}{os.pathsep}{REAL_ENV['PATH'] or '/usr/bin:/bin'}")
        _set_env("DOCKER_HOST", f"unix://{NO_APPS}/this-test-is-not-marked-app.sock")


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    started = STARTED.read_text().split()
    for name, value in REAL_ENV.items():
        _set_env(name, value)
    if started and not item.get_closest_marker("app"):
        pytest.fail(f"{item.nodeid} started a real display ({len(started)} x Xvfb) but is not marked 'app': add "
                    "@pytest.mark.app (or pytestmark = pytest.mark.app for a module of real-app tests)",
                    pytrace=False)


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


RAY_NODE = {"num_cpus": 2, "object_store_memory": 100 * 2**20}


@contextmanager
def _ray_node_env(root: Path) -> Iterator[None]:
    """The environment Ray nodes start with here: no ownership marker (as on a real cluster, so the actors can
    only carry it because gym-anything passes it to them), ``tests/`` on PYTHONPATH (the test agents) and the
    fakepad fixture root (``fake_suite.py``) on GYM_ANYTHING_PATH, as a real node sees what is installed on it."""
    tests = str(Path(__file__).with_name("tests"))
    node_env = {OWNER_VARIABLE: None, "GYM_ANYTHING_PATH": str(root),
                "PYTHONPATH": os.pathsep.join([tests, *filter(None, [os.environ.get("PYTHONPATH")])])}
    before = {name: os.environ.get(name) for name in node_env}
    try:
        for name, value in node_env.items():
            _set_env(name, value)
        yield
    finally:
        for name, value in before.items():
            _set_env(name, value)


@dataclass(frozen=True)
class RayTestCluster:
    """A running local Ray cluster: its address, its worker nodes' ids, and the extra data root its nodes see."""

    address: str
    workers: frozenset[str]
    data_root: Path
    cluster: Any  # ray.cluster_utils.Cluster

    def add_node(self) -> Any:
        """One more worker node (2 CPUs) for a test that removes it again (``cluster.remove_node``)."""
        with _ray_node_env(self.data_root):
            node = self.cluster.add_node(**RAY_NODE)
        self.cluster.wait_for_nodes()
        return node


@pytest.fixture(scope="session")
def ray_cluster(tmp_path_factory):
    """A real multi-node Ray cluster on this machine: a head (no CPUs: nothing is placed there) and two worker
    nodes with 2 CPUs each (their environment: ``_ray_node_env``); this process is connected as the driver.
    Shared by the session's Ray tests."""
    ray = pytest.importorskip("ray")
    cluster_utils = pytest.importorskip("ray.cluster_utils")
    from fake_suite import fake_suite_root

    root = fake_suite_root(tmp_path_factory.mktemp("ray-nodes") / "root")
    started = time.perf_counter()
    with _ray_node_env(root):
        cluster = cluster_utils.Cluster(initialize_head=True, head_node_args={
            "num_cpus": 0, "object_store_memory": 100 * 2**20, "include_dashboard": False})
        workers = frozenset({cluster.add_node(**RAY_NODE).node_id, cluster.add_node(**RAY_NODE).node_id})
        cluster.wait_for_nodes()
    ray.init(address=cluster.address, include_dashboard=False, log_to_driver=False)
    print(f"\nRay cluster (head + 2 workers) up in {time.perf_counter() - started:.1f}s")
    yield RayTestCluster(cluster.address, workers, root, cluster)
    ray.shutdown()
    cluster.shutdown()


@pytest.fixture(autouse=True)
def _no_display_env(monkeypatch):
    """Nothing may depend on the host's $DISPLAY."""
    monkeypatch.delenv("DISPLAY", raising=False)
