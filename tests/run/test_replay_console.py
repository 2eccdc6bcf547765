"""Record the scripted human refunding a ticket in the support console (Chromium), learn, replay.

Success is read from the console's own store file: refunds, notes and the order they came in.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from deskhand.desktop import XvfbDesktop
from deskhand.desktop.apps import chromium
from deskhand.learn.compile import learn
from deskhand.learn.skill import check_skill, save_skill
from deskhand.record.event import EventType
from deskhand.record.format import Recording
from deskhand.record.human import ScriptedHuman
from deskhand.record.listener import InputListener
from deskhand.record.recorder import RecordConfig, Recorder
from deskhand.run.checkpoint import Checkpoint
from deskhand.run.runner import Runner
from deskhand.scenarios.console import ConsoleLook, ConsoleServer, Store, default_tickets
from deskhand.scenarios.console.look import DEFAULT_LOOK
from deskhand.vision.ocr import Ocr

pytestmark = pytest.mark.x11

RECORDED = {"amount": "12.50", "reason": "Damaged on arrival", "internal_note": "Refunded, customer told"}
NEW = {"amount": "7.25", "reason": "Late — 東京 hub", "internal_note": "Zoë approved ✓"}
TICKET, OTHER = 4821, 4823


def _wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
    return value


def _open_console(desktop, server, ticket: int, profile: Path) -> None:
    desktop.launch(chromium(f"{server.url}ticket/{ticket}", profile))
    _wait_for(lambda: any("Ticket #" in w.title for w in desktop.windows()))
    desktop.wait_until_stable(timeout=20)


def _refund_job(human: ScriptedHuman, size: tuple[int, int]) -> None:
    """Ten steps, at positions of the console's layout at DPI scale 1."""
    w, h = size
    human.click(325, 280)  # Refund
    human.desktop.wait_until_stable()
    human.click(508, 196)  # Amount
    human.type(RECORDED["amount"])
    human.click(508, 241)  # Reason
    human.type(RECORDED["reason"])
    human.click(292, 290)  # Submit refund
    human.desktop.wait_until_stable()
    human.click(w // 2 - 215, h // 2 + 68)  # Confirm, in the centred dialog
    human.desktop.wait_until_stable()
    human.click(430, 352)  # Internal note
    human.type(RECORDED["internal_note"])
    human.click(270, 417)  # Save note
    human.desktop.wait_until_stable()


@pytest.fixture(scope="module")
def ocr():
    return Ocr()


@pytest.fixture(scope="module")
def skill_dir(tmp_path_factory, ocr):
    tmp = tmp_path_factory.mktemp("console-skill")
    store = tmp / "store.json"
    Store.create(store, default_tickets())
    with ConsoleServer(store) as server, XvfbDesktop(1920, 1080) as desktop:
        _open_console(desktop, server, TICKET, tmp / "profile")
        human = ScriptedHuman(desktop, time_scale=0.15, seed=4)
        with Recorder(desktop, tmp / "rec", RecordConfig()) as recorder:
            _refund_job(human, desktop.size)
            path = recorder.stop()
    done = Store.load(store)
    assert [r.amount for r in done.refunds_for(TICKET)] == [Decimal("12.50")]
    skill, crops = learn([Recording.open(path)], ocr, "refund")
    return save_skill(skill, tmp / "skill", crops)


def _store(tmp_path: Path) -> Path:
    path = tmp_path / "store.json"
    Store.create(path, default_tickets())
    return path


def _check_done(store_path: Path, ticket: int = OTHER) -> None:
    store = Store.load(store_path)
    assert [(r.amount, r.reason) for r in store.refunds_for(ticket)] == [
        (Decimal(NEW["amount"]), NEW["reason"])
    ]
    assert [n.text for n in store.notes_for(ticket)] == [NEW["internal_note"]]


def _replay(tmp_path, skill_dir, ocr, size=(1920, 1080), look=DEFAULT_LOOK):
    store = _store(tmp_path)
    skill = check_skill(skill_dir)
    with ConsoleServer(store, look) as server, XvfbDesktop(*size) as desktop:
        _open_console(desktop, server, OTHER, tmp_path / "profile")
        result = Runner(
            desktop, skill, skill.bind(NEW), report_dir=tmp_path / "report", ocr=lambda: ocr
        ).run()
    return result, store


def test_learned_console_skill_names_parameters_after_field_labels(skill_dir):
    skill = check_skill(skill_dir)
    assert [(p.name, p.default) for p in skill.parameters] == list(RECORDED.items())
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
    result, store = _replay(tmp_path, skill_dir, ocr, size=size)
    assert result.ok, result.escalation
    _check_done(store)


@pytest.mark.parametrize(
    "look",
    [ConsoleLook(font_scale=1.25), ConsoleLook(theme="dark"), ConsoleLook(banner=True)],
    ids=["larger-font", "dark-theme", "layout-moved-down"],
)
def test_console_replay_survives_a_changed_look(tmp_path, skill_dir, ocr, look):
    result, store = _replay(tmp_path, skill_dir, ocr, look=look)
    assert result.ok, result.escalation
    _check_done(store)


def test_a_removed_target_escalates_with_a_report_and_no_further_input(tmp_path, skill_dir, ocr):
    store = _store(tmp_path)
    skill = check_skill(skill_dir)
    events = []
    look = ConsoleLook(hidden=frozenset({"save_note_button"}))
    with ConsoleServer(store, look) as server, XvfbDesktop(1920, 1080) as desktop:
        _open_console(desktop, server, OTHER, tmp_path / "profile")
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
    assert Store.load(store).notes_for(OTHER) == []


def _run_cli(skill_dir: Path, display: str, checkpoint: Path, *extra: str) -> subprocess.Popen[str]:
    args = ["--input", f"amount={NEW['amount']}", "--input", f"reason={NEW['reason']}"]
    args += ["--input", f"internal_note={NEW['internal_note']}"]
    command = [sys.executable, "-m", "deskhand.cli", "run", str(skill_dir), "--display", display]
    command += [*args, "--checkpoint", str(checkpoint), "--json", *extra]
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=os.environ
    )


@pytest.mark.parametrize("kill_after", [2, 6])
def test_a_killed_run_resumes_on_a_fresh_desktop_without_repeating_a_submit(tmp_path, skill_dir, kill_after):
    store = _store(tmp_path)
    checkpoint = tmp_path / "checkpoint.json"
    with ConsoleServer(store) as server:
        with XvfbDesktop(1920, 1080) as first:
            _open_console(first, server, OTHER, tmp_path / "profile-1")
            proc = _run_cli(skill_dir, first.display, checkpoint)
            _wait_for(
                lambda: checkpoint.exists() and Checkpoint.load(checkpoint).done >= kill_after, timeout=60
            )
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        stopped = Checkpoint.load(checkpoint)
        assert stopped.done < len(check_skill(skill_dir).steps) - 1, "the run finished before it was killed"
        with XvfbDesktop(1280, 800) as second:
            _open_console(second, server, OTHER, tmp_path / "profile-2")
            resumed = _run_cli(skill_dir, second.display, checkpoint, "--resume", str(checkpoint))
            output, _ = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, output
    _check_done(store)
