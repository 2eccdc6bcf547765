"""Clean up after a session whose worker was killed: its Xvfb, window manager and apps.

Ray cancels a session that overstays its host's notice by killing the worker process; the
desktop's servers run in their own process groups and would outlive it. The session starts this
watcher with a pipe: the session's last act is to write "ok"; a pipe that closes without it means
the worker died, and the watcher kills every process on the session's display, then its servers.

    python -m deskhand.fleet.reaper DISPLAY PGID [PGID ...]    (stdin: the pipe)
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path


def on_display(display: str, proc: Path = Path("/proc")) -> list[int]:
    """Processes whose environment has exactly DISPLAY=`display`."""
    want = f"DISPLAY={display}".encode()
    found = []
    for entry in proc.iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if want in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
    return found


def reap(display: str, groups: list[int]) -> None:
    for pid in on_display(display):
        with contextlib.suppress(OSError):
            os.killpg(os.getpgid(pid), signal.SIGKILL)
    for group in groups:
        with contextlib.suppress(OSError):
            os.killpg(group, signal.SIGKILL)


class Reaper:
    """Started once a desktop is up; `disarm()` at a clean end, else the watcher reaps."""

    def __init__(self, display: str, groups: list[int]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "deskhand.fleet.reaper", display, *map(str, groups)],
            stdin=subprocess.PIPE,
            start_new_session=True,
        )

    def disarm(self) -> None:
        assert self.process.stdin is not None
        with contextlib.suppress(OSError):
            self.process.stdin.write(b"ok\n")
            self.process.stdin.close()
        self.process.wait(timeout=10)


if __name__ == "__main__":
    if sys.stdin.readline().strip() != "ok":
        reap(sys.argv[1], [int(g) for g in sys.argv[2:]])
