"""Coloured letters, digits and shapes on a grid, told apart from pixels alone."""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from deskhand.vision.glyphs import COLOURS, colour_of, items
from deskhand.vision.textmap import DEJAVU

ORIGIN = (2, 2)  # the grid's corner: found from the items, not told


def _grid(drawn: list[tuple[int, int, str, str, int]]) -> np.ndarray:
    """(column, row, what, colour, size) drawn centred in 20 px cells, as click-shape draws them."""
    image = Image.new("RGB", (164, 164), "white")
    draw = ImageDraw.Draw(image)
    for column, row, what, colour, size in drawn:
        x, y = ORIGIN[0] + 20 * column + 10, ORIGIN[1] + 20 * row + 10
        fill, half = COLOURS[colour], size / 2
        if what == "rectangle":
            draw.rectangle((x - half, y - half, x + half - 1, y + half - 1), fill=fill)
        elif what == "circle":
            draw.ellipse((x - half, y - half, x + half - 1, y + half - 1), fill=fill)
        elif what == "triangle":
            draw.polygon([(x - half, y + half), (x, y - half), (x + half, y + half)], fill=fill)
        else:
            draw.text((x, y), what, font=ImageFont.truetype(str(DEJAVU), size), fill=fill, anchor="mm")
    return np.asarray(image)


def test_items_are_found_one_per_cell_with_their_colour_size_and_what_they_are():
    drawn = [
        (0, 0, "circle", "red", 20),
        (1, 0, "rectangle", "red", 20),  # touching the circle, the same colour: still two items
        (3, 1, "triangle", "green", 10),
        (5, 2, "7", "blue", 20),
        (2, 4, "Q", "magenta", 20),
        (6, 6, "k", "black", 10),
        (4, 6, "o", "aqua", 20),
        (7, 3, "O", "yellow", 20),
    ]
    found = items(_grid(drawn))
    assert len(found) == len(drawn)
    for column, row, what, colour, size in drawn:
        x, y = ORIGIN[0] + 20 * column + 10, ORIGIN[1] + 20 * row + 10
        [item] = [i for i in found if abs(i.center[0] - x) <= 5 and abs(i.center[1] - y) <= 5]
        assert (item.name, item.colour, item.size) == (what, colour, size), item


def test_a_blank_screen_has_no_items_and_anti_aliased_edges_keep_their_colour():
    assert items(np.full((80, 80, 3), 255, np.uint8)) == []
    edge = cv2.addWeighted(
        np.full((1, 1, 3), 255, np.uint8), 0.4, np.array([[[0, 128, 0]]], np.uint8), 0.6, 0
    )
    assert colour_of(edge[0, 0]) == "green"
