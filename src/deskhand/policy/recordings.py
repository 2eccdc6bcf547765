"""Expert demonstrations as Recordings: one directory per successful episode, like a person's.

A scripted expert's episode is written in the project's own Recording format: one video frame
per step (the screen the expert acted on, then the final one), the input events a person's
recorder would have captured for each action, the actions `merge_events` derives from them,
and a lossless PNG of every frame an action was taken on. The utterance is the SOP: it is the
written instruction the "person" followed.

The clock is synthetic: frame `i` is shown at `START_NS + i * STEP_NS` (or later after a long
step), and the events of step `i` lie strictly between frames `i` and `i + 1`, `EVENT_NS`
apart. Steps are a second apart so the merge never joins two steps' clicks into a
double-click or two steps' wheel notches into one scroll.

`read_episode` is the exact inverse: the events between two frames are re-read as the one
PolicyAction that made them, and anything else is refused with a RecordingError.

>>> strokes = [e.type.value for e in step_events(PolicyAction(Kind.KEY, key="C-a"), (0, 0), 0)]
>>> strokes
['key_down', 'key_down', 'key_up', 'key_up']
"""

from __future__ import annotations

import bisect
import dataclasses
import math
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
from Xlib import XK

from deskhand.desktop.keys import MODIFIER_KEYSYMS, MODIFIERS, char_keysym, keysym_char
from deskhand.policy.base import KEYS, POINTER_KINDS, Kind, PolicyAction
from deskhand.record.event import EventType, InputEvent, RecordedAction, WindowInfo
from deskhand.record.format import (
    FRAMES_DIR,
    ActionFiles,
    DisplayInfo,
    Recording,
    RecordingError,
    RecordingWriter,
)
from deskhand.record.merge import merge_events
from deskhand.record.video import VideoError, VideoReader

MS = 1_000_000
START_NS = 0  # the synthetic clock starts at zero
STEP_NS = 1_000 * MS  # frames of consecutive steps are (at least) one second apart
EVENT_NS = 10 * MS  # events within a step are 10 ms apart
FPS = 1.0  # the nominal capture rate: one frame per step
APP_PREFIX = "miniwob:"
DISPLAY_NAME = "miniwob"  # no X display: the screen is headless Chromium's screenshot

# X keycodes of the US layout as Xorg's evdev numbers them: (first keycode, plain row, shifted row).
_US_ROWS = (
    (10, "1234567890-=", "!@#$%^&*()_+"),
    (24, "qwertyuiop[]", "QWERTYUIOP{}"),
    (38, "asdfghjkl;'`", 'ASDFGHJKL:"~'),
    (51, "\\zxcvbnm,./", "|ZXCVBNM<>?"),
)
US_KEYMAP: dict[str, tuple[int, bool]] = {  # char -> (keycode, needs shift)
    " ": (65, False),
    **{c: (first + i, False) for first, plain, _ in _US_ROWS for i, c in enumerate(plain)},
    **{c: (first + i, True) for first, _, shifted in _US_ROWS for i, c in enumerate(shifted)},
}
SPARE_KEYCODE = 8  # unbound in the US keymap; the desktop binds such keycodes to other characters
KEYCODES: dict[int, int] = {  # keysyms that type no text -> keycode
    XK.XK_Return: 36,
    XK.XK_Tab: 23,
    XK.XK_BackSpace: 22,
    XK.XK_Escape: 9,
    XK.XK_Up: 111,
    XK.XK_Down: 116,
    XK.XK_Left: 113,
    XK.XK_Right: 114,
    XK.XK_Home: 110,
    XK.XK_End: 115,
    XK.XK_Prior: 112,
    XK.XK_Next: 117,
    XK.XK_Delete: 119,
    XK.XK_Control_L: 37,
    XK.XK_Shift_L: 50,
    XK.XK_Alt_L: 64,
}
KEY_NAMES: dict[str, int] = {  # a policy key's "<Name>" -> keysym
    "Enter": XK.XK_Return,
    "Tab": XK.XK_Tab,
    "Backspace": XK.XK_BackSpace,
    "Space": XK.XK_space,
    "Escape": XK.XK_Escape,
    "ArrowUp": XK.XK_Up,
    "ArrowDown": XK.XK_Down,
    "ArrowLeft": XK.XK_Left,
    "ArrowRight": XK.XK_Right,
    "Home": XK.XK_Home,
    "End": XK.XK_End,
    "PageUp": XK.XK_Prior,
    "PageDown": XK.XK_Next,
    "Delete": XK.XK_Delete,
}
KEY_PREFIXES = {"C-": "ctrl", "A-": "alt", "S-": "shift"}  # "C-a" is ctrl+a
MODIFIER_ORDER = ("shift", "ctrl", "alt", "super")  # the order the listener reports them in

