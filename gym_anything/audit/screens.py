"""Start screens measured on the real app: the first frame after reset of each task instance, as a perceptual hash
(``audit/similarity.py``: :func:`~gym_anything.audit.similarity.screen_hash`) stored in
``audits/<software>/fingerprints.json`` under the task digest it was measured at. ``gym-anything suite screens``
measures those that are missing (a new task, a changed digest, a new seed) and writes them; nothing else launches
an app for them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from .similarity import Index, Item, name_of, screen_hash


def missing_screens(items: Sequence[Item], seeds: Sequence[int], index: Index) -> dict[str, list[int]]:
    """The seeds each task (``<software>.<task>``) has no start screen for at its current digest."""
    missing = {}
    for item in items:
        have = index.screens(item)
        wanted = [s for s in dict.fromkeys(seeds) if s not in have]
        if wanted:
            missing[name_of(item)] = wanted
    return missing


def measure_screens(items: Sequence[Item], seeds: Sequence[int], index: Index, *, runner: str = "local",
                    log: Callable[[str], None] = print) -> int:
    """Reset each task at each seed it has no start screen for, hash the first frame into ``index``'s fingerprints
    (call ``index.save`` to write them); returns how many screens were measured. One env per software, closed at
    the end."""
    from ..core.env import GymAnythingEnv

    missing = missing_screens(items, seeds, index)
    by_software: dict[str, list[Item]] = {}
    for item in items:
        if name_of(item) in missing:
            by_software.setdefault(item[0].id, []).append(item)
    measured = 0
    for group in by_software.values():
        software = group[0][0]
        env = GymAnythingEnv(software, runner=runner, audit=False)
        try:
            for item in group:
                hashes = {}
                for seed in missing[name_of(item)]:
                    started = time.perf_counter()
                    frame, _ = env.reset(seed=seed, options={"task": item[1].id})
                    hashes[seed] = screen_hash(frame)
                    log(f"  {name_of(item)} seed {seed}: {hashes[seed]} ({time.perf_counter() - started:.1f} s)")
                index.set_screens(item, hashes)
                measured += len(hashes)
        finally:
            env.close()
    return measured
