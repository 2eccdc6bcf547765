"""Find a target crop on a screen: coarse-to-fine normalized correlation, a few ms per search.

Full-frame `cv2.matchTemplate` costs ~40-60 ms at 1080p. Here frame and template go down
a pyramid by a power of two `f` (the template keeps >= `coarse_min_side` px), the coarse
score map yields up to `coarse_peaks` peaks, and each is followed one level finer at a time
in a small window, down to full resolution. The reported score is always the
full-resolution one, so thresholds mean the same at every `f`.

Limits: the coarse level sees a button's shape, not its text. With more look-alikes on
screen than `coarse_peaks` (a table of identical "Edit" buttons...), the target can be
missed; pass a `region`. Labels differing in one character ("Save1"/"Save2") can both score
above `min_score`; confirm with OCR.

Scoring, all in 0..1 (higher is better):

- textured templates: gray TM_CCOEFF_NORMED. It ignores brightness and contrast, so a
  button captured while hovered still matches the plain button.
- flat templates (gray std below `flat_std`, where CCOEFF is undefined): one minus the
  RMS gray difference, scaled by `colour_weight`.
- both are then capped by a colour check, `1 - colour_weight * d / 255`, where `d` is the
  per-pixel mean absolute RGB difference after removing the mean *gray* offset between
  window and template. A uniform brightness change (hover) costs almost nothing; a
  different hue with the same gray levels costs a lot.

>>> frame = np.full((60, 80, 3), 230, np.uint8)
>>> frame[20:36, 30:54] = (40, 90, 200)
>>> frame[24:32, 34:50] = 250
>>> template = frame[18:38, 28:56].copy()
>>> [(m.x, m.y, m.width, m.height) for m in find(frame, template)]
[(28, 18, 28, 20)]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

MAX_PLATEAU = 4096  # coarse local maxima kept before NMS (a flat template on a flat area ties everywhere)


@dataclass(frozen=True)
class Match:
    """A place on the searched frame that looks like the template, in frame pixels."""

    x: int
    y: int
    width: int
    height: int
    score: float  # full-resolution score, 0..1
    scale: float  # template scale at which it was found

    @property
    def center(self) -> tuple[int, int]:
        """Where to click: the middle of the matched box.

        >>> Match(10, 20, 70, 20, 0.99, 1.0).center
        (45, 30)
        """
        return self.x + self.width // 2, self.y + self.height // 2


@dataclass(frozen=True)
class MatchConfig:
    """Thresholds of `find`; the defaults suit UI widgets on screenshots."""

    min_score: float = 0.90  # below this a candidate is not returned
    max_candidates: int = 5
    colour_weight: float = 2.0  # score lost per unit of mean colour difference (0..1)
    flat_std: float = 1.0  # a template whose gray std is below this is "flat"
    # the coarse level: f is the largest power of two <= max_coarse_factor that keeps ...
    coarse_min_side: int = 5  # ... the template's shorter side >= this many px
    coarse_min_area: int = 32  # ... its core (all but a 1 px border) >= this many px
    coarse_contrast: float = 0.35  # ... and this share of its gray std (fine detail blurs away)
    max_coarse_factor: int = 8
    coarse_slack: float = 0.25  # coarse candidates down to min_score - slack are followed
    coarse_peaks: int = 64  # candidates taken from the coarse level, best first
    refine_peaks: int = 12  # candidates kept after each intermediate level
    refine_margin: int = 6  # search window around each candidate at each finer level, in full-res px

    def __post_init__(self) -> None:
        if min(self.max_candidates, self.coarse_peaks, self.refine_peaks) < 1:
            raise ValueError("max_candidates, coarse_peaks and refine_peaks must be at least 1")
        if self.coarse_min_side < 1 or self.max_coarse_factor < 1:
            raise ValueError("coarse_min_side and max_coarse_factor must be at least 1")


@dataclass(frozen=True)
class _Template:
    """A template prepared for one search: its pixels at the search scale, and their gray."""

    rgb: np.ndarray  # (h, w, 3) uint8
    gray: np.ndarray  # (h, w) uint8
    std: float  # of gray
    flat: bool

    @property
    def size(self) -> tuple[int, int]:
        return int(self.gray.shape[1]), int(self.gray.shape[0])


def find(
    frame: np.ndarray,
    template: np.ndarray,
    scale: float = 1.0,
    region: tuple[int, int, int, int] | None = None,
    config: MatchConfig = MatchConfig(),
) -> list[Match]:
    """Places in `frame` (RGB uint8) that look like `template` resized by `scale`.

    `region` (x, y, w, h) limits the search; it is clipped to the frame, and the matches
    are still in frame coordinates. Best first, non-overlapping, at most
    `config.max_candidates`, all scoring >= `config.min_score`. Returns [] when the
    template does not fit in the searched area.
    """
    _check_rgb(frame, "frame")
    _check_rgb(template, "template")
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    x0, y0, area = _clip_region(frame, region)
    tpl = _prepare(template, scale, config)
    if tpl is None or area.shape[0] < tpl.gray.shape[0] or area.shape[1] < tpl.gray.shape[1]:
        return []
    w, h = tpl.size
    hits = [
        Match(x + x0, y + y0, w, h, min(score, _colour_score(area[y : y + h, x : x + w], tpl, config)), scale)
        for x, y, score in _search(cv2.cvtColor(area, cv2.COLOR_RGB2GRAY), tpl, config)
        if score >= config.min_score
    ]
    return _non_overlapping([hit for hit in hits if hit.score >= config.min_score], config.max_candidates)


def find_multiscale(
    frame: np.ndarray,
    template: np.ndarray,
    scales: Sequence[float],
    region: tuple[int, int, int, int] | None = None,
    config: MatchConfig = MatchConfig(),
) -> list[Match]:
    """`find` at each scale, merged: best first, non-overlapping.

    Put the expected scale first: on equal scores the earlier scale wins.
    """
    hits = [match for s in scales for match in find(frame, template, s, region, config)]
    return _non_overlapping(hits, config.max_candidates)


# --- preparing the inputs ------------------------------------------------------------------


def _check_rgb(image: np.ndarray, name: str) -> None:
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"{name} must be an (H, W, 3) uint8 RGB array, got {image.dtype} {image.shape}")


def _clip_region(frame: np.ndarray, region: tuple[int, int, int, int] | None) -> tuple[int, int, np.ndarray]:
    """The part of `frame` to search, and its top-left corner on the frame."""
    height, width = frame.shape[:2]
    if region is None:
        return 0, 0, frame
    x, y, w, h = region
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(width, x + w), min(height, y + h)
    return x0, y0, frame[y0 : max(y0, y1), x0 : max(x0, x1)]


def _prepare(template: np.ndarray, scale: float, config: MatchConfig) -> _Template | None:
    """The template at `scale`: INTER_AREA when shrinking (no aliasing), INTER_CUBIC when growing."""
    h, w = template.shape[:2]
    size = (round(w * scale), round(h * scale))
    if min(size) < 1 or min(w, h) < 1:
        return None
    if size != (w, h):
        interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
        template = cv2.resize(template, size, interpolation=interpolation)
    gray = cv2.cvtColor(template, cv2.COLOR_RGB2GRAY)
    std = float(gray.std())
    return _Template(np.ascontiguousarray(template), gray, std, std < config.flat_std)


def _coarse_factor(size: tuple[int, int], config: MatchConfig) -> int:
    """The largest power of two f that leaves the template distinct at 1/f.

    At 1/f its shorter side keeps >= coarse_min_side px, and the part matched there (all
    but a 1 px border) keeps >= coarse_min_area px: fewer match noise anywhere.

    >>> _coarse_factor((70, 20), MatchConfig()), _coarse_factor((12, 12), MatchConfig())
    (4, 1)
    >>> _coarse_factor((70, 20), MatchConfig(coarse_min_side=10)), _coarse_factor((24, 24), MatchConfig())
    (2, 2)
    """
    factor = 1
    while factor * 2 <= config.max_coarse_factor:
        w, h = size[0] // (factor * 2), size[1] // (factor * 2)
        if min(w, h) < config.coarse_min_side or (w - 2) * (h - 2) < config.coarse_min_area:
            break
        factor *= 2
    return factor


def _pyramid(gray: np.ndarray, factor: int) -> list[np.ndarray]:
    """A Gaussian pyramid: `gray` at full resolution, then halved (cv2.pyrDown) down to 1/`factor`.

    Blurring before each halving keeps coarse scores stable whatever the template's offset
    modulo `factor`; plain 2x2 averaging loses thin text strokes to that phase. The halved
    levels start from a crop to a multiple of `factor`, so each is exactly half the one before.
    """
    levels = [gray]
    h, w = gray.shape
    current = gray[: h // factor * factor, : w // factor * factor]
    while factor > 1:
        current = cv2.pyrDown(current)
        levels.append(current)
        factor //= 2
    return levels


def _core(templs: Sequence[np.ndarray], level: int) -> tuple[np.ndarray, int]:
    """The template to match at `level`, and the border cut from each side of it.

    The pyramid's blur mixes pixels from outside a template into its coarse border, and
    outside is unknown (in the frame it is whatever surrounds the target), so coarse levels
    match without their outermost pixel.
    """
    templ = templs[level]
    border = 1 if level > 0 and min(templ.shape) >= 5 else 0
    return np.ascontiguousarray(
        templ[border : templ.shape[0] - border, border : templ.shape[1] - border]
    ), border


# --- searching ----------------------------------------------------------------------------


def _search(gray: np.ndarray, tpl: _Template, config: MatchConfig) -> list[tuple[int, int, float]]:
    """Candidate top-left corners (x, y, gray score) on `gray`, found coarse to fine.

    Peaks of the coarsest level are followed one level finer at a time, each in a small
    window; between levels only the best `refine_peaks` go on.
    """
    factor = _coarse_factor(tpl.size, config)
    templs = _pyramid(tpl.gray, factor)  # full resolution first
    while (
        factor > 1
        and not tpl.flat
        and _core(templs, len(templs) - 1)[0].std() < config.coarse_contrast * tpl.std
    ):
        factor //= 2  # the coarse level blurred away what makes this template distinct
        templs = templs[:-1]
    images = _pyramid(gray, factor)
    found = _peaks(images[-1], *_core(templs, len(templs) - 1), tpl.flat, factor, config)
    for level in range(len(images) - 2, -1, -1):
        margin = max(2, -(-config.refine_margin // 2**level))  # refine_margin full-res px, rounded up
        found = _refine(images[level], *_core(templs, level), found, margin, tpl.flat, config)
        if level > 0:
            found = found[: config.refine_peaks]
    return found


# --- scoring -------------------------------------------------------------------------------


def _score_map(image: np.ndarray, templ: np.ndarray, flat: bool, colour_weight: float) -> np.ndarray:
    """Similarity of `templ` at every position of `image` (both gray uint8), higher is better."""
    if not flat:
        return cv2.matchTemplate(image, templ, cv2.TM_CCOEFF_NORMED)
    sqdiff = cv2.matchTemplate(image, templ, cv2.TM_SQDIFF)
    rms = np.sqrt(np.maximum(sqdiff, 0) / templ.size)
    return 1.0 - colour_weight * rms / 255.0


def _colour_score(window: np.ndarray, tpl: _Template, config: MatchConfig) -> float:
    """1 minus the mean RGB difference between `window` and the template, brightness offset removed.

    Removing the mean gray offset forgives hover highlights; a hue change keeps its cost.
    """
    offset = float(cv2.cvtColor(window, cv2.COLOR_RGB2GRAY).mean()) - float(tpl.gray.mean())
    difference = float(np.abs(window.astype(np.float32) - tpl.rgb - offset).mean())
    return float(np.clip(1.0 - config.colour_weight * difference / 255.0, 0.0, 1.0))


def _peaks(
    image: np.ndarray, templ: np.ndarray, border: int, flat: bool, factor: int, config: MatchConfig
) -> list[tuple[int, int, float]]:
    """Template top-left corners (x, y, score) on the coarsest level worth following, best first.

    `templ` is the template's core, `border` px in from its corner. Peaks closer than half
    the template size are one peak.
    """
    th, tw = templ.shape
    if image.shape[0] < th or image.shape[1] < tw:
        return []
    scores = _score_map(image, templ, flat, config.colour_weight)  # (H - th + 1, W - tw + 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * (tw // 2) + 1, 2 * (th // 2) + 1))
    floor = config.min_score - config.coarse_slack if factor > 1 else config.min_score
    index = np.flatnonzero((scores >= cv2.dilate(scores, kernel)) & (scores >= floor))
    values = scores.ravel()[index]
    if index.size > MAX_PLATEAU:
        keep = np.argpartition(-values, MAX_PLATEAU)[:MAX_PLATEAU]
        index, values = index[keep], values[keep]
    order = np.argsort(-values, kind="stable")
    ys, xs = np.divmod(index[order], scores.shape[1])
    suppressed = np.zeros(order.size, dtype=bool)
    peaks: list[tuple[int, int, float]] = []
    for i in range(order.size):
        if suppressed[i]:
            continue
        peaks.append((int(xs[i]) - border, int(ys[i]) - border, float(values[order[i]])))
        if len(peaks) == config.coarse_peaks:
            break
        suppressed |= (np.abs(xs - xs[i]) * 2 < tw) & (np.abs(ys - ys[i]) * 2 < th)
    return peaks


def _refine(
    image: np.ndarray,
    templ: np.ndarray,
    border: int,
    coarse: Sequence[tuple[int, int, float]],
    margin: int,
    flat: bool,
    config: MatchConfig,
) -> list[tuple[int, int, float]]:
    """Follow each candidate of the level above (half this resolution) to its best spot here.

    A best spot on the window's edge may have a better one just past it (a coarse peak can
    be off by more than the margin on a low, repetitive texture), so the window moves there
    and looks again, a few times at most. Best first; candidates that converge on one spot
    are kept once.
    """
    th, tw = templ.shape
    height, width = image.shape
    best: dict[tuple[int, int], float] = {}
    for cx, cy, _ in coarse:
        x, y, score = 2 * cx, 2 * cy, None
        for _ in range(4):
            x0, y0 = max(0, x + border - margin), max(0, y + border - margin)
            x1, y1 = min(width, x + border + tw + margin), min(height, y + border + th + margin)
            if x1 - x0 < tw or y1 - y0 < th:
                break
            scores = _score_map(image[y0:y1, x0:x1], templ, flat, config.colour_weight)
            _, score, _, (bx, by) = cv2.minMaxLoc(scores)
            found = (bx + x0 - border, by + y0 - border)
            settled = found == (x, y) or (0 < bx < scores.shape[1] - 1 and 0 < by < scores.shape[0] - 1)
            x, y = found
            if settled:
                break
        if score is not None:
            best[(x, y)] = float(score)
    return sorted(((x, y, s) for (x, y), s in best.items()), key=lambda c: -c[2])


def _non_overlapping(hits: Sequence[Match], limit: int) -> list[Match]:
    """Greedy NMS: the best match wins, any match overlapping a kept one is dropped."""
    kept: list[Match] = []
    for hit in sorted(hits, key=lambda m: -m.score):  # stable: on ties the earlier hit wins
        if not any(_overlap(hit, other) for other in kept):
            kept.append(hit)
            if len(kept) == limit:
                break
    return kept


def _overlap(a: Match, b: Match) -> bool:
    return a.x < b.x + b.width and b.x < a.x + a.width and a.y < b.y + b.height and b.y < a.y + a.height
