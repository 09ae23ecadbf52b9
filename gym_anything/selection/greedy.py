"""The value model and the greedy selection with diminishing returns per SOC major group (docs/selection.md).

* occupation value ``V_o = employment × mean annual wage × screen share of o's major group`` ($ a year), for
  the detailed occupations;
* a software's relevance ``r_so`` for each detailed occupation (the catalog's weights, expanded to leaves);
* coverage of an occupation by a set A: ``c_o(A) = 1 − Π_{s∈A} (1 − r_so)``; of a group:
  ``C_g(A) = Σ_{o∈g} V_o c_o(A) / V_g`` with ``V_g = Σ_{o∈g} V_o``;
* a group is *reached* when one of its occupations has ``c_o >= reach`` (0.25);
* the objective ``F(A) = Σ_g [V_g · C_g(A)^p + β · W_g · [g reached]]``: the screen work covered, with
  diminishing returns per group (``0 < p <= 1``; p = 1: none beyond the occupation's own), plus a breadth term,
  a share β of the wage bill ``W_g`` of every group reached;
* greedy: repeatedly add the sandboxable software with the largest ``F(A ∪ {s}) − F(A)`` (ties: catalog order).

*Reachable* groups are those the whole sandboxable catalog reaches.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import partial

from .catalog import Catalog, Software
from .occupations import SOURCE, OccupationTable
from .shares import ScreenShare

EXPONENT = 0.5
BREADTH = 0.1
REACH = 0.25


@dataclass(frozen=True)
class Pick:
    rank: int
    id: str
    name: str
    groups: tuple[str, ...]  # the software's major groups, catalog order
    registered: bool  # the registry has a software with this id
    start: bool  # taken as given (--registered), not chosen
    gain: float  # F(A ∪ {s}) − F(A), $ a year
    value: float  # on its own: Σ_o V_o r_so, $ a year
    new_groups: tuple[str, ...]  # groups this pick reached first
    groups_reached: int  # after this pick
    wage_bill_reached: float  # share of the all-occupations wage bill in the groups reached, after this pick
    screen_covered: float  # Σ_g C_g V_g / Σ_g V_g after this pick


@dataclass(frozen=True)
class GroupCoverage:
    code: str
    title: str
    employment: int
    wage_bill: float  # the major group's published employment × mean annual wage, $
    wage_bill_share: float  # of the all-occupations wage bill
    screen_share: float  # the judgement
    screen_value: float  # V_g, $
    covered: float  # C_g after every pick
    reachable: bool
    reached_at: int | None  # the rank that reached it
    software: tuple[str, ...]  # the picks serving it, most value in the group first


@dataclass(frozen=True)
class Selection:
    picks: tuple[Pick, ...]
    groups: tuple[GroupCoverage, ...]
    exponent: float
    breadth: float
    reach: float
    total_wage_bill: float
    not_sandboxable: tuple[str, ...]
    source: str = SOURCE

    @property
    def reached(self) -> tuple[GroupCoverage, ...]:
        return tuple(g for g in self.groups if g.reached_at is not None)

    def to_dict(self) -> dict:
        return asdict(self)


class ValueModel:
    """Occupation values, group values and every software's relevance per detailed occupation."""

    def __init__(self, table: OccupationTable, shares: dict[str, ScreenShare], catalog: Catalog):
        self.table, self.shares, self.catalog = table, shares, catalog
        self.value = {o.code: o.wage_bill * shares[o.group].share for o in table.detailed}
        self.group_of = {o.code: o.group for o in table.detailed}
        self.group_bill = {g.code: g.wage_bill for g in table.groups}  # published, $ a year
        self.group_value: dict[str, float] = defaultdict(float)
        for code, value in self.value.items():
            self.group_value[self.group_of[code]] += value
        self.relevance = {s.id: self._expand(s) for s in catalog}

    def _expand(self, software: Software) -> dict[str, float]:
        """Weights per detailed occupation: a code covers the leaves under it; a more specific code wins."""
        out: dict[str, float] = {}
        for code in sorted(software.occupations, key=lambda c: self.table[c].level):
            for leaf in self.table.leaves(code):
                out[leaf.code] = software.occupations[code]
        return out

    def alone(self, software_id: str, group: str | None = None) -> float:
        """Σ_o V_o r_so: the software's value on its own (in one major group)."""
        return sum(self.value[o] * r for o, r in self.relevance[software_id].items()
                   if group is None or self.group_of[o] == group)


