"""`deskhand record` as a person runs it: a real process, stopped by hotkey, Ctrl+C or the app exiting."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deskhand.cli import _ctrl_c
from deskhand.desktop import AttachedDesktop
from deskhand.desktop.action import Click, TypeText
from deskhand.record.format import Recording
from deskhand.record.human import ScriptedHuman

pytestmark = pytest.mark.x11


def _start(out: Path, tmp_path: Path, *extra: str) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "HOME": str(tmp_path / "home"), "COLUMNS": "200"}
    command = [
        sys.executable,
        "-m",
        "deskhand.cli",
        "record",
        "--out",
        str(out),
        "--size",
        "1024x768",
        *extra,
    ]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.search(r"recording (:\d+)", line)
    assert match, f"no display announced: {line!r}"
    return proc, match.group(1)


@pytest.mark.parametrize("stop", ["hotkey", "ctrl+c", "sigterm", "app exits"])
def test_record_command_writes_a_recording_however_it_is_stopped(tmp_path, stop):
    out = tmp_path / "rec"
    proc, display = _start(out, tmp_path, "--app", "mousepad")
    try:
        desktop = AttachedDesktop(display)
        window = desktop.wait_for_window("Mousepad")
        desktop.wait_until_stable()
        human = ScriptedHuman(desktop, time_scale=0.1)
        human.click(window.x + 200, window.y + 200)
        human.type("hello")
        time.sleep(0.3)
        if stop == "hotkey":
            human.press("ctrl+alt+End", record=False)
        elif stop == "ctrl+c":
            proc.send_signal(signal.SIGINT)
        elif stop == "sigterm":
            proc.send_signal(signal.SIGTERM)
        else:
            human.press("ctrl+q", record=False)  # Mousepad asks to save: answer "Don't Save"
            desktop.wait_for_window("Save")
            human.press("alt+d", record=False, think=False)
        output, _ = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, output
    said = {"hotkey": "stop hotkey", "ctrl+c": "Ctrl+C", "sigterm": "SIGTERM", "app exits": "app exited"}
    assert said[stop] in output
    actions = [a.action for a in Recording.open(out).actions]
    assert actions[:2] == [Click(window.x + 200, window.y + 200), TypeText("hello")]


def test_record_refuses_a_directory_with_files_in_it(tmp_path):
    out = tmp_path / "rec"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    result = subprocess.run(
        [sys.executable, "-m", "deskhand.cli", "record", "--out", str(out), "--size", "800x600"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "not empty" in result.stderr and "Traceback" not in result.stderr
    assert (out / "keep.txt").read_text() == "mine"


def test_ctrl_c_while_recording_only_asks_to_stop_and_a_second_one_interrupts_at_once():
    """A KeyboardInterrupt raised anywhere (inside a lock, say) could leave the recording unwritten."""
    before = signal.getsignal(signal.SIGINT)
    with _ctrl_c() as pressed:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)  # the handler runs in the main thread between bytecodes
        assert pressed.is_set()
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)
    assert signal.getsignal(signal.SIGINT) is before
