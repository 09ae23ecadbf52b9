"""Trajectory recording: one folder per episode (see docs/run-format.md; names from ``benchmark/runs.py``).

``steps.jsonl`` (one line per step: action in JSON and pyautogui-code form, reward, timings, agent trace;
appended and flushed step by step, so a crash leaves at most a torn last line), ``frames/NNNN.png`` (frame 0 =
the observation after reset) and ``video.mp4`` (H.264, one frame per step).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from .. import actions as A
from .runs import FRAMES_DIR, STEPS_FILE, VIDEO_FILE, frame_name

VIDEO_FPS = 2  # one frame per step, shown for half a second


class _Video:
    """Incremental H.264 encoding with PyAV (its wheel bundles ffmpeg with libx264)."""

    def __init__(self, path: Path, width: int, height: int):
        import av

        self._container = av.open(str(path), "w")
        self._stream = self._container.add_stream("libx264", rate=VIDEO_FPS)
        self._stream.width, self._stream.height = width - width % 2, height - height % 2
        self._stream.pix_fmt = "yuv420p"
        self._stream.options = {"crf": "28", "preset": "veryfast"}
        self._av = av

    def add(self, frame: np.ndarray) -> None:
        frame = frame[: self._stream.height, : self._stream.width]
        video_frame = self._av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
        for packet in self._stream.encode(video_frame):
            self._container.mux(packet)

    def close(self) -> None:
        for packet in self._stream.encode():
            self._container.mux(packet)
        self._container.close()


class TrajectoryRecorder:
    """Writes one episode's ``steps.jsonl``, ``frames/`` and ``video.mp4`` into ``folder``."""

    def __init__(self, folder: Path, save_frames: bool = True, video: bool = True):
        self.folder, self.save_frames, self.video = Path(folder), save_frames, video
        (self.folder / FRAMES_DIR).mkdir(parents=True, exist_ok=True)
        self._steps = (self.folder / STEPS_FILE).open("w", encoding="utf-8")
        self._video: _Video | None = None
        self._index = 0

    def _frame(self, obs: np.ndarray) -> str | None:
        if self.video:
            if self._video is None:
                self._video = _Video(self.folder / VIDEO_FILE, obs.shape[1], obs.shape[0])
            self._video.add(obs)
        if not self.save_frames:
            return None
        name = frame_name(self._index)
        Image.fromarray(obs).save(self.folder / name, compress_level=1)
        return name

    def start(self, obs: np.ndarray) -> str | None:
        """Record the observation after reset (frame 0); returns its file name."""
        return self._frame(obs)

    def step(self, action: dict[str, Any], obs: np.ndarray, reward: float, terminated: bool, truncated: bool,
             info: dict[str, Any], agent_time: float | None = None, agent_trace: dict[str, Any] | None = None) -> None:
        """Record one step; ``action`` is what was passed to ``env.step`` (validated there already)."""
        self._index += 1
        validated = A.validate(action, obs.shape[1], obs.shape[0])
        pointer = info.get("pointer")
        record = {"step": self._index, "action": A.to_json(validated), "action_text": A.to_code(validated),
                  "reward": reward, "terminated": terminated, "truncated": truncated,
                  "step_time": info.get("step_time"), "settle_time": info.get("settle_time"),
                  "agent_time": agent_time, "pointer": list(pointer) if pointer else None,
                  "fault": info.get("fault"), "frame": self._frame(obs), "agent": agent_trace or {}}
        self._steps.write(json.dumps(record, default=str, ensure_ascii=False) + "\n")
        self._steps.flush()

    def close(self) -> None:
        self._steps.close()
        if self._video is not None:
            self._video.close()
            self._video = None
