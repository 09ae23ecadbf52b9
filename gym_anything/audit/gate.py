"""The audit gate: proves on the real application that a task's reward can be trusted.

For every task and several seeds: not pre-solved (reset + DONE scores 0), solvable (the oracle scores 1),
not trivially gamed (a random agent and a do-nothing agent do not pass), deterministic (repeating the
oracle and the no-op on a seed gives the same results), seed-dependent (privileged values differ), no
leak on screen (OCR of the start screen and of the screen after random actions shows no privileged value), no
leak through the app (inside the episode sandbox the privileged data and the task code are unreachable, and HOME
holds no privileged value), a spec lint, and mutation testing of the verifier: every mutant of the oracle's plan
(:mod:`.mutants`) that leaves other outputs than the oracle (:mod:`.outputs`) must fail. A failed check keeps its
evidence (frames, actions, verifier results) when the audit is given a folder for it. Every run is a labelled
trajectory (oracle: pass; no-op, random, non-equivalent mutant: fail) for :mod:`.labelled`. Results are stored per
task with a digest of the task's files, so an edited task counts as unaudited until it passes again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from .. import actions as A
from ..specs.audits import TaskAudit, task_digest
from ..specs.loader import load_function
from ..specs.model import LONG_HORIZON_STEPS, SoftwareSpec, TaskSpec
from ..specs.paths import hidden_from_apps
from ..verification.ocr import PendingOCR
from .labelled import pack
from .mutants import mutants
from .outputs import (
    Outputs,
    equivalent,
    output_names,
    outputs_digest,
    read_files,
    read_outputs,
    verifier_reads,
    volatile_lines,
)
from .probes import home_text, leaked_values, probe_rights, probe_sandbox


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


IDLE = (A.ActionType.WAIT, A.ActionType.DONE)  # actions that do not count towards a task's length


def work_steps(env, plan: list[dict]) -> int:
    """The actions of a plan that act on the app: WAIT and DONE do not count towards a task's length."""
    return _work(A.validate(a, env.unwrapped.width, env.unwrapped.height) for a in plan)


def _work(validated) -> int:
    return sum(action["type"] not in IDLE for action in validated)


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


def lint(env: SoftwareSpec, task: TaskSpec) -> list[str]:
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


# --- runs and their evidence -----------------------------------------------------------------------------


@dataclass
class Run:
    """One episode of the audit: the actions it stepped, what it saw, what the verifier said, what it left."""

    name: str  # e.g. "seed 1000: oracle", "seed 1000: mutant 'stop at 50%'"
    seed: int
    label: str | None  # "pass" / "fail" in the labelled set; None: not part of it
    actions: list[dict[str, Any]]  # validated, as stepped (DONE appended when the plan did not end the episode)
    reward: float
    info: dict[str, Any]
    start: np.ndarray
    end: np.ndarray
    outputs: Outputs
    files: dict[str, bytes | None]  # the outputs' bytes (for the labelled set)
    frame_hashes: list[str] = field(default_factory=list)  # one per observation: where two runs diverge
    frames: list[np.ndarray] | None = None  # every observation, kept for runs that are compared with a repeat

    @property
    def verifier(self) -> dict[str, Any]:
        return self.info.get("verifier") or {}

    @property
    def passed(self) -> bool:
        return bool(self.verifier.get("passed"))

    def record(self, blobs: dict[str, str]) -> dict[str, Any]:
        """The run as a labelled trajectory (JSON); its output files go into ``blobs`` (sha256 -> packed bytes)."""
        verdict = self.verifier
        fault = self.info.get("fault")
        return {"name": self.name, "label": self.label, "seed": self.seed,
                "actions": [A.to_json(a) for a in self.actions], "reward": self.reward,
                "passed": self.passed, "score": verdict.get("score"), "error": verdict.get("error"),
                "items": [{"name": i["name"], "passed": i["passed"]} for i in verdict.get("items", [])],
                "fault": fault.get("kind") if isinstance(fault, dict) else fault,
                "outputs": {name: pack(data, blobs) for name, data in self.files.items()}}


