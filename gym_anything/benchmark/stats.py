"""Statistics of a run: success rates with Wilson intervals, aggregated overall and per software, SOC group and
task (the ``summary.json`` of docs/run-format.md), and the plain-text table ``gym-anything eval`` prints.

Every episode with a result counts: one that raised (``error``) or faulted (``fault``) is in ``n`` as what its
result says (an error is reward 0, no success); ``errors`` and ``faults`` count them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval for a success rate (sensible at 0 %, 100 % and small n)."""
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4))


def aggregate(results: list[dict[str, Any]]) -> dict[str, Any]:
    """``{n, successes, success_rate, ci95, mean_score, mean_steps, mean_wall_time, errors, faults}`` of results."""
    n = len(results)
    successes = sum(bool(r.get("success")) for r in results)

    def mean(key: str) -> float | None:
        return round(sum(float(r.get(key) or 0) for r in results) / n, 4) if n else None

    return {"n": n, "successes": successes, "success_rate": round(successes / n, 4) if n else None,
            "ci95": list(wilson_interval(successes, n)), "mean_score": mean("score"), "mean_steps": mean("steps"),
            "mean_wall_time": mean("wall_time"), "errors": sum(r.get("error") is not None for r in results),
            "faults": sum(r.get("fault") is not None for r in results)}


def summarize(run: dict[str, Any], results: list[dict[str, Any]], total: int) -> dict[str, Any]:
    """The run's summary: overall and per software / SOC group / task (see docs/run-format.md).

    ``run`` is run.json's content, ``results`` the finished episodes' results, ``total`` how many episodes the
    run has (finished or not)."""

    def grouped(keys: Callable[[dict[str, Any]], Iterable[str]]) -> dict[str, Any]:
        groups: dict[str, list[dict[str, Any]]] = {}
        for r in results:
            for key in keys(r):
                groups.setdefault(key, []).append(r)
        return {k: aggregate(v) for k, v in sorted(groups.items())}

    overall = aggregate(results)
    return {"run": run, "episodes": total, "finished": len(results), "errors": overall["errors"],
            "faults": overall["faults"], "overall": overall,
            "by_software": grouped(lambda r: [r["env"]]), "by_soc": grouped(lambda r: r.get("soc_groups") or []),
            "by_task": grouped(lambda r: [f"{r['env']}.{r['task']}"])}


def format_table(summary: dict[str, Any]) -> str:
    """The summary as a plain-text table (overall, per software, per SOC group)."""
    lines = [f"{'':28s} {'n':>4s} {'success':>8s} {'95% CI':>14s} {'score':>6s} {'steps':>6s} {'time':>7s} {'err':>4s}"]

    def row(label: str, agg: dict[str, Any]) -> str:
        rate = agg["success_rate"]
        lo, hi = agg["ci95"]
        return (f"{label:28s} {agg['n']:4d} {(rate or 0) * 100:7.1f}% [{lo * 100:5.1f},{hi * 100:5.1f}]% "
                f"{agg['mean_score'] or 0:6.3f} {agg['mean_steps'] or 0:6.1f} {agg['mean_wall_time'] or 0:6.1f}s "
                f"{agg['errors']:4d}")

    lines.append(row("overall", summary["overall"]))
    for title, key in (("software", "by_software"), ("SOC group", "by_soc")):
        lines.append(f"-- by {title}")
        lines.extend(row(f"  {name}", agg) for name, agg in summary[key].items())
    return "\n".join(lines)
