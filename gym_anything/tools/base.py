"""What every provider schema shares: the display the model sees, a parsed tool call, a schema's table, errors.

A provider's model sees the screen at its own size (``Display.shown``, e.g. scaled to Anthropic's 1024-pixel
budget) and sends coordinates in it; :class:`Display` maps them to the env's screen pixels and back. One tool call
becomes a :class:`ToolStep`: the typed actions it performs (run as one batch, settled once) and what its result
shows (a screenshot, a zoomed region, the pointer position). Bad calls raise :class:`ToolCallError`, whose text is
what the tool result tells the model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .. import actions as A
from ..errors import ActionError, GymAnythingError


class ToolCallError(GymAnythingError, ValueError):
    """A tool call the env cannot run; the message is the tool result's error text, in the provider's terms."""


@dataclass(frozen=True)
class Display:
    """The env's screen (``width`` x ``height`` pixels) and the size the model sees it at (``shown``)."""

    width: int
    height: int
    shown: tuple[int, int] | None = None  # (width, height); None: the screen's own size

    def __post_init__(self) -> None:
        w, h = self.size
        if not (0 < w <= 8192 and 0 < h <= 8192):
            raise ValueError(f"shown size must be two positive integers up to 8192, got {self.shown!r}")

    @property
    def size(self) -> tuple[int, int]:
        """The (width, height) the model sees and sends coordinates in."""
        return self.shown or (self.width, self.height)

    def to_screen(self, x: Any, y: Any, what: str = "coordinate") -> tuple[int, int]:
        """Screen pixels for the model's (x, y); out of the shown screen is a :class:`ToolCallError`."""
        w, h = self.size
        for value in (x, y):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ToolCallError(f"{what} must be two numbers [x, y], got [{x!r}, {y!r}]")
        if not (0 <= x < w and 0 <= y < h):
            raise ToolCallError(f"{what} [{x}, {y}] is outside the screen (0..{w - 1}, 0..{h - 1})")
        return min(int(x * self.width / w), self.width - 1), min(int(y * self.height / h), self.height - 1)

    def from_screen(self, x: int, y: int) -> tuple[int, int]:
        """The model's coordinates of screen pixel (x, y) (the centre of that pixel's area when scaled)."""
        w, h = self.size
        return min(int((x + 0.5) * w / self.width), w - 1), min(int((y + 0.5) * h / self.height), h - 1)

    def region_to_screen(self, region: Any) -> tuple[int, int, int, int]:
        if not isinstance(region, (list, tuple)) or len(region) != 4:
            raise ToolCallError(f"region must be [x0, y0, x1, y1], got {region!r}")
        x0, y0 = self.to_screen(region[0], region[1], "region")
        w, h = self.size
        x1, y1 = region[2], region[3]
        for value in (x1, y1):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ToolCallError(f"region must be four numbers [x0, y0, x1, y1], got {region!r}")
        if not (region[0] < x1 <= w and region[1] < y1 <= h):
            raise ToolCallError(f"region {list(region)} must have x0 < x1 <= {w} and y0 < y1 <= {h}")
        return x0, y0, max(x0 + 1, round(x1 * self.width / w)), max(y0 + 1, round(y1 * self.height / h))


@dataclass
class ToolStep:
    """One tool call, parsed: the typed actions it performs and what its result shows."""

    actions: list[dict[str, Any]] = field(default_factory=list)
    result: str = "screenshot"  # "screenshot", "zoom" (see region) or "cursor"
    region: tuple[int, int, int, int] | None = None  # zoom: screen pixels (x0, y0, x1, y1)


Parse = Callable[[Any, Display, tuple[int, int]], list[ToolStep]]
Encode = Callable[[dict[str, Any], Display, tuple[int, int]], list[dict[str, Any]]]


@dataclass(frozen=True)
class ToolSchema:
    """One provider schema: its tool definitions, and its calls to and from typed actions.

    * ``definitions(display)``: the ``tools`` entries to send to the provider, display size filled in;
    * ``parse(call, display, pointer)``: one provider tool call (the provider's JSON) -> its steps (a batched
      call gives several); ``pointer`` is where the pointer is now (screen pixels), for actions at "the
      current position";
    * ``encode(action, display, pointer)``: a typed action -> the provider calls that perform it (``[]`` for
      DONE: the model ends its turn without a call), for demonstrations in the provider's format and round-trip
      tests; an action the schema cannot express is a :class:`ToolCallError`.
    """

    name: str
    provider: str
    summary: str
    definitions: Callable[[Display], list[dict[str, Any]]]
    parse: Parse
    encode: Encode
    actions: tuple[str, ...]  # the provider action (or function) names this table handles
    unsupported: dict[str, str]  # provider action names it refuses, and why


def typed(make: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    """A typed action from a helper of :mod:`gym_anything.actions`, an :class:`ActionError` as a tool error."""
    try:
        return make(*args)
    except ActionError as exc:
        raise ToolCallError(str(exc)) from None


def checked(action: dict[str, Any], display: Display) -> dict[str, Any]:
    """``action`` validated against the screen (text charset, key names, ranges), errors as tool errors."""
    try:
        A.validate(action, display.width, display.height)
    except ActionError as exc:
        raise ToolCallError(str(exc)) from None
    return action


def chunks(total: float, most: float) -> list[float]:
    """``total`` split into parts of at most ``most`` (a long wait, many scroll clicks, a long text)."""
    parts = []
    while total > most:
        parts.append(most)
        total -= most
    if total > 0 or not parts:
        parts.append(total)
    return parts


def text_parts(text: str) -> list[str]:
    return [text[i:i + A.MAX_TEXT] for i in range(0, len(text), A.MAX_TEXT)] or [""]


def require(args: dict[str, Any], name: str, kinds: type | tuple[type, ...], action: str) -> Any:
    """``args[name]`` of type ``kinds`` (never a bool), else a tool error naming the parameter."""
    value = args.get(name)
    if value is None:
        raise ToolCallError(f"{action} requires the parameter '{name}'")
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise ToolCallError(f"'{name}' of {action} must be {_kind_name(kinds)}, got {value!r}")
    return value


def _kind_name(kinds: type | tuple[type, ...]) -> str:
    names = {int: "an integer", float: "a number", str: "a string", list: "a list", dict: "an object"}
    return " or ".join(names.get(k, k.__name__) for k in (kinds if isinstance(kinds, tuple) else (kinds,)))


def as_mapping(value: Any, what: str) -> dict[str, Any]:
    if hasattr(value, "model_dump"):  # an SDK's pydantic block
        value = value.model_dump(exclude_none=True)
    if not isinstance(value, dict):
        raise ToolCallError(f"{what} must be a JSON object, got {type(value).__name__}")
    return value