def _frame_hash(frame: np.ndarray) -> str:
    return hashlib.blake2b(np.ascontiguousarray(frame).data, digest_size=12).hexdigest()


def run_episode(env, name: str, seed: int, plan: list[dict] | Callable[[], list[dict]], label: str | None,
                keep_frames: bool = False, reset: bool = True, first: tuple[np.ndarray, dict] | None = None) -> Run:
    """Reset to ``seed`` (unless ``reset`` is False and ``first`` gives the reset's observation and info) and
    step ``plan`` (a list, or a function called after the reset, e.g. the oracle), tracing what the verifier
    reads; DONE is appended when the plan does not end the episode."""
    obs, info = env.reset(seed=seed) if reset or first is None else first
    actions = plan() if callable(plan) else plan
    width, height = env.unwrapped.width, env.unwrapped.height
    frames, hashes, stepped = [obs], [_frame_hash(obs)], []
    reward = 0.0
    home = env.unwrapped.episode_home
    with verifier_reads(home) as read:
        for action in [*actions, A.done()]:
            normal = A.validate(action, width, height)
            obs, reward, terminated, truncated, info = env.step(action)
            stepped.append(normal)
            hashes.append(_frame_hash(obs))
            if keep_frames:
                frames.append(obs)
            if terminated or truncated:
                break
    names = output_names(home, read)
    return Run(name, seed, label, stepped, float(reward), info, frames[0], obs, read_outputs(home, names),
               read_files(home, names), hashes, frames if keep_frames else None)


class Evidence:
    """Where a failed check's evidence goes: ``<folder>/<check>/<run>/`` with start.png, end.png, actions.json,
    verifier.json (and diverge-*.png where two runs first showed different frames). No folder: nothing kept."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def keep(self, check: str, runs: list[Run], notes: dict[str, Any] | None = None) -> list[str]:
        """Write the evidence of ``check``; returns the paths written (empty without a folder)."""
        if self.folder is None:
            return []
        base = self.folder / _slug(check)
        written = []
        for run in runs:
            where = base / _slug(run.name)
            where.mkdir(parents=True, exist_ok=True)
            Image.fromarray(run.start).save(where / "start.png", compress_level=1)
            Image.fromarray(run.end).save(where / "end.png", compress_level=1)
            (where / "actions.json").write_text(json.dumps(
                [{"json": A.to_json(a), "code": A.to_code(a)} for a in run.actions], indent=1) + "\n")
            (where / "verifier.json").write_text(json.dumps(
                {"reward": run.reward, "verifier": run.verifier, "fault": run.info.get("fault")}, indent=2,
                default=str) + "\n")
            written.append(str(where))
        if notes:
            base.mkdir(parents=True, exist_ok=True)
            for key, value in notes.items():
                if isinstance(value, np.ndarray):
                    Image.fromarray(value).save(base / f"{key}.png", compress_level=1)
                else:
                    (base / f"{key}.json").write_text(json.dumps(value, indent=2, default=str) + "\n")
            written.append(str(base))
        return written


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-").lower()[:80] or "check"


def _signature(run: Run) -> tuple:
    verdict = run.verifier
    return (verdict.get("score"), verdict.get("passed"),
            tuple((i["name"], i["passed"]) for i in verdict.get("items", [])))


def _differences(a: Run, b: Run) -> list[str]:
    """How two runs' verifier results differ, item by item."""
    found = []
    if a.verifier.get("score") != b.verifier.get("score"):
        found.append(f"score {a.verifier.get('score')} vs {b.verifier.get('score')}")
    items_a = {i["name"]: i["passed"] for i in a.verifier.get("items", [])}
    items_b = {i["name"]: i["passed"] for i in b.verifier.get("items", [])}
    for name in sorted(items_a.keys() | items_b.keys()):
        if items_a.get(name) != items_b.get(name):
            found.append(f"item {name!r}: {items_a.get(name, 'absent')} vs {items_b.get(name, 'absent')}")
    return found


