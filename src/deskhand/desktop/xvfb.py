"""A private virtual screen: its own Xvfb at any size, plus a window manager.

Xvfb picks a free display number itself (-displayfd), so two desktops started at
once can never take the same number or clobber a display someone else is using.
"""

from __future__ import annotations

import os
import select
import shutil
import tempfile
import time
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path

from deskhand.desktop.base import App, DesktopError, spawn
from deskhand.desktop.x11 import X11Desktop

MIN_SIZE = (320, 240)
MAX_SIZE = (16384, 16384)
INSTALL_HINT = "apt-get install -y xvfb openbox"


def check_size(width: int, height: int) -> None:
    """Refuse a size no Xvfb screen can have, with the range that works."""
    if not (isinstance(width, int) and isinstance(height, int)):
        raise DesktopError(f"screen size must be whole pixels, got {width!r}x{height!r}")
    (min_w, min_h), (max_w, max_h) = MIN_SIZE, MAX_SIZE
    if not (min_w <= width <= max_w and min_h <= height <= max_h):
        raise DesktopError(
            f"cannot make a {width}x{height} screen: width must be {min_w}..{max_w} "
            f"and height {min_h}..{max_h} pixels"
        )


def parse_size(text: str) -> tuple[int, int]:
    """ "1920x1080" -> (1920, 1080), or a DesktopError that says what is wrong."""
    try:
        w, h = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise DesktopError(f"size must look like 1920x1080, got {text!r}") from None
    check_size(w, h)
    return w, h


def _stop(apps: list[App]) -> None:
    for app in reversed(apps):
        app.close(timeout=3.0)


class XvfbDesktop(X11Desktop):
    """Xvfb at width x height and `dpi`, with openbox managing windows (wm=None for none)."""

    def __init__(
        self,
        width: int = 1920,
        height: int = 1080,
        dpi: int = 96,
        wm: str | None = "openbox",
        start_timeout: float = 20.0,
    ) -> None:
        check_size(width, height)
        if not 48 <= dpi <= 480:
            raise DesktopError(f"dpi must be 48..480, got {dpi}")
        if shutil.which("Xvfb") is None:
            raise DesktopError(f"Xvfb is not installed; install it with `{INSTALL_HINT}`")
        workdir = Path(tempfile.mkdtemp(prefix="deskhand-xvfb-"))
        self._servers: list[App] = []
        self._finalizer = weakref.finalize(self, _stop, self._servers)
        try:
            display = self._start_xvfb(width, height, dpi, workdir, start_timeout)
            super().__init__(display, dpi=dpi, workdir=workdir)
            self._own_workdir = True
            self.set_dpi_resource(dpi)
            if wm:
                self._start_wm(wm, start_timeout)
        except BaseException:
            if hasattr(self, "_conn"):
                super().close()
            self._finalizer()
            raise

    def _start_xvfb(self, width: int, height: int, dpi: int, workdir: Path, timeout: float) -> str:
        read_fd, write_fd = os.pipe()
        try:
            xvfb = spawn(
                [
                    "Xvfb",
                    "-displayfd",
                    str(write_fd),
                    "-screen",
                    "0",
                    f"{width}x{height}x24",
                    "-dpi",
                    str(dpi),
                    "-nolisten",
                    "tcp",
                    "-noreset",
                ],
                os.environ,
                workdir / "xvfb.log",
                pass_fds=[write_fd],
            )
            self._servers.append(xvfb)
            os.close(write_fd)
            write_fd = -1
            number = self._read_display_number(read_fd, xvfb, workdir / "xvfb.log", timeout)
        finally:
            os.close(read_fd)
            if write_fd >= 0:
                os.close(write_fd)
        return f":{number}"

    @staticmethod
    def _read_display_number(fd: int, xvfb: App, log: Path, timeout: float) -> int:
        data = b""
        deadline = time.monotonic() + timeout
        while not data.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not xvfb.running:
                tail = log.read_text(errors="replace")[-800:] if log.exists() else ""
                why = "exited" if not xvfb.running else f"did not start within {timeout}s"
                raise DesktopError(f"Xvfb {why}. Its log:\n{tail}")
            ready, _, _ = select.select([fd], [], [], min(left, 0.2))
            if ready:
                chunk = os.read(fd, 64)
                if not chunk:
                    continue
                data += chunk
        return int(data.strip())

    def _start_wm(self, wm: str, timeout: float) -> None:
        if shutil.which(wm) is None:
            raise DesktopError(f"window manager {wm!r} is not installed; install it with `{INSTALL_HINT}`")
        argv = [wm, "--sm-disable"] if wm == "openbox" else [wm]
        self._servers.append(spawn(argv, self.app_env(), self.workdir / "wm.log"))
        deadline = time.monotonic() + timeout
        while self._property(self._root, "_NET_SUPPORTING_WM_CHECK") is None:
            if time.monotonic() > deadline or not self._servers[-1].running:
                raise DesktopError(f"window manager {wm} did not start; see {self.workdir / 'wm.log'}")
            time.sleep(0.02)

    def app_env(self, env: Mapping[str, str] | None = None) -> dict[str, str]:
        base = {"NO_AT_BRIDGE": "1", "GDK_BACKEND": "x11"}
        if self.scale >= 2 and self.scale == int(self.scale):
            base |= {"GDK_SCALE": str(int(self.scale)), "GDK_DPI_SCALE": f"{1 / self.scale:g}"}
        return super().app_env({**base, **(env or {})})

    def launch(self, command: str | Sequence[str], env: Mapping[str, str] | None = None) -> App:
        if not self._servers[0].running:
            raise DesktopError(f"the Xvfb behind {self.display} has exited")
        return super().launch(command, env)

    def close(self) -> None:
        super().close()
        self._finalizer()
