"""The creator's tools: files inside ``envs/<software>/``, scaffold, explore, one task's audit, the memory.

:data:`TOOL_SCHEMAS` are the OpenAI ``tools`` the chat creator is offered; :meth:`Toolbox.call` runs one call and
always returns text for the model (a refusal or an error is text too, never an exception: the model reads it
and can correct itself). Every call is recorded in the run folder.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..specs.audits import TaskAudit
from ..specs.loader import load_env
from ..specs.model import SoftwareSpec, TaskSpec
from .memory import Memory
from .runfolder import RunFolder, Stopwatch, read_jsonl
from .workspace import PathRefused, Workspace

OCR_WORDS = 250  # words of the last frame listed with their centres in an explore result


def _tool(name: str, description: str, properties: dict[str, Any] | None = None,
          required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "description": description, "parameters": {
        "type": "object", "properties": properties or {}, "required": list(required),
        "additionalProperties": False}}}


_PATH = {"type": "string", "description": "a path relative to the software's folder envs/<software>/"}
TOOL_SCHEMAS: list[dict[str, Any]] = [
    _tool("list_files", "List every file in the software's folder envs/<software>/."),
    _tool("read_file", "Read a text file of the software's folder.", {"path": _PATH}, ("path",)),
    _tool("write_file", "Create or replace a text file in the software's folder (env.yaml, tasks/<id>.yaml, "
                        "setup.py, verifier.py, oracle.py, home/...). Paths outside the folder are refused.",
          {"path": _PATH, "content": {"type": "string", "description": "the whole new content of the file"}},
          ("path", "content")),
    _tool("delete_file", "Delete a file of the software's folder.", {"path": _PATH}, ("path",)),
    _tool("scaffold", "Write a first env.yaml and HOME template for the software from its Debian package: launches "
                      "the real app, finds its window, first-run dialogs and time to ready. Only needed when "
                      "env.yaml is missing; force=true replaces an existing scaffold.",
          {"package": {"type": "string", "description": "the Debian package"},
           "force": {"type": "boolean", "description": "replace an existing env.yaml"}}, ("package",)),
    _tool("explore", "Run actions on a fresh instance of the app (a task's, after its setup for the seed, or the "
                     "app alone) and see what happened: per step the windows and the words read on the screen "
                     "by OCR with the point to click on each word (screen pixels).",
          {"actions": {"type": "array", "items": {"type": "string"},
                       "description": "one action per item, pyautogui-style (pyautogui.hotkey('ctrl', 's'), "
                                      "pyautogui.click(640, 360), pyautogui.write('text'), DONE) or JSON actions"},
           "task": {"type": "string", "description": "a task id of this software (omit: the app alone)"},
           "seed": {"type": "integer", "description": "the task's seed (default 0)"},
           "find": {"type": "string", "description": "a text to locate on every frame (e.g. 'Save As')"}},
          ("actions",)),
    _tool("audit_task", "Run the audit gate on one task on the real app (seeds, oracle, random and do-nothing "
                        "agents, mutants of the oracle's plan, leak probes, spec lint) and get its report.",
          {"task": {"type": "string", "description": "the task id (tasks/<id>.yaml)"}}, ("task",)),
    _tool("read_memory", "Read the notes of earlier creation runs: general ones and this software's, with the "
                         "audit checks that failed most and the fixes that worked."),
    _tool("finish", "End this round: every task in tasks/ is then audited by the gate and reviewed by an "
                    "independent auditor; their findings come back to you if a task fails.",
          {"summary": {"type": "string", "description": "what you built, in a few lines"}}),
]
TOOL_NAMES = tuple(t["function"]["name"] for t in TOOL_SCHEMAS)


def gate_text(audit: TaskAudit | dict[str, Any]) -> str:
    """The gate's report as the creator reads it: the verdict, then every check with its detail, verbatim."""
    record = audit.to_json() if isinstance(audit, TaskAudit) else audit
    lines = [f"audit gate on {record.get('task')}: {'PASS' if record.get('passed') else 'FAIL'} "
             f"(seeds {record.get('seeds')})"]
    for check in record.get("checks") or []:
        lines.append(f"- {'PASS' if check.get('passed') else 'FAIL'} {check.get('name')}: {check.get('detail', '')}")
    return "\n".join(lines)


