"""What earlier creation runs learned, kept as files in the data root and put into the next run's prompt.

::

    <root>/creation-memory/general.md      notes that hold across software (a summariser model writes them)
    <root>/creation-memory/<software>.md   notes about one software
    <root>/creation-memory/stats.json      deterministic counts: which audit checks and review items failed,
                                           per software and overall, and the fixes that worked (a check that
                                           failed in one round and passed in the next: the files changed then)

After a run, :meth:`Memory.update` adds the run to the statistics and asks the summariser (any backend with
``complete``) to rewrite both notes from the old notes and the run's outcome. Without a summariser, or when its
reply is unusable, the notes get a deterministic paragraph instead (and the reason is returned).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

from ..models.answers import ModelAnswerError, load_json_answer
from ..models.backends import Backend

FOLDER = "creation-memory"
NOTES_CHARS = 6000  # a note is cut to this length (the prompt must stay small)
FIXES_KEPT = 30  # the latest fixes kept in stats.json


class Memory:
    """The memory files of ``root`` for ``software``."""

    def __init__(self, root: Path | str, software: str):
        self.folder = Path(root) / FOLDER
        self.software = software

    @property
    def general_file(self) -> Path:
        return self.folder / "general.md"

    @property
    def software_file(self) -> Path:
        return self.folder / f"{self.software}.md"

    @property
    def stats_file(self) -> Path:
        return self.folder / "stats.json"

    def general(self) -> str:
        return _read(self.general_file)

    def notes(self) -> str:
        return _read(self.software_file)

    def stats(self) -> dict[str, Any]:
        try:
            data = json.loads(self.stats_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        data.setdefault("runs", 0)
        data.setdefault("checks", {})
        data.setdefault("review_items", {})
        data.setdefault("fixes", [])
        return data

    def text(self) -> str:
        """The memory as the creator's prompt shows it."""
        stats = self.stats()
        parts = [f"## General notes (creation-memory/general.md)\n{self.general() or '(none yet)'}",
                 f"## Notes on {self.software} (creation-memory/{self.software}.md)\n{self.notes() or '(none yet)'}"]
        lines = [f"## Statistics of {stats['runs']} earlier run(s)"]
        for kind, title in (("checks", "audit checks"), ("review_items", "review items")):
            table = stats[kind]
            if table:
                top = sorted(table.items(), key=lambda kv: -kv[1]["failed"])[:8]
                lines.append(f"Most failed {title}: " + "; ".join(
                    f"{name}: {row['failed']} (here {row['by_software'].get(self.software, 0)})" for name, row in top))
        fixes = [f for f in stats["fixes"] if f["software"] == self.software][-5:] or stats["fixes"][-5:]
        for fix in fixes:
            lines.append(f"- fix that worked ({fix['software']}.{fix['task']}, round {fix['round']}): "
                         f"'{fix['check']}' passed after changing {', '.join(fix['changed']) or 'nothing recorded'}"
                         + (f"; the creator said: {fix['summary'][:300]}" if fix.get("summary") else ""))
        return "\n\n".join(parts + ["\n".join(lines)])

    def update(self, outcome: dict[str, Any], summariser: Backend | None) -> str | None:
        """Add a run's ``outcome`` (see ``loop.run_outcome``) to the statistics and rewrite the notes; returns
        why the summariser's notes were not used (None when they were)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        stats = self.stats()
        stats["runs"] += 1
        for kind, failures in (("checks", outcome["failed_checks"]), ("review_items", outcome["failed_items"])):
            for name, count in Counter(failures).items():
                row = stats[kind].setdefault(name, {"failed": 0, "by_software": {}})
                row["failed"] += count
                row["by_software"][self.software] = row["by_software"].get(self.software, 0) + count
        stats["fixes"] = (stats["fixes"] + outcome["fixes"])[-FIXES_KEPT:]
        self.stats_file.write_text(json.dumps(stats, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        problem = None
        notes = None
        if summariser is None:
            problem = "no summariser model"
        else:
            try:
                reply = load_json_answer(summariser.complete(self.summary_prompt(outcome), []), unique_keys=True)
                if not (isinstance(reply, dict) and set(reply) == {"general", "software"}
                        and all(isinstance(v, str) and v.strip() for v in reply.values())):
                    raise ModelAnswerError(f"the summary must be {{'general': text, 'software': text}}, got "
                                           f"{str(reply)[:200]!r}")
                notes = (reply["general"].strip(), reply["software"].strip())
            except Exception as exc:  # noqa: BLE001 - a failing summariser leaves deterministic notes
                problem = f"the summariser failed: {type(exc).__name__}: {exc}"
        if notes is None:
            paragraph = deterministic_notes(outcome)
            notes = (self.general(), (self.notes() + "\n\n" + paragraph).strip())
        self.general_file.write_text(notes[0][:NOTES_CHARS].strip() + "\n", encoding="utf-8")
        self.software_file.write_text(notes[1][:NOTES_CHARS].strip() + "\n", encoding="utf-8")
        return problem

    def summary_prompt(self, outcome: dict[str, Any]) -> str:
        return "\n\n".join([
            "You keep the memory of a system that creates verified computer-use tasks for real desktop "
            f"applications. A creation run on {self.software} just ended. Rewrite the two notes below so the "
            "next run avoids what failed and repeats what worked: short, concrete, imperative lines (commands, "
            "coordinates, file formats, audit checks and how they were passed). Keep what is still true, drop "
            f"what is not; at most {NOTES_CHARS // 2} characters each.",
            f"== Current general notes ==\n{self.general() or '(none)'}",
            f"== Current notes on {self.software} ==\n{self.notes() or '(none)'}",
            f"== The run ==\n{json.dumps(outcome, indent=1, default=str)[:12000]}",
            'Answer with JSON only: {"general": "<markdown>", "software": "<markdown>"}.'])


def deterministic_notes(outcome: dict[str, Any]) -> str:
    """A paragraph on a run without a model: what was accepted, what was rejected and why, the fixes."""
    date = dt.datetime.now(dt.timezone.utc).date().isoformat()
    lines = [f"### Run {outcome.get('run')} ({date}, {outcome.get('rounds')} round(s))",
             f"- accepted: {', '.join(outcome['accepted']) or 'none'}"]
    for task, reason in outcome["rejected"].items():
        lines.append(f"- rejected {task}: {reason[:300]}")
    for fix in outcome["fixes"]:
        lines.append(f"- '{fix['check']}' on {fix['task']} passed after changing {', '.join(fix['changed'])}")
    return "\n".join(lines)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""