NO_WINDOW = WindowInfo()
Stroke = tuple[tuple[str, ...], int]  # (modifiers held, keysym)


def key_stroke(key: str) -> Stroke:
    """The keystroke a policy key name makes.

    >>> key_stroke("C-a") == (("ctrl",), XK.XK_a)
    True
    """
    mods: list[str] = []
    while key[:2] in KEY_PREFIXES and len(key) > 2:
        mods.append(KEY_PREFIXES[key[:2]])
        key = key[2:]
    if key.startswith("<") and key.endswith(">") and key[1:-1] in KEY_NAMES:
        keysym = KEY_NAMES[key[1:-1]]
    elif len(key) == 1 and key.isprintable():
        keysym = char_keysym(key.lower())
    else:
        raise ValueError(f"no keystroke for key {key!r}")
    return tuple(m for m in MODIFIER_ORDER if m in mods), keysym


def _strokes() -> dict[Stroke, str]:
    out = {}
    for key in KEYS:
        try:
            out[key_stroke(key)] = key
        except ValueError:
            continue  # write_episode names it if an episode uses it
    return out


KEY_BY_STROKE: dict[Stroke, str] = _strokes()


def pixel(v: float) -> int:
    """The screen pixel a coordinate lies in: recordings hold whole pixels."""
    return math.floor(v)


def recordable(action: PolicyAction) -> PolicyAction:
    """The action as a recording holds it (and reads it back).

    Pointer kinds keep the pixel their point lies in; keys and text keep nothing else; text
    that is one keystroke of a policy key (a lone space) is that key, since a person's
    recorder cannot tell the two apart. Text must be printable.

    >>> recordable(PolicyAction(Kind.CLICK, x=80.5, y=99.9))
    PolicyAction(kind=<Kind.CLICK: 'click'>, x=80.0, y=99.0, key='', text='', glance=None)
    """
    if action.kind in POINTER_KINDS:
        return PolicyAction(action.kind, x=float(pixel(action.x)), y=float(pixel(action.y)))
    if action.kind is Kind.KEY:
        return PolicyAction(Kind.KEY, key=action.key)
    if not action.text or not action.text.isprintable():
        raise ValueError(f"typed text must be printable and non-empty, got {action.text!r}")
    key = KEY_BY_STROKE.get(((), char_keysym(action.text))) if len(action.text) == 1 else None
    return PolicyAction(Kind.KEY, key=key) if key else PolicyAction(Kind.TYPE, text=action.text)


# -- actions to events ------------------------------------------------------------------------


@dataclasses.dataclass
class _Hand:
    """Emits the events a person's recorder captures for one step, in order, at time 0."""

    pointer: tuple[int, int]
    window: WindowInfo
    events: list[InputEvent] = dataclasses.field(default_factory=list)

    def mouse(self, kind: EventType, button: int = 0) -> None:
        window = NO_WINDOW if kind is EventType.MOVE else self.window  # moves look up no window
        self.events.append(InputEvent(0, kind, *self.pointer, button=button, window=window))

    def pointer_action(self, action: PolicyAction) -> None:
        self.pointer = (pixel(action.x), pixel(action.y))
        self.mouse(EventType.MOVE)  # the pointer travels to the target first, even if already there
        presses = {Kind.CLICK: 1, Kind.DBLCLICK: 2}.get(action.kind, 0)
        for _ in range(presses):
            self.mouse(EventType.BUTTON_DOWN, 1)
            self.mouse(EventType.BUTTON_UP, 1)
        if action.kind is Kind.MOUSEDOWN:
            self.mouse(EventType.BUTTON_DOWN, 1)
        elif action.kind is Kind.MOUSEUP:
            self.mouse(EventType.BUTTON_UP, 1)
        elif action.kind in (Kind.SCROLL_UP, Kind.SCROLL_DOWN):
            self.mouse(EventType.WHEEL, 4 if action.kind is Kind.SCROLL_UP else 5)

    def key(self, kind: EventType, keysym: int, keycode: int, held: Sequence[str]) -> None:
        modifiers = tuple(m for m in MODIFIER_ORDER if m in held)
        char = keysym_char(keysym) or ""
        self.events.append(
            InputEvent(0, kind, *self.pointer, 0, keycode, keysym, char, modifiers, self.window)
        )

    def stroke(self, modifiers: Sequence[str], keysym: int, keycode: int) -> None:
        """Modifiers down, the key down and up, modifiers up; each event lists those held before it."""
        held: list[str] = []
        for mod in modifiers:
            self.key(EventType.KEY_DOWN, MODIFIERS[mod], KEYCODES[MODIFIERS[mod]], held)
            held.append(mod)
        self.key(EventType.KEY_DOWN, keysym, keycode, held)
        self.key(EventType.KEY_UP, keysym, keycode, held)
        for mod in reversed(modifiers):
            self.key(EventType.KEY_UP, MODIFIERS[mod], KEYCODES[MODIFIERS[mod]], held)
            held.remove(mod)

    def type_char(self, char: str) -> None:
        keycode, shifted = US_KEYMAP.get(char, (SPARE_KEYCODE, False))
        self.stroke(("shift",) if shifted else (), char_keysym(char), keycode)


