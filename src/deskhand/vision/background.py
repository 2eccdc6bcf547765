"""Whether a point of a frame lies in a blank band: rows of one colour from edge to edge.

A click there meets nothing drawn. A blank spot beside a word is not enough: a tree item's or a
list row's box spans its row, and a page answers a click well to the right of the label. Nor is
a blank region closed off by a border: that is a text field's inside.

>>> page = np.full((60, 80, 3), 255, np.uint8)
>>> page[20, 10:70] = 120  # a rule, or a field's border
>>> in_blank_band(page, 40), in_blank_band(page, 23), in_blank_band(page, 40, half=20)
(True, False, False)
"""

from __future__ import annotations

import numpy as np


def in_blank_band(frame: np.ndarray, y: float, half: int = 4) -> bool:
    """True when rows y-half..y+half (those in the frame) are all one colour; False off the frame."""
    row = int(y)
    if not 0 <= row < frame.shape[0]:
        return False
    band = frame[max(row - half, 0) : row + half + 1]
    pixels = band.reshape(-1, band.shape[2]) if band.ndim == 3 else band.reshape(-1, 1)
    return not (pixels != pixels[0]).any()
