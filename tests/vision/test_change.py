"""Change detection on synthetic frames: what moved, where, and whether two pictures are the same."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from deskhand.vision.change import change_box, change_boxes, changed_mask, signature, similarity


def screen(seed: int = 0, size: tuple[int, int] = (320, 240)) -> np.ndarray:
    """A busy synthetic screen: panels and text on a light background."""
    rng = np.random.default_rng(seed)
    width, height = size
    frame = np.full((height, width, 3), 235, np.uint8)
    for i in range(12):
        x, y = int(rng.integers(0, width - 60)), int(rng.integers(0, height - 30))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        cv2.rectangle(
            frame, (x, y), (x + int(rng.integers(20, 60)), y + int(rng.integers(10, 30))), colour, -1
        )
        cv2.putText(frame, f"item {i}", (x, y + 25), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (20, 20, 20), 1)
    return frame


def test_identical_frames_have_no_change() -> None:
    frame = screen()
    assert not changed_mask(frame, frame.copy()).any()
    assert change_box(frame, frame.copy()) is None
    assert change_boxes(frame, frame.copy()) == []


def test_one_changed_rectangle_gives_its_exact_box() -> None:
    before = screen()
    after = before.copy()
    after[40:70, 100:180] = (255, 0, 0)
    mask = changed_mask(before, after)
    assert mask.dtype == bool and mask.shape == (240, 320)
    assert change_box(before, after) == (100, 40, 80, 30)
    assert change_boxes(before, after) == [(100, 40, 80, 30)]


def test_two_separate_changes_give_two_boxes_largest_first() -> None:
    before = screen()
    after = before.copy()
    after[10:20, 10:30] = 0  # small, top-left
    after[150:200, 200:300] = 0  # large, bottom-right
    assert change_boxes(before, after) == [(200, 150, 100, 50), (10, 10, 20, 10)]
    assert change_box(before, after) == (10, 10, 290, 190)


def test_changes_closer_than_merge_gap_are_one_area() -> None:
    before = np.full((100, 200, 3), 255, np.uint8)
    after = before.copy()
    cv2.putText(after, "OK", (20, 60), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (0, 0, 0), 2)  # letters 2-6 px apart
    after[20:30, 150:160] = 0  # far away
    boxes = change_boxes(before, after, merge_gap=8)
    assert len(boxes) == 2
    assert boxes[0] == change_box(before[:, :120], after[:, :120])  # "OK" as one box
    assert len(change_boxes(before, after, merge_gap=0)) == 3  # "O", "K" and the square


def test_threshold_ignores_small_noise_and_min_pixels_ignores_specks() -> None:
    rng = np.random.default_rng(1)
    before = screen()
    noise = rng.integers(-10, 11, before.shape)
    after = np.clip(before.astype(int) + noise, 0, 255).astype(np.uint8)
    assert change_box(before, after) is None
    after[5, 5] = 0  # one changed pixel is a speck, not a change
    assert change_box(before, after, min_pixels=4) is None
    assert change_box(before, after, min_pixels=1) == (5, 5, 1, 1)
    assert change_box(before, after, threshold=5) is not None


def test_frames_of_different_size_are_rejected() -> None:
    with pytest.raises(ValueError, match="shape"):
        change_box(screen(), screen(size=(321, 240)))


@pytest.mark.parametrize("factor", [0.5, 2.0])
def test_signature_matches_the_same_picture_resized(factor: float) -> None:
    picture = screen()
    resized = cv2.resize(picture, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    assert similarity(signature(picture), signature(resized)) > 0.95


def test_signature_tolerates_a_small_shift_but_not_another_picture() -> None:
    picture = screen(seed=0)
    shifted = np.roll(picture, (3, 4), axis=(0, 1))
    assert similarity(signature(picture), signature(shifted)) > 0.8
    assert similarity(signature(picture), signature(screen(seed=1))) < 0.5


def test_signature_shape_and_flat_pictures() -> None:
    sig = signature(screen(), size=8)
    assert sig.shape == (8, 8) and sig.dtype == np.float32
    assert abs(float(sig.mean())) < 1e-5 and abs(float(sig.std()) - 1) < 1e-4
    black, white = np.zeros((50, 50, 3), np.uint8), np.full((50, 50, 3), 255, np.uint8)
    assert not signature(black).any()
    assert similarity(signature(black), signature(white)) == 1.0
    assert similarity(signature(black), signature(screen())) == 0.0
    with pytest.raises(ValueError, match="shape"):
        similarity(signature(black, size=8), signature(black))
