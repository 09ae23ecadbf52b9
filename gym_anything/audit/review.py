"""The auditor agent: a model that never saw how a task was made reviews it for what no programmatic check sees.

:func:`assemble_evidence` runs the task once on its application (the start screen, and the final screen after the
oracle's actions) and collects the instruction for that seed, the task's files with their comments and docstrings
removed (they are the author's word, not evidence), what HOME holds at the start, a sample of the privileged
values and the audit gate's report. :func:`review_task` sends that with the fixed :data:`REVIEW_CHECKLIST` to a
model backend and reads its strict-JSON reply; anything missing, extra or malformed fails closed. Reviews are
stored beside the audit records (``audits/<software>/<task>.review.json``) and count only for the task digest
they reviewed.
"""

from __future__ import annotations

import ast
import datetime as dt
import gzip
import io
import json
import sqlite3
import time
import tokenize
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ..authoring.formats import GNM_NS, cell_name
from ..models.answers import ModelAnswerError, load_json_answer
from ..models.backends import Backend, ModelSpec, is_model_spec, make_backend, parse_model_spec
from ..specs.audits import TaskAudit, audit_path, stored_audit, task_digest
from ..specs.model import SoftwareSpec, TaskSpec
from .gate import run_plan

PRIVILEGED_CHARS = 4000  # the privileged values' JSON is cut after this many characters
HOME_CHARS = 6000  # the description of HOME at the start likewise
TEXT_SAMPLE_CHARS = 1500  # the start of each text file in HOME shown
TABLE_SAMPLE_ROWS = 3  # rows shown per database table or spreadsheet


@dataclass(frozen=True)
class ReviewItem:
    """One question of the review checklist: ``name`` is the key of its verdict in the reply."""

    name: str
    question: str


REVIEW_CHECKLIST: tuple[ReviewItem, ...] = (
    ReviewItem("instruction", "Is the instruction sufficient and unambiguous: does it tell an agent everything it "
                              "needs to reach the outcome the verifier checks, with only one reasonable reading? Would "
                              "every valid way of doing what it asks pass (alternative valid solutions must not be "
                              "penalised)?"),
    ReviewItem("start-state", "Is the start state right: the right file open in the application, the data loaded, and "
                              "the task completable from the start screen?"),
    ReviewItem("data", "Is the data realistic and large enough to be real work (not a handful of rows or lines), and "
                       "consistent with the instruction?"),
    ReviewItem("real-work", "Is the task real work that people in the software's occupations do, not a demonstration "
                            "of one feature?"),
    ReviewItem("verifier", "Does the verifier check the outcome (what the application saved) and not the route taken: "
                           "would a wrong result fail and every correct one pass?"),
    ReviewItem("other", "Is the task free of any other problem a programmatic check cannot see (misleading wording, "
                        "data that contradicts the instruction, the answer given away, anything else a careful "
                        "reviewer would object to)?"),
)


# --- evidence ----------------------------------------------------------------------------------------------


@dataclass
class Evidence:
    """What the auditor agent is shown about one task instance (``error``: the run that gathers it failed)."""

    task: str
    software: str
    digest: str
    seed: int
    files: dict[str, str] = field(default_factory=dict)  # label -> text (code without comments and docstrings)
    gate: str = ""
    instruction: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    home: str = ""
    privileged: str = ""
    oracle: str = ""
    start_frame: np.ndarray | None = None
    final_frame: np.ndarray | None = None
    error: str | None = None

    @property
    def images(self) -> list[np.ndarray]:
        """The start screen and the oracle's final screen (those that were captured)."""
        return [f for f in (self.start_frame, self.final_frame) if f is not None]


