"""``gym-anything create report RUNS``: what creation runs produced and what it cost.

Per software, from the run folders' ``result.json`` and ``stages.jsonl``: runs, accepted and rejected tasks,
rounds needed per accepted task, the audit checks and review items that failed (how often), tokens by model,
wall time by stage, and dollars per accepted task from a price table (configuration, not code)::

    # prices.yaml: US dollars per million tokens, by model name (the part after '#' of openai:URL#MODEL)
    big-model: {input: 3.0, output: 15.0}
    cheap-model: {input: 0.2, output: 0.8}
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import yaml

from ..errors import SpecError
from .runfolder import read_jsonl


def load_prices(path: Path | str | None) -> dict[str, dict[str, float]]:
    """The price table (empty without a file); a SpecError naming the model and field when malformed."""
    if path is None:
        return {}
    path = Path(path)
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise SpecError(path, "prices", "a mapping of model name to {input: $/Mtok, output: $/Mtok}")
    for model, row in data.items():
        if not isinstance(row, dict) or set(row) != {"input", "output"} or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0 for v in row.values()):
            raise SpecError(path, str(model), "{input: dollars per million input tokens, output: ... output tokens}, "
                                              "both numbers >= 0")
    return {str(k): {"input": float(v["input"]), "output": float(v["output"])} for k, v in data.items()}


def model_key(model: str | None) -> str:
    """The name a price table uses for a model: the part after '#' of an endpoint spec, else the name."""
    return (model or "").rpartition("#")[2] or (model or "")


def run_folders(paths: list[Path | str]) -> list[Path]:
    """Run folders among ``paths``: each path that has a result.json, or the folders below it that do."""
    found: list[Path] = []
    for path in map(Path, paths):
        if (path / "result.json").is_file():
            found.append(path)
        elif path.is_dir():
            found += sorted(p.parent for p in path.glob("*/result.json"))
    return found


def summarise(paths: list[Path | str], prices: dict[str, dict[str, float]] | None = None) -> dict[str, Any]:
    """The report's numbers, per software and in all."""
    prices = prices or {}
    per: dict[str, dict[str, Any]] = {}
    unpriced: set[str] = set()
    for folder in run_folders(paths):
        result = json.loads((folder / "result.json").read_text(encoding="utf-8"))
        row = per.setdefault(result["software"], {
            "runs": 0, "accepted": 0, "rejected": 0, "rounds_to_accept": [], "failed_checks": Counter(),
            "failed_review_items": Counter(), "rejected_as_duplicate": 0, "tokens": defaultdict(lambda: [0, 0]),
            "seconds": Counter(), "dollars": 0.0})
        row["runs"] += 1
        row["accepted"] += len(result["accepted"])
        row["rejected"] += len(result["rejected"])
        row["rejected_as_duplicate"] += sum("near-duplicate" in r for r in result["rejected"].values())
        for task in result["tasks"].values():
            if task["accepted"]:
                row["rounds_to_accept"].append(task["round"])
            row["failed_checks"].update(n for g in task["gate"] for n in g["failed"])
            row["failed_review_items"].update(n for r in task["review"] for n in r["failed"])
        for stage in read_jsonl(folder / "stages.jsonl"):
            row["seconds"][stage["stage"]] += stage["seconds"]
            if stage.get("prompt_tokens") or stage.get("completion_tokens"):
                key = model_key(stage.get("model"))
                tokens = row["tokens"][key]
                tokens[0] += stage["prompt_tokens"]
                tokens[1] += stage["completion_tokens"]
                price = prices.get(key)
                if price is None:
                    unpriced.add(key)
                else:
                    row["dollars"] += (stage["prompt_tokens"] * price["input"]
                                       + stage["completion_tokens"] * price["output"]) / 1e6
    software = {}
    for name, row in sorted(per.items()):
        rounds = row["rounds_to_accept"]
        software[name] = {
            "runs": row["runs"], "accepted": row["accepted"], "rejected": row["rejected"],
            "rejected_as_duplicate": row["rejected_as_duplicate"],
            "mean_rounds_to_accept": round(sum(rounds) / len(rounds), 2) if rounds else None,
            "failed_checks": dict(row["failed_checks"].most_common()),
            "failed_review_items": dict(row["failed_review_items"].most_common()),
            "tokens": {k: {"prompt": v[0], "completion": v[1]} for k, v in sorted(row["tokens"].items())},
            "seconds": {k: round(v, 1) for k, v in sorted(row["seconds"].items())},
            "dollars": round(row["dollars"], 4),
            "dollars_per_accepted": round(row["dollars"] / row["accepted"], 4) if row["accepted"] else None}
    accepted = sum(s["accepted"] for s in software.values())
    dollars = sum(s["dollars"] for s in software.values())
    return {"software": software, "accepted": accepted, "dollars": round(dollars, 4),
            "dollars_per_accepted": round(dollars / accepted, 4) if accepted else None,
            "unpriced_models": sorted(unpriced)}


def render(report: dict[str, Any]) -> str:
    """The report as Markdown."""
    lines = ["| software | runs | accepted | rejected (duplicates) | rounds per accepted | tokens in/out | "
             "$ | $ per accepted |", "|---|---|---|---|---|---|---|---|"]
    for name, s in report["software"].items():
        tin = sum(t["prompt"] for t in s["tokens"].values())
        tout = sum(t["completion"] for t in s["tokens"].values())
        lines.append(f"| {name} | {s['runs']} | {s['accepted']} | {s['rejected']} ({s['rejected_as_duplicate']}) | "
                     f"{s['mean_rounds_to_accept'] if s['mean_rounds_to_accept'] is not None else '-'} | "
                     f"{tin}/{tout} | {s['dollars']:.4f} | "
                     f"{s['dollars_per_accepted'] if s['dollars_per_accepted'] is not None else '-'} |")
    lines.append(f"\nIn all: {report['accepted']} accepted task(s), ${report['dollars']:.4f}"
                 + (f", ${report['dollars_per_accepted']:.4f} per accepted task" if report["accepted"] else ""))
    if report["unpriced_models"]:
        lines.append(f"No price for: {', '.join(report['unpriced_models'])} (their tokens count $0; give --prices)")
    for name, s in report["software"].items():
        if s["failed_checks"] or s["failed_review_items"]:
            lines.append(f"\n{name}: audit failures by check: "
                         + (", ".join(f"{k} {v}" for k, v in s["failed_checks"].items()) or "none")
                         + "; review items failed: "
                         + (", ".join(f"{k} {v}" for k, v in s["failed_review_items"].items()) or "none"))
        lines.append(f"{name}: seconds by stage: " + ", ".join(f"{k} {v}" for k, v in s["seconds"].items()))
    return "\n".join(lines)
