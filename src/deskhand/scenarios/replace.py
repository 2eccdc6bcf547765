"""Scenario: in Mousepad, replace a customer's name throughout a contract and Save As a new file.

Checked from the files on disk: the new file must be the contract with every mention of the old
name replaced, and the original must be untouched.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from deskhand.desktop.apps import mousepad_env
from deskhand.desktop.x11 import Window, X11Desktop
from deskhand.record.human import ScriptedHuman
from deskhand.scenarios.base import DEFAULT_LOOK, Look, Scenario, Session, Values, values_or

# The value keys are the names the learner gives the typed texts: after its field's label when
# a click chose the field, else after the title of the dialog a key opened.
OLD = "find_and_replace"  # "Search for:", focused when Ctrl+R opens the dialog
NEW = "replace_with"
FILE = "save_as"  # the name field, focused when Ctrl+Shift+S opens the dialog

RECORDED = {OLD: "Anna Berg", NEW: "Jonas Lindqvist", FILE: "contract-lindqvist"}
ROWS = (
    {OLD: "Anna Berg", NEW: "Zoë Müller", FILE: "contract-mueller"},
    {OLD: "Peter Novak", NEW: "Ana Ruiz", FILE: "contract-ruiz"},
    {OLD: "Li Wei", NEW: "José Ibáñez", FILE: "agreement-2025"},
    {OLD: "Mary Jones", NEW: "Mary Jones-Okafor", FILE: "contract-okafor"},
    {OLD: "Omar Haddad", NEW: "Chen Jing", FILE: "chen-jing"},
)

ORIGINAL = "contract.txt"
FIND_DIALOG = "^Find and Replace$"
SAVE_DIALOG = "^Save As$"

# Where a person clicks in the Find and Replace dialog: across, as a share of its width (its
# columns grow with the font); down, in pixels at 96 dpi from its top or, if negative, its bottom
# edge (its rows hardly grow). Measured with GDK_DPI_SCALE 1 to 2 and at 192 dpi.
REPLACE_FIELD = (0.68, 62)
REPLACE_ALL_IN = (0.15, -60)  # the "Replace all in:" check box's label
REPLACE_ALL_BUTTON = (0.64, -20)  # "Replace" until the box is ticked, then "Replace All"
CLOSE_BUTTON = (0.88, -20)


def contract(name: str) -> str:
    """The document: a short service contract that names the customer four times."""
    return (
        "SERVICE AGREEMENT\n"
        "\n"
        f"This agreement is made between Northwind Supplies Ltd and {name}.\n"
        f"{name} orders two maintenance visits a year for the heating plant.\n"
        "Visits are booked at least ten working days in advance.\n"
        "The yearly fee is 480 EUR, invoiced in January.\n"
        f"Either party may end the agreement with 30 days' notice to {name}\n"
        "or to Northwind Supplies Ltd at its registered address.\n"
        "\n"
        f"Signed for the customer: {name}\n"
    )


def expected(values: Values) -> str:
    return contract(values[OLD]).replace(values[OLD], values[NEW])


def saved_as(workdir: Path, values: Values) -> Path:
    """The file Save As writes: the dialog keeps ".txt" and replaces only the name before it."""
    return workdir / f"{values[FILE]}.txt"


def prepare(workdir: Path, values: Values) -> dict[str, Any]:
    """Write the contract for `values`; returns what the checker needs to read."""
    workdir.mkdir(parents=True, exist_ok=True)
    original = workdir / ORIGINAL
    original.write_text(contract(values[OLD]), encoding="utf-8")
    return {"original": original, "original_text": contract(values[OLD])}


def _dialog(desktop: X11Desktop, title: str) -> Window:
    window = desktop.wait_for_window(title)
    desktop.wait_until_stable()
    return window


def _at(window: Window, where: tuple[float, int], scale: float) -> tuple[int, int]:
    """The screen point in `window` that `where`, as the constants above give it, names."""
    across, down = where
    dy = round(down * scale)
    return window.x + round(across * window.width), window.y + (dy if dy >= 0 else window.height + dy)


class Replace(Scenario):
    """Find and Replace a customer name in a contract, then Save As under a new name."""

    name = "replace"
    title = "Mousepad: replace a customer name in a contract, Save As"
    recorded = RECORDED
    rows = ROWS
    sop = (
        "# Rename the customer in a contract\n"
        "\n"
        "1. With the contract open in Mousepad, press Ctrl+R to open Find and Replace.\n"
        "2. Type the old customer name into *Search for*.\n"
        "3. Click *Replace with* and type the new customer name.\n"
        "4. Tick *Replace all in: Document*.\n"
        "5. Click *Replace All*.\n"
        "6. Press Ctrl+Shift+S and type the new file name (the dialog keeps `.txt`).\n"
    )
    # 6: the click on Close (the SOP never closes the dialog), 9: the Return that confirms the name
    omitted = (6, 9)

    @contextmanager
    def open(
        self, desktop: X11Desktop, workdir: Path, values: Values | None = None, look: Look = DEFAULT_LOOK
    ) -> Iterator[Session]:
        """The contract for `values` on disk and open in Mousepad."""
        values = values_or(values, self.recorded)
        data = prepare(workdir, values)
        env = mousepad_env(workdir / "home")
        if look.font_scale != 1.0:
            env["GDK_DPI_SCALE"] = f"{look.font_scale:g}"
        app = desktop.launch(["mousepad", str(data["original"])], env=env)
        try:
            window = desktop.wait_for_window(re.escape(ORIGINAL))
            desktop.wait_until_stable()
            yield Session(desktop, workdir, (window,), data)
        finally:
            app.close()

    def perform(self, human: ScriptedHuman, session: Session, values: Values | None = None) -> None:
        """Ctrl+R, old name, click Replace with, new name, tick Replace all, Replace All, Close; Save As."""
        values = values_or(values, self.recorded)
        desktop, scale = session.desktop, session.desktop.scale
        human.press("ctrl+r")
        dialog = _dialog(desktop, FIND_DIALOG)
        human.type(values[OLD])
        human.click(*_at(dialog, REPLACE_FIELD, scale))
        human.type(values[NEW])
        human.click(*_at(dialog, REPLACE_ALL_IN, scale))
        desktop.wait_until_stable()  # the Replace button becomes Replace All, a little wider
        human.click(*_at(dialog, REPLACE_ALL_BUTTON, scale))
        desktop.wait_until_stable()
        human.click(*_at(dialog, CLOSE_BUTTON, scale))
        desktop.wait_until_stable()
        human.press("ctrl+shift+s")
        _dialog(desktop, SAVE_DIALOG)
        human.type(values[FILE])
        human.press("Return")

    def check(self, session: Session, values: Values | None = None, timeout: float = 10.0) -> str | None:
        """None once the new file holds the contract with the name replaced and the original is as it was."""
        values = values_or(values, self.recorded)
        path, want = saved_as(session.workdir, values), expected(values)
        deadline = time.monotonic() + timeout
        while (got := path.read_text(encoding="utf-8") if path.exists() else None) != want:
            if time.monotonic() > deadline:
                return f"{path.name}: {'no such file' if got is None else _difference(want, got)}"
            time.sleep(0.05)
        original: Path = session.data["original"]
        if original.read_text(encoding="utf-8") != session.data["original_text"]:
            return f"{original.name} was changed; Save As must leave it as it was"
        return None


def _difference(want: str, got: str) -> str:
    """The first line that differs, for a one-line report."""
    wanted, lines = want.splitlines(), got.splitlines()
    for i, (a, b) in enumerate(zip(wanted, lines, strict=False)):
        if a != b:
            return f"line {i + 1} is {b!r}, want {a!r}"
    if len(lines) != len(wanted):
        return f"{len(lines)} lines, want {len(wanted)}"
    return "the line endings differ"


SCENARIO = Replace()
