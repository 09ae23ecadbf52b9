"""``gym-anything export-harbor``: a suite's task instances as Harbor task folders (docs/exports.md).

One folder per (task, seed) of the suite::

    <software>.<task>-seed-<n>/
      instruction.md       the instance's instruction + how to see and act (``ga screenshot``, ``ga act``)
      task.toml            timeouts, resources, no network, a healthcheck that waits for the app's window
      environment/         Dockerfile FROM the task image, the instance's HOME (what the app opens), app.json
      tests/test.sh        runs OUR verifier (``ga verify /tests``) -> /logs/verifier/reward.txt
      tests/instance.json  params, public and PRIVILEGED values; tests/private/ the setup's privileged files;
      tests/envs/<sw>/     the software's spec, tasks and verifier code
      solution/solve.sh    replays OUR ORACLE (``ga act --file /solution/oracle.jsonl``)

What keeps privileged values from the agent: the container image is built from environment/ only (the HOME the
app would get anyway, app.json, and this package's code without any task data: no setup, oracle or verifier
code); Harbor copies tests/ into the container only when the verifier runs, after the agent's turn (as root-only
files: the agent runs as uid 1000, and test.sh kills that user's processes before verifying), and solution/
only for its oracle agent. instruction.md is the instruction the env's agent sees. The export checks
that no privileged value (in the audit's spellings) appears in instruction.md, task.toml or environment/.

The task image (``localhost/gym-anything-harbor-<software>:<digest>``) is the Docker runner's image for the
software plus python3, this package's code and its runtime dependencies (copied from this interpreter's
environment, the versions tested here), the ``ga`` command and the entrypoint; ``build_image`` makes it
through the Docker API (podman here) and the folders' Dockerfiles start FROM it.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
from gymnasium.utils import seeding

from .. import actions as A
from ..audit.probes import leaked_values
from ..authoring.contexts import OracleContext
from ..benchmark.suites import Suite, load_suite
from ..core.episodes import draw, new_instance
from ..errors import GymAnythingError
from ..runtime import docker as docker_runtime
from ..runtime.base import Episode
from ..runtime.sandbox import SANDBOX_HOME, sandbox_env
from ..runtime.xserver import OPENBOX_RC
from ..specs.loader import load_function
from ..specs.model import SoftwareSpec, TaskSpec
from ..specs.registry import software_spec
from .harbor_container import DISPLAY_NUMBER

PACKAGE_DIR = Path(__file__).resolve().parent.parent
# What `import gym_anything` and the ga command need in the container (+ the dependencies of these).
RUNTIME_DISTRIBUTIONS = ("gymnasium", "numpy", "pillow", "pyyaml", "mss", "python-xlib", "cloudpickle",
                         "farama-notifications", "typing-extensions", "six")
HARBOR_SCHEMA = "1.4"  # task.toml schema_version of harbor 0.26.0, the version tested (docs/exports.md)

_ENTRY = """#!/bin/bash
# The container's entrypoint: start the display and the app (once), then run the command (Harbor: sleep infinity).
mkdir -p /tmp/gym-anything
if [ ! -e /tmp/gym-anything/ready ]; then
  python3 -m gym_anything.integrations.harbor_container start >> /tmp/gym-anything/start.log 2>&1 || \\
    echo "gym-anything: starting the app failed, see /tmp/gym-anything/start.log" >&2
fi
exec "$@"
"""

_GA = """#!/bin/sh
exec python3 -m gym_anything.integrations.harbor_container "$@"
"""

_TEST_SH = """#!/bin/bash
# Runs gym-anything's own verifier for this task instance on what the app saved under /home/agent.
# tests/ (with the privileged values) is copied into the container by Harbor only now, after the agent's turn.
mkdir -p /logs/verifier
if ! python3 -m gym_anything.integrations.harbor_container verify --stop-agent /tests; then
  echo 0 > /logs/verifier/reward.txt   # fail closed: a verifier that could not run scores 0
fi
"""

_SOLVE_SH = """#!/bin/bash
# Replays gym-anything's oracle for this task instance: its actions, through the same ga act an agent uses.
set -euo pipefail
ga act --file /solution/oracle.jsonl
"""

_HOW_TO_ACT = """
## How to work

The application runs on the X display `:1` ({width}x{height}) of this container; its files are under
`/home/agent`. You see the screen and act on it with the `ga` command:

