"""Observation options: a smaller or grey screen, as floats, and the instruction beside it (for multi-task ids).

``gym.make(id, obs_size=(H, W), grayscale=True, obs_dtype="float32", observation="dict")``: the screen resized
with PIL (no opencv), as ``uint8`` (H, W, 3), or (H, W, 1) when grey; ``obs_dtype="float32"`` scales it to
[0, 1] (what RLlib's encoders take); with ``observation="dict"`` the observation is
``{"image": that, "instruction": the task's instruction (Text)}``, so one policy can learn several tasks.
``render()`` always returns the full-resolution screen. Bad settings are a ``ValueError`` naming the setting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from gymnasium import spaces
from PIL import Image

OBSERVATIONS = ("image", "dict")
DTYPES = ("uint8", "float32")
INSTRUCTION_CHARS = 2000  # the instruction field's length limit (longer instructions are cut)
_CHARSET = "".join(chr(c) for c in range(0x20, 0x7F)) + "\n\t" + "".join(chr(c) for c in range(0xA0, 0x250)) \
    + "\u2010\u2011\u2012\u2013\u2014\u2018\u2019\u201c\u201d\u2026\u20ac"


@dataclass(frozen=True)
class ObservationShape:
    """How screens become observations: ``size`` (H, W) or None for the screen's own, ``grayscale``, ``kind``,
    ``dtype``."""

    width: int
    height: int
    size: tuple[int, int] | None = None
    grayscale: bool = False
    kind: str = "image"
    dtype: str = "uint8"

    @classmethod
    def make(cls, width: int, height: int, size: Any = None, grayscale: Any = False,
             kind: Any = "image", dtype: Any = "uint8") -> ObservationShape:
        if size is not None and (not isinstance(size, Sequence) or len(size) != 2 or not all(
                isinstance(n, (int, np.integer)) and not isinstance(n, bool) and 8 <= n <= 4096 for n in size)):
            raise ValueError(f"obs_size must be (height, width), two integers in [8, 4096], got {size!r}")
        if not isinstance(grayscale, bool):
            raise ValueError(f"grayscale must be True or False, got {grayscale!r}")
        if kind not in OBSERVATIONS:
            raise ValueError(f"observation must be one of {OBSERVATIONS}, got {kind!r}")
        if dtype not in DTYPES:
            raise ValueError(f"obs_dtype must be one of {DTYPES}, got {dtype!r}")
        return cls(width, height, None if size is None else (int(size[0]), int(size[1])), grayscale, kind, dtype)

    @property
    def is_plain(self) -> bool:
        """The raw screen: nothing to convert."""
        return self.size is None and not self.grayscale and self.kind == "image" and self.dtype == "uint8"

    def space(self) -> spaces.Space:
        h, w = self.size or (self.height, self.width)
        shape = (h, w, 1 if self.grayscale else 3)
        image = spaces.Box(0, 255, shape, np.uint8) if self.dtype == "uint8" else spaces.Box(0.0, 1.0, shape,
                                                                                             np.float32)
        if self.kind == "image":
            return image
        return spaces.Dict({"image": image, "instruction": spaces.Text(INSTRUCTION_CHARS, min_length=0,
                                                                       charset=_CHARSET)})

    def convert(self, frame: np.ndarray, instruction: str = "") -> Any:
        """The observation of ``frame`` (a copy: the caller may keep it)."""
        if self.is_plain:
            return frame.copy()
        picture = Image.fromarray(frame)
        if self.grayscale:
            picture = picture.convert("L")
        if self.size is not None:
            picture = picture.resize((self.size[1], self.size[0]), Image.Resampling.BILINEAR)
        image = np.asarray(picture, dtype=np.uint8)
        if image.ndim == 2:
            image = image[:, :, None]
        shaped: np.ndarray = np.ascontiguousarray(image) if self.dtype == "uint8" \
            else image.astype(np.float32) / np.float32(255)
        if self.kind == "image":
            return shaped
        text = "".join(c if c in _CHARSET else "?" for c in instruction[:INSTRUCTION_CHARS])
        return {"image": shaped, "instruction": text}