def assemble_evidence(env_spec: SoftwareSpec, task: TaskSpec, seed: int = 1000,
                      gate: TaskAudit | dict[str, Any] | None = None, *, runner: str = "local") -> Evidence:
    """Run the task once (reset with ``seed``, the oracle's actions, DONE) and gather the evidence for a review.

    ``gate``: the gate's report to show (a fresh :class:`TaskAudit` or a record); default the stored audit record.
    ``runner``: the env's runner (``fake`` for tests of the code around the env). Never raises for a failing
    task: the failure is the evidence's ``error`` (and fails the review).
    """
    from ..core.env import GymAnythingEnv

    evidence = Evidence(task=task.gym_id, software=f"{env_spec.name} ({env_spec.id})",
                        digest=task_digest(env_spec, task), seed=seed)
    env = None
    try:
        evidence.files = task_sources(env_spec, task)
        evidence.gate = gate_report(env_spec, task, gate)
        env = GymAnythingEnv(env_spec, task.id, render_mode="rgb_array", runner=runner, audit=False)
        evidence.start_frame, info = env.reset(seed=seed)
        evidence.instruction, evidence.params = info["instruction"], dict(info["params"])
        evidence.privileged = _cut(_json(env.privileged(), indent=1), PRIVILEGED_CHARS)
        if env.episode_home is not None:
            evidence.home = home_summary(env.episode_home)
        plan = env.oracle_actions()
        reward, last, steps = run_plan(env, plan)
        evidence.final_frame = env.render()
        evidence.oracle = _oracle_summary(reward, last, steps)
    except Exception as exc:  # noqa: BLE001 - a failing task is reported in the evidence, never raised
        evidence.error = f"{type(exc).__name__}: {exc}"
    finally:
        if env is not None:
            env.close()
    return evidence


def _json(value: Any, indent: int | None = None) -> str:
    try:
        return json.dumps(value, indent=indent, sort_keys=True, default=str)
    except TypeError:  # keys of mixed types do not sort
        return json.dumps(value, indent=indent, default=str)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}\n... (cut: {len(text)} characters in all)"


def _oracle_summary(reward: float, info: dict[str, Any], steps: int) -> str:
    verdict = info.get("verifier") or {}
    lines = [f"The oracle took {steps} actions (DONE included); the verifier then gave score {reward}, "
             f"passed {verdict.get('passed')}" + (f", error {verdict['error']}" if verdict.get("error") else "")
             + (f", fault {info['fault']}" if info.get("fault") else "") + ". Its checklist:"]
    lines += [f"- {'PASS' if i.get('passed') else 'FAIL'} {i.get('name')}: {i.get('detail', '')}"
              for i in verdict.get("items", [])]
    return "\n".join(lines)


def gate_report(env_spec: SoftwareSpec, task: TaskSpec, gate: TaskAudit | dict[str, Any] | None = None) -> str:
    """The audit gate's checks as text: ``gate`` (a fresh report) or else the stored audit record, if any."""
    if gate is None:
        record = stored_audit(env_spec, task)
        if record is None:
            return "There is no gate report: the task has no stored audit record."
        source = "the stored audit record"
    else:
        record = gate.to_json() if isinstance(gate, TaskAudit) else gate
        source = "a fresh run of the audit gate"
    current = record.get("digest") == task_digest(env_spec, task)
    lines = [f"Source: {source}, dated {record.get('date') or 'unknown'}; it was made for "
             f"{'the' if current else 'OTHER files than the'} task's current files.",
             f"Result: {'PASS' if record.get('passed') else 'FAIL'} on seeds {record.get('seeds')}."]
    for check in record.get("checks") or []:
        lines.append(f"- {'PASS' if check.get('passed') else 'FAIL'} {check.get('name')}: {check.get('detail', '')}")
    return "\n".join(lines)


# --- the task's files, without what their author says about them -------------------------------------------


def task_sources(env_spec: SoftwareSpec, task: TaskSpec) -> dict[str, str]:
    """The task's files as text, keyed by a label: its YAML and the env.yaml (comments dropped), and for each of
    its setup, verifier and oracle the function and the module-level code it uses (comments and docstrings
    removed)."""
    def where(path: Path) -> str:
        return path.relative_to(env_spec.root).as_posix() if path.is_relative_to(env_spec.root) else str(path)

    files = {f"{where(path)} (YAML, comments removed)": _yaml_text(path)
             for path in (task.file, env_spec.folder / "env.yaml")}
    for role in ("setup", "verifier", "oracle"):
        ref = getattr(task, role)
        if ref is not None:
            label = (f"{ref.path} ({role}: the function {ref.function} and the module-level code it uses; "
                     "comments and docstrings removed)")
            files[label] = code_excerpt(ref.file.read_text(encoding="utf-8"), ref.function)
    return files


