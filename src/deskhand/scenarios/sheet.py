"""Scenario: enter the refund amounts for five orders in a Gnumeric sheet and save it.

Checked from the .gnumeric file Gnumeric saved: the Refund column holds the amounts and
nothing else in the sheet changed.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from deskhand.desktop.x11 import X11Desktop
from deskhand.record.human import ScriptedHuman
from deskhand.scenarios.base import Look, Scenario, Session, Values, values_or
from deskhand.scenarios.gnumeric import (
    DEFAULT_LOOK,
    Cells,
    open_gnumeric,
    read_cells,
    saved_number,
    write_workbook,
)

HEADER = ("Order", "Customer", "Item", "Refund")
ORDERS = (
    ("1001", "Ana Silva", "Kettle"),
    ("1002", "Bob Ng", "Desk lamp"),
    ("1003", "Chen Wu", "Blender"),
    ("1004", "Dev Rao", "Rug"),
    ("1005", "Eva Kim", "Backpack"),
)
REFUND_COL = HEADER.index("Refund")
# the learner names each amount after the Refund heading the human clicks before typing
KEYS = ("refund", "refund_2", "refund_3", "refund_4", "refund_5")
RECORDED = dict(zip(KEYS, ("12.50", "8", "23.99", "5.25", "100"), strict=True))
ROWS = tuple(
    dict(zip(KEYS, amounts, strict=True))
    for amounts in (
        ("0.99", "1250", "7.5", "42", "19.95"),
        ("3", "0.5", "999.99", "15", "64.2"),
        ("250", "11.11", "0.01", "73", "8.8"),
        ("5.5", "5.5", "120", "2500.75", "33"),
        ("17.49", "60", "4.05", "0.9", "310"),
    )
)
# the Refund heading (cell D1), from the window's top-left at DPI scale 1 and the default look
REFUND_HEADING = (322, 200)


def initial_cells() -> Cells:
    """The sheet as set up: the header and the orders, every Refund cell empty."""
    table = (HEADER, *ORDERS)
    return {(r, c): value for r, row in enumerate(table) for c, value in enumerate(row)}


def expected_cells(values: Values) -> Cells:
    refunds = {(r + 1, REFUND_COL): values[key] for r, key in enumerate(KEYS)}
    return {**initial_cells(), **refunds}


def _same(got: str | None, want: str, numeric: bool) -> bool:
    if got is None or not numeric:
        return got == want
    return saved_number(got) == Decimal(want)


def differences(got: Cells, want: Cells) -> list[str]:
    """Cells that differ, as "D3: '7' (want '7.5')"; Refund cells compare as numbers."""
    wrong = []
    for row, col in sorted(set(got) | set(want)):
        value, wanted = got.get((row, col)), want.get((row, col), "")
        if not _same(value, wanted, col == REFUND_COL and row > 0):
            wrong.append(f"{chr(ord('A') + col)}{row + 1}: {value!r} (want {wanted!r})")
    return wrong


def _read(path: Path) -> Cells | str:
    """The saved cells, or why they cannot be read (Gnumeric may be writing the file right now)."""
    try:
        return read_cells(path)
    except (OSError, EOFError, zlib.error, ET.ParseError, IndexError) as e:
        return f"unreadable ({e})"


class Sheet(Scenario):
    name = "sheet"
    title = "Enter refund amounts for 5 orders in a Gnumeric sheet, then save"
    recorded = RECORDED
    rows = ROWS
    sop = """\
1. The orders workbook is open in Gnumeric.
2. Click the **Refund** heading at the top of the Refund column.
3. For each order, top to bottom, type its refund amount into the Refund column and press Return.
"""
    # the human's actions: 0 click Refund, 1 Down, 2..11 amount then Return (x5), 12 ctrl+s;
    # the SOP never says to move down off the heading, nor to save
    omitted = (1, 12)

    @contextmanager
    def open(
        self, desktop: X11Desktop, workdir: Path, values: Values | None = None, look: Look = DEFAULT_LOOK
    ) -> Iterator[Session]:
        """`orders.gnumeric` with empty Refund cells, open in Gnumeric; `values` are only typed later."""
        workdir.mkdir(parents=True, exist_ok=True)
        path = workdir / "orders.gnumeric"
        write_workbook(path, HEADER, [(*order, "") for order in ORDERS], sheet="Orders")
        with open_gnumeric(desktop, path, workdir, look) as window:
            yield Session(desktop, workdir, (window,), {"path": path})

    def perform(self, human: ScriptedHuman, session: Session, values: Values | None = None) -> None:
        """Click the Refund heading, step down, type each amount and Return, then save with ctrl+s."""
        values = values_or(values, RECORDED)
        window, scale = session.windows[0], session.desktop.scale
        human.click(window.x + round(REFUND_HEADING[0] * scale), window.y + round(REFUND_HEADING[1] * scale))
        human.press("Down")
        for key in KEYS:
            human.type(f"{values[key]}\n")
        human.press("ctrl+s")

    def check(self, session: Session, values: Values | None = None, timeout: float = 10.0) -> str | None:
        """None once the saved file holds exactly the amounts in the Refund column, else what differs."""
        path: Path = session.data["path"]
        want = expected_cells(values_or(values, RECORDED))
        deadline = time.monotonic() + timeout
        while True:
            got = _read(path)
            wrong = differences(got, want) if isinstance(got, dict) else [got]
            if not wrong:
                return None
            if time.monotonic() > deadline:
                return f"{path.name}: {'; '.join(wrong)}"
            time.sleep(0.1)


SCENARIO = Sheet()
