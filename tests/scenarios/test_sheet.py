"""The Gnumeric sheet scenario: workbook files, its checker, and a record-learn-replay round trip.

Success is read from the .gnumeric file Gnumeric saved, never from our own screenshots.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from deskhand.desktop import KeyPress, XvfbDesktop
from deskhand.learn.compile import learn
from deskhand.learn.skill import check_skill, save_skill
from deskhand.record.format import Recording
from deskhand.record.human import ScriptedHuman
from deskhand.record.recorder import RecordConfig, Recorder
from deskhand.run.runner import Runner
from deskhand.scenarios.base import Session
from deskhand.scenarios.gnumeric import read_cells, workbook_xml, write_workbook
from deskhand.scenarios.sheet import HEADER, KEYS, ORDERS, SCENARIO, initial_cells
from deskhand.vision.ocr import Ocr


def _session(path: Path) -> Session:
    """All the checker needs: where the saved file is. It reads no screen, so there is no desktop."""
    return Session(None, path.parent, (), {"path": path})  # type: ignore[arg-type]


def _saved(path: Path, refunds: dict[str, str]) -> Session:
    """A file as Gnumeric would have saved it after the job, and a session pointing at it."""
    amounts = [refunds.get(key, "") for key in KEYS]
    write_workbook(path, HEADER, [(*order, a) for order, a in zip(ORDERS, amounts, strict=True)])
    return _session(path)


def test_workbook_round_trips_text_numbers_and_markup_characters(tmp_path):
    path = tmp_path / "t.gnumeric"
    write_workbook(path, ("Name", "Amount"), [("Zoë & <Bob>", "12.5"), ("", "-3")], sheet="Orders")
    assert read_cells(path) == {
        (0, 0): "Name",
        (0, 1): "Amount",
        (1, 0): "Zoë & <Bob>",
        (1, 1): "12.5",
        (2, 1): "-3",
    }


def test_read_cells_reads_uncompressed_xml_and_formulas_as_typed(tmp_path):
    path = tmp_path / "t.gnumeric"
    path.write_bytes(workbook_xml(("a",), [("=A1&A1",)]))
    assert read_cells(path) == {(0, 0): "a", (1, 0): "=A1&A1"}


def test_setup_leaves_every_refund_cell_empty(tmp_path):
    path = tmp_path / "orders.gnumeric"
    _saved(path, {})
    assert read_cells(path) == {k: v for k, v in initial_cells().items() if v}


def test_check_accepts_the_amounts_as_numbers_gnumeric_writes(tmp_path):
    """Gnumeric saves 12.50 as 12.5 and 23.99 as 23.9899999999999999998: both are right."""
    values = dict(zip(KEYS, ("12.50", "8", "23.99", "1250", "0.99"), strict=True))
    saved = {**values, "refund": "12.5", "refund_3": "23.9899999999999999998"}
    assert SCENARIO.check(_saved(tmp_path / "orders.gnumeric", saved), values, timeout=0) is None


def test_check_names_the_cell_with_a_wrong_amount(tmp_path):
    values = SCENARIO.rows[0]
    session = _saved(tmp_path / "orders.gnumeric", {**values, "refund_3": "7.6"})
    assert SCENARIO.check(session, values, timeout=0) == "orders.gnumeric: D4: '7.6' (want '7.5')"


def test_check_reports_a_missing_amount_and_a_changed_cell(tmp_path):
    values = SCENARIO.rows[0]
    path = tmp_path / "orders.gnumeric"
    table = [(*order, values[key]) for order, key in zip(ORDERS, KEYS, strict=True)]
    table[1] = ("1002", "Bob N", "Desk lamp", "")
    write_workbook(path, HEADER, table)
    problem = SCENARIO.check(_session(path), values, timeout=0)
    assert problem == "orders.gnumeric: B3: 'Bob N' (want 'Bob Ng'); D3: None (want '1250')"


def test_check_reports_an_unreadable_file(tmp_path):
    path = tmp_path / "orders.gnumeric"
    path.write_bytes(b"\x1f\x8b truncated")
    problem = SCENARIO.check(_session(path), timeout=0)
    assert problem is not None and problem.startswith("orders.gnumeric: unreadable")


@pytest.mark.x11
def test_recorded_human_is_learned_and_replayed_with_new_amounts_on_a_smaller_screen(tmp_path):
    """Record at 1920x1080, learn, replay a new row at 1280x800; Gnumeric's saved file is the judge."""
    ocr = Ocr()
    with XvfbDesktop(1920, 1080) as desktop, SCENARIO.open(desktop, tmp_path / "record") as session:
        human = ScriptedHuman(desktop, time_scale=0.15, seed=3)
        with Recorder(desktop, tmp_path / "rec", RecordConfig()) as recorder:
            SCENARIO.perform(human, session)
            assert SCENARIO.check(session) is None
            path = recorder.stop()
    recording = Recording.open(path)
    assert len(recording.actions) == 13
    assert [recording.actions[i].action for i in SCENARIO.omitted] == [KeyPress("Down"), KeyPress("ctrl+s")]
    skill, crops = learn([recording], ocr, "sheet")
    assert [(p.name, p.default) for p in skill.parameters] == list(SCENARIO.recorded.items())
    skill = check_skill(save_skill(skill, tmp_path / "skill", crops))

    row = SCENARIO.rows[0]
    with XvfbDesktop(1280, 800) as desktop, SCENARIO.open(desktop, tmp_path / "replay") as session:
        result = Runner(
            desktop, skill, skill.bind(row), report_dir=tmp_path / "report", ocr=lambda: ocr
        ).run()
        assert result.ok, result.escalation
        assert SCENARIO.check(session, row) is None
