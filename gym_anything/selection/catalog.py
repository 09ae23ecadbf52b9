"""The software catalog (``data/catalog.yaml``): candidate Debian software, the SOC occupations each serves with a
relevance weight, a one-line rationale, whether it runs in the episode sandbox, and the state a verifier reads.

Every problem is a :class:`SelectionDataError` naming the entry and the field; each SOC code must be in the
occupation table. Weights: the share of the occupation's screen work that tasks in the software can stand for
(0 < weight <= 1); a code above the detailed level gives the weight to every detailed occupation under it, and a
more specific code in the same entry overrides it (docs/selection.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .occupations import DATA, SOC, TOTAL, OccupationTable, SelectionDataError, major_group

CATALOG_FILE = DATA / "catalog.yaml"
FIELDS = ("id", "name", "kind", "packages", "sandboxable", "state", "rationale", "occupations")
KINDS = ("desktop", "web")
ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
PACKAGE = re.compile(r"^[a-z0-9][a-z0-9+.-]+$")  # Debian policy 5.6.1
MAX_RATIONALE = 240


@dataclass(frozen=True)
class Software:
    id: str
    name: str
    kind: str  # "desktop" or "web"
    packages: tuple[str, ...]
    sandboxable: bool  # runs offline in the episode sandbox: a GUI, no special hardware, no outside service
    state: str  # what a verifier reads
    rationale: str
    occupations: dict[str, float]  # SOC code (any level) -> relevance weight, in the catalog's order

    @property
    def groups(self) -> tuple[str, ...]:
        """The major groups of its occupations, in the order they are first listed."""
        return tuple(dict.fromkeys(major_group(code) for code in self.occupations))


class _UniqueKeys(yaml.SafeLoader):
    """A YAML loader that refuses a key given twice in one mapping (PyYAML keeps the last one silently)."""


def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"the key {key!r} twice in one mapping",
                                                    key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_UniqueKeys.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


class Catalog:
    """The entries in file order, by id."""

    def __init__(self, entries: list[Software], path: Path | str = "<memory>"):
        self.path = str(path)
        self.entries = tuple(entries)
        self.by_id = {s.id: s for s in entries}

    def __iter__(self) -> Iterator[Software]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, software_id: str) -> Software:
        return self.by_id[software_id]

    def __contains__(self, software_id: object) -> bool:
        return software_id in self.by_id


def _text(path: Path, entry: str, data: dict, name: str, one_line: bool = False) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise SelectionDataError(path, entry, name, "a non-empty string", value)
    if one_line and ("\n" in value.strip() or len(value) > MAX_RATIONALE):
        raise SelectionDataError(path, entry, name, f"one line of at most {MAX_RATIONALE} characters", value)
    return value.strip()


def _entry(path: Path, index: int, data: Any, table: OccupationTable) -> Software:
    if not isinstance(data, dict):
        raise SelectionDataError(path, f"#{index + 1}", "<entry>", f"a mapping with the fields {', '.join(FIELDS)}",
                                 type(data).__name__)
    given = data.get("id")
    entry: str = given if isinstance(given, str) else f"#{index + 1}"
    for name in data:
        if name not in FIELDS:
            raise SelectionDataError(path, entry, str(name), f"one of the fields {', '.join(FIELDS)}")
    for name in FIELDS:
        if name not in data:
            raise SelectionDataError(path, entry, name, "a value (required field is missing)")
    if not ID.match(entry):
        raise SelectionDataError(path, entry, "id", f"an id matching {ID.pattern}", data["id"])
    if data["kind"] not in KINDS:
        raise SelectionDataError(path, entry, "kind", " or ".join(KINDS), data["kind"])
    packages = data["packages"]
    if (not isinstance(packages, list) or not packages
            or not all(isinstance(p, str) and PACKAGE.match(p) for p in packages)):
        raise SelectionDataError(path, entry, "packages", "a non-empty list of Debian package names", packages)
    if not isinstance(data["sandboxable"], bool):
        raise SelectionDataError(path, entry, "sandboxable", "true or false", data["sandboxable"])
    occupations = data["occupations"]
    if not isinstance(occupations, dict) or not occupations:
        raise SelectionDataError(path, entry, "occupations", "a mapping of SOC code to relevance weight",
                                 occupations)
    weights: dict[str, float] = {}
    for code, weight in occupations.items():
        where = f"occupations.{code}"
        if not isinstance(code, str) or not SOC.match(code) or code == TOTAL:
            raise SelectionDataError(path, entry, where, "a SOC code such as 43-3031 (quote it)", code)
        if code not in table:
            raise SelectionDataError(path, entry, where, f"a SOC code in the occupation table ({table.path})", code)
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 < weight <= 1:
            raise SelectionDataError(path, entry, where, "a relevance weight with 0 < weight <= 1", weight)
        weights[code] = float(weight)
    return Software(id=entry, name=_text(path, entry, data, "name"), kind=data["kind"], packages=tuple(packages),
                    sandboxable=data["sandboxable"], state=_text(path, entry, data, "state"),
                    rationale=_text(path, entry, data, "rationale", one_line=True), occupations=weights)


def load_catalog(table: OccupationTable, path: Path | str = CATALOG_FILE) -> Catalog:
    """Read and validate the catalog (a YAML list of entries) against the occupation table."""
    path = Path(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeys)  # noqa: S506 - a SafeLoader
    except (OSError, UnicodeDecodeError) as exc:
        raise SelectionDataError(path, "<file>", "<document>", f"a readable UTF-8 YAML file ({exc})") from None
    except yaml.YAMLError as exc:
        raise SelectionDataError(path, "<file>", "<document>", f"valid YAML ({exc})") from None
    if not isinstance(data, list) or not data:
        raise SelectionDataError(path, "<file>", "<document>", "a non-empty list of software entries",
                                 type(data).__name__)
    entries: list[Software] = []
    seen: set[str] = set()
    for index, item in enumerate(data):
        software = _entry(path, index, item, table)
        if software.id in seen:
            raise SelectionDataError(path, software.id, "id", "an id used by one entry only", software.id)
        seen.add(software.id)
        entries.append(software)
    return Catalog(entries, path)
