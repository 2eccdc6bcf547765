"""Scenario: refund a ticket in the support console and leave an internal note. Checked from its store."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from deskhand.desktop.apps import chromium
from deskhand.desktop.x11 import X11Desktop
from deskhand.record.human import ScriptedHuman
from deskhand.scenarios.base import DEFAULT_LOOK as DEFAULT_SCENARIO_LOOK
from deskhand.scenarios.base import Look, Scenario, Session, Values
from deskhand.scenarios.console import ConsoleServer, Store, default_tickets
from deskhand.scenarios.console.look import DEFAULT_LOOK, ConsoleLook

NAME = "refund"
RECORDED = {"amount": "12.50", "reason": "Damaged on arrival", "internal_note": "Refunded, customer told"}
RECORDED_TICKET = 4821
REPLAY_TICKET = 4823  # replays refund another ticket than the one recorded
ROWS = (
    {"amount": "7.25", "reason": "Late — 東京 hub", "internal_note": "Zoë approved ✓"},
    {"amount": "30", "reason": "Wrong size", "internal_note": "Second refund this month"},
    {"amount": "0.99", "reason": "Price match", "internal_note": "Matched the flyer price"},
    {"amount": "118.40", "reason": "Arrived broken", "internal_note": "Photos attached by customer"},
    {"amount": "15", "reason": "Goodwill", "internal_note": "Long-time customer, one-off"},
)


@dataclass(frozen=True)
class Console:
    desktop: X11Desktop
    store: Path
    ticket: int


@contextmanager
def open_app(
    desktop: X11Desktop, workdir: Path, ticket: int = RECORDED_TICKET, look: ConsoleLook = DEFAULT_LOOK
) -> Iterator[Console]:
    """A fresh store, the console server, and Chromium on the ticket's page."""
    workdir.mkdir(parents=True, exist_ok=True)
    store = workdir / "store.json"
    if not store.exists():
        Store.create(store, default_tickets())
    with ConsoleServer(store, look) as server:
        app = desktop.launch(
            chromium(f"{server.url}ticket/{ticket}", workdir / f"profile-{time.monotonic_ns()}")
        )
        try:
            deadline = time.monotonic() + 30
            while not any("Ticket #" in w.title for w in desktop.windows()):
                if time.monotonic() > deadline:
                    raise TimeoutError("Chromium did not show the ticket page")
                time.sleep(0.05)
            desktop.wait_until_stable(timeout=20)
            yield Console(desktop, store, ticket)
        finally:
            app.close()


def perform(human: ScriptedHuman, console: Console, values: Mapping[str, str] = RECORDED) -> None:
    """Ten steps, at the console's layout positions at DPI scale 1; the dialog is centred."""
    w, h = console.desktop.size
    human.click(325, 280)  # Refund
    console.desktop.wait_until_stable()
    human.click(508, 196)  # Amount
    human.type(values["amount"])
    human.click(508, 241)  # Reason
    human.type(values["reason"])
    human.click(292, 290)  # Submit refund
    console.desktop.wait_until_stable()
    human.click(w // 2 - 215, h // 2 + 68)  # Confirm
    console.desktop.wait_until_stable()
    human.click(430, 352)  # Internal note
    human.type(values["internal_note"])
    human.click(270, 417)  # Save note
    console.desktop.wait_until_stable()


def check(console: Console, values: Mapping[str, str], timeout: float = 10.0) -> str | None:
    """None if the store holds exactly one refund and one note for the ticket, with these values."""
    deadline = time.monotonic() + timeout
    want_refund = [(Decimal(values["amount"]), values["reason"])]
    want_note = [values["internal_note"]]
    while True:
        store = Store.load(console.store)
        refunds = [(r.amount, r.reason) for r in store.refunds_for(console.ticket)]
        notes = [n.text for n in store.notes_for(console.ticket)]
        if refunds == want_refund and notes == want_note:
            return None
        if time.monotonic() > deadline:
            return (
                f"ticket {console.ticket}: refunds {refunds}, notes {notes}; want {want_refund}, {want_note}"
            )
        time.sleep(0.05)


class RefundScenario(Scenario):
    """The console job in the Scenario shape; Chromium fills the screen (kiosk), so it has no window to move."""

    name = NAME
    title = "Support console: refund a ticket, confirm, leave an internal note (Chromium)"
    recorded = RECORDED
    rows = ROWS
    sop = """\
# Refund a ticket

1. On the ticket page, click Refund.
2. Enter the amount and the reason for the refund.
3. Submit the refund.
4. Add an internal note saying what you did, and save it.
"""
    # 0 click Refund | 1 click Amount | 2 type amount | 3 click Reason | 4 type reason |
    # 5 click Submit refund | 6 click Confirm in the dialog | 7 click Internal note | 8 type note |
    # 9 click Save note
    omitted = (6,)

    @contextmanager
    def open(
        self,
        desktop: X11Desktop,
        workdir: Path,
        values: Values | None = None,
        look: Look = DEFAULT_SCENARIO_LOOK,
    ) -> Iterator[Session]:
        ticket = RECORDED_TICKET if values is None else REPLAY_TICKET
        with open_app(desktop, workdir, ticket, ConsoleLook(font_scale=look.font_scale)) as console:
            yield Session(desktop, workdir, tuple(desktop.windows()[:1]), {"console": console})

    def perform(self, human: ScriptedHuman, session: Session, values: Values | None = None) -> None:
        perform(human, session.data["console"], values or RECORDED)

    def check(self, session: Session, values: Values | None = None, timeout: float = 10.0) -> str | None:
        return check(session.data["console"], values or RECORDED, timeout)


SCENARIO = RefundScenario()