def _divergence(a: Run, b: Run) -> int | None:
    """The first observation (0 = after reset) at which two runs' frames differ, or None."""
    for index, (x, y) in enumerate(zip(a.frame_hashes, b.frame_hashes, strict=False)):
        if x != y:
            return index
    return None if len(a.frame_hashes) == len(b.frame_hashes) else min(len(a.frame_hashes), len(b.frame_hashes))


def _failed_items(run: Run) -> list[str]:
    return [i["name"] for i in run.verifier.get("items", []) if not i["passed"]]


def _mutation_rng(digest: str) -> np.random.Generator:
    """The same mutants on every audit of one task version."""
    return np.random.default_rng(int(digest.removeprefix("sha256:")[:16], 16))


# --- the audit -----------------------------------------------------------------------------------------


def audit_task(env_spec: SoftwareSpec, task: TaskSpec, seeds: int = 3, random_steps: int = 15,
               progress: Callable[[str], None] = lambda _: None, evidence: Path | None = None,
               mutate: bool = True) -> TaskAudit:
    """Audit one task on the real application; never raises for a task fault (it becomes a failed check).

    ``evidence``: a folder for the evidence of failed checks (``<evidence>/<check>/<run>/``). ``mutate``: run the
    mutation test of the verifier on the first seed (without it the audit fails: the check is required).
    """
    from ..core.env import GymAnythingEnv

    started = time.perf_counter()
    seed_list = [1000 + i for i in range(seeds)]
    audit = TaskAudit(task=task.gym_id, digest=task_digest(env_spec, task), seeds=seed_list)
    problems = lint(env_spec, task)
    audit.add("spec lint", not problems, "; ".join(problems) or "ok")
    env = GymAnythingEnv(env_spec, task.id, audit=False)
    keeper = Evidence(evidence)
    runs: list[Run] = []
    try:
        _audit_seeds(env, env_spec, task, seed_list, random_steps, audit, progress, keeper, mutate, runs)
    except Exception as exc:  # noqa: BLE001 - any crash of the task under audit is a failed audit
        audit.add("audit ran to completion", False, f"{type(exc).__name__}: {exc}")
    finally:
        env.close()
    blobs: dict[str, str] = {}
    audit.labelled = {"trajectories": [run.record(blobs) for run in runs if run.label], "blobs": blobs}
    audit.passed = all(c.passed for c in audit.checks)
    audit.date = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    audit.wall_time = time.perf_counter() - started
    if evidence is not None and not audit.passed:
        audit.evidence_dir = str(evidence)
    return audit


