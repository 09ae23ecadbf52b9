"""``gym-anything create run``: the creation-audit loop.

Round 1 gives the creator the prompt (:func:`build_prompt`: the rules, the spec docs, a worked example, the
memory, the software's folder). After each round every task whose files changed is a candidate: the audit gate
runs on it on the real app, and a task that passes goes to the auditor agent (``audit/review.py``). A task
passing both is accepted: its audit and review are stored (``audits/<software>/``), so the registry serves it.
The others' findings (the failed checks verbatim, the reviewer's failed items with its evidence) are the next
round's message. After the last round a task still failing is taken out of ``tasks/`` into the run folder.
Then the memory is updated (:mod:`.memory`). Everything is recorded in the run folder (:mod:`.runfolder`).
"""

from __future__ import annotations

import ast
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import SpecError
from ..models.backends import Backend
from ..specs.audits import TaskAudit, VersionNotBumpedError, audit_path, store, task_digest
from ..specs.model import SoftwareSpec, TaskSpec
from ..specs.paths import PACKAGE_DIR
from .creators import Creator
from .memory import Memory
from .runfolder import RunFolder, Stopwatch, read_jsonl
from .tools import Settings, Toolbox, gate_text, open_run
from .workspace import Workspace

DOCS = ("spec-format.md", "adding-a-software.md")  # the spec docs the prompt carries (from the checkout's docs/)
EXAMPLE = ("mousepad", "append-entry")  # the worked example: a registered task, its files shown in full

TASK_RULES = """\
Rules every task must follow (the audit gate and an independent auditor check them; a task that breaks one is
rejected):
1. Files: a task is tasks/<id>.yaml plus its code in tasks/<id>.py with three functions: setup(ctx) -> dict,
   verify(ctx) -> None and solve(ctx) -> list of actions. The YAML names them:
   setup: tasks/<id>.py:setup, verifier: tasks/<id>.py:verify, oracle: tasks/<id>.py:solve. One file per task:
   a task's digest covers every file its code uses, so a shared file changed for one task invalidates the
   audits of all the others. Helpers shared by several tasks go in a helper module (from . import helpers).
2. Setup: generate realistic data from ctx.rng only (no random, no clock); write start files into ctx.home;
   return only privileged values the agent cannot read (keep copies of start files in the private folder
   ctx.private, which the verifier reads as ctx.private_dir; the verifier's ctx.private is the returned dict). The
   untouched start state must fail the verifier. Different seeds must give different values.
3. Instruction: complete and unambiguous: which file, what outcome, saved; every valid way of doing it passes.
   Placeholders come from parameters and ctx.public. Do not give away privileged values.
4. Verifier: read what the application saved under ctx.home; ctx.require(name, ok, detail) for gates,
   ctx.check(name, ok, detail, weight) for scored items; fail closed. It must check the outcome exactly: a
   file that is merely saved, a partial edit, a changed digit, a dropped or duplicated value must all fail
   (the gate runs mutants of the oracle's plan and reports the ones that survive).
5. Oracle: the actions that solve the instance through the app's GUI, built with gym_anything.actions as A
   (A.hotkey("ctrl", "s"), A.type(text), A.click(x, y), A.press("enter")), ending with A.done(). It must score 1
   on every seed. max_steps about twice the oracle's length.
6. Privileged values never appear on the start screen or in HOME unless the instruction states them or they are
   listed in visible:.
7. Only files inside envs/<software>/ may be written. Bump version: when you change a task that was accepted.
Call finish when the tasks of this round are written; the audit runs after that."""


@dataclass
class TaskOutcome:
    """Where one task stands in the run: accepted or not, after how many rounds, and why not."""

    task: str
    accepted: bool = False
    round: int = 0
    reason: str = ""
    gate: list[dict[str, Any]] = field(default_factory=list)  # the gate's failed checks of each audited round
    review: list[dict[str, Any]] = field(default_factory=list)  # the reviewer's failed items of each review


