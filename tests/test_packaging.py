"""The package finds envs/ and benchmarks/ when installed from a wheel, outside the checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_wheel_bundles_environment_data_and_works_installed(tmp_path):
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
                           capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr
    wheel = next(tmp_path.glob("gym_anything-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for expected in ("gym_anything/_bundled/envs/gnumeric/env.yaml", "gym_anything/_bundled/envs/gnumeric/verifier.py",
                     "gym_anything/_bundled/benchmarks/perf.py",
                     "gym_anything/benchmark/leaderboard/assets/viewer.js",
                     "gym_anything/view/assets/page.html", "gym_anything/view/assets/view.js",
                     "gym_anything/selection/data/occupations.csv", "gym_anything/selection/data/catalog.yaml",
                     "gym_anything/selection/data/screen_shares.csv",
                     "gym_anything/_bundled/envs/gnumeric/home/.config/gtk-3.0/settings.ini"):
        assert expected in names, f"{expected} missing from the wheel"
    target = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(target)
    code = ("import gym_anything, gymnasium as gym; from gym_anything.specs.paths import data_roots; "
            "from gym_anything.specs.registry import all_tasks; from gym_anything.verification import load_function; "
            "print(data_roots()); t = all_tasks()[0]; load_function(t.verifier); load_function(t.oracle); "
            "from gym_anything.selection import load_catalog, load_occupations; "
            "assert len(load_catalog(load_occupations())) >= 60; "
            "print(len(gym_anything.gym_ids()))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path,
                         env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    assert "_bundled" in out.stdout and str(REPO) not in out.stdout
    assert int(out.stdout.split()[-1]) >= 7
