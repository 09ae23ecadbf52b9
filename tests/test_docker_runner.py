"""The Docker runner on real containers (podman serving the Docker API; scripts/setup-docker.sh sets it up).

Same behaviours as the local runner: the app's screen on reset, oracle 1 / no-op 0, isolation (no network,
no privileged data, no repository), faults reported and recovered, nothing left behind after close().
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from gym_anything import actions as A
from gym_anything.core.env import GymAnythingEnv
from gym_anything.runtime.docker import X11_DIR, DockerUnavailable, cleanup_orphans, connect, image_tag
from gym_anything.runtime.sandbox import SANDBOX_HOME
from gym_anything.specs import ResourcesSpec
from gym_anything.specs.paths import PACKAGE_DIR, data_roots
from gym_anything.specs.registry import all_software

pytestmark = pytest.mark.app  # real containers

TASKS = {"gnumeric": "sum-column", "mousepad": "sort-lines", "sqlitebrowser": "add-product"}


@pytest.fixture(scope="module")
def docker_envs():
    """One Docker-backed env per software for the whole module (images are built once, then cached)."""
    created: dict[str, GymAnythingEnv] = {}

    def get(env_id: str) -> GymAnythingEnv:
        if env_id not in created:
            created[env_id] = GymAnythingEnv(env_id, runner="docker", audit=False)
        return created[env_id]

    yield get
    for env in created.values():
        env.close()


def _children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _descendant(pid: int, comm: str) -> int:
    """The host pid of the process named ``comm`` under ``pid`` (container processes are host processes)."""
    todo = [pid]
    while todo:
        current = todo.pop()
        if Path(f"/proc/{current}/comm").read_text().strip() == comm:
            return current
        todo += _children(current)
    raise AssertionError(f"no {comm} process under {pid}")


@pytest.mark.parametrize("env_id", sorted(TASKS))
def test_oracle_solves_and_noop_fails_in_a_container(docker_envs, env_id):
    env = docker_envs(env_id)
    obs, info = env.reset(seed=5, options={"task": TASKS[env_id]})
    assert obs.shape == (720, 1280, 3) and obs.std() > 5, "the app's screen, not a blank display"
    assert info["settled"]
    assert any(env.spec_env.ready.window_class in " ".join(w.wm_class).lower()
               for w in env.runner._res.client.windows())
    for action in env.oracle_actions():
        _, reward, terminated, truncated, info = env.step(action)
    assert terminated and reward == 1.0, info["verifier"]
    env.reset(seed=6, options={"task": TASKS[env_id]})
    _, reward, terminated, _, info = env.step(A.done())
    assert terminated and reward == 0.0, info["verifier"]


def test_container_has_no_network_and_sees_only_its_home(docker_envs):
    env = docker_envs("gnumeric")
    _, info = env.reset(seed=4, options={"task": "fix-value"})
    token = f"privileged-{uuid.uuid4().hex}"
    (env.episode_private_dir / "answer.txt").write_text(token)
    secrets = [*map(str, data_roots()), str(PACKAGE_DIR), str(env.episode_private_dir),
               str(env.runner.workdir), "/work"]
    script = "; ".join(f"test -e '{p}' && echo 'VISIBLE {p}'" for p in secrets) + (
        f"; ls {SANDBOX_HOME}; echo user=$(id -u); cat /proc/net/dev | tail -n +3 | cut -d: -f1; "
        f"grep -rl {token} /home /tmp /var /run /mnt /opt /srv /media 2>/dev/null | sed 's/^/LEAK /'; "
        "touch /usr/escape 2>/dev/null && echo WRITABLE-ROOT; true")
    out = env.runner.run_in_sandbox(["sh", "-c", script])
    assert out.returncode == 0, out.stderr
    assert "VISIBLE" not in out.stdout and "LEAK" not in out.stdout, out.stdout
    assert "user=1000" in out.stdout
    assert info["params"]["file"] in out.stdout  # the task's own file is in HOME
    interfaces = [line.strip() for line in out.stdout.splitlines() if line.strip() in ("lo", "eth0", "tap0")]
    assert interfaces in ([], ["lo"]), f"the container has a network: {interfaces}"
    assert "WRITABLE-ROOT" not in out.stdout
    attrs = env.runner.container.attrs
    assert attrs["HostConfig"]["NetworkMode"] == "none"
    mounted = sorted(m["Destination"] for m in attrs["Mounts"])
    assert mounted == sorted([SANDBOX_HOME, str(X11_DIR), "/var/log/gym-anything"]), mounted


def test_app_crash_and_display_death_are_faults_and_reset_recovers(docker_envs):
    env = docker_envs("gnumeric")
    env.reset(seed=2, options={"task": "sum-column"})
    os.kill(_descendant(env.runner.app_pid, "gnumeric"), signal.SIGKILL)
    time.sleep(0.2)
    _, reward, terminated, _, info = env.step(A.click(400, 300))
    assert terminated and reward == 0.0 and "verifier" in info
    assert info["fault"]["kind"] == "app_crashed", info["fault"]
    obs, info = env.reset(seed=2, options={"task": "sum-column"})
    assert obs.std() > 5 and info["settled"]

    init_pid = env.runner.container.attrs["State"]["Pid"]
    os.kill(_descendant(init_pid, "Xvfb"), signal.SIGKILL)
    _, _, terminated, _, info = env.step(A.type("hello"))
    assert terminated and info["fault"]["kind"] == "display_died", info["fault"]
    obs, info = env.reset(seed=3, options={"task": "sum-column"})
    assert obs.std() > 5 and info["settled"]
    _, _, terminated, _, info = env.step(A.click(400, 300))
    assert not terminated and "fault" not in info


def test_resource_limits_from_the_spec_are_enforced():
    base = all_software()["mousepad"]
    limits = ResourcesSpec(memory=256 * 2**20, cpus=0.5, pids=64)
    env = GymAnythingEnv(dataclasses.replace(base, resources=limits), "sort-lines", runner="docker", audit=False)
    try:
        env.reset(seed=1)
        host = env.runner.container.attrs["HostConfig"]
        assert (host["Memory"], host["NanoCpus"], host["PidsLimit"]) == (256 * 2**20, 500_000_000, 64)
        # Memory: a process holding 400 MB is killed. Processes: forking past the limit fails.
        out = env.runner.run_in_sandbox(["bash", "-c", "head -c 400m /dev/zero | tail >/dev/null; "
                                         "echo status=${PIPESTATUS[1]}"])
        assert "status=137" in out.stdout, out
        out = env.runner.run_in_sandbox(["sh", "-c", "for i in $(seq 80); do sleep 5 & done; echo forked"])
        assert "forked" not in out.stdout and "fork" in out.stderr.lower(), out
        _, _, terminated, _, info = env.step(A.move(10, 10))  # the app survived its neighbours' failures
        assert not terminated and "fault" not in info
    finally:
        env.close()


def test_close_removes_the_container_and_its_display():
    env = GymAnythingEnv("mousepad", "sort-lines", runner="docker", audit=False)
    env.reset(seed=1)
    runner = env.runner
    container, number, workdir = runner.container, runner._res.server.number, runner.workdir
    env.close()
    assert container.id not in {c.id for c in connect().containers.list(all=True)}
    assert not os.path.lexists(X11_DIR / f"X{number}") and not os.path.exists(f"/tmp/.X{number}-lock")
    assert not workdir.exists()


def test_orphans_of_a_dead_owner_are_removed(docker_envs):
    survivor = docker_envs("mousepad")
    survivor.reset(seed=1, options={"task": "sort-lines"})
    script = textwrap.dedent("""
        import os, sys
        from gym_anything.core.env import GymAnythingEnv
        env = GymAnythingEnv("mousepad", "sort-lines", runner="docker", audit=False)
        env.reset(seed=1)
        print(env.runner.container.name, flush=True)
        sys.stdin.read()
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True, env={**os.environ, "PYTHONPATH": str(PACKAGE_DIR.parent)})
    name = child.stdout.readline().strip()
    assert name, "the child did not start its env"
    child.kill()  # the owner dies without closing its env: its container is an orphan
    child.wait()
    child.stdin.close()
    child.stdout.close()
    removed = cleanup_orphans()
    assert name in removed
    alive = {c.name for c in connect().containers.list(all=True)}
    assert name not in alive and survivor.runner.container.name in alive  # a live owner's container stays


def test_images_are_cached_by_the_dockerfile_digest():
    spec = all_software()["gnumeric"]
    assert image_tag(spec) == image_tag(spec)
    changed = dataclasses.replace(spec, packages=(*spec.packages, "xterm"))
    assert image_tag(changed) != image_tag(spec)


def test_no_engine_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    with pytest.raises(DockerUnavailable, match="setup-docker.sh"):
        GymAnythingEnv("gnumeric", "sum-column", runner="docker", audit=False).reset(seed=0)
