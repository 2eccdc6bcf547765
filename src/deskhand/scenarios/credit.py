"""Scenario: the multi-app job. Open a ticket in the support console (Chromium), find the customer's
row in a Gnumeric sheet, enter the refund there, copy the new balance through the clipboard and
reply on the ticket with it.

The two apps sit side by side, as a person arranges them for work that goes back and forth.
Checked from the console's store (the reply) and the saved workbook (the refund).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from deskhand.desktop.apps import chromium
from deskhand.desktop.x11 import Window, X11Desktop
from deskhand.record.human import ScriptedHuman
from deskhand.scenarios.base import DEFAULT_LOOK, Look, Scenario, Session, Values
from deskhand.scenarios.console import ConsoleLook, ConsoleServer, Store, Ticket, default_tickets
from deskhand.scenarios.gnumeric import (
    gnumeric_command,
    gnumeric_env,
    read_cells,
    saved_number,
    write_workbook,
)

HEADER = ("Customer", "Email", "Credit", "Refunded", "Balance")
EMAIL, CREDIT, REFUNDED = 1, 2, 3  # columns
# the scripted human's targets, in the console window's client pixels at 1920x1080 and font scale 1
FIND_TICKET, REPLY, SEND_REPLY = (279, 125), (896, 352), (840, 417)
REFUNDED_HEADING = (337, 200)  # cell D1, from the tiled Gnumeric window at DPI scale 1


def credit_of(index: int) -> Decimal:
    """Store credit of the customer of default ticket `index`: plausible and all different."""
    return Decimal(40 + 15 * index) + Decimal("0.25") * (index % 4)


def _values(ticket: Ticket, amount: str, reply: str) -> Values:
    return {"find_ticket": str(ticket.id), "search": ticket.email, "refunded": amount, "reply": reply}


_TICKETS = default_tickets()


class Credit(Scenario):
    name = "credit"
    title = "Refund in the credit sheet, reply with the new balance (Chromium + Gnumeric)"
    recorded = _values(_TICKETS[0], "12.50", "Refund done. Your remaining store credit is ")
    rows = (
        _values(_TICKETS[2], "30", "Thanks for waiting! Store credit left: "),
        _values(_TICKETS[4], "7.25", "Sorry about the double charge. New credit: "),
        _values(_TICKETS[6], "0.99", "Refunded. Remaining credit — "),
        _values(_TICKETS[1], "45.10", "Done, Liam. Balance: "),
        _values(_TICKETS[7], "100", "Refund issued ✓ Credit now "),
    )
    sop = """\
# Refund store credit and tell the customer

