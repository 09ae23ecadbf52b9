"""The selection as text (the ranked table and the coverage per SOC major group) and as JSON."""

from __future__ import annotations

import json

from .greedy import Selection

BILLION = 1e9


def _percent(x: float) -> str:
    return f"{100 * x:5.1f} %"


def _codes(groups: tuple[str, ...]) -> str:
    return " ".join(g[:2] for g in groups)


def ranked_table(selection: Selection) -> str:
    """One row per pick: its groups, marginal gain and stand-alone value, and the totals after it."""
    rows = [f"{'rank':>4}  {'software':22s} {'SOC groups':23s} {'gain $bn':>9} {'alone $bn':>9} "
            f"{'screen':>7} {'groups':>6} {'wage bill':>9}  registry",
            f"{'':>4}  {'':22s} {'(primary first)':23s} {'':>9} {'':>9} {'covered':>7} {'reached':>6} "
            f"{'reached':>9}"]
    for p in selection.picks:
        mark = "start (registered)" if p.start else ("registered" if p.registered else "")
        new = f" +{_codes(p.new_groups)}" if p.new_groups else ""
        groups = _codes(p.groups)
        groups = groups if len(groups) <= 23 else groups[:21].rstrip() + " …"
        rows.append(f"{p.rank:>4}  {p.id:22s} {groups:23s} {p.gain / BILLION:9.1f} {p.value / BILLION:9.1f} "
                    f"{_percent(p.screen_covered):>7} {p.groups_reached:>6} {_percent(p.wage_bill_reached):>9}"
                    f"  {mark}{new}".rstrip())
    return "\n".join(rows)


def group_table(selection: Selection) -> str:
    """One row per major group: wage bill, screen share (judgement), covered share, the rank that reached it."""
    rows = [f"{'SOC group':48s} {'wage bill $bn':>13} {'share':>7} {'screen':>6} {'covered':>8} {'reached':>7}  "
            f"served by (most value first)"]
    for g in selection.groups:
        reached = f"#{g.reached_at}" if g.reached_at is not None else ("later" if g.reachable else "no")
        served = ", ".join(g.software[:4]) + (f" +{len(g.software) - 4}" if len(g.software) > 4 else "")
        title = f"{g.code[:2]} {g.title}"
        title = title if len(title) <= 48 else title[:47] + "…"
        rows.append(f"{title:48s} {g.wage_bill / BILLION:13.1f} {_percent(g.wage_bill_share):>7} "
                    f"{g.screen_share:6.2f} {_percent(g.covered):>8} {reached:>7}  {served}".rstrip())
    return "\n".join(rows)


def summary(selection: Selection) -> str:
    reached = selection.reached
    reachable = [g for g in selection.groups if g.reachable]
    bill = sum(g.wage_bill for g in reached) / selection.total_wage_bill
    last = selection.picks[-1] if selection.picks else None
    unreachable = [g.code[:2] for g in selection.groups if not g.reachable]
    text = (f"{len(selection.picks)} software: {len(reached)} of 22 SOC major groups reached "
            f"({len(reachable)} reachable with the whole catalog), {_percent(bill).strip()} of the wage bill in the "
            f"groups reached, {_percent(last.screen_covered if last else 0.0).strip()} of the screen-work value "
            f"covered.")
    if unreachable:
        text += f" Not reachable with the catalog: {', '.join(unreachable)}."
    if selection.not_sandboxable:
        text += f" Left out (not sandboxable): {', '.join(selection.not_sandboxable)}."
    return text


def format_selection(selection: Selection) -> str:
    head = "\n".join([
        "Software selection (docs/selection.md), greedy by marginal gain of",
        f"  F = sum over SOC major groups g of  V_g * C_g^{selection.exponent:g} + {selection.breadth:g} * W_g "
        f"if g is reached",
        "V_g: g's screen work, employment x mean annual wage (BLS OEWS May 2025) x g's screen-work share (a "
        "judgement);",
        f"C_g: the share of V_g covered; W_g: g's wage bill; reached: an occupation of g >= "
        f"{100 * selection.reach:g} % covered. $bn a year."])
    return "\n\n".join([head, ranked_table(selection), group_table(selection), summary(selection)])


def selection_json(selection: Selection) -> str:
    data = selection.to_dict()
    data["summary"] = summary(selection)
    return json.dumps(data, indent=2)
