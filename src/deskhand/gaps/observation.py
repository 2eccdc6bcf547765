"""Recorded actions as the gap finder sees them: what was done, to what (read from the pixels), where.

The words come from OCR of the screen just before the action, at its target or the label beside
it, exactly as `deskhand learn` reads them; the description is the one learn writes on a step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from deskhand.desktop.action import Action, Click, Drag, KeyPress, Scroll, TypeText
from deskhand.gaps.vocabulary import NAVIGATION_KEYS, PASTE_KEYS, key_of
from deskhand.learn.compile import LearnConfig, Observed, TargetText, describe, read_targets
from deskhand.record.event import RecordedAction, WindowInfo
from deskhand.record.format import Recording
from deskhand.vision.ocr import Ocr

Region = tuple[int, int, int, int]  # x, y, width, height on the screen
DEFAULT_READING = LearnConfig()  # targets are read as `deskhand learn` reads them


class Kind(StrEnum):
    CLICK = "click"
    TYPE = "type"
    PASTE = "paste"  # text in by the clipboard: entering text, like typing
    KEY = "key"
    DRAG = "drag"
    SCROLL = "scroll"


@dataclass(frozen=True)
class Observation:
    """One recorded action: its kind, the words on screen at its target, and where to look at it."""

    index: int  # in the recording's actions
    kind: Kind
    words: str  # OCR text at the target, or the label of the field ("" for most keys)
    description: str  # "Click 'Refund' in 'Ticket #4821 — Support Console'"
    combo: str = ""  # a key press's combo, as recorded
    typed: str = ""  # the text typed; never a secret's
    window: str = ""  # title of the window it went to
    app: str = ""  # that window's class, e.g. "Gnumeric"
    point: tuple[int, int] | None = None  # where the pointer went, or the field typed into
    region: Region = (0, 0, 0, 0)  # the part of the screen that shows it: around the point, or the window

    @property
    def enters_text(self) -> bool:
        return self.kind in (Kind.TYPE, Kind.PASTE)

    @property
    def navigates(self) -> bool:
        """A key that moves into a field or commits it: arrows, Tab, Return."""
        return self.kind == Kind.KEY and key_of(self.combo) in NAVIGATION_KEYS


def kind_of(action: Action) -> Kind:
    match action:
        case KeyPress(combo=combo) if key_of(combo) in PASTE_KEYS:
            return Kind.PASTE
        case KeyPress():
            return Kind.KEY
        case TypeText():
            return Kind.TYPE
        case Drag():
            return Kind.DRAG
        case Scroll():
            return Kind.SCROLL
        case Click():
            return Kind.CLICK
    raise ValueError(f"{action.kind.value} is not something a person does")


def region_of(
    point: tuple[int, int] | None, window: WindowInfo, screen: tuple[int, int], around: tuple[int, int]
) -> Region:
    """Around `point` if there is one, else the window, inside the screen."""
    width, height = screen
    if point is not None:
        w, h = min(around[0], width), min(around[1], height)
        x = max(0, min(point[0] - w // 2, width - w))
        y = max(0, min(point[1] - h // 2, height - h))
        return x, y, w, h
    x0, y0 = max(0, window.x), max(0, window.y)
    x1, y1 = min(width, window.x + window.width), min(height, window.y + window.height)
    if x1 - x0 < 16 or y1 - y0 < 16:
        return 0, 0, width, height
    return x0, y0, x1 - x0, y1 - y0


def observation(
    index: int,
    recorded: RecordedAction,
    read: TargetText,
    screen: tuple[int, int],
    around: tuple[int, int],
    in_field: bool = True,
) -> Observation:
    """Pure: one action and what OCR read at its target, as an Observation.

    `in_field`: typing went into the field its target names (False when a key opened a dialog
    since that field was clicked: the target is stale, so the crops show the window instead).
    """
    action = recorded.action
    point = recorded.target if in_field or isinstance(action, Click | Drag | Scroll) else None
    text, label = read[0], read[1]
    kind = kind_of(action)
    typed = action.text if isinstance(action, TypeText) and not action.secret else ""
    return Observation(
        index=index,
        kind=kind,
        words=text or label if kind != Kind.KEY else "",
        description=describe(action, text, label, recorded.window.title),
        combo=action.combo if isinstance(action, KeyPress) else "",
        typed=typed,
        window=recorded.window.title,
        app=recorded.window.wm_class,
        point=point,
        region=region_of(point, recorded.window, screen, around),
    )


def observe_recording(
    recording: Recording, observed: Sequence[Observed], ocr: Ocr, config: LearnConfig = DEFAULT_READING
) -> list[Observation]:
    """Every action of a recording, read from its before-frames (`learn.compile.observe`)."""
    display = recording.meta.display
    scale = display.scale
    around = (round(config.text_box[0] * 2 * scale), round(config.text_box[1] * 5 * scale))  # 640x320
    reads = read_targets(observed, ocr, scale, config)
    screen = (display.width, display.height)
    out, clicked_in = [], 0  # the window of the last pointer action: typing there goes into its field
    for i, (obs, read) in enumerate(zip(observed, reads, strict=True)):
        out.append(observation(i, obs.action, read, screen, around, obs.action.window.id == clicked_in))
        if isinstance(obs.action.action, Click | Drag | Scroll):
            clicked_in = obs.action.window.id
    return out