def _yaml_text(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    try:
        return yaml.safe_dump(yaml.safe_load(text), sort_keys=False, allow_unicode=True, width=110).strip()
    except yaml.YAMLError:
        return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def _bare_strings(tree: ast.AST) -> list[tuple[ast.Expr, bool]]:
    """Statements that are only a string literal (docstrings and the like), each with whether removing it would
    leave its block empty (it then becomes ``...``)."""
    found = []
    for node in ast.walk(tree):
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if not isinstance(block, list) or not block or not isinstance(block[0], ast.stmt):
                continue
            strings = [s for s in block if isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)
                       and isinstance(s.value.value, str)]
            only = len(strings) == len(block) and not isinstance(node, ast.Module)
            found += [(s, only and index == 0) for index, s in enumerate(strings)]
    return found


_MARK = "\x00"  # stands where something was removed, so lines left empty by a removal can be dropped


def strip_comments(source: str) -> str:
    """Python source without comments, docstrings or other bare string statements; the rest keeps its layout."""
    tree = ast.parse(source)
    lines = io.StringIO(source).readlines()  # split at "\n" only, as the tokenizer does

    def offset(line: int, column: int) -> int:  # ast columns count UTF-8 bytes, tokenize columns characters
        return sum(len(text) for text in lines[:line - 1]) + column

    def char_column(line: int, byte_column: int) -> int:
        return len(lines[line - 1].encode("utf-8")[:byte_column].decode("utf-8", "replace"))

    cuts: list[tuple[int, int, str]] = []
    for node, keep_block in _bare_strings(tree):
        assert node.end_lineno is not None and node.end_col_offset is not None
        start = offset(node.lineno, char_column(node.lineno, node.col_offset))
        end = offset(node.end_lineno, char_column(node.end_lineno, node.end_col_offset))
        cuts.append((start, end, "..." if keep_block else _MARK))
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            cuts.append((offset(*token.start), offset(*token.end), _MARK))
    text = source
    for start, end, replacement in sorted(cuts, reverse=True):
        text = text[:start] + replacement + text[end:]
    kept: list[str] = []
    for line in text.split("\n"):
        if _MARK in line and not line.replace(_MARK, "").strip():
            continue
        line = line.replace(_MARK, "").rstrip()
        if line or (kept and any(kept[-2:])):  # at most two blank lines in a row
            kept.append(line)
    result = "\n".join(kept).strip("\n") + "\n"
    try:
        ast.parse(result)
    except SyntaxError:  # e.g. a docstring followed by `; code` on its line: fall back to the syntax tree
        for node, _ in _bare_strings(tree):
            node.value = ast.Constant(value=...)
        return ast.unparse(tree) + "\n"
    return result


