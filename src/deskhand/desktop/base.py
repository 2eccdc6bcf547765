"""The Desktop contract: a screen deskhand can look at and type into.

Every backend (a private Xvfb, a person's own X display, later VNC) implements this,
and every backend must pass `deskhand.desktop.check.check_desktop`.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import cv2
import numpy as np

from deskhand.desktop.action import Action


class DesktopError(RuntimeError):
    """A desktop that cannot be started, reached or acted on; the message says what to do."""


@dataclass(frozen=True, eq=False)
class Frame:
    """Pixels as an (H, W, 3) RGB uint8 array, captured at monotonic time `t` (seconds).

    `x`, `y` place the frame on the screen: a region capture has its top-left corner there.
    """

    pixels: np.ndarray
    t: float
    x: int = 0
    y: int = 0

    @property
    def size(self) -> tuple[int, int]:
        return int(self.pixels.shape[1]), int(self.pixels.shape[0])

    def save(self, path: Path) -> Path:
        """Write the frame as a lossless PNG."""
        path.parent.mkdir(parents=True, exist_ok=True)
        if not cv2.imwrite(str(path), cv2.cvtColor(self.pixels, cv2.COLOR_RGB2BGR)):
            raise DesktopError(f"could not write {path}")
        return path


@dataclass(frozen=True)
class Region:
    x: int
    y: int
    width: int
    height: int


@dataclass
class App:
    """A process a desktop launched. Its whole process group is closed together."""

    command: tuple[str, ...]
    process: subprocess.Popen[bytes]
    log_path: Path | None = None
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the app to exit and return its exit code; DesktopError on timeout."""
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise DesktopError(f"{self.command[0]} still running after {timeout}s") from None

    def close(self, timeout: float = 5.0) -> None:
        """Terminate the app and everything it started; kill what does not stop in time."""
        if self.running:
            _signal_group(self.process, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                _signal_group(self.process, signal.SIGKILL)
                self.process.wait(timeout)
        _signal_group(self.process, signal.SIGKILL)  # stragglers left in the group
        if self._log:
            self._log.close()
            self._log = None


def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def spawn(
    command: str | Sequence[str],
    env: Mapping[str, str],
    log_path: Path | None = None,
    pass_fds: Sequence[int] = (),
) -> App:
    """Start `command` in its own process group, with output to `log_path` (or nowhere)."""
    argv = tuple(shlex.split(command) if isinstance(command, str) else command)
    if not argv:
        raise DesktopError("empty command")
    if shutil.which(argv[0], path=env.get("PATH")) is None:
        raise DesktopError(
            f"{argv[0]!r} is not installed or not on PATH; run `deskhand doctor` for the install command"
        )
    log = open(log_path, "ab") if log_path else None  # noqa: SIM115 - owned by App
    process = subprocess.Popen(
        argv,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=log or subprocess.DEVNULL,
        stderr=log or subprocess.DEVNULL,
        start_new_session=True,
        pass_fds=tuple(pass_fds),
    )
    return App(argv, process, log_path, log)


class Desktop(ABC):
    """A screen of `size` pixels at DPI factor `scale`, with keyboard and mouse."""

    @property
    @abstractmethod
    def size(self) -> tuple[int, int]:
        """(width, height) in physical pixels."""

    @property
    @abstractmethod
    def scale(self) -> float:
        """The DPI factor: 1.0 at 96 dpi, 2.0 at 192 dpi."""

    @abstractmethod
    def screenshot(self, region: Region | None = None) -> Frame:
        """Capture the whole screen, or one region of it."""

    @abstractmethod
    def perform(self, action: Action) -> None:
        """Carry out one action; it has reached the display server when this returns."""

    @abstractmethod
    def launch(self, command: str | Sequence[str], env: Mapping[str, str] | None = None) -> App:
        """Start an app on this desktop."""

    @abstractmethod
    def close(self) -> None:
        """Release everything this desktop started. Safe to call twice."""

    def wait_for_change(self, region: Region, before: Frame, timeout: float) -> Frame | None:
        """Poll `region` at capture speed until it differs from `before`; None on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            frame = self.screenshot(region)
            if not np.array_equal(frame.pixels, before.pixels):
                return frame
            if time.monotonic() >= deadline:
                return None

    def wait_until_stable(
        self, region: Region | None = None, quiet: float = 0.3, timeout: float = 10.0
    ) -> Frame:
        """Poll until the screen (or `region`) has not changed for `quiet` seconds.

        DesktopError on timeout: a screen that never settles is not one to act on.
        """
        deadline = time.monotonic() + timeout
        last = self.screenshot(region)
        since = last.t
        while True:
            frame = self.screenshot(region)
            if not np.array_equal(frame.pixels, last.pixels):
                last, since = frame, frame.t
            elif frame.t - since >= quiet:
                return frame
            if frame.t > deadline:
                raise DesktopError(f"the screen kept changing for {timeout}s")
            time.sleep(0.01)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
