"""Coloured items on a white grid, each told apart by its colour, size and what it is.

A scattering of letters, digits and filled shapes in a few pure colours (MiniWoB's click-shape)
is read here from pixels alone: ink is how far a pixel is from white, the items are the inked
blobs gathered per grid cell, and each blob is matched against glyphs rendered in Debian's default
sans at the two sizes it may have, and against the three shapes. The size of a match matters:
"o" and "O" differ in nothing else.
"""

from __future__ import annotations

import functools
import itertools
import string
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (255, 0, 0),
    "green": (0, 128, 0),
    "blue": (0, 0, 255),
    "aqua": (0, 255, 255),
    "black": (0, 0, 0),
    "magenta": (255, 0, 255),
    "yellow": (255, 255, 0),
}
SHAPES = ("circle", "rectangle", "triangle")
CHARACTERS = string.ascii_letters + string.digits


@dataclass(frozen=True)
class GlyphConfig:
    """The grid and the sizes items come in; the defaults are MiniWoB's shapes grid."""

    cell: int = 20  # px per grid cell; an item is centred in its cell
    sizes: tuple[int, ...] = (10, 20)  # font or shape size in px
    min_ink: float = 0.15  # a pixel this far from white belongs to an item
    slack: int = 1  # px an item's box may differ from a rendered glyph's and still be that glyph


@dataclass(frozen=True)
class Item:
    """One item: its box, colour name, what it is (a character or a shape's name) and its size."""

    x: int
    y: int
    width: int
    height: int
    colour: str
    name: str
    size: int

    @property
    def center(self) -> tuple[float, float]:
        return self.x + self.width / 2, self.y + self.height / 2


def ink(image: np.ndarray) -> np.ndarray:
    """0 on white, 1 on a pure colour: each of the colours has a channel at 0, white has none."""
    return (255.0 - image.min(axis=2).astype(np.float32)) / 255.0


