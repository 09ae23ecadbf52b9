"""The default suite's samples of the registry: which tasks the real-app checks that are too slow for every task
run on today (the slow suite runs them on all).

The sample moves with the date, so the whole registry is covered over a few weeks of runs, and it is the same
all day, so a failure can be re-run. ``GYM_ANYTHING_SAMPLE_DAY=<ordinal>`` replays another day's sample (the
failure message names the day).
"""

from __future__ import annotations

import datetime
import os
import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def sample_day() -> int:
    """Today's date as an ordinal, or the day ``GYM_ANYTHING_SAMPLE_DAY`` names."""
    return int(os.environ.get("GYM_ANYTHING_SAMPLE_DAY") or datetime.date.today().toordinal())


def daily_sample(items: Sequence[T], k: int, salt: str) -> list[T]:
    """``k`` of ``items`` (all of them if there are fewer), chosen by the day and ``salt`` (one per check, so two
    checks sample different items), in their original order."""
    if len(items) <= k:
        return list(items)
    chosen = set(random.Random(f"{sample_day()}:{salt}").sample(range(len(items)), k))
    return [item for i, item in enumerate(items) if i in chosen]
