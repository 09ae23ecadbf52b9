"""Running a verifier fail-closed, and its result.

Scoring rule: the score is the weighted share of passed items (``check``; gates from ``require`` weigh 0
and a failing gate makes the score 0), and a result passes exactly when its score is 1, so the binary
reward (``passed``) and the score reward agree. Verification fails closed (score 0, not passed, with
``error`` set) when the verifier raises (also ``sys.exit()``), runs longer than its time limit (the
task's ``verifier_timeout``), records no items, or records no scored (weight > 0) item.
"""

from __future__ import annotations

import ctypes
import math
import threading
import traceback
from dataclasses import dataclass
from typing import Any

from ..authoring.contexts import CheckItem, VerifyContext, _Stop
from ..specs.loader import load_function
from ..specs.model import VERIFIER_TIMEOUT, Ref

VERIFIER_THREAD_PREFIX = "verifier "  # every verifier runs in a thread named so (the audit traces its file reads)


class _VerifierTimeout(BaseException):
    """Raised inside a verifier thread that ran past its time limit (BaseException: ``except Exception`` in
    the verifier does not swallow it)."""


@dataclass
class VerifierResult:
    score: float
    passed: bool
    items: list[CheckItem]
    error: str | None = None
    checklist: dict[str, Any] | None = None  # the judge/OCR checklist result, when the task has one

    def to_info(self) -> dict[str, Any]:
        info: dict[str, Any] = {"score": self.score, "passed": self.passed, "error": self.error,
                "items": [{"name": i.name, "passed": i.passed, "weight": i.weight, "detail": i.detail}
                          for i in self.items]}
        if self.checklist is not None:
            info["checklist"] = self.checklist
        return info


def run_verifier(ref: Ref, ctx: VerifyContext, timeout: float | None = VERIFIER_TIMEOUT) -> VerifierResult:
    """Run a verifier fail-closed: an exception (also SystemExit), running past ``timeout`` seconds (None: no
    limit), no checklist item or no scored item scores 0 with the error recorded. See the scoring rule above.

    The verifier runs in a daemon thread. On timeout the result is returned at once and the thread is
    stopped by an exception raised in it, which takes effect at its next Python bytecode (a verifier
    blocked inside one long C call stops when that call returns).
    """
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float))
                                or not math.isfinite(timeout) or timeout <= 0):
        raise ValueError(f"timeout must be None or a number of seconds > 0, got {timeout!r}")
    checklist = ctx.checklist
    outcome: dict[str, BaseException] = {}

    def target() -> None:
        try:
            load_function(ref)(ctx)
        except (_Stop, _VerifierTimeout):
            pass
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - any verifier bug (or exit) must fail closed
            outcome["error"] = exc
        except BaseException as exc:  # KeyboardInterrupt raised by the verifier: re-raised in the caller
            outcome["reraise"] = exc

    thread = threading.Thread(target=target, name=f"{VERIFIER_THREAD_PREFIX}{ref}", daemon=True)
    thread.start()
    try:
        thread.join(timeout)
    except BaseException:  # e.g. Ctrl-C while waiting: stop the verifier too
        _stop_thread(thread)
        raise
    if thread.is_alive():
        _stop_thread(thread)
        return VerifierResult(0.0, False, _copy(checklist.items), f"verifier {ref} exceeded {timeout:g} s")
    items = _copy(checklist.items)
    if "reraise" in outcome:
        raise outcome["reraise"]
    if "error" in outcome:
        exc = outcome["error"]
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return VerifierResult(0.0, False, items, f"verifier {ref} raised {detail}")
    if not items:
        return VerifierResult(0.0, False, [], f"verifier {ref} recorded no checklist items")
    total = sum(i.weight for i in items)
    if total <= 0:
        return VerifierResult(0.0, False, items, f"verifier {ref} recorded no scored checklist items (only gates)")
    passed = all(i.passed for i in items)
    gates_passed = all(i.passed for i in items if i.weight == 0)
    score = round(sum(i.weight for i in items if i.passed) / total, 6) if gates_passed else 0.0
    if not passed:
        score = min(score, 0.999999)  # a failed item (however light) never rounds up to a pass
    return VerifierResult(1.0 if passed else score, passed, items)


def _copy(items: list[CheckItem]) -> list[CheckItem]:
    """A snapshot of the checklist, unaffected by a verifier thread that is still running."""
    return [CheckItem(i.name, i.passed, i.weight, i.detail) for i in list(items)]


def _stop_thread(thread: threading.Thread) -> None:
    """Raise _VerifierTimeout in ``thread`` (at its next bytecode); it is a daemon, so it never blocks exit."""
    if thread.ident is None or not thread.is_alive():
        return
    changed = ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident),
                                                         ctypes.py_object(_VerifierTimeout))
    if changed > 1:  # cannot happen for one live thread id; undo rather than hit other threads
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), None)
