"""The OpenEnv endpoint: openenv-core's wire protocol (as of 0.3.0) on the env instances, so openenv's own
clients (``EnvClient``, ``GenericEnvClient``) drive a gym-anything env.

WebSocket ``/ws``: the connection claims a free instance (:mod:`.instances`; one client per instance) and holds
it until it closes or sends nothing for ``idle_timeout`` seconds (then it is closed with code 4408 and a reason
saying so). A connection that finds every instance held is answered, at its first message, with an
``error`` of code ``CAPACITY_REACHED`` whose message names who holds what, and closed (1013, "try again later").
Messages, as openenv's: ``{"type": "reset", "data": {"seed": 3, "episode_id": "..."}}``,
``{"type": "step", "data": ACTION}``, ``{"type": "state"}``, ``{"type": "close"}``; answers
``{"type": "observation", "data": {"observation": {...}, "reward": ..., "done": ...}}``,
``{"type": "state", "data": {...}}``, ``{"type": "error", "data": {"message": ..., "code": ...}}``.

An ACTION is ``{"actions": [...]}``, typed actions in their JSON form (:func:`gym_anything.actions.to_json`;
screen pixels; ``{"type": "done"}`` ends the episode), run as one batched step, or ``{"calls": [...]}``,
Anthropic ``computer_toolset_20260801`` calls (``{"name": "left_click", "input": {"coordinate": [x, y]}}``;
pixels of the shown screenshot), one model turn. The observation: the screenshot (PNG, base64, at the shown
size), the instruction after reset, each call's result, and once ``done`` the reward and whether the task
passed. A malformed action is an ``error`` (``VALIDATION_ERROR``) naming the field; nothing ran.

HTTP: ``GET /health``, ``/metadata``, ``/schema`` (the action, observation and state JSON schemas), ``/state``
(which instances are held). openenv's ``POST /reset`` and ``/step`` are stateless (a fresh env per request),
which an app instance cannot be: they answer 501 naming the WebSocket. Nothing privileged crosses: no
privileged values, verifier details or oracle. On loopback, a request whose ``Host`` or ``Origin`` is not
loopback (a web page's, by DNS rebinding) is refused.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from .. import __version__
from .. import actions as A
from ..errors import ActionError
from ..models.images import png_base64
from .instances import EnvInstance, InstanceBusy, Instances, Lease

CLIENT = "an OpenEnv client"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
REFUSED_WAIT = 10.0  # seconds a refused connection is kept open for its first message (which gets the error)
CLOSE_IDLE, CLOSE_BUSY, CLOSE_NOT_LOOPBACK = 4408, 1013, 1008
STATELESS = ("stateless HTTP reset/step is not served: an app instance keeps its state between steps, so an "
             "episode runs over a WebSocket session at /ws (openenv's EnvClient and GenericEnvClient use it)")


class ResetData(BaseModel):
    """The ``data`` of a reset message."""

    model_config = ConfigDict(extra="forbid")
    seed: int | None = Field(default=None, ge=0, description="the episode's seed (the same seed, the same instance)")
    episode_id: str | None = Field(default=None, max_length=255, description="an id of the caller's; else random")


class ToolCall(BaseModel):
    """One Anthropic ``computer_toolset_20260801`` call: a model's ``tool_use`` block as it came."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(description="left_click, type, key, scroll, zoom, screenshot, ... (docs/tools.md)")
    input: dict[str, Any] = Field(default_factory=dict, description="its arguments; coordinates in shown pixels")
    type: Literal["tool_use"] | None = None
    id: str | None = None
    toolset_name: str | None = None


class GymAnythingAction(BaseModel):
    """The ``data`` of a step message: typed actions or one turn's tool calls (exactly one of them)."""

    model_config = ConfigDict(extra="forbid")
    actions: list[dict[str, Any]] | None = Field(
        default=None, min_length=1, description="typed actions, JSON form (gym_anything.actions.to_json), screen "
        "pixels, one batched step; {'type': 'done'} ends the episode")
    calls: list[ToolCall] | None = Field(default=None, min_length=1, description="Anthropic toolset calls, one turn")
    metadata: dict[str, Any] = Field(default_factory=dict, description="ignored (openenv's Action field)")

    @model_validator(mode="after")
    def _one_form(self) -> GymAnythingAction:
        if (self.actions is None) == (self.calls is None):
            raise ValueError("give exactly one of 'actions' (typed actions) and 'calls' (tool calls)")
        return self


class CallResult(BaseModel):
    text: str = Field(default="", description="an error naming the problem, or the pointer position")
    is_error: bool = False
    image: str | None = Field(default=None, description="zoom: the region, PNG base64, at full resolution")


class GymAnythingObservation(BaseModel):
    screenshot: str = Field(description="the screen after the step, PNG, base64, at the shown size")
    width: int
    height: int
    instruction: str = Field(default="", description="the task, after reset")
    results: list[CallResult] = Field(default_factory=list, description="one per tool call")
    message: str = Field(default="", description="why the episode ended (the step budget, a fault)")
    passed: bool | None = Field(default=None, description="once done: whether the verifier passed the task")
    done: bool = False
    reward: float | None = Field(default=None, description="the verifier's reward once done; 0 before")


