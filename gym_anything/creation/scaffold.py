"""``gym-anything create scaffold PACKAGE``: a first ``envs/<software>/`` from a Debian package, measured on the app.

1. install the package if it is missing (``apt-get install --no-install-recommends``);
2. read its ``.desktop`` entry (Exec without field codes, Name, StartupWMClass, MimeType);
3. launch the command in the episode sandbox with an empty HOME on a fresh display slot (a provisional
   :class:`SoftwareSpec` in memory, the real :class:`LocalRunner`), watch the top-level windows: the time to the
   first one, extra windows and first-run dialogs (more than one window, or a title like Welcome/Tip/Setup/Wizard),
   a start screenshot;
4. close the app as a user would (``WM_DELETE_WINDOW``, so it saves its settings) and keep the HOME it wrote as a
   HOME template: caches, locks and recent-files lists dropped, host paths rewritten to the sandbox HOME, the
   known first-run settings of ``first_run.yaml`` applied;
5. launch again from that template and check the extra windows are gone;
6. write ``env.yaml`` (no tasks yet), ``home/`` and the evidence under ``scaffold/`` (start.png, windows.json,
   timings.json, desktop.json, report.md: what it could not settle).
"""

from __future__ import annotations

import csv
import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from PIL import Image

from ..errors import GymAnythingError, RuntimeFault
from ..runtime import programs
from ..runtime.local import LocalRunner
from ..runtime.sandbox import SANDBOX_HOME, find_in_sandbox
from ..specs.loader import load_env
from ..specs.model import ReadySpec, SettleSpec, SoftwareSpec
from ..specs.paths import hidden_from_apps

DATA = Path(__file__).resolve().parent
FIRST_RUN_FILE = DATA / "first_run.yaml"
SOC_FILE = DATA / "soc_groups.csv"
PLACEHOLDER_SOC = "00-0000"
"""soc_groups of a package the candidates list does not know: valid for the loader, no real SOC group; replace it."""
FIELD_CODES = re.compile(r"%[fFuUdDnNickvm]")
DIALOG_TITLE = re.compile(r"\b(welcome|tips?|tip of the day|set ?up|wizard|first[- ]run|first start|getting "
                          r"started|what'?s new|start ?center|assistant|configuration|preferences|register|"
                          r"updates?|licen[cs]e|warning|error)\b", re.I)
"""Titles that read like a first-run or start-up dialog rather than the app's main window."""
SKIPPED = re.compile(r"(^|/)(\.cache|\.local/state|\.local/share/Trash|\.thumbnails|\.pki|\.dbus|\.gnupg)(/|$)|"
                     r"(^|/)recently-used\.xbel$|\.lock$|(^|/)lock$|\.pid$|\.log$|~$")
"""HOME paths a template must not keep: caches, state the app recreates, recent files, locks, logs."""
TOOLKIT_LIBS = {"gtk3": ("libgtk-3-0",), "gtk4": ("libgtk-4-1",), "qt5": ("libqt5widgets5",),
                "qt6": ("libqt6widgets6",), "tk": ("libtk8.6", "tk", "tk8.6", "wish", "python3-tk"),
                "java": ("default-jre", "openjdk-17-jre", "java6-runtime", "java8-runtime")}
"""A toolkit -> the packages whose presence in Depends shows it (first_run.yaml's ``toolkits`` are keyed so)."""


class ScaffoldError(GymAnythingError, RuntimeError):
    """The scaffold could not be made: the package did not install, has no program, or its app never showed."""


@dataclass(frozen=True)
class DesktopEntry:
    """The parts of a ``.desktop`` file the scaffold uses."""

    file: str
    name: str
    exec: tuple[str, ...]  # argv, field codes (%f %F %u %U ...) removed
    wm_class: str | None = None
    mime_types: tuple[str, ...] = ()
    no_display: bool = False
    terminal: bool = False


