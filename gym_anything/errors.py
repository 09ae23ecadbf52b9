"""The package's errors: one base class, and the kinds of fault an episode can end with.

Every exception gym-anything raises derives from :class:`GymAnythingError` (and from the built-in class that
fits: ``ValueError`` for bad input, ``RuntimeError`` for faults), so ``except GymAnythingError`` catches ours and
nothing else.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any


class GymAnythingError(Exception):
    """Base of every exception gym-anything raises."""


class SpecError(GymAnythingError, ValueError):
    """A spec file is invalid: names the file, the field and what was expected."""

    def __init__(self, path: Path | str, field_name: str, expected: str, got: Any = None):
        self.path, self.field, self.expected = str(path), field_name, expected
        got_text = "" if got is None else f" (got {got!r})"
        super().__init__(f"{path}: field '{field_name}': expected {expected}{got_text}")


class ActionError(GymAnythingError, ValueError):
    """An action is malformed; the message names the field and the allowed values."""


class FaultKind(str, Enum):
    """What ``info["fault"]["kind"]`` can say (a str: compares and serialises as its value)."""

    APP_EXITED = "app_exited"  # the application exited normally (code 0): e.g. the agent closed it
    APP_CRASHED = "app_crashed"  # the application exited with an error code or was killed by a signal
    APP_OUT_OF_MEMORY = "app_out_of_memory"  # the kernel killed it for exceeding the env's memory limit
    APP_NOT_READY = "app_not_ready"  # its window did not appear within ready.timeout
    DISPLAY_DIED = "display_died"  # the X server or the window manager is not running
    DISPLAY_UNRESPONSIVE = "display_unresponsive"  # the X server stopped answering (e.g. it was stopped)
    DISPLAY_FAILED = "display_failed"  # the display could not start or lacks an extension we need
    DISPLAY_ERROR = "display_error"  # talking to the display failed for another reason
    MISSING_TOOL = "missing_tool"  # a program the runtime needs is not installed
    INPUT_FAILED = "input_failed"  # an input event could not be produced
    HOME_BUILD_FAILED = "home_build_failed"  # the software's home_build command failed (its output in the detail)
    ACTOR_DIED = "actor_died"  # a Ray sub-env's actor process died (vector env)
    ACTOR_TIMEOUT = "actor_timeout"  # a Ray sub-env's call exceeded call_timeout (vector env)
    ENV_ERROR = "env_error"  # a Ray sub-env raised (vector env)

    def __str__(self) -> str:
        return self.value


class RuntimeFault(GymAnythingError, RuntimeError):
    """The application or display failed; ``kind`` is a :class:`FaultKind` value."""

    def __init__(self, kind: FaultKind | str, detail: str):
        self.kind, self.detail = FaultKind(kind).value, detail
        super().__init__(f"{self.kind}: {detail}")
