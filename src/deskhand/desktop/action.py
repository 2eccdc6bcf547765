"""The finite, typed action vocabulary: everything deskhand can do to a screen.

Actions are frozen dataclasses that validate themselves on construction, so a bad
action fails where it is made, not halfway through a run. `to_dict`/`from_dict` are
the one serialization pair, used by recordings, skills and checkpoints alike.

>>> from_dict(to_dict(Click(10, 20, count=2)))
Click(x=10, y=20, button='left', count=2)
>>> to_dict(KeyPress("ctrl+s"))
{'kind': 'key_press', 'combo': 'ctrl+s'}
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

from deskhand.desktop.keys import parse_combo


class ActionError(ValueError):
    """An action that cannot exist: bad field, unknown kind, malformed dict."""


class ActionKind(StrEnum):
    MOVE_TO = "move_to"
    CLICK = "click"
    DRAG = "drag"
    SCROLL = "scroll"
    KEY_PRESS = "key_press"
    TYPE_TEXT = "type_text"
    WAIT = "wait"


BUTTONS = ("left", "middle", "right")


def _check_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ActionError(f"{name} must be an int, got {value!r}")


def _check_point(x: object, y: object) -> None:
    _check_int("x", x)
    _check_int("y", y)


@dataclass(frozen=True)
class MoveTo:
    x: int
    y: int
    kind: ClassVar[ActionKind] = ActionKind.MOVE_TO

    def __post_init__(self) -> None:
        _check_point(self.x, self.y)


@dataclass(frozen=True)
class Click:
    x: int
    y: int
    button: str = "left"
    count: int = 1
    kind: ClassVar[ActionKind] = ActionKind.CLICK

    def __post_init__(self) -> None:
        _check_point(self.x, self.y)
        if self.button not in BUTTONS:
            raise ActionError(f"button must be one of {BUTTONS}, got {self.button!r}")
        _check_int("count", self.count)
        if not 1 <= self.count <= 3:
            raise ActionError(f"count must be 1, 2 or 3, got {self.count}")


@dataclass(frozen=True)
class Drag:
    """Press at path[0], move through every point, release at path[-1]."""

    path: tuple[tuple[int, int], ...]
    button: str = "left"
    kind: ClassVar[ActionKind] = ActionKind.DRAG

    def __post_init__(self) -> None:
        points = self.path if isinstance(self.path, list | tuple) else ()
        if len(points) < 2 or any(not isinstance(p, list | tuple) or len(p) != 2 for p in points):
            raise ActionError(f"drag path needs at least two (x, y) points, got {self.path!r}")
        path = tuple((p[0], p[1]) for p in points)
        for x, y in path:
            _check_point(x, y)
        object.__setattr__(self, "path", path)
        if self.button not in BUTTONS:
            raise ActionError(f"button must be one of {BUTTONS}, got {self.button!r}")


@dataclass(frozen=True)
class Scroll:
    """Wheel notches at (x, y): dy > 0 scrolls down, dx > 0 scrolls right."""

    x: int
    y: int
    dx: int = 0
    dy: int = 0
    kind: ClassVar[ActionKind] = ActionKind.SCROLL

    def __post_init__(self) -> None:
        _check_point(self.x, self.y)
        _check_int("dx", self.dx)
        _check_int("dy", self.dy)
        if self.dx == 0 and self.dy == 0:
            raise ActionError("scroll needs a non-zero dx or dy")


@dataclass(frozen=True)
class KeyPress:
    """A key with optional modifiers, e.g. "ctrl+s", "alt+F4", "Tab"."""

    combo: str
    kind: ClassVar[ActionKind] = ActionKind.KEY_PRESS

    def __post_init__(self) -> None:
        if not isinstance(self.combo, str):
            raise ActionError(f"combo must be a string, got {self.combo!r}")
        try:
            parse_combo(self.combo)
        except ValueError as e:
            raise ActionError(str(e)) from None


@dataclass(frozen=True)
class TypeText:
    """Type any Unicode text. A secret has no stored value: it is filled in at run time."""

    text: str
    secret: bool = False
    kind: ClassVar[ActionKind] = ActionKind.TYPE_TEXT

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise ActionError(f"text must be a string, got {self.text!r}")
        if self.secret and self.text:
            raise ActionError("a secret TypeText carries no text; supply it at run time")

    def __repr__(self) -> str:
        shown = "'***'" if self.secret else repr(self.text)
        return f"TypeText(text={shown}, secret={self.secret})"


@dataclass(frozen=True)
class Wait:
    seconds: float
    kind: ClassVar[ActionKind] = ActionKind.WAIT

    def __post_init__(self) -> None:
        if isinstance(self.seconds, bool) or not isinstance(self.seconds, int | float):
            raise ActionError(f"seconds must be a number, got {self.seconds!r}")
        if not math.isfinite(self.seconds) or self.seconds < 0:
            raise ActionError(f"seconds must be finite and >= 0, got {self.seconds}")


Action = MoveTo | Click | Drag | Scroll | KeyPress | TypeText | Wait

ACTION_TYPES: dict[ActionKind, type[Action]] = {
    cls.kind: cls for cls in (MoveTo, Click, Drag, Scroll, KeyPress, TypeText, Wait)
}


def to_dict(action: Action) -> dict[str, Any]:
    """A plain, JSON-ready dict with a "kind" key."""
    out: dict[str, Any] = {"kind": action.kind.value}
    for field in dataclasses.fields(action):
        value = getattr(action, field.name)
        out[field.name] = [list(p) for p in value] if field.name == "path" else value
    return out


def from_dict(data: dict[str, Any]) -> Action:
    """The inverse of `to_dict`; anything malformed raises ActionError."""
    if not isinstance(data, dict):
        raise ActionError(f"an action must be a dict, got {type(data).__name__}")
    try:
        cls = ACTION_TYPES[ActionKind(str(data.get("kind")))]
    except ValueError:
        raise ActionError(f"unknown action kind {data.get('kind')!r}") from None
    fields = {f.name for f in dataclasses.fields(cls)}
    extra = set(data) - fields - {"kind"}
    if extra:
        raise ActionError(f"{cls.__name__} has no field(s) {sorted(extra)}")
    kwargs = {k: v for k, v in data.items() if k != "kind"}
    if "path" in kwargs and isinstance(kwargs["path"], list | tuple):
        kwargs["path"] = tuple(tuple(p) if isinstance(p, list | tuple) else p for p in kwargs["path"])
    try:
        return cls(**kwargs)
    except TypeError as e:
        raise ActionError(f"bad {cls.__name__}: {e}") from None
