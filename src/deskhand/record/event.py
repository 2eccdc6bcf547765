"""What a recording is made of: raw input events, and the actions derived from them.

All times are CLOCK_MONOTONIC nanoseconds (`time.monotonic_ns()`), the clock frames use too.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from deskhand.desktop.action import Action


class EventType(StrEnum):
    MOVE = "move"
    BUTTON_DOWN = "button_down"
    BUTTON_UP = "button_up"
    WHEEL = "wheel"  # one notch; `button` says which way: 4 up, 5 down, 6 left, 7 right
    KEY_DOWN = "key_down"
    KEY_UP = "key_up"


@dataclass(frozen=True)
class WindowInfo:
    """The top-level window under the pointer (mouse events) or in focus (key events)."""

    id: int = 0
    title: str = ""
    wm_class: str = ""
    x: int = 0
    y: int = 0
    width: int = 0
    height: int = 0


@dataclass(frozen=True)
class InputEvent:
    """One raw input event as the X server saw it.

    `keysym` is the one the key produced given Shift (e.g. 0x41 "A" with shift held);
    `char` is the text it types ("" for none); `modifiers` were held when it happened,
    from "shift", "ctrl", "alt", "super". A secret event keeps its type and time but
    has keycode, keysym and char blanked: the recording proves a key was pressed, not which.
    """

    t_ns: int
    type: EventType
    x: int = 0
    y: int = 0
    button: int = 0
    keycode: int = 0
    keysym: int = 0
    char: str = ""
    modifiers: tuple[str, ...] = ()
    window: WindowInfo = WindowInfo()
    secret: bool = False


@dataclass(frozen=True)
class RecordedAction:
    """An action from the vocabulary, with when it happened and what it was done to.

    `frame_index` is the index (in video order) of the last frame captured before
    `t_start_ns`; -1 until the recorder fills it in. `target` is the screen point the
    action aimed at (a click's point, a drag's start, the field text was typed into), or None.
    """

    action: Action
    t_start_ns: int
    t_end_ns: int
    window: WindowInfo = WindowInfo()
    target: tuple[int, int] | None = None
    frame_index: int = -1
