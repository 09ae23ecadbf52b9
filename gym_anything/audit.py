"""The audit gate: proves on the real application that a task's reward can be trusted.

For every task and several seeds: not pre-solved (reset + DONE scores 0), solvable (the oracle scores 1),
not trivially gamed (a random agent and a do-nothing agent do not pass), deterministic (repeating the
oracle and the no-op on a seed gives the same results), seed-dependent (privileged values differ), no
leak on screen (OCR of the start screen shows no privileged value), no leak through the app (inside the
episode sandbox the privileged data and the task code are unreachable, and HOME holds no privileged
value), and a spec lint. Results are stored per task with a digest of the task's files, so an edited
task counts as unaudited until it passes again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import secrets
import string
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import actions as A
from .ocr import PendingOCR, squash
from .paths import hidden_from_apps
from .runtime.sandbox import SANDBOX_HOME
from .specs import LONG_HORIZON_STEPS, EnvSpec, TaskSpec
from .verification import load_function

MIN_SECRET_CHARS = 4  # shorter privileged values ("B7", "42") are too common to count as a leak
CHECKS_VERSION = 2  # raised when the audit gains a check: a stored audit from before no longer counts


class UnauditedTaskWarning(UserWarning):
    """The task's files have no passing audit (edited since, or never audited)."""


@dataclass
class Check:
    name: str
    passed: bool
    detail: str = ""


@dataclass
class TaskAudit:
    task: str
    digest: str
    seeds: list[int]
    checks_version: int = CHECKS_VERSION
    passed: bool = False
    date: str = ""
    wall_time: float = 0.0
    checks: list[Check] = field(default_factory=list)

    def add(self, name: str, passed: bool, detail: str = "") -> bool:
        self.checks.append(Check(name, bool(passed), detail))
        return bool(passed)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# --- digests and the audit store ---------------------------------------------------------------------


def task_files(env: EnvSpec, task: TaskSpec) -> list[Path]:
    """The files whose contents define a task: its spec, the env spec, its code and the HOME template."""
    files = {env.folder / "env.yaml", task.file, task.verifier.file, task.oracle.file}
    if task.setup is not None:
        files.add(task.setup.file)
    if env.home_template is not None:
        files.update(p for p in env.home_template.rglob("*") if p.is_file())
    return sorted(files)