@dataclass
class RunResult:
    """The outcome of a creation run (``result.json`` in the run folder)."""

    software: str
    run: Path
    creator: str
    rounds: int = 0
    tasks: dict[str, TaskOutcome] = field(default_factory=dict)
    memory_problem: str | None = None
    stopped: str | None = None  # why the run ended before its last round (the creator's endpoint failed)

    @property
    def accepted(self) -> list[str]:
        return sorted(t for t, o in self.tasks.items() if o.accepted)

    @property
    def rejected(self) -> dict[str, str]:
        return {t: o.reason for t, o in sorted(self.tasks.items()) if not o.accepted}


# --- the prompt ------------------------------------------------------------------------------------------


def build_prompt(software: str, workspace: Workspace, memory: Memory, package: str | None, n_tasks: int) -> str:
    """The creator's first message: the job, the rules, the tools, the docs, a worked example, the memory and the
    software's folder as it is."""
    docs = PACKAGE_DIR.parent / "docs"
    parts = [f"You create verified tasks for the desktop application {software!r} (Debian package "
             f"{package or software}) in gym-anything: computer-use agents see its screen and act with mouse and "
             f"keyboard; a verifier scores what the application saved. Write {n_tasks} realistic task(s) people "
             f"do at work with this application, in the folder envs/{software}/ (your tools read and write only "
             "there). Use explore to learn the GUI (the OCR gives the point to click on each word) and audit_task "
             "to check a task before you finish.", TASK_RULES]
    for name in DOCS:
        if (docs / name).is_file():
            parts.append(f"== docs/{name} ==\n{(docs / name).read_text(encoding='utf-8')}")
    parts.append(example_text(*EXAMPLE))
    parts.append(f"== Memory of earlier runs ==\n{memory.text()}")
    files = workspace.files()
    parts.append(f"== envs/{software}/ now ==\n" + ("\n".join(files) if files else "(empty: call scaffold)"))
    if (workspace.folder / "env.yaml").is_file():
        parts.append(f"== envs/{software}/env.yaml ==\n{workspace.read('env.yaml')}")
    if (workspace.folder / "scaffold" / "report.md").is_file():
        parts.append(f"== envs/{software}/scaffold/report.md ==\n{workspace.read('scaffold/report.md')}")
    return "\n\n".join(parts)


def example_text(software: str, task: str) -> str:
    """A registered task shown in full: its YAML and its setup, verifier and oracle functions."""
    from ..specs.registry import all_software

    env = all_software().get(software)
    if env is None or task not in env.tasks:
        return f"(the worked example {software}.{task} is not installed)"
    spec = env.tasks[task]
    lines = [f"== Worked example: {software}.{task} (a registered, audited task; its code follows the older "
             "convention of one setup.py/verifier.py/oracle.py per software) ==",
             f"-- {spec.file.relative_to(env.root).as_posix()} --\n{spec.file.read_text(encoding='utf-8')}"]
    for role in ("setup", "verifier", "oracle"):
        ref = getattr(spec, role)
        if ref is not None:
            lines.append(f"-- {ref.path}: {ref.function} --\n{function_source(ref.file, ref.function)}")
    return "\n".join(lines)


def function_source(path: Path, name: str) -> str:
    source = path.read_text(encoding="utf-8")
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return ast.get_source_segment(source, node) or ""
    return f"(no function {name} in {path.name})"


# --- the loop --------------------------------------------------------------------------------------------


