"""The fuzzy scorer: clicks and typing fit steps that name their target; keys fit steps that name them."""

from __future__ import annotations

from tests.gaps.seen import click, key, typed

from deskhand.gaps.fuzzy import FuzzyScorer
from deskhand.gaps.procedure import parse_procedure

FIT = 0.5
scorer = FuzzyScorer()


def step(text: str):
    return parse_procedure(f"1. {text}\n").steps[0]


def test_a_click_fits_a_step_that_names_its_target_despite_ocr_slips_and_endings() -> None:
    assert scorer.score(step("Click Refund."), click("Refund")).value == 1.0
    assert scorer.score(step("Click Refund."), click("Refunc")).value >= FIT  # an OCR slip
    assert scorer.score(step("Enter it in the Refunded column."), click("Refund")).value >= FIT


def test_a_click_on_something_the_step_does_not_name_does_not_fit() -> None:
    assert scorer.score(step("Submit the refund."), click("Confirm")).value < FIT
    assert scorer.score(step("Submit the refund."), click("Confirm")).why.startswith("'submit'")


def test_typing_fits_a_step_that_asks_for_typing_or_names_the_field() -> None:
    assert scorer.score(step("Type the old name into Search for."), typed("Find and Replace")).value >= FIT
    assert scorer.score(step("Open the ticket with Find ticket."), typed("Find ticket")).value >= FIT
    assert scorer.score(step("Click Save."), typed("Notes")).value < FIT


def test_typing_the_very_text_a_step_quotes_fits_it_well() -> None:
    score = scorer.score(step("Type 'Anna Berg' into the box."), typed("", text="Anna Berg"))
    assert score.value == 1.0 and "Anna Berg" in score.why


def test_a_key_fits_only_a_step_that_names_it_or_asks_for_its_command() -> None:
    assert scorer.score(step("Type it and press Return."), key("Return")).value == 1.0
    assert scorer.score(step("Press Ctrl+Shift+S."), key("ctrl+shift+s")).value == 1.0
    assert scorer.score(step("Press Ctrl+Shift+S."), key("ctrl+s")).value < FIT
    assert scorer.score(step("Save the sheet."), key("ctrl+s")).why == "'save' is what ctrl+s does"
    assert scorer.score(step("Copy the new balance."), key("ctrl+c")).value >= FIT


def test_keys_people_press_on_autopilot_fit_no_step_that_does_not_name_them() -> None:
    for combo in ("Tab", "Return", "Escape", "Down", "ctrl+s"):
        assert scorer.score(step("Enter the refund amount in the Refunded column."), key(combo)).value < FIT
    assert scorer.score(step("Open the ticket."), key("ctrl+s")).value < FIT


def test_pasting_is_entering_text() -> None:
    assert scorer.score(step("Reply with the new balance."), key("ctrl+v")).value >= FIT
    assert scorer.score(step("Click Send."), key("ctrl+v")).value < FIT