def _defined(node: ast.stmt) -> set[str]:
    """The module-level names a top-level statement binds."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    names = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
            names.add(sub.id)
        elif isinstance(sub, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in sub.names if alias.name != "*")
        elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(sub.name)
    return names


def code_excerpt(source: str, function: str) -> str:
    """``function`` and the module-level statements it uses (transitively), in file order, without comments and
    docstrings; the whole module when it defines no such function."""
    tree = ast.parse(source)
    statements = [s for s in tree.body if not isinstance(s, ast.ImportFrom) or s.module != "__future__"]
    binders: dict[str, list[int]] = {}
    for index, node in enumerate(statements):
        for name in _defined(node):
            binders.setdefault(name, []).append(index)
    if function not in binders:
        return strip_comments(source)
    chosen: set[int] = set()
    pending = list(binders[function])
    while pending:
        index = pending.pop()
        if index in chosen:
            continue
        chosen.add(index)
        used = {n.id for n in ast.walk(statements[index]) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        pending += [i for name in used for i in binders.get(name, ()) if i not in chosen]
    lines = io.StringIO(source).readlines()
    text, last = "", 0
    for index in sorted(chosen):
        node = statements[index]
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        gap = "" if not text else "\n" if first == last + 1 else "\n\n"  # neighbours in the file stay together
        text += gap + "".join(lines[first - 1:node.end_lineno]).rstrip("\n")
        last = node.end_lineno or node.lineno
    return strip_comments(text + "\n")


# --- HOME at the start -------------------------------------------------------------------------------------


def home_summary(home: Path, limit: int = HOME_CHARS) -> str:
    """What HOME holds when the agent starts: each file (hidden configuration only counted) with a sample of its
    content: text, database tables, spreadsheet cells."""
    try:
        files = sorted(p for p in home.rglob("*") if p.is_file())
    except OSError as exc:
        return f"(HOME could not be listed: {type(exc).__name__}: {exc})"
    shown = [p for p in files if not any(part.startswith(".") for part in p.relative_to(home).parts)]
    lines = [f"{len(shown)} file(s)" + (f", plus {len(files) - len(shown)} hidden configuration file(s)"
                                        if len(files) > len(shown) else "") + ":"]
    for path in shown:
        try:
            lines.append(f"== {path.relative_to(home).as_posix()} ({path.stat().st_size} bytes)")
            lines += _describe(path)
        except Exception as exc:  # noqa: BLE001 - one unreadable file is described as such
            lines.append(f"(not readable: {type(exc).__name__}: {exc})")
    return _cut("\n".join(lines), limit)


def _describe(path: Path) -> list[str]:
    head = path.read_bytes()[:16]
    if head.startswith(b"SQLite format 3\x00"):
        return _describe_sqlite(path)
    with (gzip.open(path) if head[:2] == b"\x1f\x8b" else path.open("rb")) as stream:
        data = stream.read(4_000_000)
    if b"<gnm:Workbook" in data[:2000]:
        return _describe_gnumeric(data)
    if b"\x00" in data:
        return ["(binary)"]
    text = data.decode("utf-8", "replace")
    return [f"{len(text.splitlines())} lines; it starts:", _cut(text, TEXT_SAMPLE_CHARS)]


def _describe_sqlite(path: Path) -> list[str]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        out = []
        for kind, name, sql in connection.execute("SELECT type, name, sql FROM sqlite_master "
                                                  "WHERE type IN ('table', 'view') ORDER BY rowid"):
            quoted = '"' + name.replace('"', '""') + '"'
            count = connection.execute(f"SELECT COUNT(*) FROM {quoted}").fetchone()[0]
            rows = connection.execute(f"SELECT * FROM {quoted} LIMIT {TABLE_SAMPLE_ROWS}").fetchall()
            out.append(f"{kind} {name}: {count} rows; {' '.join(str(sql).split())}")
            out += [f"  {row!r}" for row in rows]
        return out
    finally:
        connection.close()


def _describe_gnumeric(xml: bytes) -> list[str]:
    ns = {"gnm": GNM_NS}
    out = []
    for sheet in ET.fromstring(xml).findall("gnm:Sheets/gnm:Sheet", ns):
        name = sheet.findtext("gnm:Name", "?", ns)
        cells: dict[int, list[str]] = {}
        for cell in sheet.findall("gnm:Cells/gnm:Cell", ns):
            row, col = int(cell.get("Row", 0)), int(cell.get("Col", 0))
            cells.setdefault(row, []).append(f"{cell_name(row, col)}={cell.text or ''}")
        out.append(f"sheet {name}: {sum(map(len, cells.values()))} cells in {len(cells)} rows")
        out += [f"  {', '.join(cells[row])}" for row in sorted(cells)[:TABLE_SAMPLE_ROWS + 1]]
    return out


# --- the review --------------------------------------------------------------------------------------------


def build_prompt(evidence: Evidence, checklist: tuple[ReviewItem, ...] = REVIEW_CHECKLIST) -> str:
    """The one prompt of a review (the two screenshots go with it)."""
    parts = [
        "You are the auditor of a benchmark task for computer-use agents. You did not create this task; judge it "
        "only by the evidence below, not by what its author claims. In an episode an agent gets the instruction, "
        f"sees the screen of a real desktop application ({evidence.software}) and acts with mouse and keyboard; "
        "then a verifier program reads the files the application saved and scores them against privileged values "
        "that the task's setup generated and the agent never sees.",
        "The code below is shown WITHOUT its comments and docstrings, on purpose: they are the author's claims, "
        "not evidence, and are not to be trusted. Judge the code by what it does.",
        f"== The instruction the agent gets (seed {evidence.seed}) ==\n{evidence.instruction}",
        f"== Its public parameters ==\n{_json(evidence.params)}",
        "== Screenshots ==\nImage 1: the start screen the agent sees after reset. Image 2: the final screen after "
        "the reference solution (the oracle, which knows the privileged values) acted and saved.",
        f"== The reference solution's result ==\n{evidence.oracle}",
        f"== HOME (the agent's files) at the start ==\n{evidence.home}",
        f"== Privileged values of this instance (a sample; the agent never sees them) ==\n{evidence.privileged}",
        "== The audit gate's report ==\nThe gate already checks programmatically: not pre-solved, solved by the "
        "oracle, not passed by random or do-nothing agents, deterministic, different per seed, no privileged "
        "value on screen or reachable by the application, and a spec lint. Look for what such checks cannot "
        f"see.\n{evidence.gate}",
    ]
    parts += [f"== File {label} ==\n{text}" for label, text in evidence.files.items()]
    questions = "\n".join(f'- "{item.name}": {item.question}' for item in checklist)
    parts.append(f"== Checklist ==\n{questions}")
    parts.append('Answer with JSON only, no other text: {"items": {"<name>": {"passed": true or false, "evidence": '
                 '"<what in the material above shows it>"}, ...}} with one entry for each checklist name above '
                 '(exactly those names, each once) and no other fields. "passed" is true only when the evidence '
                 "shows the item holds; when in doubt fail it, and say why.")
    return "\n\n".join(parts)


@dataclass
class Verdict:
    """The reviewer's verdict on one checklist item (a verdict it did not give properly is a failed one)."""

    name: str
    passed: bool
    evidence: str