* `ga screenshot [PATH]`: save the screen as a PNG (default `/tmp/gym-anything/screen.png`) and look at it.
* `ga act 'JSON' ['JSON' ...]`: perform actions in order, each followed by a wait until the application has
  drawn its answer. One action is a JSON object with a `type`:
  `{{"type": "click", "x": 120, "y": 340}}` (also `double_click`, `right_click`, `move`; `"button"` is
  `left`/`middle`/`right`), `{{"type": "drag", "x": 10, "y": 10, "x2": 200, "y2": 10}}`,
  `{{"type": "scroll", "x": 400, "y": 300, "dy": -3}}`, `{{"type": "type", "text": "Hello\\n"}}`,
  `{{"type": "hotkey", "keys": ["ctrl", "s"]}}`, `{{"type": "wait", "duration": 1.0}}`.
  Coordinates are screen pixels; `ga act --file FILE` reads one action per line.

Save your work in the application before you finish: the result is checked on the saved files.
"""


class HarborExportError(GymAnythingError, ValueError):
    """The export cannot be made as asked (bad output folder, a leak found, no image); the message says why."""


# --- values --------------------------------------------------------------------------------------


def encode(value: Any) -> Any:
    """JSON-safe form of task values that keeps tuples tuples (``harbor_container.decode`` inverts it)."""
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise HarborExportError(f"task values must have string keys to be exported, got {sorted(map(repr, value))}")
        return {k: encode(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    raise HarborExportError(f"a task value of type {type(value).__name__} cannot be exported to JSON: {value!r}")


def leaks_in(inst: Any, texts: dict[str, str]) -> list[str]:
    """``"<file>: key='value'"`` for each privileged value found in an agent-readable text, by the audit's rule
    (its renderings; a value the instruction itself names, or a key the task declares visible, is not a leak)."""
    found = []
    for name, text in texts.items():
        found += [f"{name}: {leak}" for leak in leaked_values(inst.private, inst.task.visible, text, inst.instruction)]
    return found


# --- instances ----------------------------------------------------------------------------------


class _Folders:
    """A runner stand-in for ``new_instance``: episode folders under ``root`` (no app is started)."""

    def __init__(self, root: Path):
        self.root = root

    def new_episode(self) -> Episode:
        folder = Path(tempfile.mkdtemp(dir=self.root))
        (folder / "home").mkdir()
        (folder / "private").mkdir(mode=0o700)
        return Episode(folder, folder / "home", folder / "private")


def instance_seed(task: TaskSpec, seed: int) -> int:
    """The instance seed ``env.reset(seed=seed, options={"task": ...})`` draws (what ``gym-anything eval`` runs)."""
    rng, _ = seeding.np_random(seed)
    return draw([task], rng, {"task": task.id})[1]


def oracle_actions(software: SoftwareSpec, inst: Any) -> list[dict[str, Any]]:
    width, height = software.resolution
    ctx = OracleContext(params=inst.params, public=inst.public, private=inst.private, width=width, height=height)
    steps = [A.validate(step, width, height) for step in load_function(inst.task.oracle)(ctx)]
    if not steps or steps[-1]["type"] is not A.ActionType.DONE:
        steps.append(A.validate(A.done(), width, height))
    return steps


# --- the task image ------------------------------------------------------------------------------


def _site_packages(target: Path) -> None:
    """This interpreter's versions of the runtime dependencies, installed (as wheels) into ``target``."""
    pins = [f"{name}=={metadata.version(name)}" for name in RUNTIME_DISTRIBUTIONS]
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--only-binary=:all:",
                           "--target", str(target), *pins], capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise HarborExportError(f"installing the container's Python packages ({' '.join(pins)}) failed:\n"
                                f"{done.stderr[-2000:]}")


def _package_files() -> dict[str, bytes]:
    """This package's code (no bundled data, no caches): the task data never goes into the image."""
    files = {}
    for path in sorted(PACKAGE_DIR.rglob("*")):
        rel = path.relative_to(PACKAGE_DIR)
        if path.is_file() and "__pycache__" not in rel.parts and rel.parts[0] != "_bundled" \
                and path.suffix in (".py", ".csv", ".yaml", ".js", ".css", ".html"):
            files[f"site/gym_anything/{rel.as_posix()}"] = path.read_bytes()
    return files


def image_dockerfile(software: SoftwareSpec) -> str:
    return "\n".join([
        f"FROM {docker_runtime.image_tag(software)}",
        "USER root",
        "RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "
        "python3 >/dev/null && rm -rf /var/lib/apt/lists/*",
        "COPY site /opt/gym-anything/site",
        "COPY entry.sh /opt/gym-anything/entry.sh",
        "COPY ga /usr/local/bin/ga",
        "COPY openbox-rc.xml /opt/gym-anything/openbox-rc.xml",
        "ENV PYTHONPATH=/opt/gym-anything/site PYTHONDONTWRITEBYTECODE=1 DISPLAY=:1",
        'ENTRYPOINT ["/opt/gym-anything/entry.sh"]',
        'CMD ["sleep", "infinity"]',
        f'LABEL {docker_runtime.LABEL}.env="{software.id}" {docker_runtime.LABEL}.harbor="1"',
        "",
    ])


