"""Template matching on synthetic UI-like frames: buttons drawn with OpenCV on a light background."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from deskhand.vision.template import Match, MatchConfig, find, find_multiscale

BUTTON = (90, 26)  # (width, height) of a drawn button
FACE = (225, 225, 225)


def draw_button(frame: np.ndarray, x: int, y: int, label: str, face: tuple[int, int, int] = FACE) -> None:
    """A flat button: face colour, a gray border, a centred dark label."""
    w, h = BUTTON
    cv2.rectangle(frame, (x, y), (x + w - 1, y + h - 1), face, -1)
    cv2.rectangle(frame, (x, y), (x + w - 1, y + h - 1), (150, 150, 150), 1)
    (tw, th), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, 0.5, 1)
    origin = (x + (w - tw) // 2, y + (h + th) // 2)
    cv2.putText(frame, label, origin, cv2.FONT_HERSHEY_SIMPLEX, 0.5, (20, 20, 20), 1, cv2.LINE_AA)


def ui_frame(
    buttons: list[tuple[int, int, str]], size: tuple[int, int] = (640, 400), offset: tuple[int, int] = (0, 0)
) -> np.ndarray:
    """A window-like screen: a title bar, a text line and `buttons`, all moved by `offset`."""
    width, height = size
    frame = np.full((height, width, 3), 240, np.uint8)
    dx, dy = offset
    cv2.rectangle(frame, (dx + 10, dy + 10), (dx + 500, dy + 34), (60, 90, 160), -1)
    cv2.putText(
        frame, "Orders - Refunds", (dx + 16, dy + 28), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1
    )
    cv2.putText(frame, "Customer email:", (dx + 20, dy + 70), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (40, 40, 40), 1)
    for x, y, label in buttons:
        draw_button(frame, x + dx, y + dy, label)
    return frame


def crop(frame: np.ndarray, x: int, y: int, pad: int = 2) -> np.ndarray:
    """A button with `pad` px of its surroundings, as a recorder would cut it."""
    w, h = BUTTON
    return frame[y - pad : y + h + pad, x - pad : x + w + pad].copy()


FORM = [
    (40, 120, "Save"),
    (150, 120, "Cancel"),
    (260, 120, "Refund"),
    (370, 120, "Apply"),
    (40, 200, "Delete"),
]


def test_find_returns_exact_position_of_cropped_button() -> None:
    frame = ui_frame(FORM)
    matches = find(frame, crop(frame, 260, 120))
    assert len(matches) == 1
    assert (matches[0].x, matches[0].y, matches[0].width, matches[0].height) == (258, 118, 94, 30)
    assert matches[0].score > 0.99
    assert matches[0].scale == 1.0
    assert matches[0].center == (305, 133)


def test_find_follows_button_after_window_moved() -> None:
    template = crop(ui_frame(FORM), 150, 120)
    moved = ui_frame(FORM, offset=(37, 53))
    [match] = find(moved, template)
    assert (match.x, match.y) == (148 + 37, 118 + 53)


def test_find_at_scale_two_when_screen_is_hidpi() -> None:
    """A template recorded at 1x finds its button on a 2x screen when told the scale."""
    frame = ui_frame(FORM)
    template = crop(frame, 370, 120)
    hidpi = cv2.resize(frame, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    [match] = find(hidpi, template, scale=2.0)
    assert abs(match.x - 2 * 368) <= 1 and abs(match.y - 2 * 118) <= 1
    assert (match.width, match.height) == (188, 60)
    best = find_multiscale(hidpi, template, [1.0, 2.0])[0]
    assert best.scale == 2.0
    assert abs(best.x - 2 * 368) <= 1 and abs(best.y - 2 * 118) <= 1


def test_find_returns_every_identical_button() -> None:
    frame = ui_frame([*FORM, (370, 200, "Delete")])
    matches = find(frame, crop(frame, 40, 200))
    assert sorted((m.x, m.y) for m in matches) == [(38, 198), (368, 198)]
    assert all(m.score > 0.99 for m in matches)


def test_find_returns_nothing_for_a_button_with_another_label() -> None:
    template = crop(ui_frame([(40, 120, "Submit")]), 40, 120)
    assert find(ui_frame(FORM), template) == []
    assert find(ui_frame(FORM), template, config=MatchConfig(min_score=0.5)) != []  # it was close, not absent


def test_find_rejects_same_gray_different_hue() -> None:
    """Red and green faces of equal gray level look identical to gray correlation."""
    red, green = (200, 120, 120), (109, 160, 109)  # both gray ~144
    frame = ui_frame([])
    draw_button(frame, 100, 150, "Save", face=red)
    other = ui_frame([])
    draw_button(other, 100, 150, "Save", face=green)
    assert find(frame, crop(other, 100, 150)) == []
    assert len(find(frame, crop(frame, 100, 150))) == 1


def test_find_forgives_hover_highlight() -> None:
    """A template captured while the button was hovered (a bit brighter) still matches."""
    frame = ui_frame(FORM)
    hovered = ui_frame(FORM)
    draw_button(hovered, 150, 120, "Cancel", face=(240, 240, 240))
    [match] = find(frame, crop(hovered, 150, 120))
    assert (match.x, match.y) == (148, 118)


def test_find_searches_only_inside_region() -> None:
    frame = ui_frame([*FORM, (370, 200, "Delete")])
    template = crop(frame, 40, 200)
    [match] = find(frame, template, region=(300, 150, 300, 120))
    assert (match.x, match.y) == (368, 198)  # frame coordinates, not region ones
    assert find(frame, template, region=(300, 150, 60, 120)) == []  # the button does not fit
    [clipped] = find(frame, template, region=(200, 150, 10_000, 10_000))  # clipped to the frame
    assert (clipped.x, clipped.y) == (368, 198)
    assert find(frame, template, region=(-500, -500, 100, 100)) == []


def test_find_flat_template_matches_only_its_colour() -> None:
    frame = ui_frame(FORM)
    frame[300:340, 500:560] = (30, 160, 60)
    template = np.full((12, 20, 3), (30, 160, 60), np.uint8)
    matches = find(frame, template)
    assert matches
    assert all(m.x >= 500 and m.x + 20 <= 560 and m.y >= 300 and m.y + 12 <= 340 for m in matches)
    assert all(m.score > 0.99 for m in matches)
    assert find(frame, np.full((12, 20, 3), (200, 30, 30), np.uint8)) == []


def test_find_template_bigger_than_frame_returns_nothing() -> None:
    frame = ui_frame(FORM, size=(80, 60))
    assert find(frame, np.zeros((61, 40, 3), np.uint8)) == []
    assert find(frame, np.zeros((20, 81, 3), np.uint8)) == []
    assert find(frame, np.zeros((0, 0, 3), np.uint8)) == []


def test_find_rejects_bad_input() -> None:
    frame = ui_frame(FORM)
    with pytest.raises(ValueError, match="RGB"):
        find(frame[:, :, 0], crop(frame, 40, 120))
    with pytest.raises(ValueError, match="scale"):
        find(frame, crop(frame, 40, 120), scale=0)


def test_results_are_best_first_non_overlapping_and_capped() -> None:
    buttons = [(40 + 100 * (i % 5), 120 + 40 * (i // 5), "Save") for i in range(10)]
    frame = ui_frame(buttons, size=(640, 400))
    matches = find(frame, crop(frame, 40, 120), config=MatchConfig(max_candidates=3))
    assert len(matches) == 3
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
    assert not any(_overlap(a, b) for i, a in enumerate(matches) for b in matches[i + 1 :])


def _overlap(a: Match, b: Match) -> bool:
    return a.x < b.x + b.width and b.x < a.x + a.width and a.y < b.y + b.height and b.y < a.y + a.height


def textured_template(seed: int, width: int, height: int, cell: int) -> np.ndarray:
    """A distinctive texture: a grid of `cell`-px squares of random colours (detail at every scale)."""
    rng = np.random.default_rng(seed)
    grid = rng.integers(0, 256, (-(-height // cell), -(-width // cell), 3), dtype=np.uint8)
    return np.ascontiguousarray(np.repeat(np.repeat(grid, cell, axis=0), cell, axis=1)[:height, :width])


@settings(max_examples=40, deadline=None)
@example(seed=8963, width=25, height=16, cell=7, fx=0.078125, fy=0.09375)  # coarse peak 6 px off: CI found it
@given(
    seed=st.integers(0, 2**16),
    width=st.integers(16, 90),
    height=st.integers(16, 40),
    cell=st.integers(4, 8),
    fx=st.floats(0, 1),
    fy=st.floats(0, 1),
)
def test_find_locates_textured_template_anywhere_in_noise(
    seed: int, width: int, height: int, cell: int, fx: float, fy: float
) -> None:
    """Wherever a template lands (any offset modulo the coarse factor, at the frame edges), it is found exactly."""
    rng = np.random.default_rng(seed)
    frame = rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)
    template = textured_template(seed, width, height, cell)
    x, y = round(fx * (320 - width)), round(fy * (240 - height))
    frame[y : y + height, x : x + width] = template
    matches = find(frame, template)
    assert matches and (matches[0].x, matches[0].y) == (x, y)
    assert matches[0].score > 0.99
