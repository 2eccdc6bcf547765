"""Inputs a pixel policy gets besides RGB: where the utterance's key words are drawn on screen.

A small CNN cannot learn to read arbitrary words from a few thousand demonstrations, but it can
learn to click where a map lights up. `vision.textmap` makes that map from pixels alone: the words
are rendered and template matched, so no DOM or OCR model is involved. Two maps: the quoted
phrases, and the other words that are not plain instruction words (names, codes, numbers).

A sixth channel marks where the pointer was last put, as the mouse cursor shows it to a person:
without it a policy with no memory cannot tell a field it just clicked from one it has not.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import cv2
import numpy as np

from deskhand.policy.base import POINTER_KINDS, Kind
from deskhand.vision.ocr import TextBox, letters
from deskhand.vision.textmap import DEFAULT, TextMapConfig, TextMapMemo, render, text_maps, without_rules

UTTERANCE_ROWS = 50  # MiniWoB draws the utterance in the top 50 rows; words are searched below it
POINTER_HALF = 3  # the pointer mark is a 7x7 square
MAX_PHRASES = 3  # per map, to keep a step within a few milliseconds
# match scores mapped to 0 and to 255: any text on screen scores 0.2-0.4 against a phrase
FLOOR, FULL = 0.45, 0.8

_WORDS = """
a an and are as at be below between both box button by click date drag email enter ends
field fields file find flight focus folder for from go hit in input into is it item items
its labeled link list login navigate named next of on one or page password press reply
result results search sections select send shape slider spinner starts submit switch tabs
text textbox that the them then this through to tree type use user username value widget
with you your
"""
_INSTRUCTION_WORDS = frozenset(_WORDS.split())  # words that tell what to do, not what to find


def salient(utterance: str) -> tuple[list[str], list[str]]:
    """The quoted phrases, and the unquoted words that are not instruction words, in order.

    >>> salient('Select GDKkQ and click "Submit".')
    (['Submit'], ['GDKkQ'])
    """
    quoted = [q for q in re.findall(r'"([^"]*)"', utterance) if q.strip()]
    rest = re.sub(r'"[^"]*"', " ", utterance)
    words = [w.strip(".,:;!?") for w in rest.split()]
    named = [w for w in words if w and w.lower().strip("'") not in _INSTRUCTION_WORDS]
    return quoted[:MAX_PHRASES], named[:MAX_PHRASES]


def shown_text(lines: Sequence[TextBox], utterance: str) -> str | None:
    """What to type when the utterance names nothing to type: the first line read on the screen
    that the utterance does not mention ("Type the text below ..."); None if every line is in it.

    >>> said = "Type the text below into the text field and press Submit."
    >>> shown_text([TextBox("Wpe", 60, 70, 30, 12, 0.9), TextBox("Submit", 60, 150, 40, 12, 0.9)], said)
    'Wpe'
    """
    said = {letters(word) for word in utterance.split()}
    for line in lines:
        if not all(letters(word) in said for word in line.text.split()):
            return line.text.strip()
    return None


def text_channels(
    screenshot: np.ndarray, utterance: str, config: TextMapConfig = DEFAULT, memo: TextMapMemo | None = None
) -> np.ndarray:
    """(H, W, 2) uint8: where a quoted phrase, and an unquoted name, is drawn, as word-sized blobs.

    The `memo` of the episode's screen before spares matching where the screen has not changed.
    """
    gray = cv2.cvtColor(np.ascontiguousarray(screenshot), cv2.COLOR_RGB2GRAY)
    out = np.zeros((*gray.shape, 2), np.float32)
    below = without_rules(gray[UTTERANCE_ROWS:])  # a link's underline would spoil its match
    quoted, named = salient(utterance)
    texts = quoted + named
    for i, (text, scores) in enumerate(zip(texts, text_maps(below, texts, config, memo), strict=True)):
        channel = 0 if i < len(quoted) else 1
        blob = spread(scores, render(text, min(config.sizes), config.font).shape)
        np.maximum(out[UTTERANCE_ROWS:, :, channel], blob, out=out[UTTERANCE_ROWS:, :, channel])
    return np.round(255 * out).astype(np.uint8)


def spread(scores: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Match scores as blobs the size of the word: only good matches, each spread over its box.

    The raw map glows faintly over all text; a small net learned to ignore it. Keeping scores
    above FLOOR and painting each over the word's box leaves one clear spot per match.

    >>> s = np.zeros((9, 9), np.float32); s[4, 4] = 0.9; s[0, 0] = 0.3
    >>> b = spread(s, (5, 5)); float(b[3, 5]), float(b[0, 0]), float(b[7, 7])
    (1.0, 0.0, 0.0)
    """
    kept = np.clip((scores - FLOOR) / (FULL - FLOOR), 0.0, 1.0)
    if not kept.any():  # the phrase is not on this screen: nothing to spread, and no dilation to pay for
        return kept
    return cv2.dilate(kept, np.ones((max(shape[0] - 2, 1), max(shape[1] - 2, 1)), np.uint8))


def pointer_channel(height: int, width: int, kind: Kind | None, x: float, y: float) -> np.ndarray:
    """(H, W) uint8: a square where the last pointer action put the pointer; blank after other kinds."""
    out = np.zeros((height, width), np.uint8)
    if kind in POINTER_KINDS:
        col, row = int(x), int(y)
        out[
            max(row - POINTER_HALF, 0) : row + POINTER_HALF + 1,
            max(col - POINTER_HALF, 0) : col + POINTER_HALF + 1,
        ] = 255
    return out


def policy_input(
    screenshot: np.ndarray,
    utterance: str,
    kind: Kind | None = None,
    x: float = 0,
    y: float = 0,
    memo: TextMapMemo | None = None,
) -> np.ndarray:
    """The policy's full input (H, W, 6): RGB, the two text maps (`memo` as `text_channels` takes it),
    and the last pointer position."""
    height, width = screenshot.shape[:2]
    pointer = pointer_channel(height, width, kind, x, y)[..., None]
    # cv2.merge interleaves the channels in a tenth of np.concatenate's time (0.1 ms against 0.7)
    return cv2.merge(
        [np.ascontiguousarray(screenshot), text_channels(screenshot, utterance, memo=memo), pointer]
    )