1. Open the ticket in the Support Console with Find ticket.
2. In the credit sheet, search for the customer's email.
3. Enter the refund amount in the Refunded column.
4. Copy the new Balance.
5. Reply on the ticket with the new balance and send it.
"""
    # 0 click Find ticket | 1 type number | 2 Return | 3 click the Refunded heading | 4 ctrl+f |
    # 5 type email | 6 Return | 7 Escape (close Search) | 8 Right | 9 Right | 10 type amount |
    # 11 Tab | 12 ctrl+c | 13 Escape (stop the marching ants) | 14 ctrl+s | 15 click Reply |
    # 16 type reply | 17 ctrl+v | 18 click Send reply
    omitted = (2, 3, 7, 13, 14)

    @contextmanager
    def open(
        self, desktop: X11Desktop, workdir: Path, values: Values | None = None, look: Look = DEFAULT_LOOK
    ) -> Iterator[Session]:
        workdir.mkdir(parents=True, exist_ok=True)
        store, sheet = workdir / "store.json", workdir / "customers.gnumeric"
        if not store.exists():
            Store.create(store, _TICKETS)
        if not sheet.exists():
            rows = [
                (t.customer, t.email, f"{credit_of(i)}", "0", f"=C{i + 2}-D{i + 2}")
                for i, t in enumerate(_TICKETS)
            ]
            write_workbook(sheet, HEADER, rows, sheet="Customers")
        w, h = desktop.size
        split = w * 11 // 20
        with ConsoleServer(store, ConsoleLook(font_scale=look.font_scale)) as server:
            console_app = desktop.launch(
                chromium(server.url, workdir / f"profile-{time.monotonic_ns()}", window=(0, 0, split, h))
            )
            try:
                console = desktop.wait_for_window("^Tickets$", timeout=30)
                geometry = f"--geometry={w - split - 10}x{h - 60}+{split + 4}+20"
                env = gnumeric_env(desktop, workdir / "home", look)
                sheet_app = desktop.launch([*gnumeric_command(sheet), geometry], env=env)
                try:
                    gnumeric = desktop.wait_for_window(re.escape(sheet.name), timeout=30)
                    desktop.wait_until_stable(timeout=20)
                    yield Session(desktop, workdir, (console, gnumeric), {"store": store, "sheet": sheet})
                finally:
                    sheet_app.close()
            finally:
                console_app.close()

    def perform(self, human: ScriptedHuman, session: Session, values: Values | None = None) -> None:
        """Nineteen actions; the console's targets are where its page puts them at 1920x1080."""
        v = values or self.recorded
        desktop = session.desktop
        console, sheet = session.windows
        human.click(console.x + FIND_TICKET[0], console.y + FIND_TICKET[1])
        human.type(v["find_ticket"])
        human.press("Return")
        _wait_for_title(desktop, f"Ticket #{v['find_ticket']}")
        desktop.wait_until_stable()
        human.click(sheet.x + REFUNDED_HEADING[0], sheet.y + REFUNDED_HEADING[1])  # to the sheet
        human.press("ctrl+f")
        _wait_for_title(desktop, "^Search$")
        desktop.wait_until_stable()
        human.type(v["search"])
        human.press("Return")
        desktop.wait_until_stable()
        human.press("Escape")
        desktop.wait_until_stable()
        human.press("Right")
        human.press("Right")
        human.type(v["refunded"])
        human.press("Tab")
        desktop.wait_until_stable()
        human.press("ctrl+c")
        human.press("Escape")  # the copy stays on the clipboard
        human.press("ctrl+s")
        desktop.wait_until_stable()
        human.click(console.x + REPLY[0], console.y + REPLY[1])
        human.type(v["reply"])
        human.press("ctrl+v")
        human.click(console.x + SEND_REPLY[0], console.y + SEND_REPLY[1])
        desktop.wait_until_stable()

    def check(self, session: Session, values: Values | None = None, timeout: float = 10.0) -> str | None:
        """The refund is in the customer's row and nowhere else; one reply ends with the new balance."""
        v = values or self.recorded
        deadline = time.monotonic() + timeout
        while True:
            problem = _problem(session, v)
            if problem is None or time.monotonic() > deadline:
                return problem
            time.sleep(0.1)


def _problem(session: Session, v: Values) -> str | None:
    ticket = next((t for t in _TICKETS if str(t.id) == v["find_ticket"]), None)
    if ticket is None:
        return f"no ticket #{v['find_ticket']} in the store"
    index = _TICKETS.index(ticket)
    try:
        cells = read_cells(session.data["sheet"])
    except (OSError, EOFError, ValueError) as e:  # a half-written or missing file
        return f"{session.data['sheet']}: cannot read it ({e})"
    refunded = {row: cells.get((row, REFUNDED), "") for row in range(1, len(_TICKETS) + 1)}
    want = {row: "0" for row in refunded} | {index + 1: v["refunded"]}
    if any(saved_number(refunded[row]) != saved_number(want[row]) for row in want):
        return f"Refunded column holds {list(refunded.values())}, want {list(want.values())}"
    store = Store.load(session.data["store"])
    replies = [(t.id, r.text) for t in _TICKETS for r in store.replies_for(t.id)]
    balance = credit_of(index) - Decimal(v["refunded"])
    if len(replies) != 1 or replies[0][0] != ticket.id:
        return f"replies {replies}; want one on ticket #{ticket.id}"
    text = replies[0][1]
    if not text.startswith(v["reply"]) or saved_number(text[len(v["reply"]) :]) != balance:
        return f"reply {text!r}; want {v['reply']!r} then the balance {balance}"
    return None


def _wait_for_title(desktop: X11Desktop, pattern: str, timeout: float = 20.0) -> Window:
    return desktop.wait_for_window(pattern, timeout=timeout)


SCENARIO = Credit()
