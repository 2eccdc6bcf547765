"""From raw input events to actions: press and release become a Click, a run of keys a TypeText.

Pure: events in, actions out, every threshold in `MergeConfig`. The live recorder asks
`continues_text` whether a key starts a new action; `merge_events` groups keys with
that same predicate, so the recorder's action boundaries and the merged actions agree.

>>> from deskhand.record.event import EventType, InputEvent
>>> down = InputEvent(0, EventType.BUTTON_DOWN, 10, 20, button=1)
>>> up = InputEvent(90_000_000, EventType.BUTTON_UP, 11, 20, button=1)
>>> [recorded.action for recorded in merge_events([down, up])]
[Click(x=10, y=20, button='left', count=1)]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from Xlib import XK

from deskhand.desktop.action import Action, ActionError, Click, Drag, KeyPress, Scroll, TypeText
from deskhand.desktop.keys import MODIFIER_KEYSYMS, char_keysym, keysym_char, keysym_name
from deskhand.record.event import EventType, InputEvent, RecordedAction

NS_PER_S = 1_000_000_000
BUTTON_NAMES = {1: "left", 2: "middle", 3: "right"}
WHEEL_STEPS = {4: (0, -1), 5: (0, 1), 6: (-1, 0), 7: (1, 0)}  # wheel button -> (dx, dy) of one notch
MAX_CLICKS = 3  # toolkits count no further: a fourth quick click is a new single click
CHORD_MODIFIERS = frozenset({"ctrl", "alt", "super"})  # held with a key, it types no text
COMBO_ORDER = ("ctrl", "alt", "shift", "super")
UNSHIFTED = {
    XK.XK_ISO_Left_Tab: XK.XK_Tab
}  # keysyms Shift makes of a key, undone since "shift" is in the combo
MOUSE_ACTION_EVENTS = frozenset({EventType.BUTTON_DOWN, EventType.BUTTON_UP, EventType.WHEEL})


@dataclass(frozen=True)
class MergeConfig:
    """Thresholds that tell one gesture from two; the defaults match common desktop settings."""

    double_click_s: float = 0.4  # max interval between the downs of a multi-click
    double_click_px: int = 4  # max distance between them
    drag_min_px: int = 6  # press->release displacement at or above this is a drag
    scroll_gap_s: float = 0.6  # wheel notches further apart in time start a new Scroll
    scroll_px: int = 8  # ... or further from the first notch
    drag_points: int = 16  # a Drag's path keeps at most this many points (first and last always kept)

    def __post_init__(self) -> None:
        if self.drag_points < 2:
            raise ValueError(f"drag_points must be at least 2 (start and end), got {self.drag_points}")


# --- what a key event is -------------------------------------------------------------------


def is_modifier_key(event: InputEvent) -> bool:
    """A Shift/Ctrl/Alt/Super/AltGr key itself: it belongs to no action, only to others' modifiers."""
    return (
        event.type in (EventType.KEY_DOWN, EventType.KEY_UP)
        and not event.secret
        and event.keysym in MODIFIER_KEYSYMS
    )


def _chorded(event: InputEvent) -> bool:
    return not CHORD_MODIFIERS.isdisjoint(event.modifiers)


def _is_text_key(event: InputEvent) -> bool:
    """A plain key_down that types its printable `char` (Shift is already folded into it)."""
    return (
        event.type == EventType.KEY_DOWN
        and not event.secret
        and event.char != ""
        and event.char.isprintable()
        and not _chorded(event)
    )


def _is_backspace(event: InputEvent) -> bool:
    return (
        event.type == EventType.KEY_DOWN
        and not event.secret
        and event.keysym == XK.XK_BackSpace
        and not _chorded(event)
    )


def _edits_text(event: InputEvent) -> bool:
    """A key that types into or erases from a plain text run."""
    return _is_text_key(event) or _is_backspace(event)


def _is_run_key(event: InputEvent) -> bool:
    """A key_down that starts or extends a TypeText run, plain or secret."""
    return _edits_text(event) or (event.type == EventType.KEY_DOWN and event.secret)


def continues_text(previous: InputEvent | None, event: InputEvent) -> bool:
    """Does key_down `event` only extend the text run `previous` belongs to, starting no new action?

    `previous` is the last key_down that was not a modifier key (see `is_modifier_key`),
    or None when there was none or a mouse button or wheel event came since. Plain
    text keys and BackSpaces continue each other; secret keys continue secret keys only.
    Modifier keys return False: they neither start nor extend an action.

    >>> from deskhand.record.event import EventType, InputEvent
    >>> a, b = (InputEvent(t, EventType.KEY_DOWN, keysym=ord(c), char=c) for t, c in enumerate("ab"))
    >>> continues_text(a, b), continues_text(None, b)
    (True, False)
    """
    if previous is None or previous.type != EventType.KEY_DOWN or event.type != EventType.KEY_DOWN:
        return False
    if previous.secret or event.secret:
        return previous.secret and event.secret
    return _edits_text(previous) and _edits_text(event)


