"""Images for models: a bounded, evenly thinned frame history of a trajectory, sampling, and data URLs."""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image


class FrameBuffer:
    """Keeps a bounded, evenly thinned history of a trajectory's frames (first and last always kept)."""

    def __init__(self, capacity: int = 32):
        self.capacity = max(capacity, 4)
        self._frames: list[np.ndarray] = []
        self._stride, self._seen = 1, 0
        self.last: np.ndarray | None = None

    def add(self, frame: np.ndarray) -> None:
        if self._seen % self._stride == 0:
            self._frames.append(frame)
            if len(self._frames) > self.capacity:
                self._frames = self._frames[::2]
                self._stride *= 2
        self._seen += 1
        self.last = frame

    def sample(self, count: int) -> list[np.ndarray]:
        """First, last and evenly spaced frames in between, at most ``count``."""
        frames = list(self._frames)
        if self.last is not None and (not frames or frames[-1] is not self.last):
            frames.append(self.last)
        return even_sample(frames, count)


def even_sample(frames: list[np.ndarray], count: int) -> list[np.ndarray]:
    """At most ``count`` frames: the first, the last and evenly spaced ones in between."""
    if len(frames) <= count:
        return list(frames)
    picks = np.linspace(0, len(frames) - 1, count).round().astype(int)
    return [frames[i] for i in sorted(set(picks.tolist()))]


def png_bytes(frame: np.ndarray) -> bytes:
    """A frame as PNG (fast compression: frames go to models, not to disk)."""
    buffer = io.BytesIO()
    Image.fromarray(frame).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def png_base64(frame: np.ndarray) -> str:
    """A frame as base64 PNG text (what JSON replies carry)."""
    return base64.b64encode(png_bytes(frame)).decode()


def png_data_url(frame: np.ndarray) -> str:
    """A frame as a ``data:image/png;base64,...`` URL (what OpenAI-compatible endpoints take)."""
    return "data:image/png;base64," + png_base64(frame)
