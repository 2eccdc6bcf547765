"""`deskhand gaps`: the written procedure and recordings in; the report and its screenshot crops out.

This is the I/O edge: it opens the recordings, reads their before-frames with OCR, and cuts
the crops that show each undocumented step. Everything it decides is decided in the pure parts:
procedure, scorer, alignment, report.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from deskhand.gaps.alignment import AlignConfig, align
from deskhand.gaps.base import Scorer
from deskhand.gaps.fuzzy import FuzzyScorer
from deskhand.gaps.observation import DEFAULT_READING, Observation, observe_recording
from deskhand.gaps.procedure import Procedure, ProcedureError, parse_procedure
from deskhand.gaps.report import Gap, GapReport, Occurrence, build_report
from deskhand.learn.compile import LearnConfig, Observed, observe
from deskhand.learn.skill import SkillError
from deskhand.record.format import Recording, RecordingError
from deskhand.vision.ocr import Ocr

MARK = (230, 40, 40)  # RGB: the ring on a crop where the pointer went


class GapsError(Exception):
    """Bad input to the gap finder: the message names what and why, in one line."""


@dataclass(frozen=True)
class GapsConfig:
    k: int | None = None  # report undocumented steps seen in >= k recordings; None: a majority
    align: AlignConfig = field(default_factory=AlignConfig)
    learn: LearnConfig = field(default_factory=LearnConfig)  # how targets are read, as learn reads them
    examples: int = 2  # how many recordings' crops show each undocumented step
    crop_size: tuple[int, int] = (560, 400)  # crops are shrunk to fit in this (width, height)


@dataclass(frozen=True)
class Reading:
    """One recording as read: its actions with their frames, and what OCR saw at each target."""

    path: Path
    frames: Sequence[Observed]
    seen: Sequence[Observation]


def read_recording(path: Path, ocr: Ocr, config: LearnConfig = DEFAULT_READING) -> Reading:
    """Open a recording and read every action's target; bad input is one GapsError."""
    try:
        with Recording.open(path) as recording:
            if not recording.actions:
                raise GapsError(f"{path} has no actions: nothing was done in it")
            observed = observe(recording)
            return Reading(path, observed, observe_recording(recording, observed, ocr, config))
    except (RecordingError, SkillError) as e:
        raise GapsError(str(e)) from None
    except ValueError as e:  # an action no person does (a Wait in a hand-made recording)
        raise GapsError(f"{path}: {e}") from None


def stored_procedure(path: Path) -> str:
    """The written procedure stored in a recording (`deskhand record --sop`); GapsError if there is none."""
    try:
        with Recording.open(path) as recording:
            sop = recording.meta.sop
    except RecordingError as e:
        raise GapsError(str(e)) from None
    if not sop:
        raise GapsError(f"{path} has no written procedure stored in it; give one with --sop")
    return sop


def procedure_of(sop: str) -> Procedure:
    """The parsed procedure; one GapsError if it has nothing to follow (check it before reading recordings)."""
    try:
        return parse_procedure(sop)
    except ProcedureError as e:
        raise GapsError(str(e)) from None


def find_gaps(
    sop: str, readings: Sequence[Reading], config: GapsConfig = GapsConfig(), scorer: Scorer | None = None
) -> tuple[GapReport, dict[str, np.ndarray]]:
    """The report, and its crops by file name (relative to where the report goes)."""
    procedure = procedure_of(sop)
    if not readings:
        raise GapsError("give at least one recording")
    if config.k is not None and not 1 <= config.k <= len(readings):
        raise GapsError(f"--k must be from 1 to the number of recordings ({len(readings)}), not {config.k}")
    scorer = scorer or FuzzyScorer()
    scores = [scorer.matrix(procedure.steps, r.seen) for r in readings]
    alignments = [
        align([[x.value for x in row] for row in m], procedure.steps, r.seen, config.align)
        for m, r in zip(scores, readings, strict=True)
    ]
    seen = [r.seen for r in readings]
    report = build_report(procedure, [str(r.path) for r in readings], seen, alignments, scores, config.k)
    crops: dict[str, np.ndarray] = {}
    frames = [r.frames for r in readings]
    gaps = tuple(_with_crops(g, i, frames, seen, crops, config) for i, g in enumerate(report.gaps, 1))
    return dataclasses.replace(report, gaps=gaps), crops


def _with_crops(
    gap: Gap,
    number: int,
    frames: Sequence[Sequence[Observed]],
    seen: Sequence[Sequence[Observation]],
    crops: dict[str, np.ndarray],
    config: GapsConfig,
) -> Gap:
    """Before and after crops for the first occurrence in each of up to `examples` recordings."""
    shown: set[int] = set()
    occurrences = []
    for o in gap.occurrences:
        if o.recording in shown or len(shown) >= config.examples:
            occurrences.append(o)
            continue
        shown.add(o.recording)
        observed, action = frames[o.recording][o.action], seen[o.recording][o.action]
        stem = f"crops/gap{number:02d}_rec{o.recording + 1}_action{o.action:03d}"
        crops[f"{stem}_before.png"] = cut(observed.before, action.region, config.crop_size, action.point)
        crops[f"{stem}_after.png"] = cut(observed.after, action.region, config.crop_size)
        occurrences.append(
            Occurrence(o.recording, o.action, o.description, f"{stem}_before.png", f"{stem}_after.png")
        )
    return dataclasses.replace(gap, occurrences=tuple(occurrences))


def cut(
    frame: np.ndarray,
    region: tuple[int, int, int, int],
    size: tuple[int, int],
    point: tuple[int, int] | None = None,
) -> np.ndarray:
    """The region of an (H, W, 3) RGB frame, shrunk to fit `size`, with a ring where the pointer went."""
    x, y, w, h = region
    crop = np.ascontiguousarray(frame[y : y + h, x : x + w])
    if point is not None:
        radius = max(8, min(w, h) // 12)
        cv2.circle(crop, (point[0] - x, point[1] - y), radius, MARK, 3, cv2.LINE_AA)
    scale = min(1.0, size[0] / crop.shape[1], size[1] / crop.shape[0])
    if scale < 1.0:
        shrunk = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
        crop = cv2.resize(crop, shrunk, interpolation=cv2.INTER_AREA)
    return crop
