"""The one folder a creator may change: ``envs/<software>/`` of a data root, with every path checked.

A path is relative to the software's folder. Absolute paths, ``..`` that leaves the folder, symbolic links that
point out of it, and the folder's ``scaffold/`` evidence (the scaffold's word, not the creator's) are refused
with a :class:`PathRefused` that says why. Audit records live outside the folder (``audits/<software>/``): no
creator can write its own pass.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from ..errors import GymAnythingError

MAX_FILE_BYTES = 512 * 1024  # a file the creator writes (task code and data generators, not datasets)
READ_ONLY = ("scaffold",)  # top-level entries the creator may read but not change


class PathRefused(GymAnythingError, PermissionError):
    """A creator's path leaves the software's folder (or names a read-only part of it)."""


class Workspace:
    """``root/envs/<software>/``: read, write, list and delete files inside it and nowhere else."""

    def __init__(self, root: Path | str, software: str, frozen: set[str] | None = None):
        self.root = Path(root).resolve()
        self.software = software
        self.folder = self.root / "envs" / software
        self.frozen = set(frozen or ())  # files (relative paths) that may be read but not changed

    def freeze_existing(self) -> None:
        """Make every file there now read-only (``create amplify``: the model may only add new files)."""
        self.frozen = set(self.files())

    def resolve(self, path: str, *, writing: bool = False) -> Path:
        """The real path of ``path`` (relative to the folder); PathRefused when it is not inside the folder."""
        if not isinstance(path, str) or not path.strip():
            raise PathRefused(f"a path must be a non-empty text relative to envs/{self.software}/, got {path!r}")
        pure = PurePosixPath(path)
        if pure.is_absolute() or path.startswith("~"):
            raise PathRefused(f"{path!r} is absolute: paths are relative to envs/{self.software}/")
        target = Path(os.path.realpath(self.folder / pure))  # follows links: a link out of the folder is out
        folder = Path(os.path.realpath(self.folder))
        if target != folder and not target.is_relative_to(folder):
            raise PathRefused(f"{path!r} leaves envs/{self.software}/ (it resolves to {target})")
        if writing:
            parts = target.relative_to(folder).parts
            if not parts:
                raise PathRefused(f"{path!r} is the software's folder itself, not a file in it")
            if parts[0] in READ_ONLY:
                raise PathRefused(f"{path!r} is in {parts[0]}/, which the creator may read but not change")
            if "/".join(parts) in self.frozen:
                raise PathRefused(f"{path!r} existed before: here only new files may be written")
        return target

    def read(self, path: str, limit: int = 60_000) -> str:
        target = self.resolve(path)
        if not target.is_file():
            raise FileNotFoundError(f"envs/{self.software}/{path} is not a file")
        data = target.read_bytes()
        text = data[:limit].decode("utf-8", "replace")
        return text if len(data) <= limit else f"{text}\n... (cut: {len(data)} bytes in all)"

    def write(self, path: str, content: str) -> Path:
        if not isinstance(content, str):
            raise ValueError(f"content must be text, got {type(content).__name__}")
        data = content.encode("utf-8")
        if len(data) > MAX_FILE_BYTES:
            raise ValueError(f"content is {len(data)} bytes; a file may have at most {MAX_FILE_BYTES}")
        target = self.resolve(path, writing=True)
        if target.is_dir():
            raise IsADirectoryError(f"envs/{self.software}/{path} is a folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return target

    def delete(self, path: str) -> None:
        target = self.resolve(path, writing=True)
        if not target.is_file():
            raise FileNotFoundError(f"envs/{self.software}/{path} is not a file")
        target.unlink()

    def files(self) -> list[str]:
        """Every file in the folder (relative paths, sorted), caches left out."""
        if not self.folder.is_dir():
            return []
        return sorted(p.relative_to(self.folder).as_posix() for p in self.folder.rglob("*")
                      if p.is_file() and "__pycache__" not in p.parts)
