"""``home_build``: a command run once per machine in the app's sandbox, its HOME then every episode's start."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from gym_anything import GymAnythingEnv
from gym_anything.errors import RuntimeFault
from gym_anything.specs import load_env

pytestmark = pytest.mark.app

BUILD = """\
set -e
mkdir -m 700 data
cat /proc/sys/kernel/random/uuid > data/token
id -u > data/uid
echo "$HOME $GREETING" > data/env
ls -A /root 2>/dev/null | head -1 > data/host || true
echo "built $(cat data/token)" > note.txt
"""


def make_root(tmp_path: Path, build: str = BUILD, command: str = "[sh, /home/agent/.build.sh]") -> Path:
    folder = tmp_path / "root" / "envs" / "builtpad"
    (folder / "tasks").mkdir(parents=True)
    (folder / "home").mkdir()
    (folder / "home" / ".build.sh").write_text(build)
    (folder / "env.yaml").write_text(textwrap.dedent(f"""\
        id: builtpad
        name: Mousepad on a built HOME
        description: A test software whose HOME is made by a home_build command.
        version: 0
        soc_groups: ["43-0000"]
        packages: [mousepad]
        launch: [mousepad]
        ready: {{window_class: mousepad, title_regex: note, timeout: 30}}
        env: {{GREETING: hello}}
        home_template: home
        home_build: {{command: {command}, timeout: 60}}
        """))
    (folder / "tasks" / "read-note.yaml").write_text(
        "id: read-note\ninstruction: Read the note.\nopen: note.txt\nmax_steps: 3\nsplit: train\n"
        "difficulty: easy\nversion: 0\n")
    (folder / "verifier.py").write_text(
        "def read_note(ctx):\n    ctx.check('note kept', (ctx.home / 'note.txt').read_text().startswith('built'))\n")
    (folder / "oracle.py").write_text("def read_note(ctx):\n    return []\n")
    return folder


def test_home_is_built_once_in_the_sandbox_and_rebuilt_when_its_inputs_change(tmp_path, monkeypatch):
    monkeypatch.setenv("GYM_ANYTHING_CACHE", str(tmp_path / "cache"))
    folder = make_root(tmp_path)
    env = GymAnythingEnv(load_env(folder), audit=False)
    try:
        env.reset(seed=0)
        home = env.unwrapped.episode_home
        token = (home / "data" / "token").read_text()
        assert "note.txt" in " ".join(env.unwrapped.runner.window_titles())  # the app opened the built file
        assert (home / "data" / "env").read_text().split() == ["/home/agent", "hello"]  # the app's environment
        assert (home / "data" / "host").read_text().strip() == ""  # nothing of the host's folders
        if os.geteuid() == 0:
            assert (home / "data" / "uid").read_text().strip() != "0"  # the sandbox account, not root
        assert (home / "data").stat().st_mode & 0o777 == 0o700  # modes survive the cache
        env.reset(seed=1)
        assert (env.unwrapped.episode_home / "data" / "token").read_text() == token  # not built again
    finally:
        env.close()
    built = sorted((tmp_path / "cache" / "homes").glob("builtpad-*"))
    assert len([p for p in built if p.is_dir()]) == 1

    (folder / "home" / "extra.txt").write_text("a template change\n")
    env = GymAnythingEnv(load_env(folder), audit=False)
    try:
        env.reset(seed=0)
        home = env.unwrapped.episode_home
        assert (home / "extra.txt").exists() and (home / "data" / "token").read_text() != token
    finally:
        env.close()
    rebuilt = [p for p in (tmp_path / "cache" / "homes").glob("builtpad-*") if p.is_dir()]
    assert len(rebuilt) == 1 and rebuilt != built  # the older build is gone


def test_a_failing_build_is_a_fault_naming_the_file_and_its_output(tmp_path, monkeypatch):
    monkeypatch.setenv("GYM_ANYTHING_CACHE", str(tmp_path / "cache"))
    folder = make_root(tmp_path, build="echo 'initdb: cannot create' >&2; exit 3\n")
    env = GymAnythingEnv(load_env(folder), audit=False)
    try:
        with pytest.raises(RuntimeFault) as caught:
            env.reset(seed=0)
        assert caught.value.kind == "home_build_failed"
        assert "env.yaml" in caught.value.detail and "exited with 3" in caught.value.detail
        assert "initdb: cannot create" in caught.value.detail
        assert not [p for p in (tmp_path / "cache" / "homes").glob("builtpad-*") if p.is_dir()]
    finally:
        env.close()


def test_a_build_past_its_timeout_is_killed(tmp_path, monkeypatch):
    monkeypatch.setenv("GYM_ANYTHING_CACHE", str(tmp_path / "cache"))
    folder = make_root(tmp_path, build="sleep 30\n")
    (folder / "env.yaml").write_text((folder / "env.yaml").read_text().replace("timeout: 60}", "timeout: 1}"))
    env = GymAnythingEnv(load_env(folder), audit=False)
    try:
        with pytest.raises(RuntimeFault, match="killed after 1 s"):
            env.reset(seed=0)
    finally:
        env.close()
