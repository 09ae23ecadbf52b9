"""Who writes the tasks: a model with tools over an OpenAI-compatible endpoint, or an external coding-agent CLI.

Both play one round at a time: :meth:`Creator.round` gets the round's message (the full prompt in round 1, the
audit findings afterwards) and works until it finishes. :class:`ChatCreator` keeps one conversation across the
rounds and runs the tool calls it asks for (:mod:`.tools`). :class:`CommandCreator` runs a command template
(e.g. ``my-agent --print --prompt-file {prompt}``) in the software's folder with the round's prompt in a file;
the CLI edits the files itself. Files it changes outside ``envs/<software>/`` are reported and undone.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..models.answers import ModelAnswerError
from ..models.chat import ChatClient
from .runfolder import Stopwatch
from .tools import TOOL_SCHEMAS, Toolbox

MAX_TURNS = 60  # model turns per round before the round is ended for it
GUARDED = ("envs", "audits", "benchmarks", "gym_anything", "creation-memory")  # what a CLI must not touch outside


@dataclass
class RoundResult:
    """What one round of a creator cost and how it ended."""

    seconds: float
    prompt_tokens: int = 0
    completion_tokens: int = 0
    turns: int = 0
    ended: str = ""  # finish | no tool call | turn limit | exit <code> | timeout ... | error: <why>
    summary: str = ""  # the creator's own account of the round


class Creator(Protocol):
    name: str

    def round(self, toolbox: Toolbox, message: str) -> RoundResult:
        """Play one round on ``toolbox``'s software, starting from ``message``."""


class ChatCreator:
    """A model with tool calls: one conversation over all rounds (system prompt, then each round's message)."""

    def __init__(self, client: ChatClient, max_turns: int = MAX_TURNS, stage: str = "create"):
        self.client, self.max_turns, self.stage = client, max_turns, stage
        self.name = f"openai:{client.base_url}#{client.model}"
        self.messages: list[dict[str, Any]] = []

    def round(self, toolbox: Toolbox, message: str) -> RoundResult:
        watch = Stopwatch()
        result = RoundResult(0.0)
        toolbox.finished = None
        self._say(toolbox, {"role": "user", "content": message})
        while toolbox.finished is None:
            if result.turns >= self.max_turns:
                result.ended = "turn limit"
                break
            try:
                reply = self.client.chat(self.messages, TOOL_SCHEMAS)
            except ModelAnswerError as exc:  # the endpoint failed: the round ends; what was written is judged
                result.ended = f"error: {exc}"
                break
            result.turns += 1
            result.prompt_tokens += reply.prompt_tokens
            result.completion_tokens += reply.completion_tokens
            self._say(toolbox, reply.message())
            if not reply.tool_calls:
                result.ended, result.summary = "no tool call", reply.content
                break
            for call in reply.tool_calls:
                _, text = toolbox.call(call.name, call.arguments, self.stage)
                self._say(toolbox, {"role": "tool", "tool_call_id": call.id, "name": call.name, "content": text})
        if toolbox.finished is not None:
            result.ended, result.summary = "finish", toolbox.finished
        result.seconds = watch()
        return result

    def _say(self, toolbox: Toolbox, message: dict[str, Any]) -> None:
        self.messages.append(message)
        toolbox.run.message(message, self.stage)


class CommandCreator:
    """An external CLI agent: ``template`` with ``{prompt}`` (the prompt file), ``{folder}`` (the software's
    folder), ``{root}`` (the data root) and ``{software}``, run in the software's folder."""

    def __init__(self, template: str, timeout: float = 3600):
        if "{prompt}" not in template:
            raise ValueError(f"a creator command must name the prompt file as {{prompt}}, got {template!r}")
        self.template, self.timeout = template, timeout
        self.name = f"command:{template}"

    def round(self, toolbox: Toolbox, message: str) -> RoundResult:
        watch = Stopwatch()
        run, ws = toolbox.run, toolbox.workspace
        ws.folder.mkdir(parents=True, exist_ok=True)
        prompt = run.write_text(f"prompts/r{run.round}.md", message)
        argv = [part.format(prompt=prompt, folder=ws.folder, root=ws.root, software=ws.software)
                for part in shlex.split(self.template)]
        run.message({"role": "user", "content": message, "command": argv})
        before = snapshot(ws.root, ws.folder, run.path)
        saved = backup(ws.root, before, run.path / f"backup-r{run.round}")
        env = {**os.environ, "GYM_ANYTHING_CREATE_SOFTWARE": ws.software, "GYM_ANYTHING_CREATE_ROOT": str(ws.root),
               "GYM_ANYTHING_PATH": str(ws.root)}
        result = RoundResult(0.0)
        try:
            done = subprocess.run(argv, cwd=ws.folder, env=env, capture_output=True, text=True, timeout=self.timeout,
                                  check=False)
            output, result.ended = done.stdout + done.stderr, f"exit {done.returncode}"
        except subprocess.TimeoutExpired as exc:
            output, result.ended = _text(exc.stdout) + _text(exc.stderr), f"timeout after {self.timeout}s"
        except OSError as exc:
            output, result.ended = str(exc), f"error: {exc}"
        outside = changed(before, snapshot(ws.root, ws.folder, run.path))
        if outside:
            restore(ws.root, outside, saved)
            result.ended += f"; changed files outside envs/{ws.software}/ (undone): {', '.join(outside)}"
        run.write_text(f"prompts/r{run.round}.output.txt", output)
        run.message({"role": "assistant", "content": output[-20000:], "ended": result.ended})
        result.summary, result.turns, result.seconds = output[-2000:], 1, watch()
        return result


def _text(data: str | bytes | None) -> str:
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else (data or "")


# --- what an external CLI changed outside its folder ------------------------------------------------------


def snapshot(root: Path, allowed: Path, run: Path) -> dict[str, str]:
    """sha256 of every file under the guarded folders of ``root``, except ``allowed`` and the run folder."""
    found: dict[str, str] = {}
    for top in GUARDED:
        for path in sorted((root / top).rglob("*")) if (root / top).is_dir() else []:
            if not path.is_file() or "__pycache__" in path.parts or path.is_relative_to(allowed) \
                    or path.is_relative_to(run):
                continue
            found[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def backup(root: Path, files: dict[str, str], to: Path) -> Path:
    for rel in files:
        dest = to / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / rel, dest)
    return to


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def restore(root: Path, paths: list[str], saved: Path) -> None:
    for rel in paths:
        if (saved / rel).is_file():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(saved / rel, root / rel)
        else:
            (root / rel).unlink(missing_ok=True)
