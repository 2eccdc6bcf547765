"""The pure core of `deskhand learn`: names, descriptions, parameters, anchors, labels, effects.

Frames are synthetic (OpenCV buttons on a light background); OCR is a fake that returns
canned boxes, in screen coordinates, for the part of the screen it is asked to read.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import pytest
from tests.fakes import FakeOcr

from deskhand.desktop.action import Action, Click, Drag, KeyPress, Scroll, TypeText, Wait
from deskhand.learn.compile import (
    LearnConfig,
    Observed,
    _idempotent,
    anchor,
    describe,
    effect_of,
    lossless_end,
    parameterize,
    read_target,
    slug,
)
from deskhand.learn.skill import Effect, Parameter, Step
from deskhand.record.event import RecordedAction
from deskhand.vision.ocr import TextBox
from deskhand.vision.template import MatchConfig, find

CONFIG = LearnConfig()
BACKGROUND = 240
BUTTON = (110, 28)


def draw_button(frame: np.ndarray, x: int, y: int, label: str) -> None:
    w, h = BUTTON
    cv2.rectangle(frame, (x, y), (x + w - 1, y + h - 1), (225, 225, 225), -1)
    cv2.rectangle(frame, (x, y), (x + w - 1, y + h - 1), (150, 150, 150), 1)
    (tw, th), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, 0.5, 1)
    origin = (x + (w - tw) // 2, y + (h + th) // 2)
    cv2.putText(frame, label, origin, cv2.FONT_HERSHEY_SIMPLEX, 0.5, (20, 20, 20), 1, cv2.LINE_AA)


def helpdesk(buttons: Sequence[tuple[int, int, str]] = ()) -> np.ndarray:
    """An 800x600 window: title bar, a row of buttons, a labelled field, and a blank lower half."""
    frame = np.full((600, 800, 3), BACKGROUND, np.uint8)
    cv2.rectangle(frame, (0, 0), (799, 30), (60, 90, 160), -1)
    cv2.putText(frame, "Ticket #1 - Helpdesk", (10, 21), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (255, 255, 255), 1)
    for i, label in enumerate(["Refund", "Cancel", "Save note", "Escalate", "Close"]):
        draw_button(frame, 40 + 140 * i, 60, label)
    for x, y, label in buttons:
        draw_button(frame, x, y, label)
    cv2.putText(frame, "Customer email:", (40, 140), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (40, 40, 40), 1)
    cv2.rectangle(frame, (200, 122), (500, 148), (255, 255, 255), -1)
    cv2.rectangle(frame, (200, 122), (500, 148), (120, 120, 120), 1)
    return frame


def observed(before: np.ndarray, after: np.ndarray, action: Action | None = None) -> Observed:
    return Observed(RecordedAction(action or Click(0, 0), 1_000, 2_000), before, after)


# -- names and descriptions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Customer email:", "customer_email"),
        ("Ünïcode Näme", "unicode_name"),
        ("42 total", "field_42_total"),
        ("  Amount (EUR) ", "amount_eur"),
        ("", "text"),
        ("東京", "text"),
        ("---", "text"),
    ],
)
def test_slug_makes_a_snake_case_parameter_name(text: str, name: str) -> None:
    assert slug(text, "text") == name


@pytest.mark.parametrize(
    ("action", "text", "label", "title", "note"),
    [
        (Click(5, 5), "Refund", "", "Ticket #1", "Click 'Refund' in 'Ticket #1'"),
        (Click(5, 5, count=2), "notes.txt", "", "", "Double-click 'notes.txt'"),
        (Click(5, 5), "", "Amount:", "", "Click 'Amount:'"),
        (Click(5, 5), "", "", "", "Click"),
        (Drag(((0, 0), (9, 9))), "Slider", "", "Mixer", "Drag from 'Slider' in 'Mixer'"),
        (Scroll(5, 5, dy=3), "", "", "Inbox", "Scroll in 'Inbox'"),
        (
            TypeText("ann@example.com"),
            "",
            "Customer email:",
            "Ticket #1",
            "Type into 'Customer email:' in 'Ticket #1'",
        ),
        (TypeText("x"), "", "", "", "Type into a field"),
        (KeyPress("ctrl+s"), "", "", "Mousepad", "Press ctrl+s in 'Mousepad'"),
        (Wait(1.0), "", "", "", "wait"),
    ],
)
def test_describe_says_what_a_step_does_and_where(
    action: Action, text: str, label: str, title: str, note: str
) -> None:
    assert describe(action, text, label, title) == note


def test_describe_a_secret_says_secret_and_never_the_value() -> None:
    note = describe(TypeText("", secret=True), "", "Password:", "Login")
    assert "secret" in note
    assert "'Password:'" in note and "'Login'" in note
    assert "secret" in describe(TypeText("", secret=True), "", "", "")


@pytest.mark.parametrize(
    ("action", "text", "label", "idempotent"),
    [
        (Click(1, 1), "Submit refund", "", False),
        (Click(1, 1), "Confirm", "", False),
        (Click(1, 1), "Save note", "", False),
        (Click(1, 1), "OK", "", False),
        (Click(1, 1), "", "Delete", False),
        (Click(1, 1), "Refund", "", True),
        (Click(1, 1), "", "Amount", True),
        (Click(1, 1), "Book", "", True),  # "ok" inside a word is not OK
        (Click(1, 1), "", "", True),
        (KeyPress("Return"), "", "", False),
        (KeyPress("ctrl+Return"), "", "", False),
        (KeyPress("ctrl+s"), "", "", True),
        (KeyPress("Tab"), "", "", True),
        (TypeText("hello"), "Submit", "", True),
    ],
)
def test_a_submit_like_step_is_not_idempotent(
    action: Action, text: str, label: str, idempotent: bool
) -> None:
    assert _idempotent(action, text, label) is idempotent


# -- parameters -----------------------------------------------------------------------------------

FORM_STEPS = [
    Step(0, Click(300, 140)),
    Step(1, TypeText("ann@example.com")),
    Step(2, Click(300, 180)),
    Step(3, TypeText("", secret=True)),
    Step(4, Click(300, 220)),
    Step(5, TypeText("Refund approved")),
    Step(6, KeyPress("Return")),
]
FORM_LABELS = ["Customer email:", "Customer email:", "Password", "Password", "Note", "Note", ""]


def texts(email: str, note: str) -> list[str]:
    return ["", email, "", "", "", note, ""]


def test_one_recording_makes_every_typed_text_a_parameter_with_its_value_as_default() -> None:
    steps, parameters = parameterize(FORM_STEPS, FORM_LABELS, [texts("ann@example.com", "Refund approved")])
    assert parameters == [
        Parameter("customer_email", "ann@example.com"),
        Parameter("password", None, secret=True),
        Parameter("note", "Refund approved"),
    ]
    assert [s.parameter for s in steps] == [None, "customer_email", None, "password", None, "note", None]
    assert steps[1].action == TypeText("")
    assert steps[3].action == TypeText("", secret=True)
    assert steps[5].action == TypeText("")
    assert [steps[i] for i in (0, 2, 4, 6)] == [FORM_STEPS[i] for i in (0, 2, 4, 6)]


def test_several_recordings_keep_equal_text_fixed_and_make_differing_text_required() -> None:
    recordings = [texts("ann@example.com", "Refund approved"), texts("bob@example.com", "Refund approved")]
    steps, parameters = parameterize(FORM_STEPS, FORM_LABELS, recordings)
    assert parameters == [Parameter("customer_email", None), Parameter("password", None, secret=True)]
    assert parameters[0].required and parameters[1].required
    assert steps[1].parameter == "customer_email" and steps[1].action == TypeText("")
    assert steps[5] == FORM_STEPS[5]  # the same note every time: typed as recorded
    assert steps[5].action == TypeText("Refund approved")


def test_a_secret_is_a_required_secret_parameter_even_when_every_recording_agrees() -> None:
    recordings = [texts("a@x.org", "n"), texts("a@x.org", "n"), texts("a@x.org", "n")]
    steps, parameters = parameterize(FORM_STEPS, FORM_LABELS, recordings)
    assert parameters == [Parameter("password", None, secret=True)]
    assert steps[3].parameter == "password"
    assert [s.parameter for s in steps].count(None) == 6


def test_fields_with_the_same_label_get_numbered_parameter_names() -> None:
    steps = [Step(i, TypeText(t)) for i, t in enumerate(["Ann", "Bob", "Cy"])]
    _, parameters = parameterize(steps, ["Name", "Name", "Name"], [["Ann", "Bob", "Cy"]])
    assert [p.name for p in parameters] == ["name", "name_2", "name_3"]
    assert [p.default for p in parameters] == ["Ann", "Bob", "Cy"]


def test_a_field_without_a_label_is_named_text_and_a_secret_one_password() -> None:
    steps = [Step(0, TypeText("hello")), Step(1, TypeText("", secret=True))]
    _, parameters = parameterize(steps, ["", "東京"], [["hello", ""]])
    assert [(p.name, p.secret) for p in parameters] == [("text", False), ("password", True)]


# -- anchors ------------------------------------------------------------------------------------------


def test_a_point_on_a_distinctive_button_anchors_on_a_crop_around_it() -> None:
    frame = helpdesk()
    point = (40 + 140 * 3 + 55, 74)  # the middle of "Escalate"
    crop, (ix, iy) = anchor(frame, point, 1.0, CONFIG)
    h, w = crop.shape[:2]
    assert 0 <= ix < w and 0 <= iy < h
    x, y = point[0] - ix, point[1] - iy
    np.testing.assert_array_equal(crop, frame[y : y + h, x : x + w])
    assert (w, h) == CONFIG.anchor_sizes[0]  # the smallest crop is already unique here
    [match] = find(frame, crop)
    assert (match.x, match.y) == (x, y)


def test_a_point_on_one_of_two_look_alike_buttons_gets_a_crop_that_tells_them_apart() -> None:
    frame = helpdesk([(600, 240, "Refund")])  # a second "Refund" button, elsewhere
    point = (95, 74)
    crop, (ix, iy) = anchor(frame, point, 1.0, CONFIG)
    h, w = crop.shape[:2]
    assert (w, h) != CONFIG.anchor_sizes[0]
    assert 0 <= ix < w and 0 <= iy < h
    matches = find(frame, crop, config=MatchConfig(min_score=CONFIG.unique_score))
    assert [(m.x, m.y) for m in matches] == [(point[0] - ix, point[1] - iy)]


def test_a_point_in_a_blank_area_anchors_on_a_textured_crop_beside_it() -> None:
    frame = helpdesk()
    cv2.putText(frame, "Drop files here", (330, 380), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (40, 40, 40), 1)
    point = (400, 450)  # blank for more than the largest anchor size around it
    crop, (ix, iy) = anchor(frame, point, 1.0, CONFIG)
    h, w = crop.shape[:2]
    assert cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY).std() >= CONFIG.min_texture
    assert not (0 <= ix < w and 0 <= iy < h)  # the point lies outside its reference crop
    [match] = find(frame, crop)
    assert (match.x + ix, match.y + iy) == point


def test_a_blank_area_below_a_long_field_does_not_anchor_on_a_piece_of_its_border() -> None:
    frame = helpdesk()
    point = (400, 450)  # the nearest texture is the bottom border of the 300 px wide field
    crop, (ix, iy) = anchor(frame, point, 1.0, CONFIG)
    [match] = find(frame, crop)
    assert (match.x + ix, match.y + iy) == point


def test_anchor_crops_scale_with_the_dpi() -> None:
    frame = cv2.resize(helpdesk(), None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    point = (2 * (40 + 140 * 3 + 55), 2 * 74)
    crop, (ix, iy) = anchor(frame, point, 2.0, CONFIG)
    w, h = CONFIG.anchor_sizes[0]
    assert crop.shape[:2] == (2 * h, 2 * w)
    assert (ix, iy) == (w, h)


# -- text and labels ----------------------------------------------------------------------------------

BLANK = np.full((600, 800, 3), BACKGROUND, np.uint8)  # read_target reads only through the fake OCR


def test_the_text_at_the_point_wins_over_a_label_beside_it() -> None:
    ocr = FakeOcr([TextBox("Refund", 100, 60, 60, 16, 0.99), TextBox("Amount:", 20, 62, 50, 14, 0.99)])
    assert read_target(ocr, BLANK, (120, 70), 1.0, CONFIG) == ("Refund", "", (-10, 2), 16)


def test_a_field_takes_the_nearest_label_left_of_it_on_its_row() -> None:
    ocr = FakeOcr(
        [
            TextBox("Ticket", 0, 132, 36, 16, 0.99),  # left, same row, further away
            TextBox("Customer email:", 60, 132, 120, 16, 0.99),  # centre (120, 140)
            TextBox("Required", 520, 132, 60, 16, 0.99),  # on the row, but right of the field
            TextBox("Notes:", 200, 152, 50, 14, 0.99),  # left, but the row below
        ]
    )
    assert read_target(ocr, BLANK, (300, 140), 1.0, CONFIG) == ("", "Customer email:", (180, 0), 16)


def test_a_field_with_nothing_beside_it_takes_the_label_above() -> None:
    ocr = FakeOcr([TextBox("Amount", 270, 110, 60, 14, 0.99)])  # centre (300, 117)
    assert read_target(ocr, BLANK, (310, 140), 1.0, CONFIG) == ("", "Amount", (10, 23), 14)


def test_boxes_with_fewer_than_two_letters_or_digits_are_not_text_or_labels() -> None:
    ocr = FakeOcr(
        [
            TextBox("|", 298, 132, 4, 16, 0.9),  # the caret, read as a glyph, right at the point
            TextBox("x", 280, 132, 8, 16, 0.9),
            TextBox("::", 250, 132, 10, 16, 0.9),
            TextBox("Customer email:", 60, 132, 120, 16, 0.99),
        ]
    )
    assert read_target(ocr, BLANK, (300, 140), 1.0, CONFIG) == ("", "Customer email:", (180, 0), 16)


def test_no_text_around_the_point_reads_as_nothing() -> None:
    ocr = FakeOcr([TextBox("|", 298, 132, 4, 16, 0.9)])
    assert read_target(ocr, BLANK, (300, 140), 1.0, CONFIG) == ("", "", (0, 0), 0)
    assert ocr.regions == [(0, 108, 800, 64)]  # label_reach left + text_box right, moved inside the frame


# -- effects ---------------------------------------------------------------------------------------------


def test_a_change_near_the_point_is_an_effect_relative_to_the_point() -> None:
    before = helpdesk()
    after = before.copy()
    after[200:230, 300:420] = (30, 120, 40)
    effect, crop = effect_of(observed(before, after), (310, 180), 1.0, CONFIG)
    assert effect == Effect(region=(-10, 20, 120, 30))
    assert crop is not None
    np.testing.assert_array_equal(crop, after[200:230, 300:420])


def test_a_small_change_far_from_the_point_is_an_effect_elsewhere() -> None:
    before = helpdesk()
    after = before.copy()
    after[20:50, 20:80] = (200, 30, 30)
    effect, crop = effect_of(observed(before, after), (760, 580), 1.0, CONFIG)
    assert effect == Effect(elsewhere=True) and effect.expected and crop is None


def test_a_large_change_far_from_the_point_is_a_whole_screen_effect() -> None:
    before = helpdesk()
    after = before.copy()
    after[20:200, 20:300] = (200, 30, 30)  # a dialog: a tenth of the screen
    effect, crop = effect_of(observed(before, after), (760, 580), 1.0, CONFIG)
    assert effect == Effect(whole_screen=True) and crop is None


def test_a_huge_change_is_a_whole_screen_effect() -> None:
    before = helpdesk()
    after = before.copy()
    after[150:550, 100:700] = (90, 90, 90)  # a new page: half the screen
    effect, crop = effect_of(observed(before, after), (300, 300), 1.0, CONFIG)
    assert effect == Effect(whole_screen=True) and crop is None


def test_no_change_is_no_effect() -> None:
    before = helpdesk()
    effect, crop = effect_of(observed(before, before.copy()), (300, 140), 1.0, CONFIG)
    assert effect == Effect() and not effect.expected and crop is None


def test_a_blinking_caret_is_not_an_effect() -> None:
    before = helpdesk()
    after = before.copy()
    after[126:146, 300:301] = 0  # a 1 px wide caret, 20 px tall
    assert effect_of(observed(before, after), (300, 140), 1.0, CONFIG) == (Effect(), None)


def test_a_small_change_with_no_point_is_an_effect_elsewhere() -> None:
    before = helpdesk()
    after = before.copy()
    after[200:230, 300:420] = (30, 120, 40)
    effect, crop = effect_of(observed(before, after, KeyPress("Return")), None, 1.0, CONFIG)
    assert effect == Effect(elsewhere=True) and crop is None


def test_the_last_actions_effect_is_what_changed_not_the_videos_compression_noise():
    before = np.full((200, 300, 3), 240, np.uint8)
    before[60:80, 20:280] = (180, 30, 60)  # a red warning bar
    before[66:74, 40:260:3] = 255  # its white text
    noise = np.random.default_rng(0).integers(-50, 51, before.shape)
    noise[:60] = noise[80:] = 0  # the codec blurs the bar's text, and only there
    before_lossy = np.clip(before.astype(int) + noise, 0, 255).astype(np.uint8)
    end_lossy = before_lossy.copy()
    end_lossy[5:15, 100:200] = 0  # the title redrawn after Ctrl+S
    end = lossless_end(before, before_lossy, end_lossy, threshold=40)
    assert (end[5:15, 100:200] == 0).all() and np.array_equal(end[20:], before[20:])
    effect, _ = effect_of(observed(before, end, KeyPress("ctrl+s")), None, 1.0, LearnConfig())
    assert effect.elsewhere and not effect.whole_screen
    noisy, _ = effect_of(observed(before, end_lossy, KeyPress("ctrl+s")), None, 1.0, LearnConfig())
    assert noisy.whole_screen  # as the end frame alone read