def items(image: np.ndarray, config: GlyphConfig = GlyphConfig()) -> list[Item]:
    """The items drawn on `image` (RGB), one per grid cell, named by their best match.

    The grid's origin is found from the blobs' centres, as each item is centred in its cell.
    """
    inked = ink(image)
    count, labels, stats, _ = cv2.connectedComponentsWithStats((inked > config.min_ink).astype(np.uint8))
    boxes = [(int(x), int(y), int(w), int(h)) for x, y, w, h in stats[1:count, :4]]
    if not boxes:
        return []
    ox, oy = _grid_origin(boxes, config.cell)

    def cell(x: Any, y: Any) -> Any:  # a cell's number, 1001 up (a pixel left of or above the origin too)
        return ((y - oy) // config.cell + 2) * 1000 + (x - ox) // config.cell + 2

    grid = np.indices(labels.shape)
    rows, columns = grid[0], grid[1]
    owner = np.zeros(labels.shape, np.int64)  # each inked pixel's cell
    for label, (x, y, w, h) in enumerate(boxes, start=1):
        mine = labels == label
        if w > config.cell + 4 or h > config.cell + 4:  # items side by side, touching: cut at the grid
            owner[mine] = cell(columns[mine], rows[mine])
        else:  # one item, though a glyph may reach past its cell
            owner[mine] = cell(x + w / 2, y + h / 2)
    found = []
    for number in np.unique(owner[owner > 0]):
        mask = owner == number
        ys, xs = np.nonzero(mask)
        x0, y0, x1, y1 = int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1
        blob = np.where(mask[y0:y1, x0:x1], inked[y0:y1, x0:x1], 0.0)
        name, size = _best_match(blob, config)
        darkest = np.unravel_index(int(np.argmax(np.where(mask, inked, -1.0))), inked.shape)
        found.append(Item(x0, y0, x1 - x0, y1 - y0, colour_of(image[darkest]), name, size))
    return sorted(found, key=lambda item: (item.y, item.x))


def colour_of(pixel: np.ndarray) -> str:
    """The colour name nearest to an RGB pixel.

    >>> colour_of(np.array([250, 10, 240]))
    'magenta'
    """
    rgb = pixel.astype(np.int32)
    return min(COLOURS, key=lambda name: int(np.sum((rgb - np.array(COLOURS[name])) ** 2)))


def _grid_origin(boxes: list[tuple[int, int, int, int]], cell: int) -> tuple[float, float]:
    """The grid's origin modulo a cell: the circular mean of where blobs' centres sit in their
    cells, taking the biggest of those within one cell (a letter's dot sits off its cell's centre;
    two items touching make one blob centred on neither)."""
    single = [b for b in boxes if b[2] <= cell + 4 and b[3] <= cell + 4] or boxes
    big = sorted(single, key=lambda b: b[2] * b[3], reverse=True)[: max(3, len(single) // 2)]
    origin = []
    for axis in (0, 1):
        angles = [2 * np.pi * ((b[axis] + b[axis + 2] / 2 - cell / 2) % cell) / cell for b in big]
        mean = np.arctan2(np.mean(np.sin(angles)), np.mean(np.cos(angles)))
        origin.append(float(mean % (2 * np.pi)) * cell / (2 * np.pi))
    return origin[0], origin[1]


def _best_match(blob: np.ndarray, config: GlyphConfig) -> tuple[str, int]:
    """The glyph or shape, and its size, that the blob's ink matches best among those of about
    its box's size (normalised correlation, at every shift within the slack); "" if none is."""
    height, width = blob.shape
    pad = config.slack + 1  # templates carry a 1 px blank border: a filled square alone is flat
    padded = cv2.copyMakeBorder(blob, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0.0)
    best, score = ("", 0), -1.0
    templates = _templates(config.sizes)
    for dh, dw in itertools.product(range(-config.slack, config.slack + 1), repeat=2):
        group = templates.get((height + 2 + dh, width + 2 + dw))
        if group is None:
            continue
        names, stack = group
        windows = _unit(np.lib.stride_tricks.sliding_window_view(padded, stack.shape[1:]))
        scores = np.tensordot(windows, stack, axes=([2, 3], [1, 2])).max(axis=(0, 1))  # per template
        if float(scores.max()) > score:
            best, score = names[int(np.argmax(scores))], float(scores.max())
    return best


def _unit(patches: np.ndarray) -> np.ndarray:
    """Patches (..., h, w) less their mean, scaled to unit length (flat ones stay 0)."""
    centred = patches - patches.mean(axis=(-2, -1), keepdims=True)
    norm = np.sqrt((centred**2).sum(axis=(-2, -1), keepdims=True))
    return centred / np.maximum(norm, 1e-6)


@functools.cache
def _templates(sizes: tuple[int, ...]) -> dict[tuple[int, int], tuple[list[tuple[str, int]], np.ndarray]]:
    """Every character and shape at every size, as ink cropped to its box and a blank pixel more,
    stacked by their (height, width) and normalised for correlation. Characters come at 16
    sub-pixel offsets: at 10 px a glyph is 6 px wide, and where its strokes fall between pixels
    changes it more than which letter it is does.
    """
    drawn: dict[tuple[int, int], list[tuple[tuple[str, int], np.ndarray]]] = {}
    for size in sizes:
        for char in CHARACTERS:
            fine = _render_char(char, size * _FINE)
            for dy, dx in itertools.product(range(_FINE), repeat=2):
                shifted = np.roll(fine, (dy, dx), axis=(0, 1))
                small = cv2.resize(shifted, None, fx=1 / _FINE, fy=1 / _FINE, interpolation=cv2.INTER_AREA)
                template = _cropped(small)
                drawn.setdefault(template.shape, []).append(((char, size), template))
        for shape in SHAPES:
            template = _cropped(_render_shape(shape, size))
            drawn.setdefault(template.shape, []).append(((shape, size), template))
    return {
        dims: ([name for name, _ in group], _unit(np.stack([t for _, t in group])))
        for dims, group in drawn.items()
    }


_FINE = 4  # characters are drawn this much larger, then shrunk at each sub-pixel offset


def _render_char(char: str, size: int) -> np.ndarray:
    from PIL import Image, ImageDraw, ImageFont

    from deskhand.vision.textmap import DEJAVU

    canvas = Image.new("L", (3 * size, 3 * size), 0)
    ImageDraw.Draw(canvas).text((size, size // 2), char, font=ImageFont.truetype(str(DEJAVU), size), fill=255)
    return np.asarray(canvas, np.float32) / 255.0


def _render_shape(shape: str, size: int) -> np.ndarray:
    canvas = np.zeros((3 * size, 3 * size), np.float32)
    c, half = 1.5 * size, size / 2
    if shape == "rectangle":
        canvas[int(c - half) : int(c + half), int(c - half) : int(c + half)] = 1.0
    elif shape == "circle":
        cv2.circle(canvas, (int(c * 16), int(c * 16)), int(half * 16), 1.0, -1, cv2.LINE_AA, shift=4)
    else:
        corners = np.array([(c - half, c + half), (c, c - half), (c + half, c + half)]) * 16
        cv2.fillPoly(canvas, [corners.astype(np.int32)], 1.0, cv2.LINE_AA, shift=4)
    return canvas


def _cropped(canvas: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(canvas > 0.15)
    return np.ascontiguousarray(canvas[ys.min() - 1 : ys.max() + 2, xs.min() - 1 : xs.max() + 2])