def parse_desktop(text: str, file: str = "") -> DesktopEntry | None:
    """The ``[Desktop Entry]`` group of a .desktop file; None when it has no Exec or is not an application."""
    values: dict[str, str] = {}
    group = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            group = line[1:-1]
            continue
        if group == "Desktop Entry" and "=" in line:
            key, _, value = line.partition("=")
            values.setdefault(key.strip(), value.strip())  # Name[de] etc. are other keys
    if "Exec" not in values or values.get("Type", "Application") != "Application":
        return None
    try:
        words = shlex.split(values["Exec"])
    except ValueError:
        words = values["Exec"].split()
    argv = tuple(w.replace("%%", "%") for w in (FIELD_CODES.sub("", w) for w in words) if w)
    if not argv:
        return None
    mimes = tuple(m for m in values.get("MimeType", "").split(";") if m)
    true = ("true", "1")
    return DesktopEntry(file, values.get("Name", Path(argv[0]).name), argv, values.get("StartupWMClass") or None,
                        mimes, values.get("NoDisplay", "").lower() in true, values.get("Terminal", "").lower() in true)


def rewrite_paths(text: str, mapping: dict[str, str]) -> str:
    """``text`` with every host path of ``mapping`` replaced (longest first), e.g. the episode HOME -> /home/agent."""
    for old in sorted(mapping, key=len, reverse=True):
        text = text.replace(old, mapping[old])
    return text


def merge_ini(text: str, settings: dict[str, dict[str, Any]]) -> str:
    """``text`` (an INI/keyfile the app wrote, may be empty) with ``settings`` set: a key is replaced in place in its
    section, a new key is added at the end of its section, a new section at the end; other lines are kept."""
    lines = text.splitlines()
    for section, keys in settings.items():
        header = f"[{section}]"
        start = next((i for i, line in enumerate(lines) if line.strip() == header), None)
        if start is None:
            if lines and lines[-1].strip():
                lines.append("")
            lines += [header, *(f"{k}={_ini_value(v)}" for k, v in keys.items())]
            continue
        end = next((i for i in range(start + 1, len(lines)) if lines[i].strip().startswith("[")), len(lines))
        for key, value in keys.items():
            found = next((i for i in range(start + 1, end) if lines[i].split("=", 1)[0].strip() == key), None)
            if found is not None:
                lines[found] = f"{key}={_ini_value(value)}"
            else:
                insert = end
                while insert > start + 1 and not lines[insert - 1].strip():
                    insert -= 1
                lines.insert(insert, f"{key}={_ini_value(value)}")
                end += 1
    return "\n".join(lines) + "\n"


def _ini_value(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def known_settings(package: str, toolkits: list[str], table: Path = FIRST_RUN_FILE) -> list[dict[str, Any]]:
    """The entries of ``first_run.yaml`` that apply: the toolkits' and the package's (in that order)."""
    data = yaml.safe_load(table.read_text(encoding="utf-8")) or {}
    found = [data.get("toolkits", {}).get(kit) for kit in toolkits] + [data.get("packages", {}).get(package)]
    return [entry for entry in found if entry]


def apply_settings(home: Path, entries: list[dict[str, Any]]) -> list[str]:
    """Write ``entries``' files into ``home`` (INI keys merged, texts replaced); the paths written."""
    written = []
    for entry in entries:
        for relative, how in (entry.get("files") or {}).items():
            path = home / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            if "ini" in how:
                old = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
                path.write_text(merge_ini(old, how["ini"]), encoding="utf-8")
            else:
                path.write_text(how["text"], encoding="utf-8")
            written.append(relative)
    return written


def capture_home(source: Path, dest: Path, mapping: dict[str, str]) -> dict[str, list[str]]:
    """Copy the HOME an app wrote into a template at ``dest``: skipped paths (:data:`SKIPPED`), sockets and empty
    folders left out, host paths in text files rewritten. Returns {"kept", "dropped", "rewritten", "binary"}."""
    report: dict[str, list[str]] = {"kept": [], "dropped": [], "rewritten": [], "binary": []}
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source).as_posix()
        if path.is_dir() and not path.is_symlink():
            continue
        if SKIPPED.search(relative) or not (path.is_file() or path.is_symlink()):
            report["dropped"].append(relative)
            continue
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink():
            link = os.readlink(path)
            os.symlink(rewrite_paths(link, mapping), target)
            report["kept"].append(relative)
            continue
        data = path.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            target.write_bytes(data)
            report["binary"].append(relative)
            report["kept"].append(relative)
            continue
        new = rewrite_paths(text, mapping)
        target.write_text(new, encoding="utf-8")
        if new != text:
            report["rewritten"].append(relative)
        report["kept"].append(relative)
    return report