def task_digest(env: EnvSpec, task: TaskSpec) -> str:
    sha = hashlib.sha256()
    for path in task_files(env, task):
        sha.update(str(path.relative_to(env.root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return "sha256:" + sha.hexdigest()


def audit_path(env: EnvSpec, task: TaskSpec) -> Path:
    return env.root / "audits" / env.id / f"{task.id}.json"


def stored_audit(env: EnvSpec, task: TaskSpec) -> dict[str, Any] | None:
    try:
        return json.loads(audit_path(env, task).read_text())
    except (OSError, ValueError):
        return None


def is_audited(env: EnvSpec, task: TaskSpec) -> bool:
    """True when a passing audit by the current checks is stored for the task's current digest."""
    record = stored_audit(env, task)
    return bool(record and record.get("passed") and record.get("digest") == task_digest(env, task)
                and record.get("checks_version", 1) >= CHECKS_VERSION)


def store(env: EnvSpec, task: TaskSpec, audit: TaskAudit) -> Path:
    path = audit_path(env, task)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {k: v for k, v in audit.to_json().items() if k != "wall_time"} | {"wall_time": round(audit.wall_time, 1)}
    path.write_text(json.dumps(record, indent=2, default=str) + "\n")
    return path


_warned: set[str] = set()


def warn_if_unaudited(env: EnvSpec, task: TaskSpec) -> None:
    if task.gym_id not in _warned and not is_audited(env, task):
        _warned.add(task.gym_id)
        warnings.warn(f"{task.gym_id} has no passing audit for its current files; run "
                      f"'gym-anything audit --task {env.id}.{task.id}'", UnauditedTaskWarning, stacklevel=3)


# --- helpers -----------------------------------------------------------------------------------------


def secret_strings(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """(key, text) pairs for every privileged leaf value, with common renderings of numbers."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from secret_strings(v, f"{key}.{k}" if key else str(k))
    elif isinstance(value, (list, tuple, set)):
        for i, v in enumerate(value):
            yield from secret_strings(v, f"{key}[{i}]")
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
        texts = {repr(value), f"{number:.2f}", f"{number:,.2f}"}
        if number.is_integer():
            texts.add(str(int(number)))
        for text in texts:
            yield key, text
    else:
        yield key, str(value)


def _checkable(text: str) -> bool:
    return sum(ch not in string.punctuation and not ch.isspace() for ch in text) >= MIN_SECRET_CHARS


def leaked_values(private: dict[str, Any], visible: tuple[str, ...], haystack: str, instruction: str) -> list[str]:
    """Privileged values (not declared visible, not in the instruction) that occur in ``haystack``."""
    found, hay, told = [], squash(haystack), squash(instruction)
    for key, text in secret_strings({k: v for k, v in private.items() if k not in visible}):
        needle = squash(text)
        if _checkable(needle) and needle not in told and needle in hay:
            found.append(f"{key}={text!r}")
    return sorted(set(found))


def _result_signature(info: dict[str, Any]) -> tuple:
    verifier = info.get("verifier") or {}
    return (verifier.get("score"), verifier.get("passed"),
            tuple((i["name"], i["passed"]) for i in verifier.get("items", [])))


def run_plan(env, plan: list[dict]) -> tuple[float, dict[str, Any], int]:
    """Step through ``plan`` (ending with DONE if it does not end the episode): (reward, last info, steps)."""
    reward, info, count = 0.0, {}, 0
    for action in plan:
        _, reward, terminated, truncated, info = env.step(action)
        count += 1
        if terminated or truncated:
            return reward, info, count
    _, reward, _, _, info = env.step(A.done())
    return reward, info, count + 1


def work_steps(env, plan: list[dict]) -> int:
    """The actions of a plan that act on the app: WAIT and DONE do not count towards a task's length."""
    idle = (A.ActionType.WAIT, A.ActionType.DONE)
    return sum(A.validate(a, env.unwrapped.width, env.unwrapped.height)["type"] not in idle for a in plan)


def random_plan(env, seed: int, steps: int) -> list[dict]:
    """Random actions from the action space, with short waits and texts so the audit stays fast."""
    space = env.action_space
    space.seed(seed)
    plan = []
    for _ in range(steps):
        action = space.sample()
        action["duration"] = np.array(min(float(action["duration"]), 0.1), dtype=np.float32)
        action["text"] = action["text"][:24]
        if int(action["type"]) == A.ActionType.DONE:
            action["type"] = int(A.ActionType.WAIT)
        plan.append(action)
    return plan


def probe_sandbox(env, secrets: list[Path]) -> list[str]:
    """Paths that a process inside the episode's sandbox can see (each must be hidden)."""
    script = "; ".join(f"if test -e '{p}' || test -r '{p}'; then echo 'VISIBLE {p}'; fi" for p in secrets)
    out = env.unwrapped.runner.run_in_sandbox(["sh", "-c", script + "; echo probe-ran"])
    if "probe-ran" not in out.stdout:
        return [f"the probe did not run: {out.stderr.strip()[:300]}"]
    return [line.removeprefix("VISIBLE ") for line in out.stdout.splitlines() if line.startswith("VISIBLE ")]


def probe_rights(env) -> list[str]:
    """How the app could read host secrets through its own rights (empty: it cannot).

    Inside the episode's sandbox, as the app: a root-only file the audit puts in HOME (mode 0600, when the
    driver is root) and ``/etc/shadow`` (where the host has one) must not be readable and the app must hold no
    capability; seen from the host, no process of the app may run as root.
    """
    home = env.unwrapped.episode_home
    secret = home / f".audit-root-only-{secrets.token_hex(6)}"
    targets = ["/etc/shadow"] if Path("/etc/shadow").exists() else []
    if os.geteuid() == 0:
        secret.write_text("root-only\n")
        os.chmod(secret, 0o600)  # owned by the driver: root
        targets.append(f"{SANDBOX_HOME}/{secret.name}")
    script = "; ".join(f"if cat '{t}' 2>/dev/null | grep -q .; then echo 'READABLE {t}'; fi" for t in targets)
    script += "; grep CapEff /proc/self/status; echo probe-ran"
    try:
        out = env.unwrapped.runner.run_in_sandbox(["sh", "-c", script])
    finally:
        secret.unlink(missing_ok=True)
    if "probe-ran" not in out.stdout:
        return [f"the probe did not run: {out.stderr.strip()[:300]}"]
    problems = [f"{line.removeprefix('READABLE ')} is readable" for line in out.stdout.splitlines()
                if line.startswith("READABLE ")]
    host_uids = env.unwrapped.runner.app_host_uids()
    if not host_uids or 0 in host_uids:
        problems.append(f"the app's processes run as host uids {sorted(host_uids)} (root is 0)")
    caps = [line.split()[1] for line in out.stdout.splitlines() if line.startswith("CapEff:")]
    if caps != ["0000000000000000"]:
        problems.append(f"the app holds capabilities (CapEff {caps})")
    return problems


def home_text(home: Path, limit: int = 20_000_000) -> str:
    """Everything under the episode HOME as text (for a privileged-value scan)."""
    chunks, total = [], 0
    for path in sorted(home.rglob("*")):
        if path.is_file() and total < limit:
            data = path.read_bytes()[: limit - total]
            total += len(data)
            chunks.append(data.decode("utf-8", "replace"))
    return "\n".join(chunks)


def lint(env: EnvSpec, task: TaskSpec) -> list[str]:
    """Spec problems the loader cannot see: unused parameters, unknown visible keys, odd max_steps."""
    problems = []
    if not task.instruction.strip():
        problems.append("empty instruction")
    code = "".join(ref.file.read_text() for ref in (task.setup, task.oracle, task.verifier) if ref)
    placeholders = {m for text in (task.instruction, task.open or "") for _, m, _, _ in string.Formatter().parse(text)
                    if m}
    for param in task.parameters:
        used = param.name in placeholders or re.search(rf"[\"']{re.escape(param.name)}[\"']", code)
        if not used:
            problems.append(f"parameter '{param.name}' is used neither in the instruction nor in the task code")
    if task.max_steps > 1000:
        problems.append(f"max_steps={task.max_steps} is above 1000")
    for ref in (task.setup, task.oracle, task.verifier):
        if ref is not None:
            try:
                load_function(ref)
            except Exception as exc:  # noqa: BLE001 - reported as a lint problem
                problems.append(f"{ref} does not load: {type(exc).__name__}: {exc}")
    return problems


# --- the audit -----------------------------------------------------------------------------------------


def audit_task(env_spec: EnvSpec, task: TaskSpec, seeds: int = 3, random_steps: int = 15,
               progress: Callable[[str], None] = lambda _: None) -> TaskAudit:
    """Audit one task on the real application; never raises for a task fault (it becomes a failed check)."""
    from .env import GymAnythingEnv

    started = time.perf_counter()
    seed_list = [1000 + i for i in range(seeds)]
    audit = TaskAudit(task=task.gym_id, digest=task_digest(env_spec, task), seeds=seed_list)
    problems = lint(env_spec, task)
    audit.add("spec lint", not problems, "; ".join(problems) or "ok")
    env = GymAnythingEnv(env_spec, task.id, audit=False)
    try:
        _audit_seeds(env, env_spec, task, seed_list, random_steps, audit, progress)
    except Exception as exc:  # noqa: BLE001 - any crash of the task under audit is a failed audit
        audit.add("audit ran to completion", False, f"{type(exc).__name__}: {exc}")
    finally:
        env.close()
    audit.passed = all(c.passed for c in audit.checks)
    audit.date = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    audit.wall_time = time.perf_counter() - started
    return audit


def _audit_seeds(env, env_spec: EnvSpec, task: TaskSpec, seeds: list[int], random_steps: int, audit: TaskAudit,
                 progress: Callable[[str], None]) -> None:
    privileged: list[str] = []
    screens: list[tuple[int, PendingOCR, str, dict, str]] = []
    oracle_lengths, oracle_work = [], []
    for index, seed in enumerate(seeds):
        progress(f"seed {seed}: no-op")
        obs, info = env.reset(seed=seed)
        private = env.unwrapped.privileged()
        privileged.append(json.dumps(private, sort_keys=True, default=str))
        titles = "\n".join(env.unwrapped.runner.window_titles())
        screens.append((seed, PendingOCR(obs), titles, private, info["instruction"]))
        if index == 0:
            hidden = [env.unwrapped.episode_private_dir, task.verifier.file, task.oracle.file,
                      *(r.file for r in (task.setup,) if r), *hidden_from_apps(), env.unwrapped.runner.workdir]
            hidden += [p for p in env.unwrapped.episode_private_dir.rglob("*")]
            visible = probe_sandbox(env, hidden)
            audit.add("no leak through the app: sandbox paths", not visible,
                      "visible inside the sandbox: " + ", ".join(map(str, visible)) if visible else
                      f"{len(hidden)} privileged paths unreachable")
            rights = probe_rights(env)
            audit.add("no leak through the app: no host root rights", not rights, "; ".join(rights) or
                      "a root-only file and /etc/shadow unreadable; uid not host root; no capabilities")
        in_home = leaked_values(private, task.visible, home_text(env.unwrapped.episode_home), info["instruction"])
        audit.add(f"seed {seed}: no privileged value in HOME files", not in_home, ", ".join(in_home) or "ok")
        noop_reward, noop_info, _ = run_plan(env, [A.done()])
        audit.add(f"seed {seed}: not pre-solved (reset + DONE scores 0)", noop_reward == 0.0,
                  f"score {noop_reward}")

        progress(f"seed {seed}: oracle")
        env.reset(seed=seed)
        plan = env.unwrapped.oracle_actions()
        oracle_lengths.append(len(plan))
        oracle_work.append(work_steps(env, plan))
        reward, oracle_info, _ = run_plan(env, plan)
        verdict = oracle_info.get("verifier", {})
        failed = [i["name"] for i in verdict.get("items", []) if not i["passed"]]
        detail = (f"score {reward}; failed items: {failed}; error: {verdict.get('error')}; "
                  f"fault: {oracle_info.get('fault')}")
        audit.add(f"seed {seed}: solvable (oracle passes, score 1)",
                  reward == 1.0 and bool(verdict.get("passed")) and "fault" not in oracle_info, detail)

        progress(f"seed {seed}: random agent")
        env.reset(seed=seed)
        random_reward, random_info, steps = run_plan(env, random_plan(env, seed, random_steps))
        audit.add(f"seed {seed}: not gamed by a random agent ({steps} steps)",
                  not random_info.get("verifier", {}).get("passed"), f"score {random_reward}")

        if index == 0:
            progress(f"seed {seed}: determinism")
            env.reset(seed=seed)
            _, noop_again, _ = run_plan(env, [A.done()])
            env.reset(seed=seed)
            _, oracle_again, _ = run_plan(env, env.unwrapped.oracle_actions())
            same = (_result_signature(noop_again) == _result_signature(noop_info)
                    and _result_signature(oracle_again) == _result_signature(oracle_info))
            audit.add("deterministic (no-op and oracle repeated on one seed agree)", same,
                      "same verifier results" if same else "results differ between repeats")
    audit.add("seeds matter (privileged values differ between seeds)", len(set(privileged)) == len(privileged),
              f"{len(set(privileged))} distinct of {len(privileged)}")
    audit.add("max_steps allows the oracle", task.max_steps >= max(oracle_lengths),
              f"max_steps {task.max_steps}, longest oracle {max(oracle_lengths)} steps")
    if task.horizon == "long":
        audit.add(f"long horizon: the oracle needs {LONG_HORIZON_STEPS}+ steps", min(oracle_work) >= LONG_HORIZON_STEPS,
                  f"oracle actions other than WAIT/DONE: {oracle_work} over the seeds")
    progress("OCR of the start screens")
    for seed, pending, titles, private, instruction in screens:
        leaks = leaked_values(private, task.visible, titles + "\n" + pending.text(), instruction)
        audit.add(f"seed {seed}: no privileged value readable on the start screen", not leaks, ", ".join(leaks) or "ok")
