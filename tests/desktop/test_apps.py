"""Real third-party apps on real Xvfb screens: what arrives is read from the apps' own output."""

import time

import numpy as np
import pytest
from tests.apps.eventpage import EventPage

from deskhand.desktop import Click, KeyPress, Region, TypeText, XvfbDesktop
from deskhand.desktop.apps import chromium, mousepad_env

pytestmark = pytest.mark.x11

SIZES = [(640, 480), (1920, 1080), (5120, 2880)]
SAMPLE = "Zoë — 東京 ✓"


def _wait(predicate, timeout=30.0, what="condition"):
    deadline = time.monotonic() + timeout
    while not (result := predicate()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
    return result


@pytest.mark.parametrize(("width", "height"), SIZES, ids=lambda v: str(v))
def test_chromium_page_records_exact_click_pixels_and_unicode_text(tmp_path, width, height):
    with EventPage(tmp_path / "page.jsonl") as page, XvfbDesktop(width, height) as desktop:
        desktop.launch(chromium(page.url, tmp_path / "profile"))
        ready = _wait(lambda: [e for e in page.events() if e["type"] == "ready"], what="page load")
        assert (ready[0]["w"], ready[0]["h"]) == (width, height)
        desktop.wait_until_stable()

        targets = [(width - 1, height - 1), (3, height // 2), (width // 2 + 7, height // 3 + 1)]

        def clicks():
            return [(e["screenX"], e["screenY"]) for e in page.events() if e["type"] == "mousedown"]

        for n, (x, y) in enumerate(targets, 1):
            desktop.perform(Click(x, y))
            _wait(lambda n=n: len(clicks()) == n, what=f"click {n}")
        assert clicks() == targets

        box = Region(30, 30, 300, 150)  # around the textarea's top-left corner
        before = desktop.screenshot(box)
        desktop.perform(Click(100, 80))
        assert desktop.wait_for_change(box, before, timeout=10.0), "the textarea never showed focus"
        desktop.perform(TypeText(SAMPLE))

        def final_value():
            values = [e for e in page.events() if e["type"] == "value"]
            last = max(values, key=lambda e: e["seq"])["value"] if values else ""
            return last if len(last) == len(SAMPLE) else None

        assert _wait(final_value, what=f"typed text in {page.events()}") == SAMPLE


def _text_box(before: np.ndarray, after: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero((before != after).any(axis=2))
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


@pytest.mark.parametrize(("width", "height"), SIZES, ids=lambda v: str(v))
def test_mousepad_saves_typed_unicode_and_a_click_places_the_caret(tmp_path, width, height):
    """Type three lines, click inside the middle one, type a marker: the saved file shows where it landed."""
    out = tmp_path / "note.txt"
    with XvfbDesktop(width, height) as desktop:
        desktop.launch(["mousepad", str(out)], env=mousepad_env(tmp_path / "home"))
        window = desktop.wait_for_window("note.txt")
        area = Region(window.x, window.y, window.width, window.height)
        before = desktop.wait_until_stable(area)
        desktop.perform(TypeText("0123456789\n0123456789\n0123456789"))
        desktop.perform(KeyPress("ctrl+Home"))
        after = desktop.wait_until_stable(area)

        x0, y0, x1, y1 = _text_box(before.pixels, after.pixels)
        char_w, line_h = (x1 - x0 + 1) / 10, (y1 - y0 + 1) / 3
        click = (area.x + x0 + round(4.2 * char_w), area.y + y0 + round(1.5 * line_h))
        at_click = Region(click[0] - 8, click[1] - 8, 16, 16)  # the caret appears here, nowhere else blinks
        caret_moves = desktop.screenshot(at_click)
        desktop.perform(Click(*click))
        assert desktop.wait_for_change(at_click, caret_moves, timeout=10.0), "the caret never moved"
        desktop.perform(TypeText(SAMPLE))
        desktop.perform(KeyPress("ctrl+s"))
        _wait(lambda: out.exists() and SAMPLE in out.read_text(encoding="utf-8"), what="saved file")

    assert out.read_text(encoding="utf-8") == f"0123456789\n0123{SAMPLE}456789\n0123456789"
