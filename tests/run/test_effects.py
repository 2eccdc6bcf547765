"""What counts as an action's effect on screen: pure checks over two frames."""

from __future__ import annotations

import numpy as np

from deskhand.run.runner import _changed_anywhere, _distance, _reads_as, _whole_screen_changed


def _screen() -> np.ndarray:
    return np.full((600, 800, 3), 240, np.uint8)


def test_a_blinking_caret_is_no_change() -> None:
    after = _screen()
    after[100:120, 300:301] = 0
    assert not _whole_screen_changed(_screen(), after, threshold=24)


def test_a_button_drawn_pressed_is_a_change_but_not_yet_a_new_screen() -> None:
    after = _screen()
    after[500:530, 600:700] = 90  # 3,000 px: the Find button going dark
    assert _whole_screen_changed(_screen(), after, threshold=24)
    assert not _whole_screen_changed(_screen(), after, threshold=24, min_area=7_200)


def test_a_dialog_is_a_new_screen() -> None:
    after = _screen()
    after[100:400, 150:650] = 180  # the dialog
    after[120:140, 170:400] = 0  # its title
    assert _whole_screen_changed(_screen(), after, threshold=24, min_area=7_200)


def test_distance_from_a_point_to_a_box_is_zero_inside_and_euclidean_outside() -> None:
    assert _distance((10, 10, 20, 20), (15, 15)) == 0
    assert _distance((10, 10, 20, 20), (33, 34)) == 5.0


def test_a_caret_moving_is_a_change_anywhere_but_no_change_is_not() -> None:
    after = _screen()
    after[100:120, 300:301] = 0
    assert _changed_anywhere(_screen(), after, threshold=24)
    assert not _changed_anywhere(_screen(), _screen(), threshold=24)


def test_noise_below_the_threshold_is_no_change_anywhere() -> None:
    after = _screen() + np.uint8(10)  # compression noise or a faint fade over every pixel
    assert not _changed_anywhere(_screen(), after, threshold=24)


def test_text_read_back_allows_a_misread_letter_but_not_scattered_letters() -> None:
    assert _reads_as("DearBobNg", "xxDearBobNgxx")
    assert _reads_as("customeremail", "custorneremail")  # OCR read m as rn
    assert not _reads_as("DearBobNg", "Dear")  # only the head landed
    assert not _reads_as("refund42", "r1e2f3u4n5d6")  # every letter, none in order with its neighbours
