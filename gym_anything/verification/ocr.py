"""OCR of screenshots with Debian's tesseract (for leak audits and text-fact checks)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

SCALE = 2  # upscaling before OCR: small UI fonts are read far more reliably at 2x


def _tesseract() -> str:
    path = shutil.which("tesseract")
    if path is None:
        raise RuntimeError("tesseract is not installed (apt-get install -y tesseract-ocr)")
    return path


class PendingOCR:
    """A tesseract run in the background; ``text()`` waits for it."""

    def __init__(self, image: np.ndarray, region: tuple[int, int, int, int] | None = None):
        self._dir = tempfile.TemporaryDirectory(prefix="gym-anything-ocr-")
        picture = Image.fromarray(image)
        if region is not None:
            picture = picture.crop(region)
        picture = picture.resize((picture.width * SCALE, picture.height * SCALE), Image.Resampling.LANCZOS)
        path = Path(self._dir.name) / "screen.png"
        picture.save(path)
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        self._proc = subprocess.Popen([_tesseract(), str(path), "-", "--psm", "3"], stdout=subprocess.PIPE,
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


def squash(text: str) -> str:
    """Lower-case text without any whitespace: robust matching against OCR output."""
    return "".join(text.lower().split())
