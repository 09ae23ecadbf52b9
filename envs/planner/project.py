"""Planner project files: a seeded construction schedule, written and read as GNOME Planner's ``.planner`` XML.

Work is stored in seconds of effort on the default calendar (8-hour days, 08:00-12:00 and 13:00-17:00,
Monday to Friday), so one working day is 28800.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

DAY = 28800

ACTIVITIES = [
    "Site survey and setting out", "Erect site hoarding", "Install site welfare units", "Strip topsoil",
    "Excavate foundations", "Pour blinding concrete", "Fix foundation rebar", "Pour strip footings",
    "Lay drainage runs", "Backfill and compact", "Lay ground floor slab", "Erect steel frame",
    "Install roof purlins", "Fix roof sheeting", "Install rainwater goods", "Build external blockwork",
    "Fit window frames", "Install external doors", "Brick cladding to elevations", "Install scaffolding",
    "Strike scaffolding", "First fix electrics", "First fix plumbing", "Install HVAC ductwork",
    "Fit fire sprinkler mains", "Erect stud partitions", "Board and tape partitions", "Plaster skim coat",
    "Second fix electrics", "Second fix plumbing", "Install ceiling grid", "Fit ceiling tiles",
    "Lay floor screed", "Fit floor finishes", "Install kitchen units", "Fit sanitaryware",
    "Decorate walls", "Hang internal doors", "Install lift shaft", "Commission lift",
    "Fire alarm installation", "Test and commission HVAC", "Electrical testing", "External paving",
    "Landscaping and planting", "Car park surfacing", "Line marking", "Install signage",
    "Snagging inspection", "Clear snagging list", "Final clean", "Building control sign-off",
    "Fire officer inspection", "Handover documentation", "Client walkthrough", "Demobilize site",
    "Order structural steel", "Approve shop drawings", "Submit planning conditions", "Tender mechanical package",
    "Appoint electrical contractor", "Utility connections", "Install water meter", "Gas supply connection",
    "Install substation", "Erect retaining wall", "Waterproof basement", "Install cladding rails",
    "Fit curtain walling", "Glaze atrium roof", "Install mezzanine floor", "Fit racking system",
    "Install loading dock levellers", "Fit roller shutter doors", "CCTV installation", "Access control wiring",
    "Data cabling", "Install server room cooling", "Paint structural steel", "Intumescent coating",
]
TRADES = ["Site manager", "Foreman", "Carpenter", "Electrician", "Plumber", "Steel erector", "Bricklayer",
          "Plasterer", "Groundworker", "HVAC engineer", "Painter", "Surveyor", "Roofer", "Glazier"]


@dataclass
class Task:
    """One task of a flat schedule; ``preds`` are the ids of its finish-to-start predecessors."""

    id: int
    name: str
    work: int
    preds: list[int] = field(default_factory=list)
    milestone: bool = False
    complete: int = 0


@dataclass
class Resource:
    """A work resource (type 1) with its short name, e-mail and standard rate."""

    id: int
    name: str
    short: str
    email: str
    rate: float
    group: int | None = None


@dataclass
class Project:
    """What a .planner file holds that the tasks care about."""

    name: str
    company: str
    manager: str
    start: str  # YYYYMMDD
    tasks: list[Task] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    groups: dict[int, str] = field(default_factory=dict)
    allocations: list[tuple[int, int]] = field(default_factory=list)  # (task id, resource id)


CALENDARS = """  <calendars>
    <day-types>
      <day-type id="0" name="Working" description="A default working day"/>
      <day-type id="1" name="Nonworking" description="A default non working day"/>
      <day-type id="2" name="Use base" description="Use day from base calendar"/>
    </day-types>
    <calendar id="1" name="Default">
      <default-week mon="0" tue="0" wed="0" thu="0" fri="0" sat="1" sun="1"/>
      <overridden-day-types>
        <overridden-day-type id="0">
          <interval start="0800" end="1200"/>
          <interval start="1300" end="1700"/>
        </overridden-day-type>
      </overridden-day-types>
      <days/>
    </calendar>
  </calendars>
