"""Finding a step's target: choosing between candidates, by template, and by text, never guessing.

Frames are synthetic (OpenCV buttons on a light background); OCR is a fake that returns
canned boxes, in screen coordinates, for the part of the screen it is asked to read.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
from tests.fakes import FakeOcr

from deskhand.learn.skill import Target
from deskhand.run.locate import (
    LocateConfig,
    Located,
    Miss,
    _choose,
    best_candidate,
    by_template,
    by_text,
)
from deskhand.vision.ocr import TextBox
from deskhand.vision.template import Match

CONFIG = LocateConfig()
MARGIN = CONFIG.ambiguity_margin
PAD = 4
W, H = 120, 32  # a drawn button


def draw_button(frame: np.ndarray, x: int, y: int, label: str) -> None:
    cv2.rectangle(frame, (x, y), (x + W - 1, y + H - 1), (225, 225, 225), -1)
    cv2.rectangle(frame, (x, y), (x + W - 1, y + H - 1), (150, 150, 150), 1)
    (tw, th), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, 0.6, 2)
    origin = (x + (W - tw) // 2, y + (H + th) // 2)
    cv2.putText(frame, label, origin, cv2.FONT_HERSHEY_SIMPLEX, 0.6, (20, 20, 20), 2, cv2.LINE_AA)


def screen(buttons: Sequence[tuple[int, int, str]], size: tuple[int, int] = (800, 500)) -> np.ndarray:
    width, height = size
    frame = np.full((height, width, 3), 240, np.uint8)
    for x, y, label in buttons:
        draw_button(frame, x, y, label)
    return frame


def button_target(frame: np.ndarray, x: int, y: int) -> tuple[np.ndarray, Target]:
    """The button at (x, y) cut with PAD px around it, acting on its middle."""
    crop = frame[y - PAD : y + H + PAD, x - PAD : x + W + PAD].copy()
    point = (PAD + W // 2, PAD + H // 2)
    return crop, Target("crops/button.png", point, (x + W // 2, y + H // 2))


def match(x: int, y: int, score: float) -> Match:
    return Match(x, y, 100, 30, score, 1.0)


# -- choosing -------------------------------------------------------------------------------------------


def test_no_candidate_is_no_match() -> None:
    assert _choose([], None, MARGIN) == "no match"
    assert _choose([], (10, 10), MARGIN) == "no match"


def test_a_single_candidate_is_chosen() -> None:
    only = match(100, 100, 0.91)
    assert _choose([only], None, MARGIN) is only
    assert _choose([only], (700, 400), MARGIN) is only


def test_the_best_of_two_is_chosen_when_it_wins_by_the_margin() -> None:
    best, second = match(500, 100, 0.99), match(100, 100, 0.99 - MARGIN - 0.01)
    assert _choose([best, second], None, MARGIN) is best


def test_of_two_equal_candidates_the_one_clearly_nearest_the_expected_point_is_chosen() -> None:
    far, near = match(100, 100, 0.97), match(500, 100, 0.97)
    assert _choose([far, near], (560, 120), MARGIN) is near
    assert _choose([far, near], (140, 110), MARGIN) is far


def test_two_equal_candidates_equally_near_the_expected_point_are_ambiguous() -> None:
    a, b = match(100, 100, 0.97), match(500, 100, 0.97)
    reason = _choose([a, b], (350, 115), MARGIN)  # the centres are (150, 115) and (550, 115)
    assert reason == "2 equally good matches"


def test_two_equal_candidates_without_an_expected_point_are_ambiguous() -> None:
    reason = _choose([match(100, 100, 0.97), match(500, 100, 0.96), match(300, 300, 0.95)], None, MARGIN)
    assert reason == "3 equally good matches"


def test_a_slightly_nearer_candidate_is_not_clearly_nearest() -> None:
    a, b = match(100, 100, 0.97), match(500, 100, 0.97)
    assert isinstance(_choose([a, b], (330, 115), MARGIN), str)  # 180 px vs 220 px away


# -- by template -----------------------------------------------------------------------------------------

FORM = [(40, 60, "Refund"), (200, 60, "Cancel"), (360, 60, "Close"), (40, 300, "Escalate")]


def test_by_template_returns_the_action_point_inside_the_found_crop() -> None:
    frame = screen(FORM)
    template, target = button_target(frame, 200, 60)
    found = by_template(frame, template, target, 1.0, None, CONFIG)
    assert isinstance(found, Located)
    assert found.method == "template"
    assert found.box == (200 - PAD, 60 - PAD, W + 2 * PAD, H + 2 * PAD)
    assert found.point == (found.box[0] + target.point[0], found.box[1] + target.point[1]) == target.at
    assert found.score > 0.99


def test_by_template_follows_a_moved_window() -> None:
    template, target = button_target(screen(FORM), 200, 60)
    moved = screen([(x + 137, y + 91, label) for x, y, label in FORM])
    found = by_template(moved, template, target, 1.0, (target.at[0] + 130, target.at[1] + 90), CONFIG)
    assert isinstance(found, Located)
    assert found.point == (target.at[0] + 137, target.at[1] + 91)


def test_by_template_finds_a_target_drawn_a_quarter_larger_at_a_nearby_scale() -> None:
    frame = screen(FORM)
    template, target = button_target(frame, 200, 60)
    larger = cv2.resize(frame, None, fx=1.25, fy=1.25, interpolation=cv2.INTER_CUBIC)
    found = by_template(larger, template, target, 1.0, None, CONFIG)
    assert isinstance(found, Located)
    assert found.method == "multiscale"
    assert abs(found.point[0] - 1.25 * target.at[0]) <= 2 and abs(found.point[1] - 1.25 * target.at[1]) <= 2
    assert abs(found.box[2] - 1.25 * template.shape[1]) <= 1


def test_by_template_will_not_pick_between_two_look_alikes_with_no_expected_point() -> None:
    frame = screen([*FORM, (560, 300, "Refund")])
    template, target = button_target(frame, 40, 60)
    found = by_template(frame, template, target, 1.0, None, CONFIG)
    assert isinstance(found, Miss)
    assert "2 equally good matches" in found.reason


def test_by_template_picks_the_look_alike_at_the_expected_point() -> None:
    frame = screen([*FORM, (560, 300, "Refund")])
    template, target = button_target(frame, 40, 60)
    found = by_template(frame, template, target, 1.0, (610, 320), CONFIG)
    assert isinstance(found, Located)
    assert found.point == (560 + W // 2, 300 + H // 2)


def test_by_template_misses_a_target_that_is_not_on_screen() -> None:
    template, target = button_target(screen(FORM), 200, 60)
    found = by_template(screen([(40, 60, "Refund"), (360, 60, "Close")]), template, target, 1.0, None, CONFIG)
    assert found == Miss("no template match")


def test_best_candidate_reports_the_closest_thing_seen_below_the_threshold() -> None:
    template, _ = button_target(screen([(200, 60, "Cancel")]), 200, 60)
    miss = best_candidate(screen([(40, 200, "Apply")]), template, 1.0)
    assert miss.best_box is not None
    assert (
        abs(miss.best_box[0] - (40 - PAD)) <= 8 and abs(miss.best_box[1] - (200 - PAD)) <= 2
    )  # on the button
    assert 0.0 < miss.best_score < CONFIG.min_score


# -- by text ---------------------------------------------------------------------------------------------

BLANK = np.full((900, 1600, 3), 240, np.uint8)  # by_text sees the screen only through the fake OCR
AMOUNT = Target(
    "crops/amount.png", (0, 0), (400, 300), label="Amount:", label_offset=(160, -8), text_height=16
)


def test_by_text_finds_the_label_and_scales_its_offset_by_the_text_height() -> None:
    ocr = FakeOcr([TextBox("Amount:", 100, 200, 60, 20, 0.97)])  # centre (130, 210), 1.25x taller
    found = by_text(BLANK, ocr, AMOUNT, 1.0, (300, 220), CONFIG)
    assert found == Located((130 + 200, 210 - 10), (100, 200, 60, 20), 0.97, "ocr-region")


def test_by_text_without_a_recorded_text_height_scales_the_offset_by_the_dpi_ratio() -> None:
    target = Target("c.png", (0, 0), (0, 0), text="Refund", label_offset=(10, 4))
    ocr = FakeOcr([TextBox("Refund", 100, 200, 60, 20, 0.9)])
    found = by_text(BLANK, ocr, target, 2.0, (130, 210), CONFIG)
    assert isinstance(found, Located) and found.point == (130 + 20, 210 + 8)


def test_by_text_reads_only_the_region_around_the_expected_point() -> None:
    ocr = FakeOcr([TextBox("Amount:", 1400, 800, 60, 16, 0.97)])
    found = by_text(BLANK, ocr, AMOUNT, 1.0, (300, 220), CONFIG)
    assert found == Miss("ocr-region: no text like 'Amount:'")
    assert ocr.regions == [(0, 40, 900, 360)]
    on_screen = by_text(BLANK, ocr, AMOUNT, 1.0, None, CONFIG)
    assert isinstance(on_screen, Located) and on_screen.method == "ocr-screen"
    assert ocr.regions[-1] == (0, 0, 1600, 900)


def test_by_text_will_not_pick_between_two_equally_near_labels() -> None:
    ocr = FakeOcr([TextBox("Amount:", 100, 200, 60, 16, 0.97), TextBox("Amount:", 500, 200, 60, 16, 0.97)])
    found = by_text(BLANK, ocr, AMOUNT, 1.0, (330, 208), CONFIG)
    assert found == Miss("ocr-region: 2 places read 'Amount:'")


def test_by_text_picks_the_label_clearly_nearest_the_expected_point() -> None:
    ocr = FakeOcr([TextBox("Amount:", 100, 200, 60, 16, 0.97), TextBox("Amount:", 500, 200, 60, 16, 0.97)])
    found = by_text(BLANK, ocr, AMOUNT, 1.0, (520, 208), CONFIG)
    assert isinstance(found, Located) and found.box == (500, 200, 60, 16)


def test_by_text_on_the_whole_screen_will_not_pick_between_two_labels() -> None:
    ocr = FakeOcr([TextBox("Amount:", 100, 200, 60, 16, 0.97), TextBox("amount", 900, 700, 60, 16, 0.97)])
    assert by_text(BLANK, ocr, AMOUNT, 1.0, None, CONFIG) == Miss("ocr-screen: 2 places read 'Amount:'")


def test_by_text_misses_when_the_target_has_no_text() -> None:
    target = Target("c.png", (0, 0), (0, 0))
    ocr = FakeOcr([TextBox("Amount:", 100, 200, 60, 16, 0.97)])
    assert by_text(BLANK, ocr, target, 1.0, None, CONFIG) == Miss("the target has no text to look for")
    assert ocr.regions == []  # not even read


def test_by_text_misses_when_no_text_on_screen_is_alike() -> None:
    ocr = FakeOcr([TextBox("Total", 100, 200, 60, 16, 0.97)])
    assert by_text(BLANK, ocr, AMOUNT, 1.0, None, CONFIG) == Miss("ocr-screen: no text like 'Amount:'")


def test_by_text_prefers_the_exact_text_to_a_longer_one_that_contains_it() -> None:
    target = Target("c.png", (0, 0), (100, 100), text="Save", text_height=16)
    ocr = FakeOcr([TextBox("Save as...", 90, 92, 60, 16, 0.9), TextBox("Save", 390, 92, 40, 16, 0.9)])
    found = by_text(BLANK, ocr, target, 1.0, (100, 100), CONFIG)
    assert isinstance(found, Located) and found.box == (390, 92, 40, 16)