def harbor_image_tag(software: SoftwareSpec) -> str:
    """``localhost/gym-anything-harbor-<software>:<digest>``: the digest covers the Dockerfile, our code and pins."""
    digest = hashlib.sha256(image_dockerfile(software).encode() + _ENTRY.encode() + _GA.encode())
    for name, data in sorted(_package_files().items()):
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    digest.update(" ".join(f"{n}=={metadata.version(n)}" for n in RUNTIME_DISTRIBUTIONS).encode())
    return f"localhost/gym-anything-harbor-{software.id}:{digest.hexdigest()[:16]}"


def build_image(software: SoftwareSpec, client: Any = None) -> str:
    """The task image for ``software`` (the Docker runner's image first), built unless it exists; its tag."""
    import docker

    client = client or docker_runtime.connect()
    docker_runtime.ensure_image(client, software)
    tag = harbor_image_tag(software)
    try:
        client.images.get(tag)
        return tag
    except docker.errors.ImageNotFound:
        pass
    with tempfile.TemporaryDirectory(prefix="gym-anything-harbor-") as scratch:
        site = Path(scratch) / "site"
        _site_packages(site)
        archive = io.BytesIO()
        with tarfile.open(fileobj=archive, mode="w") as tar:
            tar.add(site, arcname="site")
            for name, data in [("Dockerfile", image_dockerfile(software).encode()), ("entry.sh", _ENTRY.encode()),
                               ("ga", _GA.encode()), ("openbox-rc.xml", OPENBOX_RC.encode()),
                               *_package_files().items()]:
                info = tarfile.TarInfo(name)
                info.size, info.mode = len(data), 0o755
                tar.addfile(info, io.BytesIO(data))
        archive.seek(0)
        try:
            client.images.build(fileobj=archive, custom_context=True, tag=tag, network_mode="host", rm=True,
                                labels={docker_runtime.LABEL: "image", f"{docker_runtime.LABEL}.env": software.id})
        except docker.errors.BuildError as exc:
            log = "".join(str(e.get("stream", e.get("error", ""))) for e in exc.build_log)
            raise HarborExportError(f"building {tag} failed: {exc}\n{log[-3000:]}") from None
    return tag


# --- one folder ----------------------------------------------------------------------------------


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string is a JSON string for our texts
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {value!r}")


AGENT_NETWORKS = ("no-network", "public")


