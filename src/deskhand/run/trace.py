"""A trace video of a run, encoded on its own thread so it never slows the steps down.

Frames taken while a secret may be on screen are not written: secrets never reach a trace.
"""

from __future__ import annotations

import queue
import threading
import time
from pathlib import Path

import numpy as np

from deskhand.desktop.base import Frame
from deskhand.record.video import VideoWriter, choose_encoder, pyav_can_open


class Trace:
    def __init__(self, path: Path, size: tuple[int, int], fps: float = 4.0) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        choice = choose_encoder(size[0], size[1], fps, pyav_can_open)
        self._writer = VideoWriter(path, choice, fps, origin_ns=time.monotonic_ns())
        self._queue: queue.Queue[tuple[np.ndarray, int] | None] = queue.Queue(maxsize=64)
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
            self._writer.write(*item)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        self._writer.close()
