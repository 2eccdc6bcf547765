"""A trace video of a run, encoded on its own thread so it never slows the steps down.

Frames taken while a secret may be on screen are not written: secrets never reach a trace.
"""

from __future__ import annotations

import queue
import threading
import time
from pathlib import Path

import cv2
import numpy as np

from deskhand.desktop.base import Frame
from deskhand.record.video import VideoWriter, choose_encoder, pyav_can_open


def trace_size(size: tuple[int, int], max_width: int) -> tuple[int, int]:
    """A 5K screen traced at 1920 wide: cheap to encode, and plenty to see what happened."""
    w, h = size
    if w <= max_width:
        return w, h
    return max_width, round(h * max_width / w)


class Trace:
    def __init__(self, path: Path, size: tuple[int, int], fps: float = 4.0, max_width: int = 1920) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.size = trace_size(size, max_width)
        choice = choose_encoder(self.size[0], self.size[1], fps, pyav_can_open)
        self._writer = VideoWriter(path, choice, fps, origin_ns=time.monotonic_ns())
        # a few frames in flight: a 5K frame is 44 MB
        self._queue: queue.Queue[tuple[np.ndarray, int] | None] = queue.Queue(maxsize=8)
        self._thread = threading.Thread(target=self._encode, name="deskhand-trace", daemon=True)
        self._thread.start()
        self.frames = 0

    def add(self, frame: Frame, secret: bool) -> None:
        if secret:
            return
        self.frames += 1
        self._queue.put((frame.pixels, int(frame.t * 1e9)))

    def _encode(self) -> None:
        while (item := self._queue.get()) is not None:
            pixels, t_ns = item
            if pixels.shape[1] != self.size[0]:
                pixels = cv2.resize(pixels, self.size, interpolation=cv2.INTER_AREA)
            self._writer.write(pixels, t_ns)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        self._writer.close()