def _audit_seeds(env, env_spec: SoftwareSpec, task: TaskSpec, seeds: list[int], random_steps: int, audit: TaskAudit,
                 progress: Callable[[str], None], keeper: Evidence, mutate: bool, runs: list[Run]) -> None:
    privileged: list[str] = []
    screens: list[tuple[str, PendingOCR, str, dict, str, np.ndarray]] = []
    oracle_lengths, oracle_work = [], []

    def add(name: str, passed: bool, detail: str, shown: list[Run] | None = None, notes: dict | None = None) -> None:
        """Record a check; a failed one keeps the evidence of the runs it names."""
        audit.add(name, passed, detail, [] if passed else keeper.keep(name, shown or [], notes))

    for index, seed in enumerate(seeds):
        progress(f"seed {seed}: no-op")
        first = env.reset(seed=seed)
        obs, info = first
        private = env.unwrapped.privileged()
        privileged.append(json.dumps(private, sort_keys=True, default=str))
        titles = "\n".join(env.unwrapped.runner.window_titles())
        screens.append((f"seed {seed}: no privileged value readable on the start screen", PendingOCR(obs), titles,
                        private, info["instruction"], obs))
        if index == 0:
            hidden = [env.unwrapped.episode_private_dir, task.verifier.file, task.oracle.file,
                      *(r.file for r in (task.setup,) if r), *hidden_from_apps(), env.unwrapped.runner.workdir]
            hidden += [p for p in env.unwrapped.episode_private_dir.rglob("*")]
            visible = probe_sandbox(env, hidden)
            add("no leak through the app: sandbox paths", not visible,
                "visible inside the sandbox: " + ", ".join(map(str, visible)) if visible else
                f"{len(hidden)} privileged paths unreachable")
            rights = probe_rights(env)
            add("no leak through the app: no host root rights", not rights, "; ".join(rights) or
                "a root-only file and /etc/shadow unreadable; uid not host root; no capabilities")
        in_home = leaked_values(private, task.visible, home_text(env.unwrapped.episode_home), info["instruction"])
        add(f"seed {seed}: no privileged value in HOME files", not in_home, ", ".join(in_home) or "ok")
        noop = run_episode(env, f"seed {seed}: no-op", seed, [], "fail", keep_frames=index == 0, reset=False,
                           first=first)
        runs.append(noop)
        add(f"seed {seed}: not pre-solved (reset + DONE scores 0)", noop.reward == 0.0,
            f"score {noop.reward}; items passed: {[i['name'] for i in noop.verifier.get('items', []) if i['passed']]}",
            [noop])

        progress(f"seed {seed}: oracle")
        oracle = run_episode(env, f"seed {seed}: oracle", seed, env.unwrapped.oracle_actions, "pass",
                             keep_frames=index == 0)
        runs.append(oracle)
        oracle_lengths.append(len(oracle.actions))
        oracle_work.append(_work(oracle.actions))
        verdict = oracle.verifier
        detail = (f"score {oracle.reward}; failed items: {_failed_items(oracle)}; error: {verdict.get('error')}; "
                  f"fault: {oracle.info.get('fault')}")
        solvable = oracle.reward == 1.0 and oracle.passed and "fault" not in oracle.info
        add(f"seed {seed}: solvable (oracle passes, score 1)", solvable, detail, [oracle])

        progress(f"seed {seed}: random agent")
        random = run_episode(env, f"seed {seed}: random agent", seed, random_plan(env, seed, random_steps), "fail")
        runs.append(random)
        add(f"seed {seed}: not gamed by a random agent ({len(random.actions)} steps)", not random.passed,
            f"score {random.reward}", [random])
        screens.append((f"seed {seed}: no privileged value readable after random actions", PendingOCR(random.end),
                        "\n".join(env.unwrapped.runner.window_titles()), private, info["instruction"], random.end))

        if index == 0:
            progress(f"seed {seed}: determinism")
            noop_again = run_episode(env, f"seed {seed}: no-op again", seed, [], "fail", keep_frames=True)
            oracle_again = run_episode(env, f"seed {seed}: oracle again", seed, env.unwrapped.oracle_actions, "pass",
                                       keep_frames=True)
            runs += [noop_again, oracle_again]
            _check_repeat(add, noop, noop_again, oracle, oracle_again)
            if mutate and solvable and oracle_again.passed:
                _mutation_test(env, seed, oracle, oracle_again, audit, add, progress, runs)
            else:
                add("mutation test of the verifier (every non-equivalent mutant fails)", False,
                    "not run: the oracle does not pass on this seed" if mutate else "skipped (--no-mutants)")
    add("seeds matter (privileged values differ between seeds)", len(set(privileged)) == len(privileged),
        f"{len(set(privileged))} distinct of {len(privileged)}")
    add("max_steps allows the oracle", task.max_steps >= max(oracle_lengths),
        f"max_steps {task.max_steps}, longest oracle {max(oracle_lengths)} steps")
    if task.horizon == "long":
        add(f"long horizon: the oracle needs {LONG_HORIZON_STEPS}+ steps", min(oracle_work) >= LONG_HORIZON_STEPS,
            f"oracle actions other than WAIT/DONE: {oracle_work} over the seeds")
    progress("OCR of the screens")
    for name, pending, titles, private, instruction, frame in screens:
        text = pending.text()
        leaks = leaked_values(private, task.visible, titles + "\n" + text, instruction)
        add(name, not leaks, ", ".join(leaks) or "ok",
            notes={"screen": frame, "ocr": {"titles": titles, "text": text, "leaks": leaks}})


