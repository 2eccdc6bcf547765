"""Fakes for unit tests of pure logic only; integration tests use the real parts."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from deskhand.vision.ocr import TextBox


class FakeOcr:
    """Returns the canned boxes lying wholly inside the region read, as a real OCR would."""

    def __init__(self, boxes: Sequence[TextBox]) -> None:
        self.boxes = list(boxes)
        self.regions: list[tuple[int, int, int, int]] = []

    def read(self, image: np.ndarray, offset: tuple[int, int] = (0, 0)) -> list[TextBox]:
        x0, y0 = offset
        h, w = image.shape[:2]
        self.regions.append((x0, y0, w, h))
        return [
            b
            for b in self.boxes
            if x0 <= b.x and b.x + b.width <= x0 + w and y0 <= b.y and b.y + b.height <= y0 + h
        ]
