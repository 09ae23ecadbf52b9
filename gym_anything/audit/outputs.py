"""What a run left for its verifier: the files under HOME the verifier read, as comparable views.

The audit traces the verifier's reads with a Python audit hook (``open``, ``sqlite3.connect`` and paths in the
arguments of programs it starts, such as ``ssconvert``), only in verifier threads and only under the episode's
HOME. A run's *outputs* are those files' views: text lines (gzip is unpacked; SQLite is dumped as SQL, with what
its write-ahead log holds; zip archives such as OpenDocument and OOXML files are unpacked member by member, their
XML one element per line and their metadata (save time, editing time, view settings) left out; an mbox mail folder
is its messages in content order, since a folder's file order is only the order things arrived in; an SPSS .sav
file counts without its save time; other binary data is one line with its hash) or ``None`` for a file that is
missing. Lines that differ between two
oracle runs of the same seed (e.g. a save time stamp) are *volatile*; two runs are equivalent when their outputs
agree everywhere else.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..verification.verifier import VERIFIER_THREAD_PREFIX

Outputs = dict[str, list[str] | None]  # path relative to HOME -> its view (None: missing)

_recordings: list[_Recording] = []
_hook_lock = threading.Lock()
_hook_installed = False


class _Recording:
    def __init__(self, home: Path) -> None:
        self.home = os.path.abspath(home)
        self.paths: set[str] = set()

    def consider(self, value: Any) -> None:
        if isinstance(value, bytes):
            value = os.fsdecode(value)
        if isinstance(value, os.PathLike):
            value = os.fspath(value)
        if isinstance(value, str) and value.startswith("file:"):  # an SQLite URI
            value = value[5:].split("?", 1)[0]
        if not isinstance(value, str) or not value:
            return
        path = os.path.abspath(value)
        if path.startswith(self.home + os.sep):
            self.paths.add(os.path.relpath(path, self.home))


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if not _recordings or not threading.current_thread().name.startswith(VERIFIER_THREAD_PREFIX):
        return
    recording = _recordings[-1]
    if event in ("open", "sqlite3.connect") and args:
        recording.consider(args[0])
    elif event in ("subprocess.Popen", "os.posix_spawn", "os.exec") and len(args) > 1:
        for arg in args[1] or ():
            recording.consider(arg)


@contextmanager
def verifier_reads(home: Path) -> Iterator[set[str]]:
    """Within the block, collect the paths (relative to ``home``) that verifier threads read."""
    global _hook_installed
    with _hook_lock:
        if not _hook_installed:
            sys.addaudithook(_hook)  # cannot be removed; it returns at once while nothing is recorded
            _hook_installed = True
    recording = _Recording(home)
    _recordings.append(recording)
    try:
        yield recording.paths
    finally:
        _recordings.remove(recording)


def file_view(path: Path) -> list[str] | None:
    """A file as comparable lines: unpacked gzip, an SQL dump of SQLite, the members of a zip archive, decoded text,
    or one hash line."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        return [f"unreadable: {exc.strerror}"]
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError):
            pass
    if data.startswith(b"SQLite format 3\x00"):
        return _sqlite_view(path, data)
    if data[:4] in (b"$FL2", b"$FL3") and len(data) > _SAV_STAMP.stop:  # an SPSS system file (PSPP's .sav)
        data = data[:_SAV_STAMP.start] + bytes(_SAV_STAMP.stop - _SAV_STAMP.start) + data[_SAV_STAMP.stop:]
    if data[:4] == b"PK\x03\x04":
        members = _zip_view(data)
        if members is not None:
            return members
    lines = _text_view(data)
    if lines and lines[0].startswith("From "):
        return _mbox_view(lines)
    return lines


def _sqlite_view(path: Path, data: bytes) -> list[str]:
    """An SQL dump of a database, with what its write-ahead log (``-wal``) holds that is not yet in the file
    (QGIS keeps GeoPackages in WAL mode): a copy of both is opened, never the app's own files."""
    try:
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "db"
            copy.write_bytes(data)
            wal = path.with_name(path.name + "-wal")
            if wal.is_file():
                shutil.copyfile(wal, Path(tmp) / "db-wal")
            connection = sqlite3.connect(copy)
            try:
                return list(connection.iterdump())
            finally:
                connection.close()
    except (sqlite3.Error, OSError) as exc:
        return [f"sqlite: {exc}", hashlib.sha256(data).hexdigest()]