def task_toml(software: SoftwareSpec, task: TaskSpec, budget: int, suite: Suite,
              agent_network: str = "no-network") -> str:
    memory = software.resources.memory or 2 * 1024**3
    tables: dict[str, dict[str, Any]] = {
        "metadata": {"author_name": "gym-anything", "difficulty": task.difficulty, "category": "computer-use",
                     "tags": ["gym-anything", software.id, *task.tags], "software": software.name,
                     "gym_anything_task": f"{software.id}.{task.id}", "suite": suite.name,
                     "suite_version": suite.version, "split": task.split, "step_budget": budget},
        # the env's episode: about budget steps of a model plus the app's settle per step
        # The agent runs as the app's user (not root): it cannot read the root-only tests/ Harbor copies in for
        # the verifier, which runs as root and first stops every process of that user.
        "agent": {"timeout_sec": float(max(600, 30 * budget)), "user": "agent", "network_mode": agent_network},
        "verifier": {"timeout_sec": float(max(120, 4 * task.verifier_timeout)), "user": "root",
                     "network_mode": "no-network"},
        "environment": {"build_timeout_sec": 900.0, "cpus": software.resources.cpus or 1,
                        "memory_mb": int(memory // 1024**2), "network_mode": "no-network"},
        "environment.healthcheck": {"command": "test -e /tmp/gym-anything/ready", "interval_sec": 1.0,
                                    "timeout_sec": 10.0, "start_period_sec": float(software.ready.timeout + 30),
                                    "start_interval_sec": 1.0, "retries": 3},
    }
    lines = [f'schema_version = "{HARBOR_SCHEMA}"', ""]
    for table, values in tables.items():
        lines.append(f"[{table}]")
        lines += [f"{key} = {_toml(value)}" for key, value in values.items()]
        lines.append("")
    return "\n".join(lines)


def _write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)


def _root_only(folder: Path) -> None:
    """tests/ keeps its modes when Harbor copies it in (as root): readable by root only, so not by a process the
    agent (uid 1000) left running. solution/ stays readable: Harbor's oracle agent runs it as the agent user."""
    for path in [folder, *folder.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o700 if path.is_dir() or path.suffix == ".sh" else 0o600)


def _agent_readable(folder: Path) -> dict[str, str]:
    """Every text the agent's side can read before verification: instruction, task.toml, environment/."""
    texts = {"instruction.md": (folder / "instruction.md").read_text(), "task.toml": (folder / "task.toml").read_text()}
    for path in sorted((folder / "environment").rglob("*")):
        if path.is_file():
            texts[str(path.relative_to(folder))] = path.read_bytes().decode("utf-8", errors="replace")
    return texts


def export_instance(software: SoftwareSpec, task: TaskSpec, seed: int, suite: Suite, out: Path, image: str,
                    scratch: Path, agent_network: str = "no-network") -> Path:
    """Write one task instance's folder under ``out``; returns it."""
    folder = out / f"{software.id}.{task.id}-seed-{seed}"
    if task.checklist is not None:
        raise HarborExportError(f"{software.id}.{task.id} has a checklist (model-judged or OCR items): the Harbor "
                                "export runs only program verifiers (docs/exports.md, what is not supported)")
    inst = new_instance(_Folders(scratch), software, task, instance_seed(task, seed))  # type: ignore[arg-type]
    budget = suite.budget_for(task)
    width, height = software.resolution

    _write(folder / "instruction.md", f"# {software.name}\n\n{inst.instruction.strip()}\n"
           + _HOW_TO_ACT.format(width=width, height=height))
    _write(folder / "task.toml", task_toml(software, task, budget, suite, agent_network))

    env_dir = folder / "environment"
    shutil.copytree(inst.home, env_dir / "home", symlinks=True)
    app = {"software": software.id, "argv": [*software.launch, *inst.args], "resolution": [width, height],
           "env": {**sandbox_env(DISPLAY_NUMBER, software.env), "PATH": "/usr/local/bin:/usr/bin:/bin"},
           "ready": {"window_class": software.ready.window_class, "title_regex": software.ready.title_regex,
                     "timeout": software.ready.timeout},
           "settle": {"changed_pixels": software.settle.changed_pixels, "quiet": software.settle.quiet,
                      "timeout": software.settle.timeout, "linger": software.settle.linger}}
    _write(env_dir / "app.json", json.dumps(app, indent=1) + "\n")
    _write(env_dir / "Dockerfile", "\n".join([
        f"FROM {image}",
        f"COPY --chown=1000:1000 home/ {SANDBOX_HOME}/",
        "COPY app.json /opt/gym-anything/app.json",
        "",
    ]))

    tests = folder / "tests"
    _write(tests / "test.sh", _TEST_SH, 0o755)
    _write(tests / "instance.json", json.dumps(encode({
        "software": software.id, "task": task.id, "suite_seed": seed, "instance_seed": inst.seed,
        "params": inst.params, "public": inst.public, "private": inst.private}), indent=1) + "\n")
    shutil.copytree(inst.private_dir, tests / "private")
    shutil.copytree(software.folder, tests / "envs" / software.id, symlinks=True,
                    ignore=shutil.ignore_patterns("__pycache__", "tests"))
    _root_only(tests)

    solution = folder / "solution"
    _write(solution / "solve.sh", _SOLVE_SH, 0o755)
    _write(solution / "oracle.jsonl", "".join(json.dumps(A.to_json(step)) + "\n" for step in
                                              oracle_actions(software, inst)))

    leaks = leaks_in(inst, _agent_readable(folder))
    if leaks:
        shutil.rmtree(folder)
        raise HarborExportError(f"{software.id}.{task.id} seed {seed}: privileged values would be visible to the "
                                f"agent: {'; '.join(leaks[:10])}")
    return folder


def export_suite(suite_name: str, out: Path | str, build: bool = True, tasks: list[str] | None = None,
                 client: Any = None, agent_network: str = "no-network") -> list[Path]:
    """Every (task, seed) of the suite as a Harbor task folder under ``out`` (which must be new or empty).

    ``build``: build the task images through the Docker API (else the Dockerfiles name the tags the build would
    make, and ``build_image`` can be run later); ``tasks``: only these ``<software>.<task>`` names;
    ``agent_network``: the agent phase's network (``no-network``, like our env; ``public`` for agents that run
    inside the container and call their model from there). The verifier phase never has one."""
    if agent_network not in AGENT_NETWORKS:
        raise HarborExportError(f"agent_network must be one of {AGENT_NETWORKS}, got {agent_network!r}")
    suite = load_suite(suite_name)
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise HarborExportError(f"--out {out} must be a new or empty folder")
    episodes = suite.episodes(tasks)
    out.mkdir(parents=True, exist_ok=True)
    images: dict[str, str] = {}
    written = []
    with tempfile.TemporaryDirectory(prefix="gym-anything-harbor-export-") as scratch:
        for episode in episodes:
            software = software_spec(episode.env)
            if software.id not in images:
                images[software.id] = build_image(software, client) if build else harbor_image_tag(software)
            written.append(export_instance(software, software.tasks[episode.task], episode.seed, suite, out,
                                           images[software.id], Path(scratch), agent_network))
    return written
