"""The report over N recordings: k-of-N counting, grouping, left-out recordings, JSON and HTML."""

from __future__ import annotations

import json

import pytest
from tests.gaps.seen import click, key, numbered, typed

from deskhand.gaps.alignment import align
from deskhand.gaps.fuzzy import FuzzyScorer
from deskhand.gaps.page import render
from deskhand.gaps.procedure import parse_procedure
from deskhand.gaps.report import build_report, majority

SOP = "# Refund\n\n1. Click Refund.\n2. Enter the amount.\n3. Submit the refund.\n"


def report(recordings, k=None, sop=SOP):
    procedure = parse_procedure(sop)
    seen = [numbered(*r) for r in recordings]
    scores = [FuzzyScorer().matrix(procedure.steps, s) for s in seen]
    alignments = [
        align([[x.value for x in row] for row in m], procedure.steps, s)
        for m, s in zip(scores, seen, strict=True)
    ]
    paths = [f"rec{n}" for n in range(1, len(recordings) + 1)]
    return build_report(procedure, paths, seen, alignments, scores, k)


def job(*extra_after_amount, confirm=True):
    actions = [click("Refund"), click("Amount"), typed("Amount"), *extra_after_amount, click("Submit refund")]
    return actions + ([click("Confirm")] if confirm else [])


@pytest.mark.parametrize(("n", "k"), [(1, 1), (2, 2), (3, 2), (4, 3), (5, 3)])
def test_k_defaults_to_a_majority_of_the_recordings(n: int, k: int) -> None:
    assert majority(n) == k


def test_an_undocumented_step_is_counted_over_the_recordings_it_appears_in() -> None:
    recordings = [job(key("Escape")), job(key("Escape")), job(confirm=False)]
    found = report(recordings)  # k = 2 of 3
    assert [(g.description, g.recordings) for g in found.gaps] == [
        ("Press Escape in 'App'", 2),
        ("Click 'Confirm' in 'App'", 2),
    ]
    assert found.gaps[0].after_step == 2 and found.gaps[1].after_step == 3
    assert [(o.recording, o.action) for o in found.gaps[0].occurrences] == [(0, 3), (1, 3)]
    assert report(recordings, k=3).gaps == ()
    assert len(report(recordings, k=1).gaps) == 2


def test_the_same_click_read_with_an_ocr_slip_is_one_undocumented_step() -> None:
    found = report([[*job(confirm=False), click("Confirm")], [*job(confirm=False), click("Confirn")]])
    assert [(g.description, g.recordings) for g in found.gaps] == [("Click 'Confirm' in 'App'", 2)]


def test_the_same_key_at_two_places_in_the_procedure_is_two_undocumented_steps() -> None:
    actions = [key("Escape"), *job(key("Escape"), confirm=False)]
    found = report([actions])
    assert [g.after_step for g in found.gaps] == [0, 2]


def test_each_step_says_which_actions_did_it_and_in_how_many_recordings() -> None:
    found = report([job(), job()])
    first, second, third = found.steps
    assert (first.done_in, second.done_in, third.done_in) == (2, 2, 2)
    assert [m.description for m in second.matched if m.recording == 0] == [
        "Click 'Amount' in 'App'",
        "Type into 'Amount' in 'App'",
    ]
    assert found.skipped == ()


def test_a_step_most_recordings_leave_out_is_a_skipped_step() -> None:
    without_submit = [click("Refund"), click("Amount"), typed("Amount")]
    found = report([without_submit, without_submit, job()])
    assert [(s.number, s.skipped_in) for s in found.skipped] == [(3, 2)]


def test_a_recording_of_another_job_is_left_out_and_said_so() -> None:
    other = [click("File"), key("ctrl+o"), typed("Name"), key("Return")]
    found = report([job(), job(), other])
    assert [r.matches for r in found.recordings] == [True, True, False]
    assert found.n == 2 and found.k == 2
    assert "1 recording of another job left out" in found.verdict
    assert all(o.recording != 2 for g in found.gaps for o in g.occurrences)


def test_no_matching_recording_gives_a_clear_verdict_and_no_gaps() -> None:
    found = report([[click("File"), key("ctrl+o"), typed("Name"), key("Return"), key("Escape")]])
    assert not found.matches and found.gaps == () and found.skipped == ()
    assert found.verdict.startswith("The recording does not match the procedure")


def test_the_report_is_json_and_names_its_verdict() -> None:
    data = json.loads(json.dumps(report([job(), job()]).to_dict()))
    assert data["matches"] is True and data["n"] == 2 and data["k"] == 2
    assert [g["description"] for g in data["gaps"]] == ["Click 'Confirm' in 'App'"]
    assert {"steps", "recordings", "order", "skipped", "verdict"} <= set(data)


def test_the_page_shows_the_gaps_and_escapes_what_it_read() -> None:
    page = render(report([job(click("<b>Danger</b>")), job(click("<b>Danger</b>"))]))
    assert "Undocumented steps (2)" in page
    assert "&lt;b&gt;Danger&lt;/b&gt;" in page and "<b>Danger</b>" not in page


def test_the_page_of_another_job_says_it_does_not_match_and_lists_no_gaps() -> None:
    page = render(report([[click("File"), key("ctrl+o"), typed("Name"), key("Return")]]))
    assert "does not match the procedure" in page
    assert "Undocumented steps" not in page
