"""Scenario: write a two-line letter in Mousepad and save it. Checked from the saved file."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from deskhand.desktop.apps import mousepad_env
from deskhand.desktop.x11 import Window, X11Desktop
from deskhand.record.human import ScriptedHuman

NAME = "letter"
RECORDED = {"text": "Dear Zoë,", "text_2": "Your refund of 42 € is approved."}
ROWS = (
    {"text": "Dear Bob Ng,", "text_2": "Your refund of 7 € is on its way — 東京 ✓"},
    {"text": "Hello Ana,", "text_2": "We sent 19.99 € back to your card."},
)


@dataclass(frozen=True)
class Letter:
    desktop: X11Desktop
    path: Path
    window: Window


@contextmanager
def open_app(desktop: X11Desktop, workdir: Path, env: Mapping[str, str] | None = None) -> Iterator[Letter]:
    """Mousepad on a new file, ready for input."""
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "letter.txt"
    app = desktop.launch(["mousepad", str(path)], env={**mousepad_env(workdir / "home"), **(env or {})})
    try:
        window = desktop.wait_for_window("letter.txt")
        desktop.wait_until_stable()
        yield Letter(desktop, path, window)
    finally:
        app.close()


def perform(human: ScriptedHuman, letter: Letter, values: Mapping[str, str] = RECORDED) -> None:
    """The scripted human: click into the page, type two lines, save."""
    human.click(letter.window.x + 200, letter.window.y + 200)
    human.type(f"{values['text']}\n{values['text_2']}")
    human.press("ctrl+s")


def expected(values: Mapping[str, str]) -> str:
    return f"{values['text']}\n{values['text_2']}"


def check(letter: Letter, values: Mapping[str, str], timeout: float = 10.0) -> str | None:
    """None if the saved file holds exactly the letter, else what is wrong."""
    deadline = time.monotonic() + timeout
    want = expected(values)
    while time.monotonic() < deadline:
        if letter.path.exists() and letter.path.read_text(encoding="utf-8") == want:
            return None
        time.sleep(0.05)
    got = letter.path.read_text(encoding="utf-8") if letter.path.exists() else "no file"
    return f"{letter.path}: want {want!r}, got {got!r}"
