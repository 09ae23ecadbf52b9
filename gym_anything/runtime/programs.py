"""Every external program gym-anything runs, and the Debian package that provides it: one list, one place.

Code that runs a program looks it up with :func:`find` (which only accepts names listed here), and the set-up
scripts install the packages of this list (``gym-anything packages``), so a program used by the code is a program
the set-up installed. ``tests/test_programs.py`` scans the code for programs run some other way.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass

from ..errors import GymAnythingError


@dataclass(frozen=True)
class Program:
    package: str  # the Debian package that installs it
    group: str  # runtime | audit | formats | create | view | test | docker: who needs it (see GROUPS)
    purpose: str


GROUPS = {
    "runtime": "running any environment (display, window manager, sandbox, resource limits)",
    "audit": "the audit gate and OCR checklist items",
    "formats": "task setups and verifiers that convert app files",
    "software": "one software's own setup and verifiers (installed with the packages of its env.yaml)",
    "create": "gym-anything create (installing and inspecting a software's Debian package)",
    "view": "gym-anything view (an env's screen in the browser, and the human play mode)",
    "test": "the test suite only",
    "docker": "the Docker runner (scripts/setup-docker.sh installs these)",
}

PROGRAMS: dict[str, Program] = {
    "Xvfb": Program("xvfb", "runtime", "the virtual X display"),
    "openbox": Program("openbox", "runtime", "the window manager"),
    "bwrap": Program("bubblewrap", "runtime", "the application sandbox"),
    "setpriv": Program("util-linux", "runtime", "drops root: the app and its display run as the sandbox user"),
    "prlimit": Program("util-linux", "runtime", "memory limits where no cgroup is writable"),
    "env": Program("coreutils", "runtime", "starts the sandbox with an empty environment"),
    "sh": Program("dash", "runtime", "the launcher that puts a process into its cgroup"),
    "tesseract": Program("tesseract-ocr", "audit", "OCR of screenshots (leak audit, OCR checklist items)"),
    "cat": Program("coreutils", "audit", "the audit's probes inside the sandbox"),
    "grep": Program("grep", "audit", "the audit's probes inside the sandbox"),
    "ssconvert": Program("gnumeric", "formats", "reading Gnumeric workbooks"),
    "pspp": Program("pspp", "software", "writing and reading SPSS .sav files (PSPP tasks' setups and verifiers)"),
    "pspp-convert": Program("pspp", "software", "a .sav file's cases as CSV (PSPP verifiers)"),
    "dpkg-query": Program("dpkg", "create", "a package's files, status and dependencies (create scaffold)"),
    "apt-get": Program("apt", "create", "installs a package that is not installed yet (create scaffold)"),
    "x11vnc": Program("x11vnc", "view", "serves an env's display to the browser viewer (gym-anything view)"),
    "chromium": Program("chromium", "test", "the leaderboard site's browser tests"),
    "python3": Program("python3-minimal", "test", "a CPU-bound probe inside the sandbox (the CPU limit test)"),
    "bash": Program("bash", "test", "scripts run inside containers and sandboxes by the tests"),
    "dpkg": Program("dpkg", "test", "which package installed a program (tests/test_programs.py)"),
    "hostname": Program("hostname", "test", "the sandbox's host name, read by the tests"),
    "id": Program("coreutils", "test", "probes inside the sandbox (tests)"),
    "ls": Program("coreutils", "test", "probes inside the sandbox (tests)"),
    "seq": Program("coreutils", "test", "probes inside the sandbox (tests)"),
    "sleep": Program("coreutils", "test", "probes inside the sandbox (tests)"),
    "tr": Program("coreutils", "test", "probes inside the sandbox (tests)"),
    "mkdir": Program("coreutils", "test", "the Harbor export test's copy into a task container"),
    "wc": Program("coreutils", "test", "probes inside a Harbor task container (tests)"),
    "find": Program("findutils", "test", "probes inside a Harbor task container (tests)"),
    "chromedriver": Program("chromium-driver", "test", "Selenium's driver for those tests"),
    "podman": Program("podman", "docker", "serves the Docker API without a Docker engine"),
    "runc": Program("runc", "docker", "podman's container runtime"),
    "debootstrap": Program("debootstrap", "docker", "builds the base image without a registry"),
    "curl": Program("curl", "docker", "checks that the Docker API answers"),
    "pgrep": Program("procps", "docker", "finds a podman service started earlier"),
}

SCAFFOLD_TEST_APPS = ("galculator", "speedcrunch", "xcircuit", "imagej", "librecad", "homebank")
"""Apps outside the registry that tests/test_scaffold.py scaffolds: GTK3, Qt5, Tk, Java; LibreCAD (Qt5) and
HomeBank (GTK3) show a first-run dialog. The set-up installs them with the test group."""

CREATION_TEST_APPS = ("featherpad",)
"""The app outside the registry that tests/test_creation_loop.py creates tasks for (Qt5: opens a file given on the
command line and saves it with ctrl+s, no dialog). The set-up installs it with the test group."""

EXTRA_PACKAGES = {"x11-utils": "runtime", "fonts-dejavu-core": "runtime", "novnc": "view", "libxkbcommon0": "view",
                  **dict.fromkeys(SCAFFOLD_TEST_APPS + CREATION_TEST_APPS, "test")}
"""Packages that install no program we run but that the environments or the tests need (X utilities, fonts, the
browser VNC client the viewer serves and the keysym table it reads, the apps the scaffold tests launch)."""


class MissingProgram(GymAnythingError, RuntimeError):
    """A program gym-anything needs is not installed; the message names the Debian package."""


def find(name: str) -> str:
    """The path of program ``name`` (which must be listed in ``PROGRAMS``), or MissingProgram naming its package."""
    program = PROGRAMS[name]  # KeyError: a program that is not in the list must be added to it first
    path = shutil.which(name)
    if path is None:
        raise MissingProgram(f"'{name}' ({program.purpose}) is not installed: apt-get install -y {program.package} "
                             "(scripts/setup.sh installs every package gym-anything needs)")
    return path


def packages(groups: tuple[str, ...] = tuple(GROUPS)) -> set[str]:
    """The Debian packages that provide the programs (and their data) of ``groups``."""
    unknown = set(groups) - set(GROUPS)
    if unknown:
        raise ValueError(f"unknown program groups {sorted(unknown)}; known: {sorted(GROUPS)}")
    found = {p.package for p in PROGRAMS.values() if p.group in groups}
    return found | {name for name, group in EXTRA_PACKAGES.items() if group in groups}