def create_run(software: str, creator: Creator, *, root: Path | str, reviewer: Backend | None,
               package: str | None = None, rounds: int = 3, n_tasks: int = 1, runs_dir: Path | str | None = None,
               settings: Settings | None = None, summariser: Backend | None = None, review: bool = True,
               log: Callable[[str], None] = print) -> RunResult:
    """Run the creation-audit loop on ``software`` in data root ``root``; see the module docstring.

    ``reviewer``: the auditor agent's model (required unless ``review=False``, which accepts on the gate alone
    and says so in the result). ``package``: scaffold from it first when ``envs/<software>/env.yaml`` is missing.
    """
    if rounds < 1:
        raise ValueError(f"rounds must be at least 1, got {rounds}")
    if review and reviewer is None:
        raise ValueError("a creation run needs a reviewer model for the auditor agent (or review=False)")
    toolbox = open_run(software, root, runs_dir, software, settings)
    run, workspace, memory = toolbox.run, toolbox.workspace, toolbox.memory
    assert memory is not None
    result = RunResult(software, run.path, creator.name)
    watch = Stopwatch()
    if package and not (workspace.folder / "env.yaml").is_file():
        t = Stopwatch()
        ok, text = toolbox.call("scaffold", {"package": package}, stage="scaffold")
        run.stage("scaffold", t(), ok=ok)
        log(f"scaffold {package}: {'ok' if ok else text}")
    before = _digests(toolbox)  # tasks there before the run: not candidates until their files change
    message = build_prompt(software, workspace, memory, package, n_tasks)
    run.write_text("prompt.md", message)
    run.stage("prompt", 0.0, characters=len(message), approx_tokens=len(message) // 4)
    judged: dict[str, str] = {}  # task -> the digest last audited in this run
    for number in range(1, rounds + 1):
        run.round = result.rounds = number
        log(f"round {number}: {creator.name}")
        played = creator.round(toolbox, message)
        run.stage("create", played.seconds, model=creator.name, prompt_tokens=played.prompt_tokens,
                  completion_tokens=played.completion_tokens, turns=played.turns, ended=played.ended)
        feedback = _judge_round(toolbox, result, before, judged, reviewer if review else None, log)
        run.write_text(f"feedback/r{number}.md", feedback or "(nothing to report: every candidate was accepted)")
        if played.ended.startswith("error"):
            result.stopped = f"the creator failed in round {number}: {played.ended}"
            log(result.stopped)
            break
        if not feedback:
            break
        message = (f"Round {number} findings. Fix the tasks below (or delete a task you cannot fix), then call "
                   f"finish.\n\n{feedback}")
    finish_run(toolbox, result, memory, summariser, reviewer if review else None, watch(), "run", log)
    return result


def finish_run(toolbox: Toolbox, result: RunResult, memory: Memory, summariser: Backend | None,
               reviewer: Backend | None, seconds: float, kind: str, log: Callable[[str], None]) -> None:
    """Take the rejected tasks out, update the memory and write ``result.json``."""
    run = toolbox.run
    take_out_rejected(toolbox, result)
    t = Stopwatch()
    tokens = (getattr(summariser, "prompt_tokens", 0), getattr(summariser, "completion_tokens", 0))
    result.memory_problem = memory.update(run_outcome(result, run), summariser)
    run.stage("summarise", t(), model=getattr(summariser, "model", None) if summariser else None,
              prompt_tokens=getattr(summariser, "prompt_tokens", 0) - tokens[0],
              completion_tokens=getattr(summariser, "completion_tokens", 0) - tokens[1])
    run.write_json("result.json", {
        "kind": kind, "software": result.software, "creator": result.creator,
        "reviewer": getattr(reviewer, "model", None) if reviewer else "none (accepted on the gate alone)",
        "rounds": result.rounds, "accepted": result.accepted, "rejected": result.rejected,
        "tasks": {t: o.__dict__ for t, o in sorted(result.tasks.items())}, "memory_problem": result.memory_problem,
        "stopped": result.stopped,
        "wall_seconds": round(seconds + t(), 1), "settings": toolbox.settings.__dict__})
    log(f"{result.software}: {len(result.accepted)} accepted {result.accepted}, {len(result.rejected)} rejected; "
        f"{run.path}")


def _digests(toolbox: Toolbox) -> dict[str, str]:
    try:
        spec = toolbox.spec()
    except (FileNotFoundError, SpecError):
        return {}
    return {tid: task_digest(spec, t) for tid, t in spec.tasks.items()}


def _judge_round(toolbox: Toolbox, result: RunResult, before: dict[str, str], judged: dict[str, str],
                 reviewer: Backend | None, log: Callable[[str], None]) -> str:
    """Audit and review the round's candidates; the findings for the creator ('' when nothing failed)."""
    run = toolbox.run
    try:
        spec = toolbox.spec()
    except (FileNotFoundError, SpecError) as exc:
        return f"The software's folder does not load, so no task could be audited:\n{exc}"
    if not spec.tasks:
        return "There is no task in tasks/ yet: write the tasks, then call finish."
    findings = []
    for task_id, task in sorted(spec.tasks.items()):
        digest = task_digest(spec, task)
        if before.get(task_id) == digest:
            continue  # there before the run, and not changed by it
        if judged.get(task_id) == digest:
            kept = result.tasks[task_id]
            if not kept.accepted:
                findings.append(f"## {task_id}: unchanged since round {kept.round}, still rejected\n{kept.reason}")
            continue
        judged[task_id] = digest
        outcome = result.tasks.setdefault(task_id, TaskOutcome(task_id))
        outcome.round, outcome.accepted = run.round, False
        text = judge_task(spec, task, toolbox, outcome, reviewer, log, fresh=task_id not in before)
        if text:
            findings.append(text)
    for task_id, gone in result.tasks.items():
        if task_id not in spec.tasks and not gone.reason.startswith("deleted"):
            gone.accepted, gone.reason = False, f"deleted by the creator in round {run.round}"
    return "\n\n".join(findings)


def judge_task(spec: SoftwareSpec, task: TaskSpec, toolbox: Toolbox, outcome: TaskOutcome,
                reviewer: Backend | None, log: Callable[[str], None], fresh: bool = True) -> str:
    """Audit one candidate, review it when the gate passed, store it when both passed; the findings for the
    creator ('' when accepted). ``fresh``: the task did not exist before the run (see :func:`store_accepted`)."""
    from ..audit.gate import audit_task
    from ..audit.review import assemble_evidence, review_task, store_review

    run, settings = toolbox.run, toolbox.settings
    t = Stopwatch()
    audit: TaskAudit = audit_task(spec, task, seeds=settings.seeds, random_steps=settings.random_steps,
                                  mutate=settings.mutate, evidence=run.path / "evidence" / f"{task.id}.r{run.round}")
    run.stage("audit", t(), task=task.id, passed=audit.passed)
    run.write_json(f"audits/{task.id}.r{run.round}.json", audit.to_json())
    log(f"  {task.id}: gate {'PASS' if audit.passed else 'FAIL'} ({t():.0f} s)")
    if not audit.passed:
        failed = [c for c in audit.to_json()["checks"] if not c["passed"]]
        outcome.gate.append({"round": run.round, "failed": [c["name"] for c in failed]})
        outcome.reason = "the audit gate failed: " + "; ".join(c["name"] for c in failed)
        return f"## {task.id}: the audit gate FAILED\n{gate_text(audit)}"
    if reviewer is not None:
        t = Stopwatch()
        tokens = (getattr(reviewer, "prompt_tokens", 0), getattr(reviewer, "completion_tokens", 0))
        evidence = assemble_evidence(spec, task, gate=audit)
        review = review_task(spec, task, reviewer, evidence)
        run.stage("review", t(), task=task.id, model=review.model, passed=review.passed,
                  prompt_tokens=getattr(reviewer, "prompt_tokens", 0) - tokens[0],
                  completion_tokens=getattr(reviewer, "completion_tokens", 0) - tokens[1])
        run.write_json(f"reviews/{task.id}.r{run.round}.json", review.to_json())
        log(f"  {task.id}: review {'PASS' if review.passed else 'FAIL'}")
        if not review.passed:
            failed_items = [v for v in review.items if not v.passed]
            outcome.review.append({"round": run.round, "failed": [v.name for v in failed_items],
                                   "error": review.error})
            outcome.reason = "the auditor rejected it: " + (review.error or "; ".join(
                f"{v.name}: {v.evidence}" for v in failed_items))
            lines = [f"## {task.id}: the audit gate passed; the independent auditor REJECTED it"]
            if review.error:
                lines.append(f"- the review failed: {review.error}")
            lines += [f"- FAIL {v.name}: {v.evidence}" for v in failed_items]
            return "\n".join(lines)
    try:
        store_accepted(spec, task, audit, fresh)
    except VersionNotBumpedError as exc:
        outcome.reason = f"it passed but cannot be stored: {exc}"
        return f"## {task.id}: passed the gate and the auditor, but cannot be stored\n- {exc}"
    if reviewer is not None:
        store_review(spec, task, review)
    outcome.accepted, outcome.reason = True, ""
    return ""


def store_accepted(spec: SoftwareSpec, task: TaskSpec, audit: TaskAudit, fresh: bool) -> None:
    """Store a passing audit. A ``fresh`` task (first written in this run) may be re-recorded with a new digest
    for the same version; a task that existed before the run keeps its history: changing it without bumping
    ``version:`` raises :class:`VersionNotBumpedError`."""
    try:
        store(spec, task, audit)
    except VersionNotBumpedError:
        if not fresh:
            raise
        audit_path(spec, task).unlink(missing_ok=True)
        store(spec, task, audit)


def take_out_rejected(toolbox: Toolbox, result: RunResult) -> None:
    """Move each rejected task's YAML (and its own code file) from tasks/ into the run folder."""
    folder = toolbox.workspace.folder / "tasks"
    for task_id in result.rejected:
        for path in (folder / f"{task_id}.yaml", folder / f"{task_id}.py"):  # the task's own files only
            if path.is_file():
                dest = toolbox.run.path / "rejected" / path.name
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(path), dest)


