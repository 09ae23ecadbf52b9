"""The HOME an episode starts from: the software's ``home_template``, or, for a software with ``home_build``, the
HOME its build command left, built once per machine and kept in a cache.

A build runs in the app's own sandbox (the runner's ``build_home``: the app's account, environment, limits, no
network) on a copy of the template: it can make what is too slow to make per episode or too big for the
repository (a PostgreSQL cluster, a server's database with its modules installed). The cache key hashes what
the build depends on: ``env.yaml``, the template's files, the runner kind (and the Docker image) and the
installed versions of the software's Debian packages; a change of any of them builds anew. Builds of one
software in several processes wait for each other (one file lock), and a finished build replaces the older
ones of the same software.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from ..errors import FaultKind, RuntimeFault
from ..runtime.base import Runner
from ..specs.audits import template_hashes
from ..specs.model import SoftwareSpec

CACHE_ENV = "GYM_ANYTHING_CACHE"


def cache_root() -> Path:
    """Where built HOMEs are kept: ``$GYM_ANYTHING_CACHE/homes``, else ``~/.cache/gym-anything/homes`` (the
    sandbox never sees either: it mounts none of the host's home folders)."""
    base = os.environ.get(CACHE_ENV) or str(Path.home() / ".cache" / "gym-anything")
    return Path(base) / "homes"


def home_source(runner: Runner, software: SoftwareSpec) -> Path | None:
    """The folder every episode's HOME is copied from (None: an empty HOME)."""
    if software.home_build is None:
        return software.home_template
    root = cache_root()
    folder = root / f"{software.id}-{build_key(runner, software)[:16]}"
    if folder.is_dir():
        return folder
    root.mkdir(parents=True, exist_ok=True)
    with _locked(root / f"{software.id}.lock"):
        if not folder.is_dir():  # another process may have built it while this one waited
            _build(runner, software, folder)
    return folder


def build_key(runner: Runner, software: SoftwareSpec) -> str:
    """A digest of everything a build depends on."""
    parts = {"env.yaml": hashlib.sha256((software.folder / "env.yaml").read_bytes()).hexdigest(),
             "template": template_hashes(software), "runner": type(runner).__name__,
             "image": str(getattr(runner, "image", "")),
             "packages": package_versions(software.packages)}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


@functools.lru_cache(maxsize=64)
def package_versions(packages: tuple[str, ...]) -> dict[str, str]:
    """Installed versions of Debian packages ('' where not installed or dpkg is missing); read once per process
    (every reset of a ``home_build`` software asks for its key)."""
    versions = dict.fromkeys(packages, "")
    with contextlib.suppress(OSError):
        out = subprocess.run(["dpkg-query", "-W", "-f", "${Package}\t${Version}\n", *packages],
                             capture_output=True, text=True, timeout=30).stdout
        for line in out.splitlines():
            name, _, version = line.partition("\t")
            if name in versions:
                versions[name] = version
    return versions


def _build(runner: Runner, software: SoftwareSpec, folder: Path) -> None:
    assert software.home_build is not None
    build = software.home_build
    episode = runner.new_episode()
    if software.home_template is not None:
        shutil.copytree(software.home_template, episode.home, symlinks=True, dirs_exist_ok=True)
    result = runner.build_home(episode.home, list(build.command), build.timeout)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()[-2000:]
        raise RuntimeFault(FaultKind.HOME_BUILD_FAILED,
                           f"{software.folder / 'env.yaml'}: home_build.command {list(build.command)} exited with "
                           f"{result.returncode}: {output or '(no output)'}")
    staging = folder.parent / f".{folder.name}.{secrets.token_hex(4)}"
    try:
        shutil.copytree(episode.home, staging, symlinks=True)
        os.chmod(staging, 0o700)
        os.rename(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for older in folder.parent.glob(f"{software.id}-*"):
        if older != folder and older.is_dir() and re.fullmatch(rf"{re.escape(software.id)}-[0-9a-f]{{16}}", older.name):
            shutil.rmtree(older, ignore_errors=True)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