def _mbox_view(lines: list[str]) -> list[str]:
    """An mbox's messages sorted by their content (the ``From `` separator, which holds the time it was written,
    not counted). Two messages deleted in the other order leave the same Trash."""
    messages: list[list[str]] = []
    for n, line in enumerate(lines):
        if line.startswith("From ") and (n == 0 or lines[n - 1] == ""):
            messages.append([line])
        else:
            messages[-1].append(line)
    return [line for message in sorted(messages, key=lambda m: m[1:]) for line in message]


# The creation date and time in an SPSS system file's header (after the record type, product name, layout code,
# case size, compression, weight index, case count and bias): the same data saved a second later is the same file.
_SAV_STAMP = slice(92, 109)


def _text_view(data: bytes) -> list[str]:
    try:
        return data.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        return [f"binary sha256:{hashlib.sha256(data).hexdigest()}"]


# Members of office documents that describe the file, not its content: ODF's meta.xml (save time, editing time in
# seconds, edit count), settings.xml (cursor, scroll position, zoom) and Thumbnails/, OOXML's docProps/. A mutant
# that only moved the cursor or took a second longer left the same document.
_ZIP_METADATA = re.compile(r"^(meta\.xml|settings\.xml|Thumbnails/.*|docProps/.*)$")


def _zip_view(data: bytes) -> list[str] | None:
    """The members of a zip archive in name order, each after a ``== name`` line, but office documents' metadata
    (``_ZIP_METADATA``). XML is cut after every element (an .ods or .docx keeps its XML on one line); the archive's
    own dates and compression do not count."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            lines: list[str] = []
            for name in sorted(archive.namelist()):
                if _ZIP_METADATA.match(name):
                    continue
                member = archive.read(name)
                if member.lstrip()[:1] == b"<":
                    member = member.replace(b"><", b">\n<")
                lines += [f"== {name}", *_text_view(member)]
            return lines
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        return None


def output_names(home: Path, paths: set[str]) -> list[str]:
    """The files that count as a run's outputs: those the verifier read; if it read none, every file under HOME."""
    return sorted(paths) or sorted(p.relative_to(home).as_posix() for p in home.rglob("*") if p.is_file())


def read_outputs(home: Path, names: list[str]) -> Outputs:
    """The views of ``names`` under ``home``."""
    return {name: file_view(home / name) for name in names}


def read_files(home: Path, names: list[str]) -> dict[str, bytes | None]:
    """The bytes of ``names`` under ``home`` (None: missing or unreadable), to re-verify them later."""
    files: dict[str, bytes | None] = {}
    for name in names:
        try:
            files[name] = (home / name).read_bytes()
        except OSError:
            files[name] = None
    return files


def volatile_lines(first: Outputs, second: Outputs) -> dict[str, set[int] | None]:
    """Per file, the line numbers that differ between two oracle runs; None: the file itself is unstable."""
    volatile: dict[str, set[int] | None] = {}
    for name in first.keys() | second.keys():
        a, b = first.get(name), second.get(name)
        if a == b:
            volatile[name] = set()
        elif a is None or b is None or len(a) != len(b):
            volatile[name] = None
        else:
            volatile[name] = {i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y}
    return volatile


def equivalent(oracle: Outputs, other: Outputs, volatile: dict[str, set[int] | None]) -> bool:
    """Whether ``other`` left what the oracle left, up to the oracle's own volatile lines."""
    if oracle.keys() != other.keys():
        return False
    for name, lines in oracle.items():
        theirs, mask = other[name], volatile.get(name, set())
        if lines == theirs:
            continue
        if mask is None or lines is None or theirs is None or len(lines) != len(theirs):
            return False
        if any(x != y and i not in mask for i, (x, y) in enumerate(zip(lines, theirs, strict=True))):
            return False
    return True


def outputs_digest(outputs: Outputs) -> str:
    """A short fingerprint of a run's outputs (for reports)."""
    text = "\n".join(f"{name}\0{'' if lines is None else chr(1).join(lines)}"
                     for name, lines in sorted(outputs.items()))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
