"""Trajectory recording: one folder per episode with step records (JSONL) and PNG frames."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image


class TrajectoryRecorder:
    """Writes ``episode.json``, ``steps.jsonl`` and ``frames/NNNN.png`` into ``folder``."""

    def __init__(self, folder: Path, save_frames: bool = True):
        self.folder, self.save_frames = Path(folder), save_frames
        (self.folder / "frames").mkdir(parents=True, exist_ok=True)
        self._steps = (self.folder / "steps.jsonl").open("w", encoding="utf-8")
        self._index = 0

    def _frame(self, obs: np.ndarray) -> str | None:
        if not self.save_frames:
            return None
        name = f"frames/{self._index:04d}.png"
        Image.fromarray(obs).save(self.folder / name, compress_level=1)
        return name

    def start(self, obs: np.ndarray, info: dict[str, Any]) -> None:
        record = {"task": info.get("task_id"), "env": info.get("env_id"), "instruction": info.get("instruction"),
                  "instance_seed": info.get("instance_seed"), "reset_time": info.get("reset_time"),
                  "frame": self._frame(obs)}
        (self.folder / "episode.json").write_text(json.dumps(record, indent=2))

    def step(self, obs: np.ndarray, reward: float, terminated: bool, truncated: bool,
             info: dict[str, Any]) -> None:
        self._index += 1
        described = info.get("action", "")  # env.step validated and described the action already
        record = {"step": self._index, "action": described, "action_type": described.split("(")[0].upper(),
                  "reward": reward, "terminated": terminated, "truncated": truncated,
                  "step_time": info.get("step_time"), "settle_time": info.get("settle_time"),
                  "fault": info.get("fault"), "verifier": info.get("verifier"), "frame": self._frame(obs)}
        self._steps.write(json.dumps(record, default=str) + "\n")
        self._steps.flush()

    def close(self) -> None:
        self._steps.close()
