"""The multi-app job: recorded once at 1920x1080, learned, replayed on another ticket at 1280x800.

Success is read from the console's store and the workbook Gnumeric saved.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from deskhand.desktop import XvfbDesktop
from deskhand.learn.compile import learn
from deskhand.learn.skill import check_skill, save_skill
from deskhand.record.format import Recording
from deskhand.record.human import ScriptedHuman
from deskhand.record.recorder import RecordConfig, Recorder
from deskhand.run.runner import Runner
from deskhand.scenarios.base import Session
from deskhand.scenarios.console import Store, default_tickets
from deskhand.scenarios.credit import HEADER, SCENARIO, credit_of
from deskhand.scenarios.gnumeric import write_workbook
from deskhand.vision.ocr import Ocr


def _session(tmp_path: Path, refunded: list[str], replies: list[tuple[int, str]]) -> Session:
    tickets = default_tickets()
    store = Store.create(tmp_path / "store.json", tickets)
    for ticket_id, text in replies:
        store.add_reply(ticket_id, text)
    store.save()
    rows = [(t.customer, t.email, str(credit_of(i)), refunded[i], "") for i, t in enumerate(tickets)]
    write_workbook(tmp_path / "customers.gnumeric", HEADER, rows)
    return Session(
        None, tmp_path, (), {"store": tmp_path / "store.json", "sheet": tmp_path / "customers.gnumeric"}
    )  # type: ignore[arg-type]


def test_checker_accepts_the_job_done_right(tmp_path: Path) -> None:
    row = SCENARIO.rows[0]  # ticket #4823, the third customer
    balance = credit_of(2) - 30
    refunded = ["0", "0", "30", "0", "0", "0", "0", "0"]
    session = _session(tmp_path, refunded, [(4823, f"{row['reply']}{balance}")])
    assert SCENARIO.check(session, row, timeout=0) is None


@pytest.mark.parametrize(
    ("refunded", "replies", "complaint"),
    [
        (["0", "30", "0", "0", "0", "0", "0", "0"], None, "Refunded column"),  # the wrong row
        (["0", "0", "30", "0", "0", "0", "0", "0"], [], "replies"),  # no reply
        (
            ["0", "0", "30", "0", "0", "0", "0", "0"],
            [(4823, "Thanks for waiting! Store credit left: 1")],
            "reply",
        ),
        (["0", "0", "30", "0", "0", "0", "0", "0"], [(4822, "x")], "replies"),  # the wrong ticket
    ],
)
def test_checker_names_what_is_wrong(tmp_path: Path, refunded, replies, complaint) -> None:
    row = SCENARIO.rows[0]
    if replies is None:
        replies = [(4823, f"{row['reply']}{credit_of(2) - 30}")]
    problem = SCENARIO.check(_session(tmp_path, refunded, replies), row, timeout=0)
    assert problem is not None and problem.startswith(complaint)


@pytest.mark.x11
def test_record_learn_and_replay_on_another_ticket_and_screen(tmp_path: Path) -> None:
    ocr = Ocr()
    with XvfbDesktop(1920, 1080) as desktop, SCENARIO.open(desktop, tmp_path / "rec-app") as session:
        human = ScriptedHuman(desktop, time_scale=0.15, seed=5)
        with Recorder(desktop, tmp_path / "rec", RecordConfig()) as recorder:
            SCENARIO.perform(human, session)
            path = recorder.stop()
        assert SCENARIO.check(session) is None
    recording = Recording.open(path)
    assert len(recording.actions) == 19
    skill, crops = learn([recording], ocr, SCENARIO.name)
    skill = check_skill(save_skill(skill, tmp_path / "skill", crops))
    assert {p.name for p in skill.parameters} == set(SCENARIO.recorded)

    row = SCENARIO.rows[0]
    with XvfbDesktop(1280, 800) as desktop, SCENARIO.open(desktop, tmp_path / "run-app", row) as session:
        result = Runner(
            desktop, skill, skill.bind(row), report_dir=tmp_path / "report", ocr=lambda: ocr
        ).run()
        assert result.ok, result.escalation
        assert SCENARIO.check(session, row) is None
