"""OCR of small rendered regions. Each read costs ~20 ms and the first one loads the models, so few reads."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from difflib import SequenceMatcher

import cv2
import numpy as np
import pytest

from deskhand.vision.ocr import Ocr, OcrConfig, TextBox, best_text_match, letters, normalize, reading_order

Line = tuple[str, tuple[int, int], float]  # text, baseline origin (x, y), font scale


def render(lines: list[Line], size: tuple[int, int]) -> np.ndarray:
    """Black FONT_HERSHEY_SIMPLEX text on white, as an RGB frame."""
    width, height = size
    image = np.full((height, width, 3), 255, np.uint8)
    for text, origin, scale in lines:
        cv2.putText(image, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 1, cv2.LINE_AA)
    return image


def ink_box(image: np.ndarray) -> tuple[int, int, int, int]:
    """Bounding box (x, y, w, h) of the dark pixels: where the text really is."""
    x, y, w, h = cv2.boundingRect((image.min(axis=2) < 128).astype(np.uint8))
    return x, y, w, h


def reads_as(box: TextBox, text: str) -> bool:
    return SequenceMatcher(None, normalize(box.text), normalize(text)).ratio() >= 0.8


def assert_boxed(box: TextBox, ink: tuple[int, int, int, int], tolerance: int = 3) -> None:
    """The box is centred on the ink and holds it (boxes carry a few px of margin)."""
    x, y, w, h = ink
    assert abs(box.center[0] - (x + w // 2)) <= tolerance and abs(box.center[1] - (y + h // 2)) <= tolerance
    assert box.x <= x + 1 and box.y <= y + 1
    assert box.x + box.width >= x + w - 1 and box.y + box.height >= y + h - 1
    assert box.width <= w + 20 and box.height <= h + 20


def _no_network(*args: object, **kwargs: object) -> None:
    raise OSError("network access during OCR")


@pytest.fixture(scope="module")
def ocr() -> Iterator[Ocr]:
    yield Ocr()


def test_ocr_loads_packaged_models_and_reads_without_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """No download is even attempted: the models come from the rapidocr wheel."""
    monkeypatch.setattr(socket.socket, "connect", _no_network)
    monkeypatch.setattr(socket, "getaddrinfo", _no_network)
    boxes = Ocr(OcrConfig(threads=0)).read(render([("Refund amount", (10, 40), 0.8)], (300, 60)))
    assert [normalize(box.text) for box in boxes] == ["refund amount"]


def test_read_finds_lines_where_they_were_drawn(ocr: Ocr) -> None:
    image = render(
        [
            ("Refund amount", (10, 30), 0.6),
            ("Customer email", (10, 70), 0.6),
            ("Total 12.50", (220, 70), 0.6),
        ],
        (400, 100),
    )
    boxes = ocr.read(image)
    assert len(boxes) == 3
    for box, text in zip(boxes, ["Refund amount", "Customer email", "Total 12.50"], strict=True):
        assert reads_as(box, text), box
        assert box.score >= 0.5
    assert_boxed(boxes[0], ink_box(image[:50]))
    left, right = ink_box(image[50:, :200]), ink_box(image[50:, 200:])
    assert_boxed(boxes[1], (left[0], left[1] + 50, left[2], left[3]))
    assert_boxed(boxes[2], (right[0] + 200, right[1] + 50, right[2], right[3]))


def test_read_with_offset_gives_screen_coordinates_of_a_crop(ocr: Ocr) -> None:
    screen = render([("Customer email", (430, 340), 0.6), ("Elsewhere", (40, 40), 0.6)], (800, 600))
    [box] = ocr.read(screen[300:360, 400:700], offset=(400, 300))
    assert reads_as(box, "Customer email")
    x, y, w, h = ink_box(screen[300:360, 400:700])
    assert_boxed(box, (x + 400, y + 300, w, h))


def test_read_upscales_small_text(ocr: Ocr) -> None:
    image = render([("Save", (4, 15), 0.45)], (60, 20))
    [box] = ocr.read(image)
    assert normalize(box.text) == "save"
    assert_boxed(box, ink_box(image))


def test_read_blank_or_textless_image_returns_nothing(ocr: Ocr) -> None:
    assert ocr.read(np.full((60, 300, 3), 255, np.uint8)) == []
    assert ocr.read(np.zeros((0, 0, 3), np.uint8)) == []
    speckle = np.random.default_rng(0).integers(200, 256, (60, 300, 3), dtype=np.uint8)
    assert ocr.read(speckle) == []


def test_read_line_recognises_a_short_number_in_a_tight_crop_and_read_still_finds_lines_after(
    ocr: Ocr,
) -> None:
    number = render([("54", (3, 17), 0.5)], (40, 22))
    text, score = ocr.read_line(number)
    assert (text, score >= 0.5) == ("54", True)
    assert ocr.read_line(np.full((22, 40, 3), 255, np.uint8)) == ("", 0.0)
    # rapidocr keeps the steps of its last call: a read after read_line must detect again
    [box] = ocr.read(render([("Refund amount", (10, 40), 0.8)], (300, 60)))
    assert normalize(box.text) == "refund amount"


BOXES = [
    TextBox("Refund amount", 10, 10, 120, 16, 0.99),
    TextBox("Customer email:", 10, 40, 130, 16, 0.98),
    TextBox("Email", 200, 80, 40, 16, 0.97),
    TextBox("Save as...", 10, 120, 70, 16, 0.99),
]


def test_best_text_match_prefers_the_whole_text_then_a_part() -> None:
    assert best_text_match(BOXES, "EMAIL") == BOXES[2]
    assert best_text_match(BOXES[:2], "email") == BOXES[1]  # a substring matches too
    assert best_text_match(BOXES, "customer e-mail") == BOXES[1]  # fuzzy
    assert best_text_match(BOXES, "Refund amout") == BOXES[0]  # an OCR-style slip
    assert best_text_match(BOXES, "save") == BOXES[3]


def test_best_text_match_returns_none_below_ratio() -> None:
    assert best_text_match(BOXES, "Delete") is None
    assert best_text_match(BOXES, "") is None
    assert best_text_match([], "Email") is None
    assert best_text_match(BOXES, "Refund amnt", min_ratio=0.99) is None


def test_normalize_folds_case_space_width_and_edge_punctuation() -> None:
    assert normalize("  Customer\temail: ") == "customer email"
    assert normalize("(optional)") == "optional"
    assert normalize("$12.50") == "$12.50"
    assert normalize("ＯＫ") == "ok"
    assert normalize("...") == ""


def test_reading_order_goes_line_by_line() -> None:
    boxes = [
        TextBox("world", 80, 11, 40, 12, 1.0),
        TextBox("second", 5, 40, 50, 12, 1.0),
        TextBox("hello", 5, 9, 40, 14, 1.0),
        TextBox("line", 70, 42, 30, 12, 1.0),
    ]
    assert [box.text for box in reading_order(boxes)] == ["hello", "world", "second", "line"]


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Søren Ægidius", "sorenaegidius"),
        ("Zoë Müller", "zoemuller"),
        ("Weiß 42 €", "weiss42"),
        ("東京 ✓", ""),
    ],
)
def test_letters_fold_to_the_ascii_ocr_reads(text: str, folded: str) -> None:
    assert letters(text) == folded