def _combo(event: InputEvent) -> str | None:
    """ "ctrl+shift+s" for a key that types no text; None if the key has no usable name."""
    keysym = UNSHIFTED.get(event.keysym, event.keysym)
    char = keysym_char(keysym)
    if char and char.isalpha() and len(char.lower()) == 1:
        keysym = char_keysym(char.lower())  # Shift shows in the modifiers, not in the letter
    try:
        name = keysym_name(keysym)
    except ValueError:
        return None
    return "+".join([*(m for m in COMBO_ORDER if m in event.modifiers), name])


# --- geometry -------------------------------------------------------------------------------


def _point(event: InputEvent) -> tuple[int, int]:
    return (event.x, event.y)


def _distance(a: InputEvent, b: InputEvent) -> float:
    return math.hypot(a.x - b.x, a.y - b.y)


def _downsample(points: Sequence[tuple[int, int]], limit: int) -> tuple[tuple[int, int], ...]:
    """At most `limit` evenly spaced points, always keeping the first and the last."""
    if len(points) <= limit:
        return tuple(points)
    last, steps = len(points) - 1, limit - 1
    return tuple(points[(i * last + steps // 2) // steps] for i in range(limit))


# --- actions under construction --------------------------------------------------------------


@dataclass
class _Draft:
    """An action still taking shape: later events may extend it, or (for text) empty it."""

    first: InputEvent
    t_end_ns: int
    target: tuple[int, int] | None

    def action(self) -> Action | None:
        raise NotImplementedError

    def finish(self) -> RecordedAction | None:
        action = self.action()
        if action is None:
            return None
        return RecordedAction(action, self.first.t_ns, self.t_end_ns, self.first.window, self.target)


@dataclass
class _Done(_Draft):
    """An action known in full once made (Drag, KeyPress); only its end time may still grow."""

    done: Action

    def action(self) -> Action | None:
        return self.done


@dataclass
class _Clicks(_Draft):
    button: str
    last_down: InputEvent  # the down a further click is measured from
    count: int = 1

    def action(self) -> Action | None:
        return Click(self.first.x, self.first.y, self.button, self.count)


@dataclass
class _Scroll(_Draft):
    dx: int = 0
    dy: int = 0

    def action(self) -> Action | None:
        if self.dx == 0 and self.dy == 0:
            return None  # the notches cancelled out
        return Scroll(self.first.x, self.first.y, self.dx, self.dy)


@dataclass
class _Text(_Draft):
    """A run of text keys; BackSpaces edit it, and those with nothing left to erase stay as "\\b"."""

    secret: bool = False
    text: str = ""
    erased_before: int = 0  # BackSpaces that erased text typed before the run

    def add(self, event: InputEvent) -> None:
        self.t_end_ns = max(self.t_end_ns, event.t_ns)
        if self.secret:
            return
        if not _is_backspace(event):
            self.text += event.char
        elif self.text:
            self.text = self.text[:-1]
        else:
            self.erased_before += 1

    def action(self) -> Action | None:
        if self.secret:
            return TypeText("", secret=True)
        text = "\b" * self.erased_before + self.text
        if text == "\b":
            return KeyPress("BackSpace")
        return TypeText(text) if text else None


@dataclass
class _Press:
    """A button held down, and the pointer's path since."""

    down: InputEvent
    moves: list[InputEvent] = field(default_factory=list)


# --- the merge ------------------------------------------------------------------------------


@dataclass
class _Merger:
    """The state of one left-to-right pass over the events."""

    config: MergeConfig
    drafts: list[_Draft] = field(default_factory=list)
    press: _Press | None = None
    clicks: _Clicks | None = None  # the click a next click may still join
    scroll: _Scroll | None = None  # the scroll a next notch may still join
    run: _Text | None = None  # the text run a next key may still join
    prev_key: InputEvent | None = None  # `previous` for continues_text
    last_click: tuple[int, int] | None = None  # where text typed next most likely goes
    held: dict[tuple[bool, int], _Draft] = field(default_factory=dict)  # key down -> its action

    def feed(self, event: InputEvent) -> None:
        if event.type != EventType.MOVE:
            self._interrupt(event)
        match event.type:
            case EventType.MOVE:
                if self.press is not None:
                    self.press.moves.append(event)
            case EventType.BUTTON_DOWN:
                self._button_down(event)
            case EventType.BUTTON_UP:
                self._button_up(event)
            case EventType.WHEEL:
                self._wheel(event)
            case EventType.KEY_DOWN:
                self._key_down(event)
            case EventType.KEY_UP:
                self._key_up(event)

    def _interrupt(self, event: InputEvent) -> None:
        """Close the open runs this (non-move) event cannot be part of."""
        if event.type != EventType.WHEEL:
            self.scroll = None
        same_button = (
            self.clicks is not None
            and event.type in (EventType.BUTTON_DOWN, EventType.BUTTON_UP)
            and BUTTON_NAMES.get(event.button) == self.clicks.button
        )
        if not same_button:
            self.clicks = None
        if event.type in MOUSE_ACTION_EVENTS:
            self.run, self.prev_key = None, None

    def _button_down(self, event: InputEvent) -> None:
        if event.button not in BUTTON_NAMES:
            return
        if self.press is not None and self.press.down.button != event.button:
            return  # a chord: the first button held leads
        self.press = _Press(event)

    def _button_up(self, event: InputEvent) -> None:
        press = self.press
        if press is None or event.button != press.down.button:
            return
        self.press = None
        down, button = press.down, BUTTON_NAMES[event.button]
        if _distance(down, event) < self.config.drag_min_px:
            self._click(down, event, button)
            return
        self.clicks = None
        path = [_point(e) for e in (down, *press.moves, event)]
        drag = Drag(_downsample(path, self.config.drag_points), button)
        self.drafts.append(_Done(down, event.t_ns, _point(down), drag))

    def _click(self, down: InputEvent, up: InputEvent, button: str) -> None:
        clicks = self.clicks
        if clicks is not None and self._joins(clicks.last_down, down):
            clicks.count += 1
            clicks.last_down, clicks.t_end_ns = down, up.t_ns
        else:
            clicks = _Clicks(down, up.t_ns, _point(down), button, down)
            self.drafts.append(clicks)
        self.clicks = clicks if clicks.count < MAX_CLICKS else None
        self.last_click = _point(clicks.first)

    def _joins(self, previous: InputEvent, down: InputEvent) -> bool:
        """Is `down` quick and close enough after `previous` to make a multi-click?"""
        quick = down.t_ns - previous.t_ns <= self.config.double_click_s * NS_PER_S
        return quick and _distance(previous, down) <= self.config.double_click_px

    def _wheel(self, event: InputEvent) -> None:
        step = WHEEL_STEPS.get(event.button)
        if step is None:
            return
        scroll = self.scroll
        if (
            scroll is None
            or event.t_ns - scroll.t_end_ns > self.config.scroll_gap_s * NS_PER_S
            or _distance(scroll.first, event) > self.config.scroll_px
        ):
            scroll = self.scroll = _Scroll(event, event.t_ns, _point(event))
            self.drafts.append(scroll)
        scroll.dx += step[0]
        scroll.dy += step[1]
        scroll.t_end_ns = event.t_ns

    def _key_down(self, event: InputEvent) -> None:
        if is_modifier_key(event):
            return
        draft: _Draft | None
        if self.run is not None and continues_text(self.prev_key, event):
            self.run.add(event)
            draft = self.run
        else:
            draft = self._start_key_action(event)
        self.prev_key = event
        if draft is not None:
            self.held[_key_id(event)] = draft

    def _start_key_action(self, event: InputEvent) -> _Draft | None:
        """A new text run, or a KeyPress (None for a key with no usable name)."""
        self.run = None
        if _is_run_key(event):
            self.run = _Text(event, event.t_ns, self.last_click, secret=event.secret)
            self.run.add(event)
            self.drafts.append(self.run)
            return self.run
        combo = _combo(event)
        if combo is None:
            return None
        try:
            draft = _Done(event, event.t_ns, None, KeyPress(combo))
        except ActionError:
            return None
        self.drafts.append(draft)
        return draft

    def _key_up(self, event: InputEvent) -> None:
        draft = self.held.pop(_key_id(event), None)
        if draft is not None:
            draft.t_end_ns = max(draft.t_end_ns, event.t_ns)


def _key_id(event: InputEvent) -> tuple[bool, int]:
    """Pairs a key_up with its key_down: the keycode is stable while Shift changes the keysym."""
    return (event.secret, event.keycode or event.keysym)


def merge_events(events: Sequence[InputEvent], config: MergeConfig = MergeConfig()) -> list[RecordedAction]:
    """The actions a stream of input events (in time order) performed, in order of their start.

    Input that never completed (a button still held at the end) is dropped.
    """
    merger = _Merger(config)
    for event in events:
        merger.feed(event)
    finished = (draft.finish() for draft in merger.drafts)
    return sorted((r for r in finished if r is not None), key=lambda r: r.t_start_ns)
