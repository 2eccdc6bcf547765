"""Monotone alignment of steps with actions, and the verdict on whether a recording is this job."""

from __future__ import annotations

from tests.gaps.seen import click, key, numbered, typed

from deskhand.gaps.alignment import align
from deskhand.gaps.fuzzy import FuzzyScorer
from deskhand.gaps.procedure import parse_procedure


def aligned(sop: str, *seen):
    procedure = parse_procedure(sop)
    seen = numbered(*seen)
    scores = [[s.value for s in row] for row in FuzzyScorer().matrix(procedure.steps, seen)]
    return align(scores, procedure.steps, seen)


def steps_only(steps: int):
    return parse_procedure("".join(f"{n}. Click Item{n}.\n" for n in range(1, steps + 1))).steps


def test_one_step_may_cover_several_actions_and_the_rest_are_undocumented() -> None:
    a = aligned(
        "1. Click Refund.\n2. Enter the amount and the reason.\n",
        click("Refund"),
        key("Escape"),
        click("Amount"),
        typed("Amount"),
        click("Reason"),
        typed("Reason"),
        key("ctrl+s"),
    )
    assert a.step_of == (0, None, 1, 1, 1, 1, None)
    assert a.undocumented == (1, 6)


def test_the_alignment_never_goes_back_in_the_procedure() -> None:
    """A late action that fits an earlier step better stays undocumented rather than going back."""
    scores = [[1.0, 0.0], [0.0, 1.0], [0.9, 0.0], [0.0, 0.8]]
    a = align(scores, steps_only(2), numbered(*(click("x") for _ in range(4))))
    assert a.step_of == (0, 1, None, 1)


def test_of_two_equally_good_readings_the_one_that_uses_every_step_wins() -> None:
    """'Replace all in:' fits both "Tick Replace all in" and "Click Replace All"; each step gets one."""
    a = aligned(
        "1. Tick *Replace all in: Document*.\n2. Click *Replace All*.\n",
        click("Replace all in:"),
        click("Replace All"),
    )
    assert a.step_of == (0, 1)


def test_keys_next_to_text_join_a_step_that_asks_to_enter_it() -> None:
    a = aligned(
        "1. Search for the customer's email.\n2. Enter the refund amount in the Refunded column.\n",
        key("ctrl+f"),
        typed("Search"),
        key("Return"),  # commits the search
        key("Escape"),  # not a key that moves or commits: undocumented
        key("Right"),
        key("Right"),  # move to the cell the amount goes into
        typed("Refunded"),
        key("Tab"),  # commits the amount
    )
    assert a.step_of == (0, 0, 0, None, 1, 1, 1, 1)


def test_keys_are_not_covered_by_a_step_that_spells_out_its_own_keys() -> None:
    a = aligned(
        "1. Click the Refund heading.\n2. Type each amount into the Refund column and press Return.\n",
        click("Refund"),
        key("Down"),
        typed("Refund"),
        key("Return"),
    )
    assert a.step_of == (0, None, 1, 1)


def test_a_return_after_typing_for_a_step_that_does_not_enter_is_undocumented() -> None:
    a = aligned(
        "1. Open the ticket with Find ticket.\n", click("Find ticket"), typed("Find ticket"), key("Return")
    )
    assert a.step_of == (0, 0, None)


def test_a_step_done_in_another_order_is_reported_as_such_not_as_undocumented() -> None:
    a = aligned(
        "1. Click Alpha.\n2. Click Bravo.\n3. Click Charlie.\n",
        click("Alpha"),
        click("Charlie"),
        click("Bravo"),
    )
    assert sorted(x for x in a.step_of if x is not None) in ([0, 1], [0, 2])
    skipped = ({0, 1, 2} - set(a.step_of)).pop()
    assert skipped in a.out_of_order
    assert a.undocumented == ()
    assert a.matches


def test_a_recording_of_the_job_matches_and_says_how_much_it_does() -> None:
    a = aligned("1. Click Refund.\n2. Submit the refund.\n", click("Refund"), click("Submit refund"))
    assert a.matches
    assert a.verdict.startswith("follows the procedure: 2 of the procedure's 2 steps are clearly done")


def test_a_recording_of_another_job_does_not_match() -> None:
    a = aligned(
        "1. Press Ctrl+R to open Find and Replace.\n2. Type the old name into Search for.\n"
        "3. Click Replace All.\n4. Press Ctrl+Shift+S and type the file name.\n",
        click("Refund"),
        key("Down"),
        typed("Refund"),
        key("Return"),
        key("ctrl+s"),
    )
    assert not a.matches
    assert "does not match the procedure" in a.verdict


def test_a_step_is_not_clearly_done_without_the_keys_it_names() -> None:
    """Clicking Refund and typing an amount is not "type it and press Return" when Return never comes."""
    a = aligned(
        "1. Click the Refund heading.\n2. Type the refund amount into the Refund column and press Return.\n",
        click("Refund"),
        click("Amount"),
        typed("Amount"),
    )
    assert a.done == (0,)
    assert not a.matches  # half the steps is not enough


def test_a_step_that_asks_for_text_is_not_done_by_saving_alone() -> None:
    a = aligned("1. Add an internal note and save it.\n", key("ctrl+s"))
    assert a.step_of == (0,) and a.done == ()


def test_context_steps_are_never_aligned_nor_counted() -> None:
    a = aligned("1. The sheet is open.\n2. Click Refund.\n", click("Refund"))
    assert a.step_of == (1,) and a.steps_total == 1 and a.matches


def test_an_empty_recording_matches_nothing() -> None:
    a = align([], steps_only(2), [])
    assert a.step_of == () and not a.matches