@dataclass
class Settings:
    """How tools audit: seeds per audit, random-agent steps, whether the mutation test runs."""

    seeds: int = 3
    random_steps: int = 15
    mutate: bool = True
    explore_ocr: bool = True


@dataclass
class Toolbox:
    """The tools of one creation run on one software (``workspace``), recording into ``run``."""

    workspace: Workspace
    run: RunFolder
    memory: Memory | None = None
    settings: Settings = field(default_factory=Settings)
    disabled: frozenset[str] = frozenset()  # tools refused in this run (``create amplify``: no scaffold)
    finished: str | None = None  # the summary given to ``finish`` (None: not finished)

    def call(self, name: str, arguments: dict[str, Any] | str, stage: str = "create") -> tuple[bool, str]:
        """Run tool ``name``; (ok, the text for the model). Never raises for the model's mistakes."""
        watch = Stopwatch()
        args: Any = arguments
        try:
            if isinstance(arguments, str):
                args = json.loads(arguments or "{}")
            if not isinstance(args, dict):
                raise ValueError(f"arguments must be a JSON object, got {type(args).__name__}")
            if name not in TOOL_NAMES:
                raise ValueError(f"there is no tool {name!r}; the tools are {', '.join(TOOL_NAMES)}")
            if name in self.disabled:
                raise PathRefused(f"the tool {name} is not available in this run")
            ok, text = True, getattr(self, f"_{name}")(**args)
        except PathRefused as exc:
            ok, text = False, f"Refused: {exc}"
        except TypeError as exc:  # a missing or unknown argument
            ok, text = False, f"Error: bad arguments for {name}: {exc}"
        except Exception as exc:  # noqa: BLE001 - the model reads what went wrong and corrects itself
            ok, text = False, f"Error: {type(exc).__name__}: {exc}"
        self.run.tool(name, args, ok, text, watch(), stage)
        return ok, text

    # --- the tools --------------------------------------------------------------------------------------

    def _list_files(self) -> str:
        files = self.workspace.files()
        return "\n".join(files) if files else f"envs/{self.workspace.software}/ is empty (call scaffold first)"

    def _read_file(self, path: str) -> str:
        return self.workspace.read(path)

    def _write_file(self, path: str, content: str) -> str:
        target = self.workspace.write(path, content)
        return f"wrote envs/{self.workspace.software}/{path} ({target.stat().st_size} bytes)"

    def _delete_file(self, path: str) -> str:
        self.workspace.delete(path)
        return f"deleted envs/{self.workspace.software}/{path}"

    def _scaffold(self, package: str, force: bool = False) -> str:
        from .scaffold import scaffold

        lines: list[str] = []
        done = scaffold(package, self.workspace.root, software=self.workspace.software, overwrite=bool(force),
                        log=lines.append)
        report = (done.folder / "scaffold" / "report.md").read_text(encoding="utf-8")
        env_yaml = (done.folder / "env.yaml").read_text(encoding="utf-8")
        return "\n".join(lines) + f"\n\n== env.yaml ==\n{env_yaml}\n== scaffold/report.md ==\n{report}"

    def _explore(self, actions: list[Any], task: str | None = None, seed: int = 0, find: str | None = None) -> str:
        from .explore import explore

        out = self.run.explore_dir()
        result = explore(self.spec(), actions, out, task=task, seed=seed, root=self.workspace.root,
                         ocr=self.settings.explore_ocr)
        return explore_text(result.out, find)

    def _audit_task(self, task: str) -> str:
        from ..audit.gate import audit_task

        spec = self.spec()
        task_spec = self.task(spec, task)
        audit = audit_task(spec, task_spec, seeds=self.settings.seeds, random_steps=self.settings.random_steps,
                           mutate=self.settings.mutate,
                           evidence=self.run.path / "evidence" / f"{task}.r{self.run.round}.tool")
        return gate_text(audit)

    def _read_memory(self) -> str:
        return self.memory.text() if self.memory is not None else "(no memory)"

    def _finish(self, summary: str = "") -> str:
        self.finished = summary or "(no summary)"
        return "finished: the tasks now go to the audit gate and the auditor"

    # --- helpers ------------------------------------------------------------------------------------------

    def spec(self) -> SoftwareSpec:
        """The software as its folder is now (a SpecError names the file and field when it does not load)."""
        if not (self.workspace.folder / "env.yaml").is_file():
            raise FileNotFoundError(f"envs/{self.workspace.software}/env.yaml does not exist: call scaffold first")
        return load_env(self.workspace.folder, self.workspace.root, warn=False)

    @staticmethod
    def task(spec: SoftwareSpec, task: str) -> TaskSpec:
        if task not in spec.tasks:
            raise ValueError(f"no task {task!r} in envs/{spec.id}/tasks/ (tasks: {sorted(spec.tasks) or 'none'})")
        return spec.tasks[task]


