"""Setup for QElectroTech tasks: write the seeded panel project (``project.py``), return what the verifier checks."""

from __future__ import annotations

from gym_anything.authoring import SetupContext

from . import project as P


def set_plant_location(ctx: SetupContext) -> dict:
    """A run of 3-6 consecutive folios moved to another cabinet: their title blocks' Location must change."""
    pr = P.build(ctx)
    n = len(pr["folios"])
    count = int(ctx.rng.integers(3, 7))
    first = int(ctx.rng.integers(2, n - count + 2))
    targets = list(range(first, first + count))
    location = str(ctx.rng.choice([c for c in P.CABINETS if c != pr["cabinet"]]))
    P.write(ctx, pr)
    ctx.public.update(first=first, last=targets[-1], location=location,
                      first_title=pr["folios"][first - 1]["title"], last_title=pr["folios"][targets[-1] - 1]["title"])
    return {"targets": targets, "location": location}
