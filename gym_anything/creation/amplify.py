"""``gym-anything create amplify SOFTWARE -n 50 --model CHEAP``: many more tasks from the accepted seeds.

Each attempt is a fresh conversation with the (cheaper) model: the rules, the seed tasks in full (their YAML and
code), every task that exists now with its instruction (those written by earlier attempts included, so the
model writes something different), and the memory. It may only add new files (everything that existed is
frozen) and has no scaffold. A new task that is a near-duplicate of an existing task (its instruction or code
too close: ``audit/similarity.py``, the check ``suite write`` makes across splits) is rejected before any audit;
the others go through the audit gate and the auditor agent like
``create run``'s tasks, in one round. The run folder and ``result.json`` have the same form (``kind: amplify``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..audit.similarity import Index, near_duplicate
from ..models.backends import Backend
from ..models.chat import ChatClient
from ..specs.audits import is_audited
from ..specs.model import SoftwareSpec, TaskSpec
from .creators import ChatCreator
from .loop import TASK_RULES, RunResult, TaskOutcome, finish_run, judge_task, take_out_rejected
from .memory import Memory
from .runfolder import Stopwatch
from .tools import Settings, Toolbox, open_run


def amplify_prompt(spec: SoftwareSpec, seeds: list[TaskSpec], memory: Memory,
                   rejected: dict[str, str] | None = None) -> str:
    """One attempt's prompt: the rules, the existing tasks, those rejected so far (with why), the seeds in full and
    the memory."""
    existing = "\n".join(f"- {t.id}: {' '.join(t.instruction.split())}" for t in spec.tasks.values())
    parts = [f"You write ONE new verified task for the desktop application {spec.name!r} ({spec.id}) in "
             "gym-anything, modelled on the seed tasks below but different from every existing task: another "
             "piece of real work (another outcome, another file or feature), not a rewording. Files that exist "
             "are read-only: add tasks/<new-id>.yaml and tasks/<new-id>.py, check with audit_task, then call "
             "finish.", TASK_RULES, f"== Existing tasks (write something different) ==\n{existing}"]
    if rejected:
        parts.append("== Written and rejected in this run (do not write them again) ==\n"
                     + "\n".join(f"- {task}: {why}" for task, why in rejected.items()))
    for seed in seeds:
        files = sorted({ref.file for ref in (seed.setup, seed.verifier, seed.oracle) if ref is not None})
        parts.append(f"== Seed task {seed.id} ==\n-- {seed.file.relative_to(spec.folder).as_posix()} --\n"
                     f"{seed.file.read_text(encoding='utf-8')}" + "".join(
                         f"\n-- {path.relative_to(spec.folder).as_posix()} --\n{path.read_text(encoding='utf-8')}"
                         for path in files))
    parts.append(f"== Memory of earlier runs ==\n{memory.text()}")
    return "\n\n".join(parts)


def amplify(software: str, client: ChatClient, n: int, *, root: Path | str, reviewer: Backend | None,
            runs_dir: Path | str | None = None, settings: Settings | None = None, review: bool = True,
            summariser: Backend | None = None, max_turns: int = 30,
            log: Callable[[str], None] = print) -> RunResult:
    """Ask ``client`` for ``n`` new tasks of ``software`` (one per attempt), each through the duplicate check, the
    gate and the auditor; see the module docstring."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if review and reviewer is None:
        raise ValueError("amplify needs a reviewer model for the auditor agent (or review=False)")
    toolbox = open_run(software, root, runs_dir, f"{software}-amplify", settings, disabled=frozenset({"scaffold"}))
    run, workspace, memory = toolbox.run, toolbox.workspace, toolbox.memory
    assert memory is not None
    spec = toolbox.spec()
    seeds = [t for t in spec.tasks.values() if is_audited(spec, t)]
    if not seeds:
        raise ValueError(f"{software} has no audited task to amplify from: run 'gym-anything create run' first")
    creator = ChatCreator(client, max_turns=max_turns, stage="amplify")
    result = RunResult(software, run.path, creator.name, rounds=1)
    watch = Stopwatch()
    refused: dict[str, str] = {}  # task -> its instruction and why it was rejected (shown to later attempts)
    index = Index()  # the existing tasks' fingerprints, read once
    for attempt in range(1, n + 1):
        run.round = attempt
        workspace.freeze_existing()
        creator.messages = []  # a fresh conversation per task: cheap, and conditioned on the tasks that exist
        known = set(spec.tasks)
        message = amplify_prompt(spec, seeds, memory, refused)
        played = creator.round(toolbox, message)
        run.stage("amplify", played.seconds, model=creator.name, prompt_tokens=played.prompt_tokens,
                  completion_tokens=played.completion_tokens, turns=played.turns, ended=played.ended)
        try:
            spec = toolbox.spec()
        except Exception as exc:  # noqa: BLE001 - the new files broke the folder: they are taken out
            log(f"attempt {attempt}: the folder does not load: {exc}")
            for path in sorted(set(workspace.files()) - workspace.frozen):
                (workspace.folder / path).unlink()
            spec = toolbox.spec()
            continue
        new = [spec.tasks[t] for t in sorted(set(spec.tasks) - known)]
        if not new:
            log(f"attempt {attempt}: no new task ({played.ended})")
        for task in new:
            outcome = result.tasks.setdefault(task.id, TaskOutcome(task.id, round=attempt))
            others = [t for tid, t in spec.tasks.items() if tid != task.id and tid not in result.rejected]
            duplicate = near_duplicate(spec, task, others, index)
            if duplicate:
                outcome.reason = duplicate
                run.stage("duplicate check", 0.0, task=task.id, passed=False, detail=duplicate)
                log(f"  {task.id}: rejected, {duplicate}")
            else:
                run.stage("duplicate check", 0.0, task=task.id, passed=True)
                judge_task(spec, task, toolbox, outcome, reviewer if review else None, log)
            if not outcome.accepted:
                refused[task.id] = f"{' '.join(task.instruction.split())} (rejected: {outcome.reason[:300]})"
                take_out_rejected_now(toolbox, task.id)
        spec = toolbox.spec()
    finish_run(toolbox, result, memory, summariser, reviewer if review else None, watch(), "amplify", log)
    return result


def take_out_rejected_now(toolbox: Toolbox, task_id: str) -> None:
    """Move a rejected task's own files into the run folder at once (later attempts must not see it)."""
    take_out_rejected(toolbox, RunResult(toolbox.workspace.software, toolbox.run.path, "",
                                         tasks={task_id: TaskOutcome(task_id)}))