class GymAnythingState(BaseModel):
    episode_id: str | None = None
    step_count: int = 0
    gym_id: str
    instance: int
    started: bool = Field(description="an episode was reset on this connection")
    done: bool
    screen: tuple[int, int] = Field(description="the screenshot's width and height")


@dataclass
class _Episode:
    """The connection's episode: its id and steps."""

    lease: Lease
    episode_id: str | None = None
    steps: int = 0


class _NotRunning(Exception):
    """A step with no episode running on this connection."""


class OpenEnvEndpoint:
    """The OpenEnv routes over every instance."""

    def __init__(self, instances: Instances, host: str = "127.0.0.1"):
        self.instances = instances
        self.loopback_only = host in LOOPBACK

    def routes(self) -> list[BaseRoute]:
        return [WebSocketRoute("/ws", self.websocket),
                Route("/health", self._get(lambda: {"status": "healthy"})),
                Route("/metadata", self._get(self.metadata)),
                Route("/schema", self._get(schemas)),
                Route("/state", self._get(lambda: {"episode_id": None, "step_count": 0,
                                                   "instances": self.instances.status()})),
                Route("/reset", self.stateless, methods=["POST"]),
                Route("/step", self.stateless, methods=["POST"])]

    def metadata(self) -> dict[str, Any]:
        count = len(self.instances.all)
        return {"name": self.instances.gym_id, "version": __version__,
                "description": f"{self.instances.gym_id}: a real desktop application, {count} instance(s), one "
                               "client each; actions are typed actions or Anthropic computer-tool calls"}

    # --- HTTP ---------------------------------------------------------------------------------------

    def _get(self, make: Callable[[], dict[str, Any]]) -> Callable[[Request], Awaitable[JSONResponse]]:
        async def endpoint(request: Request) -> JSONResponse:
            if not self._trusted(request.headers):
                return JSONResponse({"detail": "not a loopback request"}, status_code=403)
            return JSONResponse(make())
        return endpoint

    async def stateless(self, request: Request) -> JSONResponse:
        return JSONResponse({"detail": STATELESS}, status_code=501)

    def _trusted(self, headers: Headers) -> bool:
        """On loopback: the Host, and the Origin if any, are loopback (not a web page reached by DNS rebinding)."""
        if not self.loopback_only:
            return True
        host = urlsplit("//" + headers.get("host", "")).hostname or ""
        origin = headers.get("origin")
        return host in LOOPBACK and (origin is None or (urlsplit(origin).hostname or "") in LOOPBACK)

    # --- the WebSocket session ----------------------------------------------------------------------

    async def websocket(self, ws: WebSocket) -> None:
        if not self._trusted(ws.headers):
            await ws.close(code=CLOSE_NOT_LOOPBACK, reason="not a loopback request")
            return
        await ws.accept()
        try:
            lease = self.instances.claim(CLIENT)
        except InstanceBusy as exc:
            await self._refuse(ws, str(exc))
            return
        try:
            await self._serve(ws, _Episode(lease))
        finally:
            self.instances.release(lease, "the client disconnected")

    async def _refuse(self, ws: WebSocket, why: str) -> None:
        """Answer the first message with the reason (openenv's client raises it), then close."""
        try:
            message = await asyncio.wait_for(ws.receive(), timeout=REFUSED_WAIT)
            if message["type"] == "websocket.receive":
                await ws.send_text(json.dumps(_error("CAPACITY_REACHED", why)))
            await ws.close(code=CLOSE_BUSY, reason="every instance is in use: try again later")
        except (asyncio.TimeoutError, WebSocketDisconnect, RuntimeError):
            await _close_quietly(ws, CLOSE_BUSY, "every instance is in use: try again later")

    async def _serve(self, ws: WebSocket, episode: _Episode) -> None:
        lease, timeout = episode.lease, self.instances.idle_timeout
        while True:
            try:
                message = await asyncio.wait_for(ws.receive(), timeout=max(timeout - lease.idle(), 0.0))
            except asyncio.TimeoutError:
                self.instances.release(lease, f"released after {timeout:g} s without a message")
                await _close_quietly(ws, CLOSE_IDLE, f"idle {timeout:g} s: instance {lease.instance.index} was "
                                                     "released; reconnect to claim one")
                return
            if message["type"] == "websocket.disconnect":
                return
            if lease.released is not None:  # lapsed while idle and claimed by another client
                await _close_quietly(ws, CLOSE_IDLE, f"instance {lease.instance.index} {lease.released}; reconnect")
                return
            with lease.use():
                reply = await self._answer(message.get("text") or message.get("bytes") or b"", episode)
            if reply is None:
                await _close_quietly(ws, 1000, "closed")
                return
            try:
                await ws.send_text(json.dumps(reply))
            except (WebSocketDisconnect, RuntimeError, OSError):  # the client left while the step ran
                return

    async def _answer(self, raw: str | bytes, episode: _Episode) -> dict[str, Any] | None:
        """The reply to one message (None: the client closes)."""
        try:
            message = json.loads(raw)
        except json.JSONDecodeError as exc:
            return _error("INVALID_JSON", f"a message is a JSON object: {exc}")
        if not isinstance(message, dict):
            return _error("INVALID_JSON", f"a message is a JSON object with a 'type', got {type(message).__name__}")
        kind, data = message.get("type"), message.get("data") or {}
        if kind == "close":
            return None
        instance = episode.lease.instance
        try:
            if kind == "reset":
                reset = ResetData.model_validate(data)
                return {"type": "observation", "data": await self._reset(instance, episode, reset)}
            if kind == "step":
                action = GymAnythingAction.model_validate(data)
                return {"type": "observation", "data": await self._step(instance, episode, action)}
            if kind == "state":
                return {"type": "state", "data": self._state(instance, episode)}
        except ValidationError as exc:
            return _error("VALIDATION_ERROR", f"{kind}: {_problems(exc)}")
        except (ActionError, _NotRunning) as exc:
            return _error("VALIDATION_ERROR" if isinstance(exc, ActionError) else "EXECUTION_ERROR", str(exc))
        except Exception as exc:  # the env failed (e.g. the app did not start): the session goes on
            return _error("EXECUTION_ERROR", f"{type(exc).__name__}: {exc}")
        return _error("UNKNOWN_TYPE", f"unknown message type {kind!r}; known: reset, step, state, close")

    async def _reset(self, instance: EnvInstance, episode: _Episode, data: ResetData) -> dict[str, Any]:
        result = await instance.run(instance.reset, data.seed)
        episode.lease.started = True
        episode.episode_id, episode.steps = data.episode_id or uuid.uuid4().hex, 0
        return _observation(instance, reset=True, instruction=result.text)

    async def _step(self, instance: EnvInstance, episode: _Episode, action: GymAnythingAction) -> dict[str, Any]:
        session = instance.session
        if not episode.lease.started:
            raise _NotRunning("no episode is running on this connection: send reset first")
        if session.ended:
            raise _NotRunning(f"the episode has ended (reward {session.reward}): send reset to start a new one")
        if action.actions is not None:
            typed = []
            for i, item in enumerate(action.actions):
                try:
                    typed.append(A.from_json(item))
                except ActionError as exc:
                    raise ActionError(f"actions[{i}]: {exc}") from None
            result = await instance.run(session.act, typed)
            episode.steps += 1
            return _observation(instance, message=result.text)
        calls = [call.model_dump() for call in action.calls or []]
        results = await instance.run(session.turn, calls)
        episode.steps += 1
        replies = [CallResult(text=r.text, is_error=r.is_error,
                              image=r.png_base64() if c["name"] == "zoom" and not r.is_error else None)
                   for c, r in zip(calls, results, strict=True)]
        ended = next((r.text for r in results if r.is_error and session.ended), "")
        return _observation(instance, results=replies, message=ended)

    def _state(self, instance: EnvInstance, episode: _Episode) -> dict[str, Any]:
        return GymAnythingState(episode_id=episode.episode_id, step_count=episode.steps, gym_id=instance.gym_id,
                                instance=instance.index, started=episode.lease.started,
                                done=episode.lease.started and instance.session.ended,
                                screen=instance.session.display.size).model_dump()