def _keycode(keysym: int) -> int:
    char = keysym_char(keysym)
    if char is not None and char in US_KEYMAP:
        return US_KEYMAP[char][0]
    return KEYCODES.get(keysym, SPARE_KEYCODE)


def step_events(
    action: PolicyAction, pointer: tuple[int, int], t_ns: int, window: WindowInfo = NO_WINDOW
) -> list[InputEvent]:
    """The input events of one action taken at `t_ns`, `EVENT_NS` apart after it; `pointer` is where the pointer was."""
    hand, action = _Hand(pointer, window), recordable(action)
    if action.kind in POINTER_KINDS:
        hand.pointer_action(action)
    elif action.kind is Kind.KEY:
        modifiers, keysym = key_stroke(action.key)
        hand.stroke(modifiers, keysym, _keycode(keysym))
    else:
        for char in action.text:
            hand.type_char(char)
    return [dataclasses.replace(e, t_ns=t_ns + (i + 1) * EVENT_NS) for i, e in enumerate(hand.events)]


def episode_events(
    actions: Sequence[PolicyAction], window: WindowInfo = NO_WINDOW
) -> tuple[list[int], list[InputEvent]]:
    """The frame times (one more than actions) and all input events of an episode."""
    times, events, pointer = [START_NS], [], (0, 0)
    for action in actions:
        step = step_events(action, pointer, times[-1], window)
        events += step
        pointer = _pointer_after(step, pointer)
        times.append(times[-1] + max(STEP_NS, (len(step) + 1) * EVENT_NS))
    return times, events


def _pointer_after(events: Sequence[InputEvent], pointer: tuple[int, int]) -> tuple[int, int]:
    mouse = [e for e in events if e.type not in (EventType.KEY_DOWN, EventType.KEY_UP)]
    return (mouse[-1].x, mouse[-1].y) if mouse else pointer


# -- writing ----------------------------------------------------------------------------------


def frame_png(index: int) -> str:
    """Where the PNG of video frame `index` is, relative to the recording (the writer's naming)."""
    return f"{FRAMES_DIR}/frame_{index:06d}.png"


def write_episode(
    root: Path,
    task_frames: Sequence[np.ndarray],
    utterance: str,
    actions: Sequence[PolicyAction],
    *,
    task: str,
) -> Path:
    """Write one episode as a Recording at `root`, which must not exist yet.

    `task_frames` are the screens before each action, then the final one: (H, W, 3) uint8 RGB.
    The directory appears complete or not at all: it is written under a hidden name, then renamed.
    """
    root = Path(root)
    if len(task_frames) != len(actions) + 1:
        raise ValueError(
            f"need one frame per action plus the final one: {len(task_frames)} for {len(actions)}"
        )
    if root.exists():
        raise RecordingError(f"{root} already exists; refusing to write an episode over it")
    for action in actions:
        if action.kind is Kind.KEY and action.key not in KEY_BY_STROKE.values():
            raise ValueError(f"no keystroke for key {action.key!r}")
    height, width = task_frames[0].shape[:2]
    window = WindowInfo(1, f"MiniWoB++ {task}", "chromium", 0, 0, width, height)
    times, events = episode_events([recordable(a) for a in actions], window)
    partial = root.with_name(f".{root.name}.partial")
    if partial.exists():
        shutil.rmtree(partial)  # a crashed earlier write of the same episode
    writer = RecordingWriter(
        partial,
        DisplayInfo(DISPLAY_NAME, width, height, 1.0),
        FPS,
        START_NS,
        apps=(f"{APP_PREFIX}{task}",),
        sop=utterance,
        monotonic_ns=lambda: START_NS,
    )
    try:
        for i, (frame, t_ns) in enumerate(zip(task_frames, times, strict=True)):
            writer.add_frame(frame, t_ns)
            if i < len(actions):
                writer.save_frame_png(i, frame)
        writer.finish(events, _recorded_actions(events, times), times[-1])
    except BaseException:
        writer.abort()
        shutil.rmtree(partial, ignore_errors=True)
        raise
    os.rename(partial, root)
    return root


