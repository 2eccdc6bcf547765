"""A point is in a blank band when the rows around it are one colour from edge to edge."""

import numpy as np

from deskhand.vision.background import in_blank_band


def page_with_a_field_and_a_button() -> np.ndarray:
    page = np.full((160, 160, 3), 255, np.uint8)
    page[40, 10:150] = page[60, 10:150] = page[40:61, 10] = page[40:61, 149] = 130  # a text field
    page[90:110, 20:100] = (230, 230, 230)  # a button, filled
    page[98:102, 40:60] = 20  # its label
    return page


def test_the_empty_rows_between_a_field_and_a_button_are_blank():
    page = page_with_a_field_and_a_button()
    assert in_blank_band(page, 75)
    assert in_blank_band(page, 155)  # at the frame's bottom edge


def test_a_fields_inside_a_button_and_the_white_beside_a_label_are_not():
    page = page_with_a_field_and_a_button()
    assert not in_blank_band(page, 50)  # white like the page, but its rows cross the field's sides
    assert not in_blank_band(page, 95)
    assert not in_blank_band(page, 100)  # so a click far right of a label, as on a tree row, is kept


def test_rows_near_ink_are_not_blank():
    page = page_with_a_field_and_a_button()
    assert not in_blank_band(page, 64)  # four rows under the field's border
    assert in_blank_band(page, 65)


def test_a_grey_page_is_blank_too_and_a_point_off_the_frame_is_not():
    page = np.full((100, 100, 3), 200, np.uint8)
    assert in_blank_band(page, 50)
    assert not in_blank_band(page, -3) and not in_blank_band(page, 100)
