"""Every external program the package or its tests run comes from a Debian package the set-up scripts install.

The list is ``gym_anything/runtime/programs.py``. This test finds the programs the code runs (argv of subprocess
calls, ``shutil.which``/``programs.find`` lookups, shell scripts run in the sandbox) and fails for any that is
not in that list, for a list entry whose package does not really provide it, and for a package the set-up does
not install. (tesseract was once run by the audit but installed by hand only: CI was green, a fresh machine
failed 33 tests.)
"""

from __future__ import annotations

import ast
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gym_anything.runtime import programs
from gym_anything.specs.registry import all_software

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ["gym_anything", "envs", "benchmarks", "tests"]
RUNNERS = {"run", "Popen", "call", "check_call", "check_output", "spawn"}  # subprocess.* and launcher.spawn
LOOKUPS = {("shutil", "which"), ("programs", "find"), ("", "require"), ("", "find_in_sandbox")}
SHELL_CALLS = {"run_in_sandbox", "in_sandbox", "probe_sandbox"}  # shell scripts run inside the sandbox
KEYWORDS = {"if", "then", "else", "elif", "while", "until", "do", "!", "{", "time"}  # a command follows them
BUILTINS = {"echo", "test", "[", "true", "false", "exit", "wait", "shift", "set", "export", "read", "cd", "kill",
            "exec", "trap", "printf", "local", "return", ":", "fi", "done", "esac", "}", "break", "continue"}
OPERATORS = {";", "|", "&", "&&", "||", "(", ")", ";;", "\n", "`"}
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"  # what a fresh machine's PATH finds