def _recorded_actions(
    events: Sequence[InputEvent], times: Sequence[int]
) -> list[tuple[RecordedAction, ActionFiles]]:
    """The project's own events -> actions merge, each with the frame it was taken on."""
    out = []
    for recorded in merge_events(events):
        index = bisect.bisect_left(times, recorded.t_start_ns) - 1
        out.append((dataclasses.replace(recorded, frame_index=index), ActionFiles(frame_png(index))))
    return out


# -- reading ----------------------------------------------------------------------------------


def read_episode(root: Path) -> list[tuple[np.ndarray, str, PolicyAction]]:
    """The (frame, utterance, action) rows of an episode Recording, validated; the inverse of `write_episode`."""
    root = Path(root)
    with Recording.open(root) as rec:
        meta = rec.meta
        if meta.sop is None or not any(app.startswith(APP_PREFIX) for app in meta.apps):
            raise RecordingError(f"{root} is not an expert episode: no {APP_PREFIX}<task> app and utterance")
        times = _frame_times(root, meta.video.path, meta.clock.start_ns)
        groups = _steps(rec.events, times, root)
        rows, pointer = [], (0, 0)
        for i, group in enumerate(groups):
            action = _decode(group, pointer, f"{root}: the input between frames {i} and {i + 1}")
            pointer = _pointer_after(group, pointer)
            rows.append(
                (_read_png(root / frame_png(i), (meta.display.height, meta.display.width)), meta.sop, action)
            )
    return rows


def _frame_times(root: Path, video: str, start_ns: int) -> list[int]:
    try:
        with VideoReader(root / video) as reader:
            return [start_ns + ms * MS for ms in reader.timestamps_ms]
    except VideoError as e:
        raise RecordingError(str(e)) from e


def _steps(events: Sequence[InputEvent], times: Sequence[int], root: Path) -> list[list[InputEvent]]:
    """The events between each pair of consecutive frames; every event must lie strictly between two."""
    groups: list[list[InputEvent]] = [[] for _ in range(max(len(times) - 1, 0))]
    for event in events:
        step = bisect.bisect_left(times, event.t_ns) - 1
        if not 0 <= step < len(groups) or event.t_ns == times[step + 1]:
            raise RecordingError(f"{root}: event at {event.t_ns} ns is not strictly between two frames")
        groups[step].append(event)
    return groups


def _signature(events: Sequence[InputEvent]) -> list[tuple[object, ...]]:
    """What an action's events say, without their times and windows."""
    return [(e.type, e.x, e.y, e.button, e.keycode, e.keysym, e.char, e.modifiers) for e in events]


_POINTER_SHAPES = {  # the event types and buttons after the first move -> pointer kind
    tuple((e.type, e.button) for e in step_events(PolicyAction(kind), (0, 0), 0)[1:]): kind
    for kind in POINTER_KINDS
}


def _guess(group: Sequence[InputEvent]) -> PolicyAction | None:
    """The one action these events most likely came from; `_decode` checks it made exactly them."""
    first = group[0]
    if first.type is EventType.MOVE:
        kind = _POINTER_SHAPES.get(tuple((e.type, e.button) for e in group[1:]))
        return None if kind is None else PolicyAction(kind, x=float(first.x), y=float(first.y))
    downs = [e for e in group if e.type is EventType.KEY_DOWN and e.keysym not in MODIFIER_KEYSYMS]
    if len(downs) == 1 and (downs[0].modifiers, downs[0].keysym) in KEY_BY_STROKE:
        return PolicyAction(Kind.KEY, key=KEY_BY_STROKE[(downs[0].modifiers, downs[0].keysym)])
    text = "".join(e.char for e in downs)
    return PolicyAction(Kind.TYPE, text=text) if text and text.isprintable() else None


def _decode(group: Sequence[InputEvent], pointer: tuple[int, int], where: str) -> PolicyAction:
    if not group:
        raise RecordingError(f"{where} is empty: every step must hold one action")
    action = _guess(group)
    if action is None or _signature(step_events(action, pointer, 0)) != _signature(group):
        raise RecordingError(f"{where} is not the input of one policy action ({len(group)} events)")
    return action


def _read_png(path: Path, shape: tuple[int, int]) -> np.ndarray:
    pixels = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if pixels is None or pixels.shape[:2] != shape:
        raise RecordingError(f"{path} is missing or not a readable {shape[1]}x{shape[0]} PNG")
    return cv2.cvtColor(pixels, cv2.COLOR_BGR2RGB)


# -- where episodes live ------------------------------------------------------------------------


def episode_dir(demos: Path, task: str, seed: int) -> Path:
    """`<demos>/<task>/<seed:07d>`: seeds are below 1,000,000, so names sort in seed order."""
    return Path(demos) / task / f"{seed:07d}"


def episode_dirs(demos: Path, task: str) -> list[Path]:
    """The finished episode recordings of `task`, in seed order (partial writes are hidden and skipped)."""
    folder = Path(demos) / task
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
