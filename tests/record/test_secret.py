import re

import cv2
import numpy as np
import pytest

from deskhand.record.event import EventType, InputEvent, WindowInfo
from deskhand.record.recorder import Hotkey
from deskhand.record.secret import blank, looks_masked, window_is_secret


def _field() -> np.ndarray:
    return np.full((40, 400, 3), 255, np.uint8)


def _bullets(n: int, radius: int = 4, gap: int = 14) -> np.ndarray:
    image = _field()
    for i in range(n):
        cv2.circle(image, (12 + i * gap, 20), radius, (30, 30, 30), -1)
    return image


def _text(text: str) -> np.ndarray:
    image = _field()
    cv2.putText(image, text, (8, 28), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (0, 0, 0), 2)
    return image


@pytest.mark.parametrize("n", [4, 8, 13])
def test_a_row_of_identical_bullets_reads_as_a_masked_field(n):
    assert looks_masked(_field(), _bullets(n), typed=n)


def test_asterisks_read_as_masked():
    assert looks_masked(_field(), _text("*" * 8), typed=8)


@pytest.mark.parametrize("text", ["hello", "Zoe Smith", "refund 42"])
def test_plain_text_does_not_read_as_masked(text):
    assert not looks_masked(_field(), _text(text), typed=len(text))


def test_too_few_blobs_for_what_was_typed_is_not_masked():
    assert not looks_masked(_field(), _bullets(2), typed=10)


def test_a_caret_beside_the_bullets_does_not_hide_them():
    after = _bullets(6)
    after[8:32, 100:101] = 0  # a thin caret
    assert looks_masked(_field(), after, typed=6)


def test_blank_removes_everything_that_could_reveal_the_key():
    event = InputEvent(5, EventType.KEY_DOWN, keycode=38, keysym=0x61, char="a", modifiers=("shift",))
    hidden = blank(event)
    assert (hidden.keycode, hidden.keysym, hidden.char, hidden.secret) == (0, 0, "", True)
    assert (hidden.t_ns, hidden.type) == (5, EventType.KEY_DOWN)
    click = InputEvent(1, EventType.BUTTON_DOWN, 3, 4, button=1)
    assert blank(click) == click


def test_secret_windows_match_title_or_class():
    patterns = [re.compile("KeePass"), re.compile(r"Sign in")]
    assert window_is_secret(WindowInfo(title="Bank — Sign in"), patterns)
    assert window_is_secret(WindowInfo(wm_class="KeePassXC"), patterns)
    assert not window_is_secret(WindowInfo(title="Mousepad"), patterns)


def test_hotkey_matches_its_combo_only():
    hotkey = Hotkey("ctrl+alt+s")
    down = InputEvent(0, EventType.KEY_DOWN, keysym=ord("s"), modifiers=("ctrl", "alt"))
    assert hotkey.matches(down)
    assert not hotkey.matches(InputEvent(0, EventType.KEY_DOWN, keysym=ord("s"), modifiers=("ctrl",)))
    assert not hotkey.matches(InputEvent(0, EventType.KEY_UP, keysym=ord("s"), modifiers=("ctrl", "alt")))
    assert Hotkey("ctrl+alt+End").matches(
        InputEvent(0, EventType.KEY_DOWN, keysym=0xFF57, modifiers=("ctrl", "alt"))
    )
