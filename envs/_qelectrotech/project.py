"""The seeded QElectroTech project every task starts from, and the reader verifiers compare saved projects with.

The drawings are real: the folios of "industrial.qet" from the Debian package ``qelectrotech-examples`` (an
intake-gate control panel: mains and auxiliary supplies, emergency stop, seven gate control circuits, PLC I/O
modules, terminal boards, panel views). Per seed a subset of 12-15 folios is kept in its order, and the project
title, drafter, plant, location, drawing numbers and revision indices of every title block are drawn from the
instance's generator. A pristine copy goes to the private folder (``original.qet``).
"""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

from gym_anything.authoring import SetupContext

EXAMPLE = Path("/usr/share/qelectrotech/examples/industrial.qet")
FILE = "panel.qet"
# the title-block fields of a folio (attributes of <diagram>), as the Folio properties dialog names them
FIELDS = {"title": "Title", "author": "Author", "filename": "File", "folio": "Folio", "plant": "Plant",
          "locmach": "Location", "indexrev": "Rev index"}
SIGNATURE_FIELDS = [*FIELDS, "date", "titleblocktemplate"]
SITES = ["Intake Gate Control", "Raw Water Intake", "Flood Gate Station", "Weir Gate Control", "Sluice Gate Panel",
         "Pumping Station Intake", "Reservoir Outlet Control"]
CABINETS = ["+CP1", "+CP2", "+MCC1", "+MCC2", "+LCP3", "+RIO4", "+DB1", "+PLC1"]
REVISIONS = ["A", "B", "C", "D", "E"]


def _drawn_subset(ctx: SetupContext, diagrams: list[ET.Element]) -> list[ET.Element]:
    """The References page and a sorted random subset of the schematic folios (no nomenclature pages)."""
    rest = [d for i, d in enumerate(diagrams[3:40], start=3) if i != 36]  # TB5 is an empty page
    n = int(ctx.rng.integers(11, 15))
    picked = sorted(int(i) for i in ctx.rng.choice(len(rest), size=n, replace=False))
    return [diagrams[0], *[rest[i] for i in picked]]


def build(ctx: SetupContext) -> dict:
    """Write HOME/panel.qet for the seed; return a description of it (folios in order with their fields)."""
    fake = ctx.faker()
    tree = ET.parse(EXAMPLE)
    root = tree.getroot()
    for logos in root.iter("logos"):  # an inline SVG logo: QElectroTech saves it without its namespace
        for logo in [lg for lg in logos if lg.get("storage") == "xml"]:
            logos.remove(logo)
    diagrams = root.findall("diagram")
    kept = _drawn_subset(ctx, diagrams)
    for d in diagrams:
        if not any(d is k for k in kept):
            root.remove(d)
    site = str(ctx.rng.choice(SITES))
    plant = f"{fake.city()} {str(ctx.rng.choice(['Water Works', 'Dam', 'Treatment Plant', 'Barrage']))}"
    drafter = fake.name()
    initials = "".join(part[0] for part in drafter.split()[:2]).upper()
    prefix = f"{fake.lexify('??').upper()}-{int(ctx.rng.integers(1000, 9999))}"
    cabinet = str(ctx.rng.choice(CABINETS))
    root.set("title", f"{fake.company()} - {site}")
    folios = []
    for order, d in enumerate(kept, start=1):
        d.set("order", str(order))
        d.set("author", initials)
        d.set("plant", plant)
        d.set("locmach", cabinet)
        d.set("filename", f"{prefix}-{order:02d}")
        d.set("indexrev", str(ctx.rng.choice(REVISIONS[:3])))
        folios.append({f: d.get(f, "") for f in SIGNATURE_FIELDS})
    for prop in root.iter("property"):  # the project's title-block variables: the site and the drafter
        if prop.get("name", "").startswith("12-service"):
            prop.text = site
        elif prop.get("name") in ("21-design",):
            prop.text = initials
    return {"tree": tree, "kept": kept, "folios": folios, "plant": plant, "initials": initials, "prefix": prefix,
            "cabinet": cabinet}


def write(ctx: SetupContext, project: dict) -> None:
    """Write the project into HOME and its pristine copy into the private folder."""
    path = ctx.home / FILE
    project["tree"].write(path, encoding="utf-8", xml_declaration=True)
    shutil.copyfile(path, ctx.private / "original.qet")


# --- reading a saved project (verifiers) -------------------------------------------------------------------------

def read(path: Path) -> list[dict]:
    """The folios of a saved project in folio order: title-block fields, element uuids and conductor count."""
    root = ET.parse(path).getroot()
    if root.tag != "project":
        raise ValueError(f"{path.name}: root element <{root.tag}>, not <project>")
    out = []
    for d in root.findall("diagram"):
        elements = d.find("elements")
        conductors = d.find("conductors")
        out.append({
            "order": int(d.get("order", "0")),
            "fields": {f: _norm(f, d.get(f, "")) for f in SIGNATURE_FIELDS},
            "elements": sorted(e.get("uuid", "") for e in (elements if elements is not None else [])),
            "conductors": len(conductors) if conductors is not None else 0,
        })
    out.sort(key=lambda f: f["order"])
    return out


def _norm(field: str, value: str) -> str:
    """QElectroTech writes an unset date as "null" or ""; both mean no date."""
    if field == "date" and value in ("", "null"):
        return ""
    return value


def project_title(path: Path) -> str:
    return ET.parse(path).getroot().get("title", "")


def key(folio: dict) -> str:
    """A folio's identity across saves: its first element uuid (every kept folio has elements)."""
    return folio["elements"][0] if folio["elements"] else ""
