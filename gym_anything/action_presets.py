"""Action presets for RL libraries: small ``Discrete``, ``MultiDiscrete`` or ``Box`` spaces that map to typed actions.

A preset is a fixed vocabulary: a grid of click targets (the cell centres of ``grid`` rows x columns over the
screen), a set of keys and chords (``keys``), short texts to type (``texts``) and DONE. Each preset action maps to
one typed action of :mod:`gym_anything.actions`, so recording, the viewer and the export see ordinary actions.

* ``discrete``: ``Discrete(n)``: one index per click cell, per key, per text, and DONE.
* ``multidiscrete``: ``MultiDiscrete([kinds, cells, keys, texts])``: the kind (click, double click, right click,
  key, type, scroll up, scroll down, DONE) and the cell, key and text it uses (the others are ignored).
* ``box``: ``Box(-1, 1, (4,))`` (symmetric, as Gaussian policies want): kind, x, y, item: the kind and the
  key/text are picked by the value's bin, x and y are the pointer position (-1 the left/top edge, 1 the
  right/bottom one).

``gym.make(id, actions="discrete", action_grid=(8, 8))`` selects one (the env then takes preset actions);
``gym_anything.wrappers.PresetActions`` wraps an env with one. Bad settings are a ``ValueError`` naming the
setting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from gymnasium import spaces

from . import actions as A

PRESETS = ("dict", "discrete", "multidiscrete", "box")
DEFAULT_KEYS: tuple[tuple[str, ...], ...] = (
    ("enter",), ("tab",), ("escape",), ("backspace",), ("delete",), ("up",), ("down",), ("left",), ("right",),
    ("home",), ("end",), ("ctrl", "s"), ("ctrl", "a"), ("ctrl", "c"), ("ctrl", "v"), ("ctrl", "z"))
DEFAULT_TEXTS: tuple[str, ...] = (*"0123456789", ".", ",", "-", " ")
KINDS = ("click", "double_click", "right_click", "key", "type", "scroll_up", "scroll_down", "done")


@dataclass
class ActionPreset:
    """One preset: its ``space`` and :meth:`to_action` from a sample of that space to a typed action."""

    kind: str
    width: int
    height: int
    grid: tuple[int, int] = (8, 8)
    keys: tuple[tuple[str, ...], ...] = DEFAULT_KEYS
    texts: tuple[str, ...] = DEFAULT_TEXTS
    space: spaces.Space = field(init=False)

    def __post_init__(self) -> None:
        if self.kind not in PRESETS[1:]:
            raise ValueError(f"actions must be one of {PRESETS}, got {self.kind!r}")
        rows, cols = _grid(self.grid)
        self.grid = (rows, cols)
        self.keys = tuple(_key(k) for k in self.keys)
        self.texts = tuple(_text(t) for t in self.texts)
        if self.kind == "discrete":
            self.space = spaces.Discrete(rows * cols + len(self.keys) + len(self.texts) + 1)
        elif self.kind == "multidiscrete":
            self.space = spaces.MultiDiscrete([len(KINDS), rows * cols, max(1, len(self.keys)),
                                               max(1, len(self.texts))])
        else:
            self.space = spaces.Box(-1.0, 1.0, (4,), np.float32)

    @property
    def cells(self) -> int:
        return self.grid[0] * self.grid[1]

    def cell_centre(self, cell: int) -> tuple[int, int]:
        rows, cols = self.grid
        row, col = divmod(cell, cols)
        return (int((col + 0.5) * self.width / cols), int((row + 0.5) * self.height / rows))

    def to_action(self, value: Any) -> dict[str, Any]:
        """The typed action for ``value`` (an element of :attr:`space`); ValueError when it is not one."""
        if not self.space.contains(_as_space_value(value, self.space)):
            raise ValueError(f"action {value!r} is not in the preset's space {self.space}")
        if self.kind == "discrete":
            return self._discrete(int(value))
        if self.kind == "multidiscrete":
            kind, cell, key, text = (int(v) for v in np.asarray(value))
            return self._make(KINDS[kind], self.cell_centre(cell), key, text)
        v = (np.asarray(value, dtype=np.float64) + 1.0) / 2.0  # each in [0, 1]
        kind = min(int(v[0] * len(KINDS)), len(KINDS) - 1)
        items = max(1, len(self.keys), len(self.texts))
        item = min(int(v[3] * items), items - 1)
        point = (min(int(v[1] * self.width), self.width - 1), min(int(v[2] * self.height), self.height - 1))
        return self._make(KINDS[kind], point, item % max(1, len(self.keys)), item % max(1, len(self.texts)))

    def _discrete(self, index: int) -> dict[str, Any]:
        if index < self.cells:
            return A.click(*self.cell_centre(index))
        index -= self.cells
        if index < len(self.keys):
            return A.hotkey(*self.keys[index])
        index -= len(self.keys)
        if index < len(self.texts):
            return A.type(self.texts[index])
        return A.done()

    def _make(self, kind: str, point: tuple[int, int], key: int, text: int) -> dict[str, Any]:
        x, y = point
        if kind == "click":
            return A.click(x, y)
        if kind == "double_click":
            return A.double_click(x, y)
        if kind == "right_click":
            return A.right_click(x, y)
        if kind == "key":
            return A.hotkey(*self.keys[key]) if self.keys else A.wait(0)
        if kind == "type":
            return A.type(self.texts[text]) if self.texts else A.wait(0)
        if kind in ("scroll_up", "scroll_down"):
            return A.scroll(x, y, dy=-3 if kind == "scroll_up" else 3)
        return A.done()

    def __repr__(self) -> str:
        rows, cols = self.grid
        return (f"ActionPreset({self.kind}: {self.space!r}; clicks on a {rows}x{cols} grid, {len(self.keys)} keys, "
                f"{len(self.texts)} texts, DONE)")


def _as_space_value(value: Any, space: spaces.Space) -> Any:
    if isinstance(space, spaces.Discrete):
        return np.int64(value) if isinstance(value, (int, np.integer)) and not isinstance(value, bool) else value
    if isinstance(space, spaces.MultiDiscrete):
        return np.asarray(value, dtype=np.int64) if np.asarray(value).dtype.kind in "iu" else np.asarray(value)
    return np.asarray(value, dtype=np.float32)


def _grid(grid: Any) -> tuple[int, int]:
    if (not isinstance(grid, Sequence) or len(grid) != 2 or not all(
            isinstance(n, (int, np.integer)) and not isinstance(n, bool) and 1 <= n <= 64 for n in grid)):
        raise ValueError(f"action_grid must be (rows, columns), two integers in [1, 64], got {grid!r}")
    return int(grid[0]), int(grid[1])


def _key(key: Any) -> tuple[str, ...]:
    chord = (key,) if isinstance(key, str) else tuple(key) if isinstance(key, Sequence) else ()
    if not chord or len(chord) > A.MAX_CHORD or not all(isinstance(k, str) and k in A.KEY_NAMES for k in chord):
        raise ValueError(f"action_keys: each entry is a key name or a chord of up to {A.MAX_CHORD} key names from "
                         f"gym_anything.actions.KEY_NAMES, got {key!r}")
    return chord


def _text(text: Any) -> str:
    if not isinstance(text, str) or not 1 <= len(text) <= A.MAX_TEXT:
        raise ValueError(f"action_texts: each entry is a text of 1 to {A.MAX_TEXT} characters, got {text!r}")
    A.validate(A.type(text), 1, 1)  # the text charset (an ActionError names the characters)
    return text