def _text(node: ast.AST) -> str | None:
    """A string constant, or the constant parts of an f-string (placeholders become X)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else " X " for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _text(node.left), _text(node.right)
        return None if left is None and right is None else f"{left or ' X '}{right or ' X '}"
    return None


def shell_programs(script: str) -> set[str]:
    """The programs a shell script runs: the first word of each simple command (quoted words stay whole)."""
    lexer = shlex.shlex(script.replace("\n", " ; ").replace("$(", " ( "), posix=True, punctuation_chars=";|&()`")
    lexer.whitespace_split = True
    found, start, skip = set(), True, 0
    try:
        tokens = list(lexer)
    except ValueError:  # unbalanced quotes in a fragment: read what can be read
        tokens = script.split()
    for token in tokens:
        if skip:
            skip -= 1
            continue
        if token in OPERATORS or set(token) <= set(";|&()`"):
            start = True
            continue
        if not start:
            continue
        if token in KEYWORDS or "=" in token:
            continue  # still at a command's start
        start = False
        if token == "for":
            skip = 2  # for NAME in ...
        elif token not in BUILTINS and re.fullmatch(r"[A-Za-z][\w.+-]*", token) and token != "X":
            found.add(token)
    return found


def _called(func: ast.AST) -> tuple[str, str]:
    """(object, name) of a call: ("shutil", "which") for shutil.which(...), ("", "spawn") for spawn(...)."""
    if isinstance(func, ast.Attribute):
        return (func.value.id if isinstance(func.value, ast.Name) else "?"), func.attr
    return "", func.id if isinstance(func, ast.Name) else ""


def used_programs() -> dict[str, set[str]]:
    """program name -> the files that run it."""
    used: dict[str, set[str]] = {}

    def add(name: str, path: Path) -> None:
        used.setdefault(Path(name).name, set()).add(str(path.relative_to(ROOT)))

    for folder in SCANNED:
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                owner, name = _called(node.func)
                if (owner, name) in LOOKUPS and node.args and (text := _text(node.args[0])) and " " not in text:
                    add(text, path)
                if name in RUNNERS and node.args and isinstance(node.args[0], (ast.List, ast.Tuple)):
                    items = node.args[0].elts
                    if items and (first := _text(items[0])) and " X " not in first:
                        add(first, path)
                    if len(items) >= 3 and _text(items[0]) == "sh" and _text(items[1]) == "-c":
                        for program in shell_programs(_text(items[2]) or ""):
                            add(program, path)
                if name in SHELL_CALLS:
                    for arg in node.args:
                        script = _text(arg)
                        if isinstance(arg, (ast.List, ast.Tuple)) and len(arg.elts) >= 3:
                            script = _text(arg.elts[2]) if _text(arg.elts[0]) == "sh" else _text(arg.elts[0])
                        for program in shell_programs(script or ""):
                            add(program, path)
    return used


def test_the_scanner_finds_programs_run_in_each_way():
    assert shell_programs("id -u; cat /etc/x | grep -q y && echo ok; for i in $(seq 3); do sleep 1 & done") == {
        "id", "cat", "grep", "seq", "sleep"}
    assert shell_programs("python3 -c \"import os; print(os.times())\"; X=1 tr a b") == {"python3", "tr"}
    used = used_programs()
    assert {"Xvfb", "openbox", "bwrap", "tesseract", "ssconvert", "setpriv", "sh"} <= set(used), sorted(used)


def test_every_program_the_code_runs_is_in_the_one_list():
    missing = {name: sorted(files) for name, files in used_programs().items() if name not in programs.PROGRAMS}
    assert not missing, ("programs run by the code but not listed in gym_anything/runtime/programs.py (add them "
                         f"with their Debian package, so the set-up installs them): {missing}")


def _package_of(path: str) -> set[str]:
    out = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True)
    if out.returncode != 0:  # /usr/bin/x may be found as /bin/x (usrmerge) or through an alternatives link
        real = str(Path(path).resolve())
        out = subprocess.run(["dpkg", "-S", real], capture_output=True, text=True)
        if out.returncode != 0 and real.startswith("/usr/"):
            out = subprocess.run(["dpkg", "-S", real.removeprefix("/usr")], capture_output=True, text=True)
    return {p.strip().split(":")[0] for line in out.stdout.splitlines() for p in line.split(":", 1)[0].split(",")}


@pytest.mark.parametrize("name", sorted(programs.PROGRAMS))
def test_each_listed_program_comes_from_its_package_and_is_installed(name):
    program = programs.PROGRAMS[name]
    path = shutil.which(name, path=SYSTEM_PATH)
    assert path, f"{name} is not installed: run scripts/setup.sh (it installs {program.package})"
    assert program.package in _package_of(path), f"{path} does not come from {program.package}"


def test_the_set_up_scripts_install_every_listed_package():
    listed = subprocess.run([sys.executable, "-m", "gym_anything.cli", "packages"], capture_output=True, text=True,
                            check=True).stdout.split()
    runtime = programs.packages(tuple(g for g in programs.GROUPS if g != "docker"))
    assert runtime <= set(listed)
    assert "apt_install $(.venv/bin/gym-anything packages)" in (ROOT / "scripts" / "setup.sh").read_text()
    docker_script = (ROOT / "scripts" / "setup-docker.sh").read_text()
    installed = set(re.search(r"for pkg in ([^;]+);", docker_script)[1].split())
    assert programs.packages(("docker",)) <= installed, "scripts/setup-docker.sh must install the docker group"


def test_the_demo_set_up_installs_only_what_the_demo_suite_runs():
    """scripts/demo.sh sets up for the demo suite alone: its software, the runtime, audit and formats programs."""
    from gym_anything.benchmark.suites import load_suite

    listed = set(subprocess.run([sys.executable, "-m", "gym_anything.cli", "packages", "--suite", "demo"],
                                capture_output=True, text=True, check=True).stdout.split())
    demo = {name.split(".")[0] for name in load_suite("demo").tasks}
    wanted = programs.packages(("runtime", "audit", "formats"))
    for env_id in demo:
        wanted |= set(all_software()[env_id].packages)
    assert listed == wanted
    others = {p for env_id, env in all_software().items() if env_id not in demo for p in env.packages} - wanted
    assert others and not listed & others  # e.g. LibreOffice is not installed for the demo
    assert "chromium" not in listed and "podman" not in listed
    assert "bash scripts/setup.sh --suite demo" in (ROOT / "scripts" / "demo.sh").read_text()
    assert 'packages --suite "$SUITE"' in (ROOT / "scripts" / "setup.sh").read_text()
    both = subprocess.run([sys.executable, "-m", "gym_anything.cli", "packages", "--suite", "demo", "--group",
                           "runtime"], capture_output=True, text=True)
    assert both.returncode != 0 and "not both" in both.stderr


@pytest.mark.parametrize("env_id", sorted(all_software()))
def test_each_environment_launches_a_program_from_its_own_packages(env_id):
    """...or from an Essential package every Debian system has (bash, for an env that runs a start script)."""
    spec = all_software()[env_id]
    path = shutil.which(spec.launch[0], path=SYSTEM_PATH)
    assert path, f"{spec.launch[0]} is not installed (packages: {spec.packages})"
    owners = _package_of(path)
    essential = {p for p in owners if subprocess.run(["dpkg-query", "-W", "-f=${Essential}", p], capture_output=True,
                                                     text=True).stdout.strip() == "yes"}
    assert owners & (set(spec.packages) | essential), f"{path} does not come from {spec.packages}"