# --- the Debian package -------------------------------------------------------------------------


def is_installed(package: str) -> bool:
    out = subprocess.run([programs.find("dpkg-query"), "-W", "-f=${Status}", package], capture_output=True, text=True)
    return out.returncode == 0 and out.stdout.strip().endswith("installed") and "not-installed" not in out.stdout


def install(package: str, log: Callable[[str], None] = print) -> bool:
    """Install ``package`` if missing; True when it had to be installed."""
    if is_installed(package):
        return False
    log(f"installing {package} (apt-get install -y --no-install-recommends)")
    out = subprocess.run([programs.find("apt-get"), "install", "-y", "--no-install-recommends", package],
                         capture_output=True, text=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    if out.returncode != 0 or not is_installed(package):
        raise ScaffoldError(f"apt-get install {package} failed: {(out.stderr or out.stdout)[-1500:]}")
    return True


def package_files(package: str) -> list[str]:
    out = subprocess.run([programs.find("dpkg-query"), "-L", package], capture_output=True, text=True)
    if out.returncode != 0:
        raise ScaffoldError(f"dpkg-query -L {package} failed: {out.stderr.strip()}")
    return out.stdout.splitlines()


def package_toolkits(package: str) -> list[str]:
    """The toolkits (keys of :data:`TOOLKIT_LIBS`) whose library the package depends on directly."""
    out = subprocess.run([programs.find("dpkg-query"), "-W", "-f=${Depends}", package], capture_output=True,
                         text=True)
    depends = {d.strip().split(" ")[0].split(":")[0] for d in re.split(r"[,|]", out.stdout) if d.strip()}
    return [kit for kit, libs in TOOLKIT_LIBS.items() if depends & set(libs)]


def desktop_entries(files: list[str]) -> list[DesktopEntry]:
    entries = []
    for name in files:
        if name.endswith(".desktop") and "/applications/" in name and os.path.isfile(name):
            entry = parse_desktop(Path(name).read_text(encoding="utf-8", errors="replace"), name)
            if entry is not None:
                entries.append(entry)
    return entries


def soc_groups(package: str, table: Path = SOC_FILE) -> tuple[list[str], str | None]:
    """(SOC groups, what it is) for a package: from the selection catalog when a single-package entry is that
    package (the curated account, which ``gym-anything select`` ranks and a registered software must agree with),
    else from the survey's candidates list, else ([PLACEHOLDER_SOC], None)."""
    from ..selection import load_catalog, load_occupations

    for entry in load_catalog(load_occupations()):
        if entry.packages == (package,):
            return list(entry.groups), entry.rationale
    with table.open(encoding="utf-8") as f:
        for row in csv.DictReader(line for line in f if not line.startswith("#")):
            if row["package"] == package:
                return row["soc_groups"].split(";"), row["what"]
    return [PLACEHOLDER_SOC], None


def software_id(package: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", package.lower()).strip("-") or "software"


# --- launching and watching ---------------------------------------------------------------------


@dataclass
class Launch:
    """What one launch showed."""

    ready_time: float | None = None  # seconds from start to the first top-level window
    last_change: float | None = None  # seconds from start to the last change of the window list (or a title)
    settled_time: float | None = None  # seconds until it was unchanged for ``calm`` s and the screen had settled
    windows: list[dict[str, Any]] = field(default_factory=list)  # [{class, title}], in mapping order
    extra: list[dict[str, Any]] = field(default_factory=list)  # windows besides the main one / dialog-like titles
    exited: str | None = None  # the app ended (fault text) before or while it was watched
    closed: bool | None = None  # it exited when its windows were asked to close (first launch; None: not asked)
    output: str = ""
    frame: np.ndarray | None = None
    home: dict[str, list[str]] = field(default_factory=dict)  # capture_home's report (first launch)


def provisional_spec(software: str, package: str, argv: tuple[str, ...], env: dict[str, str],
                     root: Path, timeout: float) -> SoftwareSpec:
    """A SoftwareSpec in memory for the runner (no file behind it); ``ready`` is unused by ``start_command``."""
    return SoftwareSpec(id=software, name=software, description="scaffold", soc_groups=(PLACEHOLDER_SOC,),
                        packages=(package,), launch=argv, ready=ReadySpec(software, None, timeout),
                        resolution=(1280, 720), env=dict(env), home_template=None, settle=SettleSpec(),
                        version=0, folder=root / "envs" / software, root=root)


def _window(w: Any) -> dict[str, Any]:
    return {"class": list(w.wm_class), "title": w.title}


def main_window(windows: list[dict[str, Any]], wm_class: str | None, program: str) -> dict[str, Any] | None:
    """The app's main window: of the desktop file's class (or the program's name), not titled like a dialog."""
    hints = {c.lower() for c in (wm_class, program) if c}

    def score(w: dict[str, Any]) -> tuple[int, int]:
        classes = {c.lower() for c in w["class"]}
        return (bool(classes & hints) or any(h in c for h in hints for c in classes),
                not DIALOG_TITLE.search(w["title"]))

    return max(windows, key=score) if windows else None


def extra_windows(windows: list[dict[str, Any]], main: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every window but the main one, and the main one too when its title reads like a first-run dialog."""
    return [w for w in windows if w is not main or DIALOG_TITLE.search(w["title"])]


def watch(runner: LocalRunner, home: Path, argv: list[str], timeout: float, calm: float,
          wm_class: str | None) -> Launch:
    """Start ``argv`` and watch its windows until the list has not changed for ``calm`` s (or ``timeout``)."""
    result = Launch()
    start = time.monotonic()
    runner.start_command(home, argv)
    seen: list[Any] = []
    changed = start
    while time.monotonic() - start < timeout:
        try:
            now = runner.windows()
        except RuntimeFault as fault:  # the app (or its display) ended
            result.exited = str(fault)
            break
        if now != seen:
            seen, changed = now, time.monotonic()
            if now and result.ready_time is None:
                result.ready_time = round(changed - start, 3)
        elif seen and time.monotonic() - changed >= calm:
            break
        time.sleep(0.02)
    result.last_change = round(changed - start, 3) if seen else None
    if seen and result.exited is None:
        try:
            result.frame = runner.settle(quiet=0.3).frame
            seen = runner.windows()
        except RuntimeFault as fault:
            result.exited = str(fault)
        result.settled_time = round(time.monotonic() - start, 3)
    result.windows = [_window(w) for w in seen]
    result.extra = extra_windows(result.windows, main_window(result.windows, wm_class, Path(argv[0]).name))
    result.output = runner.app_output()
    return result


def close_app(runner: LocalRunner, wait: float = 4.0) -> bool:
    """Close the app's windows as a user would (it saves its settings); True when it exited by itself."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            if runner.windows():
                runner.request_close()
        except RuntimeFault:  # it exited (app_exited) between the calls
            pass
        if runner.fault() is not None:
            return True
        time.sleep(0.3)
    runner.stop_app()
    return False


def window_class(classes: list[str], wm_class: str | None, program: str) -> str:
    """``ready.window_class``: the WM_CLASS part (class, else instance) that names the app; a generic class such
    as Tk's ``Toplevel`` loses to an instance named after the program."""
    hints = [h.lower() for h in (wm_class, program) if h]
    for part in reversed(classes):  # (instance, class): the class first
        if any(h == part.lower() or h in part.lower() for h in hints):
            return part
    return classes[-1] if classes else program


def ready_regex(title: str, name: str) -> str | None:
    """A title regex for ``ready``: the desktop Name when the title shows it, else None (a title without the
    app's name names the document, "Untitled", and changes when a task opens a file: the class is enough)."""
    if not title:
        return None
    for word in (name, name.split()[0] if name.split() else ""):
        at = title.lower().find(word.lower()) if word else -1
        if at >= 0:
            return re.escape(title[at:at + len(word)])  # as the title spells it (the regex is case-sensitive)
    return None


# --- the command --------------------------------------------------------------------------------


@dataclass
class Scaffold:
    """What ``scaffold`` produced."""

    software: str
    folder: Path
    first: Launch
    second: Launch | None
    desktop: DesktopEntry | None
    settings: list[str]
    notes: list[str]

    @property
    def first_run_fixed(self) -> bool:
        """The first launch had extra windows and the launch from the template had none."""
        return bool(self.first.extra) and self.second is not None and not self.second.extra


@dataclass(frozen=True)
class _Plan:
    """What the scaffold settled before launching: the command, the desktop entry, toolkits and known settings."""

    package: str
    software: str
    folder: Path
    argv: tuple[str, ...]
    desktop: DesktopEntry | None
    toolkits: list[str]
    settings: list[dict[str, Any]]
    env: dict[str, str]
    timeout: float
    calm: float

    @property
    def program(self) -> str:
        return Path(self.argv[0]).name

    @property
    def wm_class(self) -> str | None:
        return self.desktop.wm_class if self.desktop else None


def scaffold(package: str, root: Path, *, software: str | None = None, timeout: float = 30.0, calm: float = 1.5,
             overwrite: bool = False, log: Callable[[str], None] = print) -> Scaffold:
    """Make ``root/envs/<software>/`` for Debian ``package``: see the module docstring."""
    software = software or software_id(package)
    root = Path(root).resolve()
    folder = root / "envs" / software
    if (folder / "env.yaml").exists() and not overwrite:
        raise ScaffoldError(f"{folder / 'env.yaml'} exists (overwrite=True / --force replaces the scaffold)")
    notes: list[str] = []
    if install(package, log):
        notes.append(f"`{package}` was installed by the scaffold: scripts/setup.sh installs it once env.yaml "
                     "lists it (it reads every `packages:`)")
    plan = _plan(package, software, folder, timeout, calm, notes)
    log(f"{package}: launching {shlex.join(plan.argv)} with an empty HOME (toolkits {plan.toolkits or 'unknown'})")
    spec = provisional_spec(software, package, plan.argv, plan.env, root, timeout)
    scratch = Path(tempfile.mkdtemp(prefix=f"scaffold-{software}-"))
    try:
        first, template = _first_run(plan, spec, scratch, log)
        written = apply_settings(template, plan.settings)
        log(f"{package}: first launch: {len(first.windows)} window(s) after {first.ready_time}s, "
            f"{len(first.extra)} extra; relaunching from the HOME template")
        second = _second_run(plan, spec, template)
        return _write(plan, template, first, second, written, notes)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _plan(package: str, software: str, folder: Path, timeout: float, calm: float, notes: list[str]) -> _Plan:
    """The launch command (the .desktop Exec, else the package's first program) and the settings that apply."""
    files = package_files(package)
    entries = desktop_entries(files)
    shown = [e for e in entries if not e.no_display and not e.terminal] or entries
    desktop = shown[0] if shown else None
    if len(shown) > 1:
        notes.append(f"{len(shown)} .desktop entries ({', '.join(Path(e.file).name for e in shown)}); used "
                     f"{Path(shown[0].file).name}: check it is the app a task needs")
    if desktop is not None:
        argv = list(desktop.exec)
    else:
        binaries = [f for f in files if re.match(r"^/usr/(s?bin|games)/[^/]+$", f) and os.access(f, os.X_OK)]
        if not binaries:
            raise ScaffoldError(f"{package} has no .desktop entry and no program in /usr/bin or /usr/games")
        argv = [Path(binaries[0]).name]
        notes.append(f"no .desktop entry: launched `{argv[0]}`, the first of the package's programs "
                     f"{[Path(b).name for b in binaries]}")
    if find_in_sandbox(argv[0]) is None:
        raise ScaffoldError(f"the launch program {argv[0]!r} of {package} is not on the sandbox's PATH")
    if "/" in argv[0] and find_in_sandbox(Path(argv[0]).name) == argv[0]:
        argv[0] = Path(argv[0]).name  # env.yaml names the program, as the other softwares do
    toolkits = package_toolkits(package)
    settings = known_settings(package, toolkits)
    env: dict[str, str] = {}
    for entry in settings:
        env.update(entry.get("env") or {})
    return _Plan(package, software, folder, tuple(argv), desktop, toolkits, settings, env, timeout, calm)


def _first_run(plan: _Plan, spec: SoftwareSpec, scratch: Path, log: Callable[[str], None]) -> tuple[Launch, Path]:
    """Launch with an empty HOME, close the app, keep what it wrote as the template (scratch/home)."""
    runner = LocalRunner(spec, hidden_from_apps())
    try:
        episode = runner.new_episode()
        first = watch(runner, episode.home, list(plan.argv), plan.timeout, plan.calm, plan.wm_class)
        if first.exited is None:
            first.closed = close_app(runner)
            if not first.closed:
                log("the app did not close on request: stopped it (settings it writes on exit may be missing)")
        template = scratch / "home"
        template.mkdir()
        mapping = {str(episode.home): SANDBOX_HOME, os.path.realpath(episode.home): SANDBOX_HOME}
        first.home = capture_home(episode.home, template, mapping)
        return first, template
    finally:
        runner.close()


def _second_run(plan: _Plan, spec: SoftwareSpec, template: Path) -> Launch:
    """Launch from the HOME template on a fresh display."""
    runner = LocalRunner(spec, hidden_from_apps())
    try:
        episode = runner.new_episode()
        shutil.copytree(template, episode.home, symlinks=True, dirs_exist_ok=True)
        second = watch(runner, episode.home, list(plan.argv), plan.timeout, plan.calm, plan.wm_class)
        if second.exited is None:
            runner.stop_app()
        return second
    finally:
        runner.close()


def _write(plan: _Plan, template: Path, first: Launch, second: Launch, written: list[str],
           notes: list[str]) -> Scaffold:
    """env.yaml, home/ and scaffold/ (the evidence); the spec is loaded once written."""
    package, folder = plan.package, plan.folder
    shown = second if second.windows else first
    main = main_window(shown.windows, plan.wm_class, plan.program)
    if main is None:
        raise ScaffoldError(f"{package}: no window appeared within {plan.timeout}s; app output: "
                            f"{(first.exited or '')} {first.output[-1500:]}")
    socs, what = soc_groups(package)
    name = plan.desktop.name if plan.desktop else plan.software
    title = ready_regex(main["title"], name)
    evidence, home = folder / "scaffold", folder / "home"
    if home.exists():
        shutil.rmtree(home)
    evidence.mkdir(parents=True, exist_ok=True)
    has_home = any(template.rglob("*"))
    if has_home:
        shutil.copytree(template, home, symlinks=True)
    ready_timeout = max(10, round(3 * max(first.settled_time or 0, second.settled_time or 0)) + 5)
    spec: dict[str, Any] = {
        "id": plan.software, "name": name,
        "description": (what or f"{name} (Debian package {package})") + "; scaffolded, to be described",
        "version": 0, "soc_groups": socs, "packages": [package], "launch": list(plan.argv),
        "ready": {"window_class": window_class(main["class"], plan.wm_class, plan.program),
                  **({"title_regex": title} if title else {}), "timeout": ready_timeout},
        "resolution": [1280, 720], **({"env": plan.env} if plan.env else {}),
        **({"home_template": "home"} if has_home else {}),
    }
    header = [f"# Scaffolded by `gym-anything create scaffold {package}`; evidence and open questions: "
              "scaffold/report.md."]
    if socs == [PLACEHOLDER_SOC]:
        header.append(f"# soc_groups: {PLACEHOLDER_SOC} is a placeholder ({package} is not in the candidates list): "
                      "name the SOC 2018 major groups the software serves.")
    (folder / "env.yaml").write_text("\n".join(header) + "\n" + yaml.safe_dump(spec, sort_keys=False, width=110),
                                     encoding="utf-8")
    for launch, png in ((first, "start.png"), (second, "start-template.png")):
        if launch.frame is not None:
            Image.fromarray(launch.frame).save(evidence / png)
    (evidence / "windows.json").write_text(json.dumps({"first": first.windows, "first_extra": first.extra,
                                                       "with_template": second.windows,
                                                       "with_template_extra": second.extra}, indent=2) + "\n")
    (evidence / "timings.json").write_text(json.dumps({
        launch: {"first_window": r.ready_time, "last_window_change": r.last_change, "settled": r.settled_time,
                 "calm": plan.calm} for launch, r in (("first", first), ("with_template", second))}, indent=2) + "\n")
    (evidence / "desktop.json").write_text(json.dumps(asdict(plan.desktop) if plan.desktop else None, indent=2)
                                           + "\n")
    result = Scaffold(plan.software, folder, first, second, plan.desktop, written, notes)
    (evidence / "report.md").write_text(_report(package, result, plan.toolkits, plan.settings, main, title),
                                        encoding="utf-8")
    load_env(folder)  # the written spec loads (SpecError otherwise)
    return result


def _report(package: str, s: Scaffold, toolkits: list[str], settings: list[dict[str, Any]],
            main: dict[str, Any], title: str | None) -> str:
    first, second = s.first, s.second
    assert second is not None

    def windows(launch: Launch) -> str:
        return "\n".join(f"  - `{'.'.join(w['class'])}` \"{w['title']}\"" +
                         (" (extra)" if w in launch.extra else "") for w in launch.windows) or "  - none"

    lines = [f"# Scaffold of `{package}`", "",
             f"- toolkits (from Depends): {', '.join(toolkits) or 'not recognised'}",
             f"- first launch (empty HOME): first window after {first.ready_time} s, last change of the windows "
             f"at {first.last_change} s; windows:", windows(first),
             f"- launch from the HOME template: first window after {second.ready_time} s, last change at "
             f"{second.last_change} s; windows:", windows(second),
             f"- ready window: class `{'.'.join(main['class'])}`, title \"{main['title']}\" -> title_regex "
             f"`{title}`",
             f"- known settings applied: {', '.join(e.get('source', '?') for e in settings) or 'none'}"
             f" ({', '.join(s.settings) or 'no files'})",
             f"- HOME template: {len(first.home.get('kept', []))} file(s) kept, dropped "
             f"{first.home.get('dropped') or 'nothing'}, host paths rewritten in "
             f"{first.home.get('rewritten') or 'none'}",
             "", "## Not settled by the scaffold", ""]
    todo = list(s.notes)
    if first.extra and not second.extra:
        todo.append("the first-run window(s) above are gone with the template: check start-template.png")
    if second.extra:
        todo.append("extra window(s) remain with the template: find the setting that removes them, add it to "
                    "gym_anything/creation/first_run.yaml, or dismiss it in the template by hand "
                    "(docs/adding-a-software.md, section 5)")
    if first.exited or second.exited:
        todo.append(f"the app ended while watched: {first.exited or second.exited}")
    if first.closed is False:
        todo.append("the app did not exit when its windows were asked to close (it was stopped): settings it saves "
                    "only on exit are missing from the template")
    if first.home.get("binary"):
        todo.append(f"binary files in the template could not be checked for host paths: {first.home['binary']}")
    todo += ["title_regex is a guess from one title: make sure it matches every start (and a task's open file)",
             "description and soc_groups: say what work the software serves",
             "settle, resources and display options the tasks rely on (no blinking cursor, no animations, no "
             "recent-files list): see docs/adding-a-software.md, section 5",
             "tasks: none yet (the software loads but is not registered until tasks/<task>.yaml exists)"]
    lines += [f"- {t}" for t in todo]
    return "\n".join(lines) + "\n"