"""


def _attr(text: str) -> str:
    return (text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;"))


def to_xml(p: Project) -> str:
    """The project as Planner's XML (start and end are recomputed by Planner when it opens the file)."""
    t0 = f"{p.start}T000000Z"
    out = ['<?xml version="1.0"?>',
           f'<project name="{_attr(p.name)}" company="{_attr(p.company)}" manager="{_attr(p.manager)}" phase="" '
           f'project-start="{t0}" mrproject-version="2" calendar="1">',
           "  <properties/>", "  <phases/>", CALENDARS.rstrip("\n")]
    if p.tasks:
        out.append("  <tasks>")
        for t in p.tasks:
            kind = "milestone" if t.milestone else "normal"
            head = (f'    <task id="{t.id}" name="{_attr(t.name)}" note="" work="{0 if t.milestone else t.work}" '
                    f'start="{t0}" end="{t0}" work-start="{p.start}T080000Z" percent-complete="{t.complete}" '
                    f'priority="0" type="{kind}" scheduling="fixed-work"')
            if not t.preds:
                out.append(head + "/>")
                continue
            out += [head + ">", "      <predecessors>"]
            out += [f'        <predecessor id="{n + 1}" predecessor-id="{pid}" type="FS"/>'
                    for n, pid in enumerate(t.preds)]
            out += ["      </predecessors>", "    </task>"]
        out.append("  </tasks>")
    else:
        out.append("  <tasks/>")
    if p.groups:
        out.append("  <resource-groups>")
        out += [f'    <group id="{gid}" name="{_attr(name)}" admin-name="" admin-email="" admin-phone=""/>'
                for gid, name in p.groups.items()]
        out.append("  </resource-groups>")
    else:
        out.append("  <resource-groups/>")
    if p.resources:
        out.append("  <resources>")
        for r in p.resources:
            group = f' group="{r.group}"' if r.group is not None else ""
            out.append(f'    <resource{group} id="{r.id}" name="{_attr(r.name)}" short-name="{_attr(r.short)}" '
                       f'type="1" units="0" email="{_attr(r.email)}" note="" std-rate="{r.rate:g}"/>')
        out.append("  </resources>")
    else:
        out.append("  <resources/>")
    if p.allocations:
        out.append("  <allocations>")
        out += [f'    <allocation task-id="{t}" resource-id="{r}" units="100"/>' for t, r in p.allocations]
        out.append("  </allocations>")
    else:
        out.append("  <allocations/>")
    out.append("</project>")
    return "\n".join(out) + "\n"


@dataclass
class Saved:
    """A saved .planner file, reduced to names: tasks in file order (depth-first), with their fields."""

    root: ET.Element
    tasks: list[dict]
    resources: list[dict]
    allocations: list[tuple[str, str]]  # (task name, resource name)


def read(path: Path) -> Saved:
    """Parse a .planner file (raises on a missing or malformed file)."""
    root = ET.parse(path).getroot()
    if root.tag != "project":
        raise ValueError(f"{path.name}: root element is {root.tag!r}, not 'project'")
    by_id: dict[str, dict] = {}
    tasks: list[dict] = []
    holder = root.find("tasks")
    stack = list(reversed(holder.findall("task"))) if holder is not None else []
    while stack:
        el = stack.pop()
        t = {"id": el.get("id"), "name": el.get("name", ""), "work": int(el.get("work") or 0),
             "type": el.get("type", "normal"), "complete": int(el.get("percent-complete") or 0),
             "pred_ids": [p.get("predecessor-id") for p in el.findall("predecessors/predecessor")],
             "pred_types": [p.get("type", "FS") for p in el.findall("predecessors/predecessor")],
             "children": len(el.findall("task")), "note": el.get("note", "")}
        tasks.append(t)
        by_id[t["id"]] = t
        stack += list(reversed(el.findall("task")))
    for t in tasks:
        t["preds"] = sorted(by_id[i]["name"] if i in by_id else f"?{i}" for i in t["pred_ids"])
    groups = {g.get("id"): g.get("name", "") for g in root.findall("resource-groups/group")}
    resources = [{"id": r.get("id"), "name": r.get("name", ""), "short": r.get("short-name", ""),
                  "email": r.get("email", ""), "type": r.get("type"), "rate": float(r.get("std-rate") or 0),
                  "group": groups.get(r.get("group") or "", "")}
                 for r in root.findall("resources/resource")]
    rnames = {r["id"]: r["name"] for r in resources}
    allocations = [(by_id[a.get("task-id")]["name"] if a.get("task-id") in by_id else "?",
                    rnames.get(a.get("resource-id"), "?")) for a in root.findall("allocations/allocation")]
    return Saved(root, tasks, resources, allocations)


def days(work: int) -> float:
    """Work in seconds as working days."""
    return work / DAY
