"""OCR of screenshots with Debian's tesseract (for leak audits, text-fact checks and ``create explore``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from ..errors import GymAnythingError

SCALE = 2  # upscaling before OCR: small UI fonts are read far more reliably at 2x


class OCRUnavailable(GymAnythingError, RuntimeError):
    """tesseract is not installed."""


def _tesseract() -> str:
    path = shutil.which("tesseract")
    if path is None:
        raise OCRUnavailable("tesseract is not installed (apt-get install -y tesseract-ocr)")
    return path


class PendingOCR:
    """A tesseract run in the background; ``text()`` waits for it."""

    def __init__(self, image: np.ndarray, region: tuple[int, int, int, int] | None = None, tsv: bool = False):
        self._dir = tempfile.TemporaryDirectory(prefix="gym-anything-ocr-")
        picture = Image.fromarray(image)
        if region is not None:
            picture = picture.crop(region)
        picture = picture.resize((picture.width * SCALE, picture.height * SCALE), Image.Resampling.LANCZOS)
        path = Path(self._dir.name) / "screen.png"
        picture.save(path)
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        extra = ["tsv"] if tsv else []  # tsv: one row per word with its box (see read_words)
        self._proc = subprocess.Popen([_tesseract(), str(path), "-", "--psm", "3", *extra], stdout=subprocess.PIPE,
                                      stderr=subprocess.DEVNULL, env=env)

    def text(self, timeout: float = 120) -> str:
        try:
            out, _ = self._proc.communicate(timeout=timeout)
        finally:
            self._dir.cleanup()
        return out.decode("utf-8", "replace")


def read_text(image: np.ndarray, region: tuple[int, int, int, int] | None = None) -> str:
    """The text tesseract reads on an RGB screenshot (optionally a (left, top, right, bottom) region)."""
    return PendingOCR(image, region).text()


@dataclass(frozen=True)
class Word:
    """One word tesseract read: its text, its box in screen pixels (the upscaling undone, the region's offset
    added), its confidence (0-100) and which line it is on (block, paragraph, line numbers)."""

    text: str
    left: int
    top: int
    width: int
    height: int
    conf: float
    line: tuple[int, int, int]

    @property
    def center(self) -> tuple[int, int]:
        return self.left + self.width // 2, self.top + self.height // 2

    def to_json(self) -> dict:
        out = asdict(self)
        out["line"] = list(self.line)
        return out


def parse_tsv(tsv: str, region: tuple[int, int, int, int] | None = None) -> list[Word]:
    """The words of tesseract's TSV output, in screen coordinates (see :class:`Word`)."""
    dx, dy = (region[0], region[1]) if region is not None else (0, 0)
    words = []
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) != 12 or cells[0] != "5" or not cells[11].strip():
            continue  # only level 5 (word) rows with text
        try:
            block, par, line = int(cells[2]), int(cells[3]), int(cells[4])
            left, top, width, height = (int(c) for c in cells[6:10])
            conf = float(cells[10])
        except ValueError:
            continue
        x0, y0 = left // SCALE, top // SCALE
        x1, y1 = -(-(left + width) // SCALE), -(-(top + height) // SCALE)
        words.append(Word(cells[11].strip(), x0 + dx, y0 + dy, x1 - x0, y1 - y0, conf, (block, par, line)))
    return words


def read_words(image: np.ndarray, region: tuple[int, int, int, int] | None = None) -> list[Word]:
    """The words tesseract reads on an RGB screenshot, each with its box in screen coordinates."""
    return parse_tsv(PendingOCR(image, region, tsv=True).text(), region)


def squash(text: str) -> str:
    """Lower-case text without any whitespace: robust matching against OCR output."""
    return "".join(text.lower().split())
