"""The record of one creation run: everything the creator said and did, the audits, and the outcome.

::

    <run>/prompt.md              the first prompt the creator got (rules, docs, examples, memory)
    <run>/transcript.jsonl       every message of the conversation, in order (round, role, content, tool calls)
    <run>/tools.jsonl            every tool call: round, tool, arguments, ok, result (cut), seconds
    <run>/stages.jsonl           one line per stage (create, audit, review, summarise, ...): round, task, model,
                                 prompt and completion tokens, wall seconds
    <run>/audits/<task>.r<N>.json   the gate's report on a task in round N
    <run>/reviews/<task>.r<N>.json  the auditor agent's review of it
    <run>/feedback/r<N>.md       what went back to the creator after round N
    <run>/explore/<n>/           each explore call's frames, steps, OCR and summary
    <run>/evidence/<task>.r<N>/  evidence of the gate's failed checks
    <run>/rejected/<task>.yaml   the spec of a task that did not pass in the last round (taken out of envs/)
    <run>/result.json            software, creator, rounds, accepted and rejected tasks (with reasons), totals
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

RESULT_CUT = 4000  # characters of a tool's result kept in tools.jsonl (the transcript keeps all of it)


def _line(path: Path, record: dict[str, Any]) -> None:
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(record, default=str, ensure_ascii=False) + "\n")


class RunFolder:
    """Appends the records of one run under ``path`` (created)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.round = 0
        self._explores = 0

    def message(self, message: dict[str, Any], stage: str = "create") -> None:
        _line(self.path / "transcript.jsonl", {"round": self.round, "stage": stage, **message})

    def tool(self, name: str, arguments: Any, ok: bool, result: str, seconds: float, stage: str = "create") -> None:
        cut = result if len(result) <= RESULT_CUT else result[:RESULT_CUT] + f"... ({len(result)} characters)"
        _line(self.path / "tools.jsonl", {"round": self.round, "stage": stage, "tool": name, "arguments": arguments,
                                          "ok": ok, "result": cut, "seconds": round(seconds, 3)})

    def stage(self, stage: str, seconds: float, *, task: str | None = None, model: str | None = None,
              prompt_tokens: int = 0, completion_tokens: int = 0, **extra: Any) -> None:
        _line(self.path / "stages.jsonl", {"round": self.round, "stage": stage, "task": task, "model": model,
                                           "prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                                           "seconds": round(seconds, 3), **extra})

    def write_json(self, relative: str, data: Any) -> Path:
        path = self.path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n", encoding="utf-8")
        return path

    def write_text(self, relative: str, text: str) -> Path:
        path = self.path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def explore_dir(self) -> Path:
        self._explores += 1
        return self.path / "explore" / f"{self._explores:03d}"


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The records of a JSONL file (none when it does not exist)."""
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


class Stopwatch:
    """Seconds since it was made."""

    def __init__(self) -> None:
        self.start = time.perf_counter()

    def __call__(self) -> float:
        return time.perf_counter() - self.start
