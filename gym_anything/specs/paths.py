"""Where environment data lives: a source checkout, the installed wheel, and GYM_ANYTHING_PATH."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # the gym_anything package


def data_roots() -> list[Path]:
    """Folders that hold ``envs/`` (a legacy root also ``verifiers/``), in lookup order.

    Extra roots come from ``GYM_ANYTHING_PATH`` (os.pathsep-separated); then the source checkout the
    package sits in, else the data bundled inside the installed wheel.
    """
    roots: list[Path] = []
    for entry in os.environ.get("GYM_ANYTHING_PATH", "").split(os.pathsep):
        if entry:
            roots.append(Path(entry).resolve())
    checkout = PACKAGE_DIR.parent
    if (checkout / "envs").is_dir() and (checkout / "pyproject.toml").is_file():
        roots.append(checkout)
    elif (PACKAGE_DIR / "_bundled" / "envs").is_dir():
        roots.append(PACKAGE_DIR / "_bundled")
    return roots


def hidden_from_apps() -> list[Path]:
    """Paths an application's sandbox must never show: every data root (task code, verifiers) and the package."""
    return [*data_roots(), PACKAGE_DIR]


def benchmarks_dir() -> Path | None:
    """The ``benchmarks/`` folder of the first root that has one."""
    for root in data_roots():
        if (root / "benchmarks").is_dir():
            return root / "benchmarks"
    return None