@dataclass
class TaskReview:
    """The outcome of one review: ``passed`` only when every item passed and the reply was sound (``error``)."""

    task: str
    model: str
    digest: str
    seed: int
    passed: bool = False
    error: str | None = None
    date: str = ""
    wall_time: float = 0.0
    items: list[Verdict] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def parse_review(text: str, checklist: tuple[ReviewItem, ...] = REVIEW_CHECKLIST) -> tuple[list[Verdict], str | None]:
    """The verdicts of a reply, one per checklist item, and what makes the reply as a whole unusable (or None).

    An item missing from the reply, or whose verdict is not ``{"passed": bool, "evidence": non-empty text}``,
    fails with the reason; a reply that is not JSON (or names a key twice), has no ``items`` object, or has
    fields or items besides the checklist's fails every item or sets the error.
    """
    names = [item.name for item in checklist]
    try:
        data = load_json_answer(text, unique_keys=True)
    except ModelAnswerError as exc:
        return _unusable(names), str(exc)
    if not isinstance(data, dict) or not isinstance(data.get("items"), dict):
        return _unusable(names), f"the reply is not an object with an 'items' object: {text[:200]!r}"
    problems = []
    if set(data) != {"items"}:
        problems.append(f"the reply has fields besides 'items': {sorted(set(data) - {'items'})}")
    extra = sorted(set(data["items"]) - set(names))
    if extra:
        problems.append(f"the reply judges items that are not on the checklist: {extra}")
    return [_verdict(name, data["items"].get(name)) for name in names], "; ".join(problems) or None


def _unusable(names: list[str]) -> list[Verdict]:
    return [Verdict(name, False, "no usable verdict (see the review's error)") for name in names]


