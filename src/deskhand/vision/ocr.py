"""Read text in small screen regions with rapidocr's packaged ONNX models, offline.

Full-frame OCR takes seconds; a button-sized crop takes tens of milliseconds, so callers
OCR only the regions they care about and pass `offset` to get screen coordinates back.

rapidocr's detector by default scales an image up until its *shorter* side is 736 px
(a 300x60 crop becomes 3680x736, ~0.6 s). UI text is already screen-sized, so `Ocr` only
ever scales down (longest side at most `OcrConfig.max_side`) and upscales small text x2
itself; that is what makes a 300x60 crop cost ~20 ms.

>>> normalize("  Customer   E-mail: ")
'customer e-mail'
>>> best_text_match([TextBox("Customer email", 10, 10, 120, 16, 0.99)], "Email").text
'Customer email'
"""

from __future__ import annotations

import logging
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from importlib import resources
from pathlib import Path
from typing import Any

import cv2
import numpy as np

ROUTINE_MESSAGES = ("The text detection result is empty",)  # rapidocr warns on every text-free crop


@dataclass(frozen=True)
class TextBox:
    """One line of text, boxed in the coordinates of the image read (plus the offset)."""

    text: str
    x: int
    y: int
    width: int
    height: int
    score: float  # recognizer confidence, 0..1

    @property
    def center(self) -> tuple[int, int]:
        """Where to click on the text.

        >>> TextBox("OK", 10, 20, 30, 10, 0.9).center
        (25, 25)
        """
        return self.x + self.width // 2, self.y + self.height // 2


@dataclass(frozen=True)
class OcrConfig:
    """How `Ocr` reads; the defaults suit UI text of 10-30 px."""

    min_score: float = 0.5  # lines the recognizer is less sure of are dropped
    upscale_below: int = 24  # images lower than this are read at x2 (small UI text reads better)
    max_side: int = 2000  # larger images are shrunk to this longest side before detection
    threads: int = (
        1  # onnxruntime intra-op threads; 0 = one per core (slower on small crops, starves the app)
    )


class Ocr:
    """Loads rapidocr's packaged ONNX models once per instance (never from a hub).

    The model files are those inside the installed rapidocr wheel; rapidocr loads them
    lazily, so the first `read` costs a few hundred ms more than the rest.
    """

    def __init__(self, config: OcrConfig = OcrConfig()) -> None:
        from rapidocr import RapidOCR  # imported here: ~0.5 s, and only OCR users pay it

        self.config = config
        models = packaged_models()
        logging.getLogger("RapidOCR").addFilter(_drop_routine)  # idempotent: same filter object
        params: dict[str, Any] = {
            "Global.log_level": "warning",
            "Global.text_score": config.min_score,
            "Global.use_cls": False,  # UI text is upright; skips a model and a pass
            "Det.model_path": str(models["det"]),
            "Det.limit_type": "max",
            "Det.limit_side_len": config.max_side,
            "Rec.model_path": str(models["rec"]),
            "EngineConfig.onnxruntime.intra_op_num_threads": config.threads or -1,
        }
        if "cls" in models:
            params["Cls.model_path"] = str(models["cls"])
        self._engine = RapidOCR(params=params)

    def read(self, image: np.ndarray, offset: tuple[int, int] = (0, 0)) -> list[TextBox]:
        """Text lines in `image` (RGB uint8), in reading order, boxes moved by `offset` (x, y)."""
        if image.size == 0 or int(image.min()) == int(image.max()):
            return []  # blank: nothing to read, and no need to run a model to learn that
        factor = 2 if image.shape[0] < self.config.upscale_below else 1
        if factor > 1:
            image = cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
        bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR) if image.ndim == 3 else image
        # RapidOCROutput, or a partial output when nothing was found. The steps are named on every
        # call: rapidocr keeps those of the last call, and `read_line` leaves detection off.
        result: Any = self._engine(bgr, use_det=True, use_cls=False, use_rec=True)
        texts, quads, scores = (getattr(result, name, None) for name in ("txts", "boxes", "scores"))
        if texts is None or quads is None or scores is None:
            return []
        height, width = image.shape[:2]
        boxes = [
            _text_box(str(text), quad, float(score), (width, height), factor, offset)
            for text, quad, score in zip(texts, quads, scores, strict=True)
            if str(text).strip()
        ]
        return reading_order(boxes)

    def read_line(self, image: np.ndarray) -> tuple[str, float]:
        """The text of an image holding one line, and the recognizer's confidence; ("", 0.0) if
        blank. Nothing is looked for first: the detector misses a short line in a small crop (a
        slider's "54" with 8 px of margin), and a place found before needs no finding.
        """
        if image.size == 0 or int(image.min()) == int(image.max()):
            return "", 0.0
        bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
        result: Any = self._engine(bgr, use_det=False, use_cls=False, use_rec=True)
        texts, scores = getattr(result, "txts", None), getattr(result, "scores", None)
        if not texts or not scores:
            return "", 0.0
        return str(texts[0]), float(scores[0])


