"""What counts as an action's effect on screen: pure checks over two frames."""

from __future__ import annotations

import numpy as np

from deskhand.run.runner import _changed_anywhere, _distance, _whole_screen_changed


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