def explore_text(out: Path, find: str | None = None) -> str:
    """An explore folder as the creator reads it: per step the action, the windows and the OCR lines; the last
    frame's words with the point to click on each; where ``find`` was seen."""
    from .explore import find_text

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    lines = [f"explore: {summary.get('steps')} step(s), stopped: {summary.get('stopped')}; frames and OCR in {out}"]
    if summary.get("ocr_error"):
        lines.append(f"OCR unavailable: {summary['ocr_error']}")
    steps = read_jsonl(out / "steps.jsonl")
    last_words: list[dict[str, Any]] = []
    for step in steps:
        windows = "; ".join(f"{w['title']!r} {w['class']} at {w['x']},{w['y']} {w['width']}x{w['height']}"
                            for w in step.get("windows") or [])
        head = f"step {step['step']}: {step.get('code') or step.get('action') or 'reset'}"
        if step.get("fault"):
            head += f" FAULT {step['fault']}"
        if step.get("verifier"):
            head += f" verifier: {json.dumps(step['verifier'], default=str)[:800]}"
        lines += [head, f"  windows: {windows or 'none'}"]
        ocr = out / "ocr" / f"{step['step']:04d}.json"
        if ocr.is_file():
            words = json.loads(ocr.read_text(encoding="utf-8"))["words"]
            by_line: dict[str, list[str]] = {}
            for w in words:
                by_line.setdefault(json.dumps(w["line"]), []).append(w["text"])
            text = " | ".join(" ".join(ws) for ws in by_line.values())
            lines.append(f"  screen text: {text[:1500]}")
            last_words = words
    if last_words:
        shown = [f"{w['text']}@{w['left'] + w['width'] // 2},{w['top'] + w['height'] // 2}"
                 for w in last_words[:OCR_WORDS]]
        lines.append("last frame, each word with its centre: " + " ".join(shown))
    if find:
        lines.append(f"where {find!r} is: {json.dumps(find_text(out, find))}")
    return "\n".join(lines)


def open_run(software: str, root: Path | str, runs_dir: Path | str | None, name: str,
             settings: Settings | None = None, disabled: frozenset[str] = frozenset()) -> Toolbox:
    """The toolbox of a new run on ``software`` in data root ``root``: its folder ``<runs_dir>/<name>-<UTC time>``
    (default ``ROOT/creation-runs``), the confined workspace and the memory."""
    root = Path(root).resolve()
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    run = RunFolder(Path(runs_dir or root / "creation-runs") / f"{name}-{stamp}")
    return Toolbox(Workspace(root, software), run, Memory(root, software), settings or Settings(), disabled=disabled)