def run_outcome(result: RunResult, run: RunFolder) -> dict[str, Any]:
    """The run as the memory keeps it: accepted and rejected tasks, every failed check and review item, and the
    fixes that worked (a check failed in round N and the task passed it later: the files changed meanwhile)."""
    failed_checks = [name for o in result.tasks.values() for g in o.gate for name in g["failed"]]
    failed_items = [name for o in result.tasks.values() for r in o.review for name in r["failed"]]
    writes: dict[int, list[str]] = {}
    summaries: dict[int, str] = {}
    for call in read_jsonl(run.path / "tools.jsonl"):
        if call["tool"] in ("write_file", "delete_file") and call["ok"]:
            writes.setdefault(call["round"], []).append(call["arguments"].get("path", "?"))
        if call["tool"] == "finish":
            summaries[call["round"]] = str(call["arguments"].get("summary", ""))
    fixes = []
    for outcome in result.tasks.values():
        for failure in outcome.gate + outcome.review:
            later_fail = {n for f in outcome.gate + outcome.review if f["round"] > failure["round"]
                          for n in f["failed"]}
            passed_later = outcome.accepted or outcome.round > failure["round"]
            for name in failure["failed"]:
                if passed_later and name not in later_fail:
                    nxt = failure["round"] + 1
                    fixes.append({"software": result.software, "task": outcome.task, "check": name, "round": nxt,
                                  "changed": sorted(set(writes.get(nxt, []))), "summary": summaries.get(nxt, "")})
    return {"run": run.path.name, "software": result.software, "rounds": result.rounds, "accepted": result.accepted,
            "rejected": result.rejected, "failed_checks": failed_checks, "failed_items": failed_items,
            "fixes": fixes}
