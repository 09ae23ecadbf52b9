"""What specs are: the validated dataclasses a software's ``env.yaml`` and ``tasks/*.yaml`` become."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SOC_CODE = re.compile(r"^\d{2}-0000$")
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
REF_PATTERN = re.compile(r"^(?P<path>[\w./-]+\.py):(?P<func>[A-Za-z_]\w*)$")
FUNCTION_PATTERN = re.compile(r"^[A-Za-z_]\w*$")
ROLES = {"setup": "setup.py", "verifier": "verifier.py", "oracle": "oracle.py"}
"""A task's code roles -> the file of the software folder that holds them by convention (the function is named
after the task: its id with '-' -> '_')."""
LEGACY_VERIFIERS = "verifiers"  # a root with verifiers/*.py is in the legacy layout (refs relative to the root)
SPLITS = ("train", "test")
DIFFICULTIES = ("easy", "medium", "hard")
VERIFIER_TIMEOUT = 30.0  # seconds a verifier may run (task field verifier_timeout)
HORIZONS = ("short", "long")  # long: the task needs LONG_HORIZON_STEPS+ oracle steps (the audit checks it)
LONG_HORIZON_STEPS = 50
MEMORY_PATTERN = re.compile(r"^(?P<number>\d+(\.\d+)?)(?P<unit>[kmg]?)$")
MEMORY_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30}


@dataclass(frozen=True)
class Ref:
    """A function of a task's code: ``root / path`` is the module, ``function`` its name.

    The loader builds refs from the task's ``setup``/``verifier``/``oracle`` fields or the convention; ``path`` is
    relative to the data root (``envs/<software>/verifier.py``), whichever form the task file used.
    """

    root: Path
    path: str
    function: str

    @property
    def file(self) -> Path:
        return self.root / self.path

    def __str__(self) -> str:
        return f"{self.path}:{self.function}"


@dataclass(frozen=True)
class ParameterSpec:
    """One seed-generated task parameter: ``int: [lo, hi]``, ``float: [lo, hi, decimals]`` or ``choice: [...]``."""

    name: str
    kind: str
    args: tuple

    def sample(self, rng) -> Any:
        if self.kind == "int":
            return int(rng.integers(self.args[0], self.args[1] + 1))
        if self.kind == "float":
            lo, hi, decimals = self.args
            return round(float(rng.uniform(lo, hi)), int(decimals))
        return self.args[int(rng.integers(len(self.args)))]


@dataclass(frozen=True)
class ReadySpec:
    window_class: str
    title_regex: str | None = None
    timeout: float = 30.0
    # After a launch, wait up to this many seconds past the ready window for the app's first significant drawing
    # (apps that map an empty window and paint their content later, like LibreOffice opening a document).
    first_paint: float = 0.0


@dataclass(frozen=True)
class SettleSpec:
    """Screen-stability rule applied after every action."""

    changed_pixels: int = 400  # changes of at most this many pixels do not restart the quiet window (cursor blink)
    quiet: float = 0.03  # seconds without such a change, after the app answered a ping
    timeout: float = 3.0  # upper bound on the wait; the step reports it was not settled
    linger: float = 0.0  # seconds after the input during which drawing still counts (apps with delayed redraws)


@dataclass(frozen=True)
class ResourcesSpec:
    """Resource limits for one env instance (applied by the Docker runner as container limits)."""

    memory: int | None = None  # bytes (env.yaml: 512m, 1g, ...)
    cpus: float | None = None  # CPU cores, may be fractional
    pids: int | None = None  # processes and threads


@dataclass(frozen=True)
class HomeBuildSpec:
    """A command run once per machine in the app's sandbox, with HOME a copy of the template; the HOME it leaves
    is the template every episode starts from (a database cluster, an installed server: too big or too slow to
    build per episode, too big for the repository)."""

    command: tuple[str, ...]
    timeout: float = 600.0  # seconds


@dataclass(frozen=True)
class SoftwareSpec:
    id: str
    name: str
    description: str
    soc_groups: tuple[str, ...]
    packages: tuple[str, ...]
    launch: tuple[str, ...]
    ready: ReadySpec
    resolution: tuple[int, int]
    env: dict[str, str]
    home_template: Path | None
    settle: SettleSpec
    version: int
    folder: Path
    root: Path
    tasks: dict[str, TaskSpec] = field(default_factory=dict)
    resources: ResourcesSpec = ResourcesSpec()
    home_build: HomeBuildSpec | None = None
    legacy: bool = False  # loaded from a root in the legacy layout (verifiers/<software>.py, root-relative refs)

    @property
    def gym_id(self) -> str:
        return f"GymAnything/{self.id}-v{self.version}"


@dataclass(frozen=True)
class TaskSpec:
    id: str
    env_id: str
    instruction: str
    parameters: tuple[ParameterSpec, ...]
    setup: Ref | None
    open: str | None
    verifier: Ref
    oracle: Ref
    max_steps: int
    split: str
    difficulty: str
    tags: tuple[str, ...]
    version: int
    file: Path
    visible: tuple[str, ...] = ()  # privileged keys that are visible to the agent by design (audit)
    horizon: str = "short"  # "long": a long-horizon task (LONG_HORIZON_STEPS+ oracle steps), the `long` suite
    verifier_timeout: float = VERIFIER_TIMEOUT  # seconds; a verifier still running then fails closed
    checklist: ChecklistSpec | None = None  # None: program-only verification

    @property
    def gym_id(self) -> str:
        return f"GymAnything/{self.env_id}.{self.id}-v{self.version}"


MODES = ("program", "checklist", "both", "weighted")  # how a checklist combines with the program verifier


@dataclass(frozen=True)
class ChecklistItem:
    id: str
    kind: str  # "completion" or "integrity"
    evidence: str
    points: float = 0.0
    ocr: str | None = None  # a text fact: passes when this text (formatted with the task values) is read


@dataclass(frozen=True)
class ChecklistSpec:
    items: tuple[ChecklistItem, ...]
    mode: str = "both"
    weight: float = 0.5  # share of the checklist in the score when mode is "weighted"
    frames: int = 6  # at most this many frames go to the judge
    samples: int = 1  # k judge samples, majority vote per item
    judge_context: tuple[str, ...] = ()  # privileged keys the judge may see

    @property
    def needs_judge(self) -> bool:
        return any(item.ocr is None for item in self.items)
