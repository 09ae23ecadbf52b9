"""The calibration of the near-duplicate limits (docs/contamination.md): the registered tasks and deliberately
perturbed copies of them (``fixtures/contamination/perturbed.yaml``), scored by ``audit/similarity.py``.

Positives (each must be a near-duplicate of its task): per task a light rewording, a full paraphrase and its
instruction rendered at seed 0 (the values filled in; on the fake runner). A copy is compared by its instruction
(its code counted as rewritten: a copy that keeps the code scores 1.0 on it) and gets its task's start screen.
Negatives (none may be one): every pair of registered tasks (all signals as measured), every copy against every
other task (with its own task's code and start screens), and the fixture's hard negatives (new jobs on the same
software and file) against every task, with the worst case for start screens: alike to every task of their
software.

``python tests/contamination_calibration.py`` prints the report the docs quote.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from gym_anything.audit.similarity import (
    CODE_LIMIT,
    EMBEDDING_LIMIT,
    NGRAM_LIMIT,
    Index,
    Similarity,
    embed,
    instruction_text,
    name_of,
    ngram_similarity,
    normalised,
    screen_distance,
)
from gym_anything.specs.registry import all_software

FIXTURE = Path(__file__).with_name("fixtures") / "contamination" / "perturbed.yaml"
KINDS = ("reworded", "paraphrased", "rendered")


@dataclass
class Calibration:
    positives: dict[str, list[tuple[str, Similarity]]] = field(default_factory=lambda: defaultdict(list))
    negatives: dict[str, list[tuple[str, str, Similarity]]] = field(default_factory=lambda: defaultdict(list))

    def caught(self, kind: str) -> list[str]:
        return [task for task, sim in self.positives[kind] if sim.reasons()]

    def missed(self, kind: str) -> list[str]:
        return [task for task, sim in self.positives[kind] if not sim.reasons()]

    def false_positives(self) -> list[tuple[str, str, str, Similarity]]:
        return [(kind, a, b, sim) for kind, rows in self.negatives.items() for a, b, sim in rows if sim.reasons()]

    def sweep(self, limits: list[float]) -> list[tuple[float, dict[str, int], int]]:
        """Per embedding limit (the other limits as they are): positives caught per kind, negatives flagged."""
        def hit(sim: Similarity, limit: float) -> bool:
            return sim.ngrams >= NGRAM_LIMIT or sim.embedding >= limit or sim.code >= CODE_LIMIT

        return [(limit, {kind: sum(hit(s, limit) for _, s in self.positives[kind]) for kind in KINDS},
                 sum(hit(s, limit) for rows in self.negatives.values() for _, _, s in rows)) for limit in limits]

    def report(self) -> str:
        lines = ["| positives | caught | by n-grams | by embedding | lowest n-grams | lowest embedding |",
                 "|---|---|---|---|---|---|"]
        for kind in KINDS:
            rows = [sim for _, sim in self.positives[kind]]
            lines.append(f"| {kind} | {len(self.caught(kind))}/{len(rows)} | "
                         f"{sum(s.ngrams >= NGRAM_LIMIT for s in rows)} | "
                         f"{sum(s.embedding >= EMBEDDING_LIMIT for s in rows)} | "
                         f"{min(s.ngrams for s in rows):.3f} | {min(s.embedding for s in rows):.3f} |")
        lines += ["", "| negatives | pairs | flagged | highest n-grams | highest embedding | highest code | "
                  "alike start screens |", "|---|---|---|---|---|---|---|"]
        for kind, rows in self.negatives.items():
            sims = [sim for _, _, sim in rows]
            lines.append(f"| {kind} | {len(rows)} | {sum(1 for s in sims if s.reasons())} | "
                         f"{max(s.ngrams for s in sims):.3f} | {max(s.embedding for s in sims):.3f} | "
                         f"{max(s.code for s in sims):.3f} | {sum(s.alike_screens for s in sims)} |")
        alike = [s.embedding for rows in self.negatives.values() for _, _, s in rows if s.alike_screens]
        apart = [s.embedding for rows in self.negatives.values() for _, _, s in rows
                 if s.screen is not None and not s.alike_screens]
        lines.append(f"\nhighest embedding of a negative with alike start screens {max(alike):.3f}, with start "
                     f"screens apart {max(apart):.3f}")
        lines += ["", "| embedding limit | reworded | paraphrased | rendered | negatives flagged |",
                  "|---|---|---|---|---|"]
        for limit, caught, flagged in self.sweep([0.75, 0.8, 0.85, 0.88, 0.9, 0.91, 0.93, 0.95]):
            lines.append(f"| {limit} | {caught['reworded']} | {caught['paraphrased']} | {caught['rendered']} | "
                         f"{flagged} |")
        for kind in KINDS:
            lines.append(f"\nmissed {kind}: {', '.join(self.missed(kind)) or 'none'}")
        for kind, a, b, sim in self.false_positives():
            lines.append(f"false positive ({kind}): {a} ~ {b}: {'; '.join(sim.reasons())}")
        return "\n".join(lines)


def rendered_instructions(items) -> dict[str, str]:
    """Each task's instruction at seed 0, from a reset on the fake runner (its setup run, no app)."""
    from gym_anything.core.env import GymAnythingEnv

    found = {}
    for software in {env.id: env for env, _ in items}.values():
        env = GymAnythingEnv(software, runner="fake", audit=False)
        try:
            for task in software.tasks.values():
                _, info = env.reset(seed=0, options={"task": task.id})
                found[f"{software.id}.{task.id}"] = " ".join(info["instruction"].split())
        finally:
            env.close()
    return found


