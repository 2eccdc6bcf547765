"""Parsing the written procedure: free wording in, steps with their verbs, terms and keys out."""

from __future__ import annotations

import pytest

from deskhand.gaps.procedure import ProcedureError, parse_procedure


def test_numbered_steps_take_the_heading_as_title_and_join_continuation_lines() -> None:
    p = parse_procedure("# Refund a ticket\n\n1. Click Refund.\n2. Enter the amount\n   and the reason.\n")
    assert p.title == "Refund a ticket"
    assert [(s.number, s.text) for s in p.steps] == [
        (1, "Click Refund."),
        (2, "Enter the amount and the reason."),
    ]


@pytest.mark.parametrize("marker", ["-", "*", "+", "•", "1)", "a."])
def test_bulleted_and_lettered_lists_are_steps_too(marker: str) -> None:
    p = parse_procedure(f"Intro line.\n\n{marker} Open the ticket\n{marker} Save it\n")
    assert [s.text for s in p.steps] == ["Open the ticket", "Save it"]


def test_plain_text_without_a_list_is_read_sentence_by_sentence() -> None:
    p = parse_procedure("Open the customer's ticket and issue the refund. Then reply to the customer.")
    assert [s.text for s in p.steps] == [
        "Open the customer's ticket and issue the refund.",
        "Then reply to the customer.",
    ]
    assert p.steps[1].verbs == {"reply"}


def test_emphasized_and_quoted_words_are_kept_as_terms_without_markup() -> None:
    step = parse_procedure('1. Tick **Replace all** and click "Close", then `Save`.').steps[0]
    assert step.text == 'Tick Replace all and click "Close", then Save.'
    assert step.terms == ("Replace all", "Save", "Close")


def test_verbs_are_the_words_that_start_clauses_not_any_word() -> None:
    step = parse_procedure("1. Open the ticket in the Support Console with Find ticket.").steps[0]
    assert step.verbs == {"open"}  # "Find" names a field here, it is not asked for
    step = parse_procedure("1. In the credit sheet, search for the customer's email.").steps[0]
    assert step.verbs == {"search"}


def test_keys_are_combos_anywhere_and_key_names_after_press() -> None:
    steps = parse_procedure(
        "1. Press Ctrl+Shift+S and type the name.\n2. Type it and press Return.\n3. Hit the Tab key.\n"
        "4. Enter the amount.\n5. Press the down arrow.\n"
    ).steps
    assert [s.keys for s in steps] == [("Ctrl+Shift+S",), ("Return",), ("Tab",), (), ("down",)]


def test_enter_as_a_verb_is_an_entry_step_that_covers_unnamed_keys() -> None:
    enter, typed = parse_procedure("1. Enter the amount.\n2. Type the amount and press Return.\n").steps
    assert enter.enters and not enter.keys
    assert not typed.enters  # it spells out its keys, so it covers only those


def test_a_statement_of_how_things_start_is_context_not_a_step_to_do() -> None:
    first, second = parse_procedure("1. The workbook is open in Gnumeric.\n2. Click Refund.\n").steps
    assert first.context and not second.context


def test_steps_that_ask_for_text_need_text() -> None:
    note, save = parse_procedure("1. Add an internal note.\n2. Save it.\n").steps
    assert note.needs_text and not save.needs_text


def test_code_blocks_are_not_steps() -> None:
    p = parse_procedure("1. Click Save.\n```\n2. not a step\n```\n")
    assert [s.text for s in p.steps] == ["Click Save."]


@pytest.mark.parametrize("text", ["", "# Title only\n", "\n\n  \n"])
def test_a_procedure_without_steps_is_refused(text: str) -> None:
    with pytest.raises(ProcedureError, match="no steps"):
        parse_procedure(text)


def test_a_procedure_that_only_describes_the_start_is_refused() -> None:
    with pytest.raises(ProcedureError, match="how things start"):
        parse_procedure("1. The app is open.\n")
