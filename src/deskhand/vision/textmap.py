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

from deskhand.vision.change import change_box

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # Debian's default sans (fonts-dejavu-core)
# Arial's widths: what Chromium draws a page's "Arial" with on Debian (fonts-urw-base35)
ARIAL = Path("/usr/share/fonts/opentype/urw-base35/NimbusSans-Regular.otf")


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


@functools.lru_cache(maxsize=1024)
def width(text: str, size: int, font: Path = ARIAL) -> float:
    """How far `text` advances set in `font` at `size` px, as a browser lays it out (no ink
    cropped, unlike `render`)."""
    return float(ImageFont.truetype(str(font), size).getlength(text))


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


class TextMapMemo:
    """The last screen `text_maps` matched and its scores for each text and size, so that the next
    screen of an episode is matched only where it changed: a click or a typed letter changes a few
    percent of the screen. One per episode: the scores are those of that episode's texts.
    """

    def __init__(self) -> None:
        self.gray: np.ndarray | None = None
        self.key: tuple[tuple[str, ...], TextMapConfig] | None = None
        self.placed: list[list[np.ndarray]] = []  # per text, per size: scores where each window is centred


def text_maps(
    gray: np.ndarray, texts: Iterable[str], config: TextMapConfig = DEFAULT, memo: TextMapMemo | None = None
) -> list[np.ndarray]:
    """`text_map` of each text apart, in order: the screen's ink is found once for them all.

    The template has white columns beside the word, as a word between spaces has: the same letters
    inside a longer word, with ink there, match less (a link "est" and the word "molestie").

    Only places whose window holds some ink are matched: a window of plain background has no
    variance and scores 0 anyway, and most screens are a third to a half blank. Given the `memo`
    of the screen before, only windows over a changed pixel are matched again: the rest hold the
    same pixels, so their scores stand.
    """
    texts = tuple(texts)
    height, width = gray.shape
    margin = config.margin
    if (
        memo is not None
        and memo.gray is not None
        and memo.gray.shape == gray.shape
        and memo.key == (texts, config)
    ):
        box, placed = _changed(memo.gray, gray), memo.placed
    else:
        box = ink_box(gray)
        placed = [[np.zeros(gray.shape, np.float32) for _ in config.sizes] for _ in texts]
    if box is not None:
        # the screen's edge columns are drawn out by the margin, so a word at the very edge still fits
        wide = cv2.copyMakeBorder(gray, 0, 0, margin, margin, cv2.BORDER_REPLICATE) if margin else gray
        boxes = {0: box, margin: _widened(box, margin, width)}
        for text, by_size in zip(texts, placed, strict=True):
            if not text.strip():
                continue
            # one glyph with white beside it matches any lone glyph of its shape ("0" and "o"): no margin
            pad = margin if len(text.strip()) > 1 else 0
            for size, scores in zip(config.sizes, by_size, strict=True):
                templ = render(text, size, config.font, pad)
                h, w = templ.shape
                if h <= height and w - 2 * pad <= width and templ.min() != templ.max():
                    _match(wide if pad else gray, templ, boxes[pad], pad, scores)
    if memo is not None:
        memo.gray, memo.key, memo.placed = gray.copy(), (texts, config), placed
    maps = []
    for by_size in placed:
        out = np.zeros(gray.shape, np.float32)
        for scores in by_size:
            np.maximum(out, scores, out=out)
        maps.append(np.clip(out, 0.0, 1.0, out=out))
    return maps


def _match(
    image: np.ndarray, templ: np.ndarray, box: tuple[int, int, int, int], pad: int, scores: np.ndarray
) -> None:
    """Match `templ` in every window of `image` that reaches into `box`, writing each score into
    `scores` where its word is centred (`image` has `pad` extra columns on each side)."""
    h, w = templ.shape
    (x0, y0, x1, y1), (rows, cols) = box, image.shape
    top, bottom = max(y0 - h + 1, 0), min(y1, rows - h)
    left, right = max(x0 - w + 1, 0), min(x1, cols - w)
    found = cv2.matchTemplate(image[top : bottom + h, left : right + w], templ, cv2.TM_CCOEFF_NORMED)
    row, col = top + h // 2, left + w // 2 - pad  # where the first window's word is centred on the screen
    scores[row : row + found.shape[0], col : col + found.shape[1]] = found


def ink_box(gray: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1), inclusive: the box of every pixel off the background, the commonest value.

    >>> g = np.full((20, 30), 255, np.uint8); g[5, 7] = g[12, 20] = 0
    >>> ink_box(g), ink_box(np.zeros((4, 4), np.uint8))
    ((7, 5, 20, 12), None)
    """
    ink = (gray != np.bincount(gray.ravel(), minlength=256).argmax()).view(np.uint8)
    x, y, w, h = cv2.boundingRect(ink)
    return (x, y, x + w - 1, y + h - 1) if w else None


def _changed(before: np.ndarray, after: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1), inclusive: the box of every pixel that differs at all; None if none does."""
    box = change_box(before, after, threshold=0, min_pixels=1)
    return None if box is None else (box[0], box[1], box[0] + box[2] - 1, box[1] + box[3] - 1)


def _widened(box: tuple[int, int, int, int], margin: int, width: int) -> tuple[int, int, int, int]:
    """A box on a `width`-wide image, on the image once `margin` edge columns are replicated on each side."""
    x0, y0, x1, y1 = box
    return (x0 + margin if x0 > 0 else 0, y0, x1 + margin if x1 < width - 1 else x1 + 2 * margin, y1)