def _observation(instance: EnvInstance, reset: bool = False, instruction: str = "",
                 results: list[CallResult] | None = None, message: str = "") -> dict[str, Any]:
    """openenv's serialised observation: ``{"observation": {...}, "reward": ..., "done": ...}``."""
    session = instance.session
    screen = session.screenshot()
    assert screen is not None
    done = session.ended
    observation = GymAnythingObservation(
        screenshot=png_base64(screen), width=screen.shape[1], height=screen.shape[0], instruction=instruction,
        results=results or [], message=message if done else "", passed=session.passed if done else None,
        done=done, reward=session.reward if done else (None if reset else 0.0))
    return {"observation": observation.model_dump(exclude={"done", "reward"}), "reward": observation.reward,
            "done": done}


def schemas() -> dict[str, Any]:
    return {"action": GymAnythingAction.model_json_schema(), "observation": GymAnythingObservation.model_json_schema(),
            "state": GymAnythingState.model_json_schema()}


def _error(code: str, message: str) -> dict[str, Any]:
    return {"type": "error", "data": {"message": message, "code": code}}


def _problems(exc: ValidationError) -> str:
    """Pydantic's errors in one line, each naming its field."""
    return "; ".join(f"{'.'.join(str(p) for p in err['loc']) or 'data'}: {err['msg']}" for err in exc.errors())


async def _close_quietly(ws: WebSocket, code: int, reason: str) -> None:
    try:
        await ws.close(code=code, reason=reason[:123])  # a close reason is at most 123 bytes
    except (WebSocketDisconnect, RuntimeError, OSError):  # the client closed first
        pass