def _check_repeat(add, noop: Run, noop_again: Run, oracle: Run, oracle_again: Run) -> None:
    """Repeats agree on every verifier item; when not, which run, which item, and where the frames diverged."""
    problems: list[str] = []
    runs: list[Run] = []
    notes: dict[str, Any] = {}
    for first, again in ((noop, noop_again), (oracle, oracle_again)):
        if _signature(first) != _signature(again):
            problems.append(f"{first.name!r} vs {again.name!r}: " + "; ".join(_differences(first, again)))
            runs += [first, again]
            at = _divergence(first, again)
            if at is not None and first.frames and again.frames:
                notes[f"diverge-{_slug(first.name)}-a"] = first.frames[min(at, len(first.frames) - 1)]
                notes[f"diverge-{_slug(first.name)}-b"] = again.frames[min(at, len(again.frames) - 1)]
                notes[f"diverge-{_slug(first.name)}"] = {"first differing observation": at,
                                                         "after action": at - 1 if at else None}
    add("deterministic (no-op and oracle repeated on one seed agree)", not problems,
        "; ".join(problems) or "same verifier results", runs, notes or None)


def mutant_outcome(passed: bool, same_outputs: bool) -> str:
    """A mutant the verifier fails is killed, whatever it left (a row whose save time differs between oracle runs
    must not hide a changed flag in it); one that passes with the oracle's outputs is equivalent; one that passes
    with other outputs survived."""
    if not passed:
        return "killed"
    return "equivalent" if same_outputs else "survived"


def _mutation_test(env, seed: int, oracle: Run, oracle_again: Run, audit: TaskAudit, add,
                   progress: Callable[[str], None], runs: list[Run]) -> None:
    """Every mutant of the oracle's plan that leaves other outputs than the oracle must fail."""
    volatile = volatile_lines(oracle.outputs, oracle_again.outputs)
    built, skipped = mutants(oracle.actions, _mutation_rng(audit.digest))
    report: dict[str, Any] = {"seed": seed, "mutants": len(built), "equivalent": 0, "killed": 0, "survived": [],
                              "not applicable": skipped, "runs": []}
    survivors: list[Run] = []
    for number, mutant in enumerate(built, 1):
        progress(f"seed {seed}: mutant {number}/{len(built)}")
        plan = [A.from_json(A.to_json(action)) for action in mutant.actions]  # validated -> env.step's form
        run = run_episode(env, f"seed {seed}: mutant {mutant.name!r}", seed, plan, None)
        outcome = mutant_outcome(run.passed and run.reward >= 1.0, equivalent(oracle.outputs, run.outputs, volatile))
        if outcome != "equivalent":
            run.label = "fail"
            runs.append(run)
        report["runs"].append({"mutant": mutant.name, "detail": mutant.detail, "outcome": outcome,
                               "score": run.reward, "outputs": outputs_digest(run.outputs)})
        if outcome == "survived":
            survivors.append(run)
            report["survived"].append({"mutant": mutant.name, "detail": mutant.detail,
                                       "actions": [A.to_code(a) for a in mutant.actions],
                                       "items": run.verifier.get("items", [])})
        elif outcome in ("equivalent", "killed"):
            report[outcome] += 1
    audit.mutation = report
    detail = (f"{len(built)} mutants: {report['killed']} killed, {report['equivalent']} equivalent, "
              f"{len(survivors)} survived" + ("".join(f"; survived: {s['mutant']} ({s['detail']})"
                                                      for s in report["survived"])))
    add("mutation test of the verifier (every non-equivalent mutant fails)", not survivors and bool(built), detail
        if built else "no mutant could be built from the oracle's plan", survivors)
