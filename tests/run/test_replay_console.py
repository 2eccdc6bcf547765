"""Record the scripted human refunding a ticket in the support console (Chromium), learn, replay.

Success is read from the console's own store file: refunds, notes and how many of each.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deskhand.desktop import XvfbDesktop
from deskhand.learn.compile import learn
from deskhand.learn.skill import check_skill, save_skill
from deskhand.record.event import EventType
from deskhand.record.format import Recording
from deskhand.record.human import ScriptedHuman
from deskhand.record.listener import InputListener
from deskhand.record.recorder import RecordConfig, Recorder
from deskhand.run.checkpoint import Checkpoint
from deskhand.run.runner import Runner
from deskhand.scenarios import refund
from deskhand.scenarios.console import ConsoleLook, Store
from deskhand.scenarios.console.look import DEFAULT_LOOK
from deskhand.vision.ocr import Ocr

pytestmark = pytest.mark.x11

NEW = refund.ROWS[0]
OTHER = 4823  # replays refund another ticket than the one recorded


def _wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
    return value


@pytest.fixture(scope="module")
def ocr():
    return Ocr()


@pytest.fixture(scope="module")
def skill_dir(tmp_path_factory, ocr):
    tmp = tmp_path_factory.mktemp("console-skill")
    with XvfbDesktop(1920, 1080) as desktop, refund.open_app(desktop, tmp) as app:
        human = ScriptedHuman(desktop, time_scale=0.15, seed=4)
        with Recorder(desktop, tmp / "rec", RecordConfig()) as recorder:
            refund.perform(human, app)
            path = recorder.stop()
        assert refund.check(app, refund.RECORDED) is None
    skill, crops = learn([Recording.open(path)], ocr, "refund")
    return save_skill(skill, tmp / "skill", crops)


def _replay(tmp_path, skill_dir, ocr, size=(1920, 1080), look=DEFAULT_LOOK):
    skill = check_skill(skill_dir)
    with XvfbDesktop(*size) as desktop, refund.open_app(desktop, tmp_path, OTHER, look) as app:
        result = Runner(
            desktop, skill, skill.bind(NEW), report_dir=tmp_path / "report", ocr=lambda: ocr
        ).run()
        assert result.ok, result.escalation
        assert refund.check(app, NEW) is None


def test_learned_console_skill_names_parameters_after_field_labels(skill_dir):
    skill = check_skill(skill_dir)
    assert [(p.name, p.default) for p in skill.parameters] == list(refund.RECORDED.items())
    assert [s.idempotent for s in skill.steps if s.kind == "click"] == [
        True,
        True,
        True,
        False,
        False,
        True,
        False,
    ]


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 800), (5120, 2880)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_console_replay_on_another_ticket_at_several_sizes(tmp_path, skill_dir, ocr, size):
    _replay(tmp_path, skill_dir, ocr, size=size)


@pytest.mark.parametrize(
    "look",
    [ConsoleLook(font_scale=1.25), ConsoleLook(theme="dark"), ConsoleLook(banner=True)],
    ids=["larger-font", "dark-theme", "layout-moved-down"],
)
def test_console_replay_survives_a_changed_look(tmp_path, skill_dir, ocr, look):
    _replay(tmp_path, skill_dir, ocr, look=look)


def test_a_removed_target_escalates_with_a_report_and_no_further_input(tmp_path, skill_dir, ocr):
    skill = check_skill(skill_dir)
    events = []
    look = ConsoleLook(hidden=frozenset({"save_note_button"}))
    with XvfbDesktop(1920, 1080) as desktop, refund.open_app(desktop, tmp_path, OTHER, look) as app:
        listener = InputListener(desktop.display, events.append)
        listener.start()
        result = Runner(
            desktop, skill, skill.bind(NEW), report_dir=tmp_path / "report", ocr=lambda: ocr
        ).run()
        returned = time.monotonic_ns()
        time.sleep(0.5)
        listener.stop()
    assert not result.ok and result.escalation is not None
    assert result.escalation.step == len(skill.steps) - 1
    report = Path(result.escalation.report)
    assert {"screen.png", "expected.png", "report.json", "index.html"} <= {p.name for p in report.iterdir()}
    clicks = [e for e in events if e.type == EventType.BUTTON_DOWN]
    assert len(clicks) == sum(s.kind == "click" for s in skill.steps) - 1, (
        "the missing button was never clicked"
    )
    assert all(e.t_ns < returned for e in events)
    assert Store.load(app.store).notes_for(OTHER) == []


def _run_cli(skill_dir: Path, display: str, checkpoint: Path, *extra: str) -> subprocess.Popen[str]:
    inputs = [arg for name, value in NEW.items() for arg in ("--input", f"{name}={value}")]
    command = [sys.executable, "-m", "deskhand.cli", "run", str(skill_dir), "--display", display, *inputs]
    command += [
        "--checkpoint",
        str(checkpoint),
        "--report",
        str(checkpoint.parent / "report"),
        "--json",
        *extra,
    ]
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=os.environ
    )


@pytest.mark.parametrize("kill_after", [2, 6])
def test_a_killed_run_resumes_on_a_fresh_desktop_without_repeating_a_submit(tmp_path, skill_dir, kill_after):
    """SIGKILL the runner once step k is verified; resume on a new desktop and browser, same app store."""
    checkpoint = tmp_path / "checkpoint.json"
    with XvfbDesktop(1920, 1080) as first, refund.open_app(first, tmp_path, OTHER):
        proc = _run_cli(skill_dir, first.display, checkpoint)
        _wait_for(lambda: checkpoint.exists() and Checkpoint.load(checkpoint).done >= kill_after, timeout=60)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    stopped = Checkpoint.load(checkpoint)
    assert stopped.done < len(check_skill(skill_dir).steps) - 1, "the run finished before it was killed"
    with XvfbDesktop(1280, 800) as second, refund.open_app(second, tmp_path, OTHER) as app:
        resumed = _run_cli(skill_dir, second.display, checkpoint, "--resume", str(checkpoint))
        output, _ = resumed.communicate(timeout=120)
        assert resumed.returncode == 0, output
        assert refund.check(app, NEW) is None, "exactly one refund and one note"
