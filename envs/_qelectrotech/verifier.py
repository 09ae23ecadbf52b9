"""Verifiers for QElectroTech tasks: read the project file the app saved, compare it with the pristine copy.

Only a saved project counts. Gates: the file parses, the same folios in the same order with the same
elements and conductors, and no title-block field changed but the ones the task names.
"""

from __future__ import annotations

from pathlib import Path

from gym_anything.authoring import VerifyContext

from . import project as P


def _folios(ctx: VerifyContext) -> tuple[list[dict], list[dict]]:
    """(original folios, saved folios); gates on the file and on the folios' identity and drawings."""
    path: Path = ctx.home / P.FILE
    ctx.require("project file exists", path.is_file(), P.FILE)
    before, after = P.read(ctx.private_dir / "original.qet"), P.read(path)
    ctx.require("same folios in the same order", [P.key(f) for f in before] == [P.key(f) for f in after],
                f"{len(after)} folios, expected {len(before)} in their order")
    drawn = [i + 1 for i, (b, a) in enumerate(zip(before, after, strict=True))
             if (b["elements"], b["conductors"]) != (a["elements"], a["conductors"])]
    ctx.require("every folio's elements and conductors kept", not drawn, f"changed on folios {drawn}")
    return before, after


def set_plant_location(ctx: VerifyContext) -> None:
    """Gate: nothing but the Location of the target folios changed; scored: each target's Location."""
    before, after = _folios(ctx)
    targets, location = ctx.private["targets"], ctx.private["location"]
    others = []
    for i, (b, a) in enumerate(zip(before, after, strict=True), start=1):
        fields = [f for f in P.SIGNATURE_FIELDS if b["fields"][f] != a["fields"][f]]
        if i in targets:
            fields = [f for f in fields if f != "locmach"]
        if fields:
            others.append(f"folio {i}: {fields}")
    ctx.require("no other title-block field changed", not others, "; ".join(others[:6]))
    for i in targets:
        found = after[i - 1]["fields"]["locmach"]
        ctx.check(f"folio {i} location {location}", found == location, f"location {found!r}")
