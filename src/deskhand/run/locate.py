"""Finding a step's target on the current screen, cheapest way first, and never guessing.

1. the anchor crop at the expected scale (the DPI ratio between recording and screen);
2. the anchor at nearby scales (a larger font, another DPI);
3. the target's text or label by OCR in a region around where it should be;
4. the same over the whole screen, the last resort (seconds at 1080p).
Several equally good candidates with nothing to choose between them is a miss, not a pick.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from deskhand.learn.skill import Target
from deskhand.vision.ocr import Ocr, TextBox, best_text_match, normalize
from deskhand.vision.template import Match, MatchConfig, find, find_multiscale


@dataclass(frozen=True)
class LocateConfig:
    min_score: float = 0.90  # never act on a template match below this
    min_text_ratio: float = 0.85
    nearby_scales: tuple[float, ...] = (1.25, 0.8, 1.5, 0.67, 2.0, 0.5)
    ambiguity_margin: float = 0.03  # the best must beat the second by this much, or be clearly nearest
    ocr_region: tuple[int, int] = (900, 360)  # region read around the expected point, at DPI scale 1


@dataclass(frozen=True)
class Located:
    point: tuple[int, int]
    box: tuple[int, int, int, int]
    score: float
    method: str  # "template", "multiscale", "ocr-region", "ocr-screen"


@dataclass(frozen=True)
class Miss:
    """Why nothing was found, with the best candidate seen, for the escalation report."""

    reason: str
    best_box: tuple[int, int, int, int] | None = None
    best_score: float = 0.0


def _choose(candidates: Sequence[Match], expected: tuple[int, int] | None, margin: float) -> Match | str:
    """One candidate, or the reason there is none we may act on."""
    if not candidates:
        return "no match"
    if len(candidates) == 1:
        return candidates[0]
    if expected is not None:
        ranked = sorted(candidates, key=lambda m: math.dist(m.center, expected))
        near, far = math.dist(ranked[0].center, expected), math.dist(ranked[1].center, expected)
        if far > 2 * near + 20:
            return ranked[0]
    if candidates[0].score - candidates[1].score >= margin:
        return candidates[0]
    return f"{len(candidates)} equally good matches"


def _point(match: Match, target: Target) -> tuple[int, int]:
    return (match.x + round(target.point[0] * match.scale), match.y + round(target.point[1] * match.scale))


def by_template(
    frame: np.ndarray,
    template: np.ndarray,
    target: Target,
    ratio: float,
    expected: tuple[int, int] | None,
    config: LocateConfig,
) -> Located | Miss:
    match_config = MatchConfig(min_score=config.min_score)
    for method, candidates in (
        ("template", lambda: find(frame, template, ratio, config=match_config)),
        (
            "multiscale",
            lambda: find_multiscale(
                frame, template, [ratio * s for s in config.nearby_scales], config=match_config
            ),
        ),
    ):
        chosen = _choose(candidates(), expected, config.ambiguity_margin)
        if not isinstance(chosen, str):
            return Located(
                _point(chosen, target),
                (chosen.x, chosen.y, chosen.width, chosen.height),
                chosen.score,
                method,
            )
        if chosen != "no match":
            return Miss(f"{method}: {chosen}")
    return Miss("no template match")


def best_candidate(frame: np.ndarray, template: np.ndarray, ratio: float) -> Miss:
    """The best match at any score, to show a person what deskhand saw."""
    found = find(frame, template, ratio, config=MatchConfig(min_score=0.0, max_candidates=1))
    if not found:
        return Miss("no candidate")
    m = found[0]
    return Miss("best candidate below the confidence threshold", (m.x, m.y, m.width, m.height), m.score)


def _text_point(box: TextBox, target: Target, ratio: float) -> tuple[int, int]:
    scale = box.height / target.text_height if target.text_height else ratio
    dx, dy = target.label_offset
    return (box.center[0] + round(dx * scale), box.center[1] + round(dy * scale))


def _inside(a: TextBox, b: TextBox) -> bool:
    return b.x <= a.x and b.y <= a.y and a.x + a.width <= b.x + b.width and a.y + a.height <= b.y + b.height


def lines(words: Sequence[TextBox]) -> list[TextBox]:
    """Words on one row joined left to right: OCR splits a menu bar into words, a label may span them."""
    rows: list[list[TextBox]] = []
    for word in sorted(words, key=lambda b: (b.center[1], b.x)):
        row = next((r for r in rows if abs(r[0].center[1] - word.center[1]) <= r[0].height / 2), None)
        if row is None:
            rows.append([word])
        else:
            row.append(word)
    out = []
    for row in rows:
        if len(row) < 2:
            continue
        row.sort(key=lambda b: b.x)
        x0, y0 = min(b.x for b in row), min(b.y for b in row)
        x1, y1 = max(b.x + b.width for b in row), max(b.y + b.height for b in row)
        text = " ".join(b.text for b in row)
        out.append(TextBox(text, x0, y0, x1 - x0, y1 - y0, min(b.score for b in row)))
    return out


def by_text(
    frame: np.ndarray,
    ocr: Ocr,
    target: Target,
    ratio: float,
    around: tuple[int, int] | None,
    config: LocateConfig,
) -> Located | Miss:
    """OCR for the target's text (or its label) near `around`, or on the whole screen if None."""
    query = target.text or target.label
    if not query:
        return Miss("the target has no text to look for")
    h, w = frame.shape[:2]
    if around is None:
        x, y, rw, rh, method = 0, 0, w, h, "ocr-screen"
    else:
        rw, rh = (min(w, int(v * ratio)) for v in config.ocr_region)
        x = max(0, min(around[0] - rw // 2, w - rw))
        y = max(0, min(around[1] - rh // 2, h - rh))
        method = "ocr-region"
    words = ocr.read(frame[y : y + rh, x : x + rw], offset=(x, y))
    boxes = [*words, *lines(words)]
    box = best_text_match(boxes, query, config.min_text_ratio)
    if box is None:
        return Miss(f"{method}: no text like {query!r}")
    same = [b for b in boxes if best_text_match([b], query, config.min_text_ratio) is not None]
    wanted = normalize(query)
    containing = [b for b in same if wanted in normalize(b.text)]
    same = (
        [b for b in containing if normalize(b.text) == wanted] or containing or same
    )  # "Save" is not "Save as..."
    same = [
        b for b in same if not any(o is not b and _inside(b, o) for o in same)
    ]  # a word inside its own line
    if len(same) == 1:
        box = same[0]
    if len(same) > 1 and around is not None:
        same.sort(key=lambda b: math.dist(b.center, around))
        if math.dist(same[1].center, around) <= 2 * math.dist(same[0].center, around) + 20:
            return Miss(f"{method}: {len(same)} places read {query!r}")
        box = same[0]
    elif len(same) > 1:
        return Miss(f"{method}: {len(same)} places read {query!r}")
    return Located(_text_point(box, target, ratio), (box.x, box.y, box.width, box.height), box.score, method)
