"""The Mousepad replace scenario: its checker reads the files on disk; the job records, learns and replays."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pytest

from deskhand.desktop import XvfbDesktop
from deskhand.desktop.action import Click, KeyPress
from deskhand.desktop.x11 import X11Desktop
from deskhand.learn.compile import learn
from deskhand.learn.skill import check_skill, save_skill
from deskhand.record.format import Recording
from deskhand.record.human import ScriptedHuman
from deskhand.record.recorder import RecordConfig, Recorder
from deskhand.run.runner import Runner
from deskhand.scenarios.base import Session
from deskhand.scenarios.replace import NEW, OLD, RECORDED, ROWS, SCENARIO, expected, prepare, saved_as
from deskhand.vision.ocr import Ocr


def _session(workdir: Path) -> Session:
    """The contract on disk as `open` leaves it, with no desktop: the checker reads files only."""
    return Session(cast(X11Desktop, None), workdir, (), prepare(workdir, RECORDED))


def test_check_passes_when_the_new_file_has_every_name_replaced(tmp_path):
    session = _session(tmp_path)
    saved_as(tmp_path, RECORDED).write_text(expected(RECORDED), encoding="utf-8")
    assert SCENARIO.check(session, timeout=0.1) is None


def test_check_reports_a_name_left_unreplaced(tmp_path):
    session = _session(tmp_path)
    one_left = expected(RECORDED).replace(RECORDED[NEW], RECORDED[OLD], 1)
    saved_as(tmp_path, RECORDED).write_text(one_left, encoding="utf-8")
    problem = SCENARIO.check(session, timeout=0.1)
    assert problem is not None and "line 3" in problem and RECORDED[OLD] in problem


def test_check_reports_a_missing_file(tmp_path):
    problem = SCENARIO.check(_session(tmp_path), timeout=0.1)
    assert problem == f"{saved_as(tmp_path, RECORDED).name}: no such file"


def test_check_reports_an_original_that_was_overwritten(tmp_path):
    session = _session(tmp_path)
    saved_as(tmp_path, RECORDED).write_text(expected(RECORDED), encoding="utf-8")
    (tmp_path / "contract.txt").write_text(expected(RECORDED), encoding="utf-8")
    assert "contract.txt was changed" in (SCENARIO.check(session, timeout=0.1) or "")


@pytest.mark.x11
def test_replace_recorded_at_1080p_replays_a_non_ascii_name_at_1280x800(tmp_path):
    """Recorded once, learned, replayed with new names on a smaller screen; judged from the saved file."""
    with XvfbDesktop(1920, 1080) as desktop, SCENARIO.open(desktop, tmp_path / "recorded") as session:
        human = ScriptedHuman(desktop, time_scale=0.15, seed=4)
        with Recorder(desktop, tmp_path / "rec", RecordConfig()) as recorder:
            SCENARIO.perform(human, session)
            assert SCENARIO.check(session) is None
            path = recorder.stop()
    recording = Recording.open(path)
    actions = [a.action for a in recording.actions]
    assert len(actions) == 10
    close, confirm = (actions[i] for i in SCENARIO.omitted)  # what the SOP leaves out
    assert isinstance(close, Click) and confirm == KeyPress("Return")

    ocr = Ocr()
    skill, crops = learn([recording], ocr, "replace")
    skill = check_skill(save_skill(skill, tmp_path / "skill", crops))
    assert {p.name: p.default for p in skill.parameters} == RECORDED

    row = ROWS[0]  # "Zoë Müller"
    with XvfbDesktop(1280, 800) as desktop, SCENARIO.open(desktop, tmp_path / "replayed", row) as session:
        result = Runner(
            desktop, skill, skill.bind(row), report_dir=tmp_path / "report", ocr=lambda: ocr
        ).run()
        assert result.ok, result.escalation
        assert SCENARIO.check(session, row) is None
