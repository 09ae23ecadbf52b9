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
import json
import re
import string
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import actions as A
from ..specs.audits import TaskAudit, task_digest
from ..specs.loader import load_function
from ..specs.model import LONG_HORIZON_STEPS, SoftwareSpec, TaskSpec
from ..specs.paths import hidden_from_apps
from ..verification.ocr import PendingOCR
from .probes import home_text, leaked_values, probe_rights, probe_sandbox


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


# --- the audit -----------------------------------------------------------------------------------------


def audit_task(env_spec: SoftwareSpec, task: TaskSpec, seeds: int = 3, random_steps: int = 15,
               progress: Callable[[str], None] = lambda _: None) -> TaskAudit:
    """Audit one task on the real application; never raises for a task fault (it becomes a failed check)."""
    from ..core.env import GymAnythingEnv

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


def _audit_seeds(env, env_spec: SoftwareSpec, task: TaskSpec, seeds: list[int], random_steps: int, audit: TaskAudit,
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