class _State:
    """The uncovered share of every detailed occupation, the covered value of every group, the groups reached."""

    def __init__(self, model: ValueModel, exponent: float, breadth: float, reach: float):
        self.model, self.exponent, self.breadth, self.reach = model, exponent, breadth, reach
        self.uncovered = dict.fromkeys(model.value, 1.0)
        self.covered: dict[str, float] = defaultdict(float)
        self.reached: set[str] = set()

    def _credit(self, group: str, covered: float) -> float:
        total = self.model.group_value[group]
        return total * min(1.0, covered / total) ** self.exponent if total > 0 else 0.0

    def _reaches(self, uncovered: float) -> bool:
        return 1.0 - uncovered >= self.reach - 1e-12

    def gain(self, software_id: str) -> float:
        """F(A ∪ {s}) − F(A)."""
        delta: dict[str, float] = defaultdict(float)
        reached = set()
        for code, r in self.model.relevance[software_id].items():
            group = self.model.group_of[code]
            delta[group] += self.model.value[code] * self.uncovered[code] * r
            if group not in self.reached and self._reaches(self.uncovered[code] * (1.0 - r)):
                reached.add(group)
        depth = sum(self._credit(g, self.covered[g] + d) - self._credit(g, self.covered[g])
                    for g, d in sorted(delta.items()))
        return depth + self.breadth * sum(self.model.group_bill[g] for g in sorted(reached))

    def add(self, software_id: str) -> tuple[str, ...]:
        """Take the software; returns the groups it reached first."""
        before = set(self.reached)
        for code, r in self.model.relevance[software_id].items():
            group = self.model.group_of[code]
            self.covered[group] += self.model.value[code] * self.uncovered[code] * r
            self.uncovered[code] *= 1.0 - r
            if self._reaches(self.uncovered[code]):
                self.reached.add(group)
        return tuple(sorted(self.reached - before))

    def screen_covered(self) -> float:
        return sum(self.covered.values()) / sum(self.model.group_value.values())


def _value_in(model: ValueModel, group: str, pick: Pick) -> float:
    """Sort key: the pick's own value in the group, largest first."""
    return -model.alone(pick.id, group)


def select(table: OccupationTable, shares: dict[str, ScreenShare], catalog: Catalog, *, top: int | None = 25,
           start: Iterable[str] = (), registered: Iterable[str] = (), exponent: float = EXPONENT,
           breadth: float = BREADTH, reach: float = REACH) -> Selection:
    """Rank the catalog's sandboxable software greedily: ``start`` (e.g. the registry's) first, as given, then
    ``top`` more by marginal gain (None: all). ``registered`` only marks the picks."""
    if not 0 < exponent <= 1:
        raise ValueError(f"exponent: expected 0 < exponent <= 1, got {exponent!r}")
    if not breadth >= 0:
        raise ValueError(f"breadth: expected a share of the wage bill >= 0, got {breadth!r}")
    if not 0 < reach <= 1:
        raise ValueError(f"reach: expected 0 < reach <= 1, got {reach!r}")
    if top is not None and top < 0:
        raise ValueError(f"top: expected a number of software >= 0, got {top!r}")
    start, registered = list(dict.fromkeys(start)), set(registered)
    for software_id in start:
        if software_id not in catalog or not catalog[software_id].sandboxable:
            raise ValueError(f"start: expected ids of sandboxable catalog entries, got {software_id!r}")
    model = ValueModel(table, shares, catalog)
    total_bill = table.total.wage_bill

    state = _State(model, exponent, breadth, reach)
    picks: list[Pick] = []
    queue = list(start)
    candidates = [s.id for s in catalog if s.sandboxable and s.id not in start]
    while queue or (candidates and (top is None or len(picks) - len(start) < top)):
        if queue:
            chosen = queue.pop(0)
            gain = state.gain(chosen)
        else:  # the largest marginal gain; ties: the earlier catalog entry
            gain, _, chosen = max((state.gain(c), -i, c) for i, c in enumerate(candidates))
            candidates.remove(chosen)
        new = state.add(chosen)
        software = catalog[chosen]
        picks.append(Pick(rank=len(picks) + 1, id=chosen, name=software.name, groups=software.groups,
                          registered=chosen in registered, start=chosen in start, gain=gain,
                          value=model.alone(chosen), new_groups=new, groups_reached=len(state.reached),
                          wage_bill_reached=sum(model.group_bill[g] for g in state.reached) / total_bill,
                          screen_covered=state.screen_covered()))
    everything = _State(model, exponent, breadth, reach)  # reach only grows: the order does not matter
    for software in catalog:
        if software.sandboxable:
            everything.add(software.id)
    groups = []
    for group in table.groups:
        serving = sorted((p for p in picks if group.code in p.groups), key=partial(_value_in, model, group.code))
        reached_at = next((p.rank for p in picks if group.code in p.new_groups), None)
        total = model.group_value[group.code]
        groups.append(GroupCoverage(
            code=group.code, title=group.title.removesuffix(" Occupations"), employment=group.employment,
            wage_bill=group.wage_bill, wage_bill_share=group.wage_bill / total_bill,
            screen_share=shares[group.code].share, screen_value=total,
            covered=state.covered[group.code] / total if total else 0.0,
            reachable=group.code in everything.reached, reached_at=reached_at,
            software=tuple(p.id for p in serving)))
    return Selection(picks=tuple(picks), groups=tuple(groups), exponent=exponent, breadth=breadth, reach=reach,
                     total_wage_bill=total_bill, not_sandboxable=tuple(s.id for s in catalog if not s.sandboxable))
