"""A session's worker killed mid-run leaves no Xvfb, window manager or app behind."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.x11

WORKER = """
import os, signal, sys
from deskhand.desktop import XvfbDesktop
from deskhand.fleet.reaper import Reaper
desktop = XvfbDesktop(640, 480)
reaper = Reaper(desktop.display, [s.pid for s in desktop._servers])
app = desktop.launch(["sleep", "300"])
print(*[s.pid for s in desktop._servers], app.pid, flush=True)
if sys.argv[1] == "clean":
    reaper.disarm()
    print("disarmed", flush=True)
    app.close(); desktop.close()
else:
    os.kill(os.getpid(), signal.SIGKILL)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split()[2] != "Z"


def _run(mode: str) -> list[int]:
    out = subprocess.run([sys.executable, "-c", WORKER, mode], capture_output=True, text=True, timeout=60)
    return [int(p) for p in out.stdout.split()[:3]]


def test_a_killed_worker_leaves_no_desktop_or_app_processes():
    pids = _run("kill")
    assert len(pids) == 3, "Xvfb, the window manager and the app"
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in pids)


def test_a_clean_end_disarms_the_reaper():
    out = subprocess.run([sys.executable, "-c", WORKER, "clean"], capture_output=True, text=True, timeout=60)
    assert "disarmed" in out.stdout, out.stderr