def _verdict(name: str, entry: Any) -> Verdict:
    problem = None
    if entry is None:
        problem = "the reply gives no verdict for this item"
    elif not isinstance(entry, dict):
        problem = f"the verdict is not an object: {entry!r}"
    elif set(entry) != {"passed", "evidence"}:
        problem = f"the verdict must have exactly the fields 'passed' and 'evidence', it has {sorted(entry)}"
    elif not isinstance(entry["passed"], bool):
        problem = f"'passed' must be true or false, got {entry['passed']!r}"
    elif not isinstance(entry["evidence"], str) or not entry["evidence"].strip():
        problem = f"'evidence' must be a non-empty text, got {entry['evidence']!r}"
    if problem is not None:
        return Verdict(name, False, f"no usable verdict: {problem}")
    return Verdict(name, entry["passed"], entry["evidence"].strip())


def model_name(model: str | ModelSpec | Backend | None) -> str:
    """A short name for the reviewing model: the spec's name, or the backend's model or class name."""
    if isinstance(model, ModelSpec):
        return model.name
    if isinstance(model, str):
        return parse_model_spec(model).name if is_model_spec(model) else model
    if model is None:
        return "none"
    return str(getattr(model, "model", None) or type(model).__name__)


def review_task(env_spec: SoftwareSpec, task: TaskSpec, model: str | ModelSpec | Backend | None,
                evidence: Evidence | None = None, *, name: str | None = None) -> TaskReview:
    """Review one task with ``model`` (a model spec or a backend with ``complete``); never raises.

    ``evidence``: what to show (default: :func:`assemble_evidence` with the stored audit record). Incomplete
    evidence, a backend that fails and an unusable reply all fail the review with ``error`` set.
    """
    started = time.perf_counter()
    if evidence is None:
        evidence = assemble_evidence(env_spec, task)
    try:
        label = name or model_name(model)
    except ValueError:
        label = str(model)
    review = TaskReview(task=task.gym_id, model=label, digest=evidence.digest, seed=evidence.seed)
    names = [item.name for item in REVIEW_CHECKLIST]
    missing = evidence.error or (None if len(evidence.images) == 2 else "the two screenshots were not captured")
    if missing is not None:
        review.items, review.error = _unusable(names), f"the evidence is incomplete: {missing}"
    else:
        try:
            backend = make_backend(model)
            if backend is None:
                raise ModelAnswerError("no model to review with (give a model spec)")
            reply = backend.complete(build_prompt(evidence), evidence.images)
        except Exception as exc:  # noqa: BLE001 - a failing backend fails the review, it does not raise
            review.items, review.error = _unusable(names), f"{type(exc).__name__}: {exc}"
        else:
            review.items, review.error = parse_review(reply)
    review.passed = review.error is None and all(item.passed for item in review.items)
    review.date = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    review.wall_time = round(time.perf_counter() - started, 1)
    return review


# --- storage -----------------------------------------------------------------------------------------------


def review_path(env: SoftwareSpec, task: TaskSpec) -> Path:
    """``audits/<software>/<task>.review.json``, beside the task's audit record."""
    return audit_path(env, task).with_name(f"{task.id}.review.json")


def store_review(env: SoftwareSpec, task: TaskSpec, review: TaskReview) -> Path:
    """Record ``review`` (passing or not) as the task's latest review; returns where."""
    path = review_path(env, task)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(review.to_json(), indent=2, default=str) + "\n", encoding="utf-8")
    return path


def stored_review(env: SoftwareSpec, task: TaskSpec) -> dict[str, Any] | None:
    """The task's stored review record, or None."""
    try:
        record = json.loads(review_path(env, task).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def review_state(env: SoftwareSpec, task: TaskSpec) -> str:
    """``pass`` or ``fail`` (the stored review of the task's current files), ``stale`` (a review of other files:
    the digest changed since) or ``-`` (never reviewed)."""
    record = stored_review(env, task)
    if record is None:
        return "-"
    if record.get("digest") != task_digest(env, task):
        return "stale"
    return "pass" if record.get("passed") is True else "fail"


def is_reviewed(env: SoftwareSpec, task: TaskSpec) -> bool:
    """True when a passing review of the task's current files (its current digest) is stored."""
    return review_state(env, task) == "pass"
