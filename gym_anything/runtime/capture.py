"""In-process screen capture through mss (XShm), converted BGRX -> RGB with per-channel copies."""

from __future__ import annotations

import mss
import numpy as np


class ScreenCapture:
    """Grabs one X display's root window; one instance per display."""

    def __init__(self, display: str, width: int, height: int):
        self._sct = mss.MSS(display=display)
        self._region = {"left": 0, "top": 0, "width": width, "height": height}
        self.width, self.height = width, height

    def grab_raw(self) -> np.ndarray:
        """The screen as a (height, width) uint32 array of BGRX pixels (cheap to compare)."""
        shot = self._sct.grab(self._region)
        return np.frombuffer(shot.raw, dtype=np.uint32).reshape(shot.height, shot.width)

    @staticmethod
    def to_rgb(raw: np.ndarray) -> np.ndarray:
        bgrx = raw.view(np.uint8).reshape(raw.shape[0], raw.shape[1], 4)
        rgb = np.empty((raw.shape[0], raw.shape[1], 3), dtype=np.uint8)
        rgb[..., 0] = bgrx[..., 2]
        rgb[..., 1] = bgrx[..., 1]
        rgb[..., 2] = bgrx[..., 0]
        return rgb

    def grab(self) -> np.ndarray:
        return self.to_rgb(self.grab_raw())

    def close(self) -> None:
        self._sct.close()


def changed_pixels(a: np.ndarray, b: np.ndarray) -> int:
    """How many pixels differ between two raw frames."""
    return int(np.count_nonzero(a != b))