def packaged_models() -> dict[str, Path]:
    """The .onnx files inside the installed rapidocr package, by task ("det", "rec", "cls")."""
    folder = Path(str(resources.files("rapidocr") / "models"))
    found: dict[str, Path] = {}
    for path in sorted(folder.glob("*.onnx")):
        for task in ("det", "rec", "cls"):
            if f"_{task}" in path.name:
                found.setdefault(task, path)
    missing = {"det", "rec"} - found.keys()
    if missing:
        raise FileNotFoundError(
            f"rapidocr ships no {'/'.join(sorted(missing))} model in {folder}; "
            "reinstall it: pip install --force-reinstall 'rapidocr>=3.4,<4'"
        )
    return found


def _drop_routine(record: logging.LogRecord) -> bool:
    return not any(message in record.getMessage() for message in ROUTINE_MESSAGES)


def _text_box(
    text: str,
    quad: np.ndarray,
    score: float,
    size: tuple[int, int],
    factor: int,
    offset: tuple[int, int],
) -> TextBox:
    """The axis-aligned box around a detected quadrilateral, back in caller coordinates."""
    width, height = size
    xs, ys = np.asarray(quad, dtype=np.float64)[:, 0], np.asarray(quad, dtype=np.float64)[:, 1]
    x0, y0 = max(0, math.floor(xs.min())), max(0, math.floor(ys.min()))
    x1, y1 = min(width, math.ceil(xs.max())), min(height, math.ceil(ys.max()))
    x0, y0, x1, y1 = x0 // factor, y0 // factor, -(-x1 // factor), -(-y1 // factor)
    return TextBox(text.strip(), x0 + offset[0], y0 + offset[1], x1 - x0, y1 - y0, score)


def reading_order(boxes: Sequence[TextBox]) -> list[TextBox]:
    """Top to bottom, then left to right within a line.

    Boxes whose vertical centres are within half a line height of a line's first box
    belong to that line.

    >>> boxes = [TextBox("b", 60, 12, 20, 10, 1), TextBox("c", 0, 40, 20, 10, 1), TextBox("a", 0, 10, 20, 10, 1)]
    >>> [box.text for box in reading_order(boxes)]
    ['a', 'b', 'c']
    """
    lines: list[list[TextBox]] = []
    for box in sorted(boxes, key=lambda b: b.y + b.height / 2):
        if lines:
            first = lines[-1][0]
            if abs((box.y + box.height / 2) - (first.y + first.height / 2)) <= first.height / 2:
                lines[-1].append(box)
                continue
        lines.append([box])
    return [box for line in lines for box in sorted(line, key=lambda b: b.x)]


def normalize(text: str) -> str:
    """Text as compared: Unicode-folded, lower case, single spaces, no punctuation at the ends.

    >>> normalize("Ｓａｖｅ…")
    'save'
    """
    folded = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    start, end = 0, len(folded)
    while start < end and _is_punctuation(folded[start]):
        start += 1
    while end > start and _is_punctuation(folded[end - 1]):
        end -= 1
    return folded[start:end].strip()


_LATIN = str.maketrans({"æ": "ae", "ø": "o", "œ": "oe", "ß": "ss", "ł": "l", "đ": "d", "þ": "th", "ı": "i"})


def letters(text: str) -> str:
    """Only the letters and digits, folded to lower-case ASCII: what OCR reads reliably.

    OCR reads Æ as "AE" or "/E" and ø as "o" as often as not, so both sides of a comparison fold.

    >>> letters("Søren Ægidius, 42 €")
    'sorenaegidius42'
    """
    folded = unicodedata.normalize("NFKD", text.lower().translate(_LATIN))
    return "".join(c for c in folded if c.isascii() and c.isalnum())


def _is_punctuation(char: str) -> bool:
    return unicodedata.category(char).startswith("P")


def best_text_match(boxes: Sequence[TextBox], query: str, min_ratio: float = 0.8) -> TextBox | None:
    """The box whose text best matches `query`, fuzzily and ignoring case; None below `min_ratio`.

    A box also matches when the query is (nearly) a part of its text ("Email" in "Customer
    email"); on equal scores the box whose whole text is closest wins, so "Save" prefers a
    "Save" button to "Save as...".

    >>> boxes = [TextBox("Save as...", 0, 0, 60, 12, 0.9), TextBox("Save", 0, 20, 30, 12, 0.9)]
    >>> best_text_match(boxes, "save").y
    20
    >>> best_text_match(boxes, "Cancel") is None
    True
    """
    wanted = normalize(query)
    if not wanted:
        return None
    best: tuple[float, float, float] | None = None
    found: TextBox | None = None
    for box in boxes:
        text = normalize(box.text)
        if not text:
            continue
        whole = SequenceMatcher(None, wanted, text).ratio()
        key = (max(whole, _partial_ratio(wanted, text)), whole, box.score)
        if key[0] >= min_ratio and (best is None or key > best):
            best, found = key, box
    return found


def _partial_ratio(wanted: str, text: str) -> float:
    """How well `wanted` matches its best-aligned part of a longer `text` (1.0 for a substring).

    >>> _partial_ratio("email", "customer emall")
    0.8
    """
    if wanted in text:
        return 1.0
    n = len(wanted)
    if len(text) <= n:
        return 0.0
    return max(SequenceMatcher(None, wanted, text[i : i + n]).ratio() for i in range(len(text) - n + 1))
