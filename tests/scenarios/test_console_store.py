"""The console's store and money rules: pure data and one temp directory, no server."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

import pytest

from deskhand.scenarios.console import store as store_module
from deskhand.scenarios.console.money import AmountError, parse_amount
from deskhand.scenarios.console.store import Note, Refund, Reply, Store, default_tickets


def _ticking_clock(start: float = 1000.0):
    times = iter(range(10_000))
    return lambda: start + next(times)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.create(tmp_path / "store.json", default_tickets(), clock=_ticking_clock())


def test_changes_get_increasing_seq_and_time_across_kinds(store: Store) -> None:
    refund = store.add_refund(4821, Decimal("12.5"), "damaged")
    note = store.add_note(4821, "called the customer")
    reply = store.add_reply(4822, "on its way")

    assert [refund.seq, note.seq, reply.seq] == [1, 2, 3]
    assert [refund.time, note.time, reply.time] == [1000.0, 1001.0, 1002.0]
    assert refund.amount == Decimal("12.50")
    assert [type(change) for change in store.log] == [Refund, Note, Reply]


def test_saved_file_holds_lists_and_log_for_checkers(store: Store) -> None:
    store.add_refund(4821, Decimal("12.50"), "damaged")
    store.add_note(4821, "Zoë was refunded")

    data = json.loads(store.path.read_text(encoding="utf-8"))

    assert set(data) == {"version", "tickets", "refunds", "notes", "replies", "log"}
    assert data["refunds"] == [
        {"seq": 1, "time": 1000.0, "ticket_id": 4821, "amount": "12.50", "reason": "damaged"}
    ]
    assert data["notes"][0]["text"] == "Zoë was refunded"
    assert data["replies"] == []
    assert [entry["kind"] for entry in data["log"]] == ["refund", "note"]
    assert data["tickets"][0]["customer"] == "Zoë Müller"


def test_load_reads_back_what_was_saved(store: Store) -> None:
    store.add_refund(4821, Decimal("3"), "goodwill")
    store.add_reply(4823, "sorry")

    loaded = Store.load(store.path)

    assert loaded.tickets == store.tickets
    assert loaded.log == store.log
    assert loaded.refunds_for(4821) == store.refunds_for(4821)
    assert loaded.replies_for(4823)[0].text == "sorry"
    assert loaded.refunded_total(4821) == Decimal("3.00")


def test_failed_write_leaves_previous_file_and_memory_intact(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash mid-save must not leave a half-written store or a stray temp file."""
    store.add_note(4821, "first")
    before = store.path.read_bytes()

    def fail(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(store_module.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        store.add_note(4821, "second")

    assert store.path.read_bytes() == before
    assert [note.text for note in store.notes] == ["first"]
    assert os.listdir(store.path.parent) == ["store.json"]


def test_successful_writes_leave_no_temp_files(store: Store) -> None:
    for index in range(5):
        store.add_note(4821, f"note {index}")

    assert os.listdir(store.path.parent) == ["store.json"]
    assert len(Store.load(store.path).notes_for(4821)) == 5


def test_changes_to_unknown_ticket_or_nonpositive_refund_are_refused(store: Store) -> None:
    with pytest.raises(KeyError):
        store.add_note(9999, "nobody")
    with pytest.raises(ValueError):
        store.add_refund(4821, Decimal("0"), "nothing")
    assert store.log == ()


def test_duplicate_ticket_ids_are_refused(tmp_path: Path) -> None:
    ticket = default_tickets(count=1)[0]
    with pytest.raises(ValueError, match="unique"):
        Store.create(tmp_path / "store.json", [ticket, ticket])


def test_default_tickets_are_deterministic_and_plausible() -> None:
    tickets = default_tickets()

    assert tickets == default_tickets(seed=0)
    assert default_tickets(seed=1) != tickets
    assert [ticket.id for ticket in tickets] == list(range(4821, 4829))
    assert tickets[0].customer == "Zoë Müller" and tickets[0].subject == "Refund request"
    assert tickets[0].email == "zoe.muller@example.com"
    assert any(not ticket.customer.isascii() for ticket in tickets)
    assert {"Refund request", "Damaged item", "Late delivery"} <= {ticket.subject for ticket in tickets}
    assert all(Decimal("10") < ticket.total < Decimal("500") for ticket in tickets)
    assert all(ticket.email.isascii() and ticket.order_id in ticket.message for ticket in tickets)
    assert len(default_tickets(count=20)) == 20


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12.5", "12.50"), (" 7 ", "7.00"), ("0.01", "0.01"), ("100.00", "100.00"), ("007.10", "7.10")],
)
def test_parse_amount_accepts_positive_amounts_with_cents(text: str, expected: str) -> None:
    assert parse_amount(text, limit=Decimal("100.00")) == Decimal(expected)


@pytest.mark.parametrize(
    "text", ["", " ", "abc", "-5", "0", "0.00", "12.345", "1e3", "12,50", "$12", "100.01", "12.", ".5", "١٢"]
)
def test_parse_amount_refuses_everything_else(text: str) -> None:
    with pytest.raises(AmountError):
        parse_amount(text, limit=Decimal("100.00"))