def calibrate(fixture: Path = FIXTURE) -> Calibration:
    data = yaml.safe_load(fixture.read_text())
    registry = all_software()
    items = [(env, task) for env in registry.values() for task in env.tasks.values()]
    by_name = {name_of(i): i for i in items}
    index = Index()
    vectors = index.embeddings(items)
    rendered = rendered_instructions(items)
    copies: dict[str, dict[str, str]] = {}  # task -> kind -> text
    for task, texts in data["positives"].items():
        copies[task] = {kind: normalised(text) for kind, text in texts.items()} | {"rendered": rendered[task]}
    hard = [(software, normalised(text)) for software, texts in data["negatives"].items() for text in texts]
    texts = sorted({t for kinds in copies.values() for t in kinds.values()} | {t for _, t in hard})
    vector = dict(zip(texts, embed(texts), strict=True))

    def screen(a: str, b: str) -> int | None:
        x, y = index.screens(by_name[a]), index.screens(by_name[b])
        return min((screen_distance(p, q) for p in x.values() for q in y.values()), default=None)

    def text_of(name: str) -> str:
        return instruction_text(by_name[name][1])

    def copy_vs(text: str, other: str, code: float, screen_distance: int | None) -> Similarity:
        return Similarity(round(ngram_similarity(text, text_of(other)), 3),
                          round(float(vector[text] @ vectors[other]), 3), code, screen_distance)

    result = Calibration()
    for task, kinds in copies.items():
        for kind, text in kinds.items():
            result.positives[kind].append((task, copy_vs(text, task, 0.0, 0 if index.screens(by_name[task]) else None)))
            for other in by_name:
                if other != task:
                    code = index.compare(by_name[task], by_name[other], vectors).code
                    result.negatives[f"{kind} copy vs another task"].append(
                        (f"{task} ({kind})", other, copy_vs(text, other, code, screen(task, other))))
    for a, b in itertools.combinations(by_name, 2):
        result.negatives["registered task pairs"].append((a, b, index.compare(by_name[a], by_name[b], vectors)))
    for number, (software, text) in enumerate(hard, 1):
        for other in by_name:
            alike = 0 if other.split(".", 1)[0] == software else None  # the worst case: the same start screen
            result.negatives["hard negatives vs every task"].append(
                (f"{software} hard negative {number}", other, copy_vs(text, other, 0.0, alike)))
    assert all(np.isfinite(s.embedding) for rows in result.positives.values() for _, s in rows)
    return result


if __name__ == "__main__":
    print(calibrate().report())
