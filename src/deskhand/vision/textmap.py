"""Where a given text is drawn on screen: render it in the screen's font, then template match.

A pixel-only way to ground a word: no OCR model and no DOM, just the word as glyphs. Small UI text
is rendered by the browser at a few sizes, so the map keeps the best score over `sizes`. A match
of a handful of small templates on a 160x160 area costs about 2 ms, cheap enough for every step.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # Debian's default sans (fonts-dejavu-core)


@dataclass(frozen=True)
class TextMapConfig:
    # font sizes in pixels: grey names, body text, list items, buttons
    sizes: tuple[int, ...] = (9, 10, 12, 13)
    margin: int = 2  # white columns matched beside the word: "est" inside "molestie" is no match
    font: Path = DEJAVU


DEFAULT = TextMapConfig()


@functools.lru_cache(maxsize=4096)
def render(text: str, size: int, font: Path = DEJAVU, margin: int = 0) -> np.ndarray:
    """Black text on white, cropped to its ink plus a one-pixel border and `margin` more columns on
    each side, as a uint8 gray image."""
    face = ImageFont.truetype(str(font), size)
    left, top, right, bottom = face.getbbox(text)
    image = Image.new("L", (int(max(right - left, 1)) + 2 + 2 * margin, int(max(bottom - top, 1)) + 2), 255)
    ImageDraw.Draw(image).text((1 + margin - left, 1 - top), text, font=face, fill=0)
    return np.asarray(image)


def without_rules(gray: np.ndarray, length: int = 12, ink: int = 200) -> np.ndarray:
    """The image with thin horizontal rules turned white: underlines, borders.

    A link's underline runs through the descenders and under every letter, and the rendered word
    has none: it held a link's best match to about 0.48, below a clear match. A rule here is dark
    pixels (below `ink`) in a run at least `length` wide and under 3 tall; thicker dark areas
    (a filled button, a glyph's stem crossing the line) are kept.
    """
    dark = (gray < ink).astype(np.uint8)
    flat = cv2.morphologyEx(dark, cv2.MORPH_OPEN, np.ones((1, length), np.uint8))
    tall = cv2.morphologyEx(dark, cv2.MORPH_OPEN, np.ones((3, 1), np.uint8))
    out = gray.copy()
    out[(flat > 0) & (tall == 0)] = 255
    return out


def text_map(gray: np.ndarray, texts: Iterable[str], config: TextMapConfig = DEFAULT) -> np.ndarray:
    """Per pixel, the best normalised correlation (0..1) of any text centred there; 0 where none fits."""
    return np.maximum.reduce([np.zeros(gray.shape, np.float32), *text_maps(gray, texts, config)])


def text_maps(gray: np.ndarray, texts: Iterable[str], config: TextMapConfig = DEFAULT) -> list[np.ndarray]:
    """`text_map` of each text apart, in order: the screen's ink is found once for them all.

    The template has white columns beside the word, as a word between spaces has: the same letters
    inside a longer word, with ink there, match less (a link "est" and the word "molestie").

    Only places whose window holds some ink are matched: a window of plain background has no
    variance and scores 0 anyway, and most screens are a third to a half blank.
    """
    height, width = gray.shape
    margin = config.margin
    # the screen's edge columns are drawn out by the margin, so a word at the very edge still fits
    wide = cv2.copyMakeBorder(gray, 0, 0, margin, margin, cv2.BORDER_REPLICATE) if margin else gray
    box = ink_box(gray)
    inked = {0: box, margin: _widened(box, margin, width)}
    maps = []
    for text in texts:
        out = np.zeros(gray.shape, np.float32)
        maps.append(out)
        if not text.strip():
            continue
        # one glyph with white beside it matches any lone glyph of its shape ("0" and "o"): no margin
        pad = margin if len(text.strip()) > 1 else 0
        image, inside = (wide if pad else gray), inked[pad]
        for size in config.sizes:
            templ = render(text, size, config.font, pad)
            h, w = templ.shape
            if inside is None or h > height or w - 2 * pad > width or templ.min() == templ.max():
                continue
            # the windows' top-left corners that reach into the ink's box
            (x0, y0, x1, y1), (rows, cols) = inside, image.shape
            top, bottom = max(y0 - h + 1, 0), min(y1, rows - h)
            left, right = max(x0 - w + 1, 0), min(x1, cols - w)
            scores = cv2.matchTemplate(image[top : bottom + h, left : right + w], templ, cv2.TM_CCOEFF_NORMED)
            row, col = top + h // 2, left + w // 2 - pad  # where the first score's word is centred on `gray`
            view = out[row : row + scores.shape[0], col : col + scores.shape[1]]
            np.maximum(view, scores, out=view)
        np.clip(out, 0.0, 1.0, out=out)
    return maps


def ink_box(gray: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1), inclusive: the box of every pixel off the background, the commonest value.

    >>> g = np.full((20, 30), 255, np.uint8); g[5, 7] = g[12, 20] = 0
    >>> ink_box(g), ink_box(np.zeros((4, 4), np.uint8))
    ((7, 5, 20, 12), None)
    """
    ink = (gray != np.bincount(gray.ravel(), minlength=256).argmax()).view(np.uint8)
    x, y, w, h = cv2.boundingRect(ink)
    return (x, y, x + w - 1, y + h - 1) if w else None


def _widened(
    box: tuple[int, int, int, int] | None, margin: int, width: int
) -> tuple[int, int, int, int] | None:
    """The ink box of a `width`-wide image once `margin` edge columns are replicated on each side."""
    if box is None:
        return None
    x0, y0, x1, y1 = box
    return (x0 + margin if x0 > 0 else 0, y0, x1 + margin if x1 < width - 1 else x1 + 2 * margin, y1)
