"""The recorder: screen frames and input events from one desktop, on one clock, into a Recording.

Three threads: XRecord delivers input events, a capture loop encodes frames at `fps`, and a
worker writes the lossless PNG of each frame that comes just before an action. Events stay
in memory until `stop()`, where secrets are found and blanked before anything is written.
"""

from __future__ import annotations

import bisect
import collections
import dataclasses
import queue
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from deskhand.desktop.action import TypeText
from deskhand.desktop.base import DesktopError
from deskhand.desktop.keys import MODIFIER_KEYSYMS, parse_combo
from deskhand.desktop.x11 import X11Desktop
from deskhand.record.event import EventType, InputEvent, RecordedAction
from deskhand.record.format import ActionFiles, DisplayInfo, RecordingWriter
from deskhand.record.listener import InputListener
from deskhand.record.merge import MergeConfig, continues_text, is_modifier_key, merge_events
from deskhand.record.secret import blank, looks_masked, window_is_secret

ACTION_STARTS = (EventType.BUTTON_DOWN, EventType.WHEEL)
MOUSE_BREAKS = (EventType.BUTTON_DOWN, EventType.BUTTON_UP, EventType.WHEEL)  # they end a typed run


@dataclass(frozen=True)
class RecordConfig:
    fps: float = 10.0
    stop_hotkey: str = "ctrl+alt+End"
    secret_hotkey: str = "ctrl+alt+s"
    secret_windows: tuple[str, ...] = ()  # regexes matched against window title and class
    crop: tuple[int, int] = (240, 120)  # crop around an action's target, at DPI scale 1
    merge: MergeConfig = field(default_factory=MergeConfig)


@dataclass(frozen=True)
class RecordStats:
    elapsed_s: float
    events: int
    frames: int
    bytes: int


class Hotkey:
    """Matches key_down events against a combo such as "ctrl+alt+End"."""

    def __init__(self, combo: str) -> None:
        modifiers, self.keysym = parse_combo(combo)
        self.modifiers = {MODIFIER_KEYSYMS[m] for m in modifiers}

    def matches(self, event: InputEvent) -> bool:
        keysym = event.keysym
        if 0x41 <= keysym <= 0x5A:  # a letter typed with shift still names its key
            keysym += 0x20
        return (
            event.type == EventType.KEY_DOWN
            and keysym == self.keysym
            and set(event.modifiers) == self.modifiers
        )


class Recorder:
    """Records `desktop` into `out` between start() and stop()."""

    def __init__(
        self,
        desktop: X11Desktop,
        out: Path,
        config: RecordConfig = RecordConfig(),
        apps: Sequence[str] = (),
        sop: str | None = None,
        clock: Callable[[], int] = time.monotonic_ns,
    ) -> None:
        self.desktop = desktop
        self.out = out
        self.config = config
        self.apps = tuple(apps)
        self.sop = sop
        self.clock = clock
        self.stop_requested = threading.Event()
        self._stop_hotkey = Hotkey(config.stop_hotkey)
        self._secret_hotkey = Hotkey(config.secret_hotkey)
        self._secret_patterns = [re.compile(p) for p in config.secret_windows]
        self._lock = threading.Lock()
        self._events: list[InputEvent] = []
        self._swallowed: set[int] = set()  # keycodes of hotkeys, whose key_up is dropped too
        self._secret_keys: set[int] = set()
        self._secret_mode = False
        self._secret_sources: set[str] = set()
        self._last_key_down: InputEvent | None = None
        self._frame_times: list[int] = []
        self._latest: tuple[int, np.ndarray] | None = None
        # the last few frames: an event reaches us late under load, after newer frames were taken
        w, h = desktop.size  # about 256 MB of recent frames: 4 s at 1080p, half a second at 5K
        self._recent: collections.deque[tuple[int, int, np.ndarray]] = collections.deque(
            maxlen=max(4, (256 << 20) // (w * h * 3))
        )
        self._last_clear: np.ndarray | None = None
        self._before: dict[int, int] = {}  # event t_ns -> index of the frame just before it
        self._kept: dict[int, str] = {}  # frame index -> PNG path
        self._png_queue: queue.Queue[tuple[int, np.ndarray] | None] = queue.Queue()
        self._stop_capture = threading.Event()
        self._started_ns = 0
        self._halted = False
        self.capture_error: BaseException | None = None

    # -- lifetime ----------------------------------------------------------------------------

    def start(self) -> None:
        w, h = self.desktop.size
        self._started_ns = self.clock()
        display = DisplayInfo(self.desktop.display, w, h, self.desktop.scale)
        self.writer = RecordingWriter(
            self.out, display, self.config.fps, self._started_ns, self.apps, self.sop
        )
        self._capture_one()  # frame 0 exists before any event can need it
        self.listener = InputListener(self.desktop.display, self._on_event, self.clock)
        self._threads = [
            threading.Thread(target=self._capture_loop, name="deskhand-capture", daemon=True),
            threading.Thread(target=self._png_loop, name="deskhand-png", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        self.listener.start()

    def stop(self) -> Path:
        """Stop, find secrets, write the recording; return its directory."""
        self._halt()
        failure = self.listener.error or self.capture_error
        if failure is not None:
            self.writer.abort()
            raise DesktopError(f"recording failed: {failure}")
        self._capture_one()  # the screen as the job left it
        end_ns = self.clock()
        events, actions = self._finish_secrets(self._events, merge_events(self._events, self.config.merge))
        files = [self._files(i, action) for i, action in enumerate(actions)]
        placed = [dataclasses.replace(a, frame_index=self._frame_before(a.t_start_ns)) for a in actions]
        secrets = {
            "count": sum(isinstance(a.action, TypeText) and a.action.secret for a in placed),
            "sources": sorted(self._secret_sources),
        }
        return self.writer.finish(events, list(zip(placed, files, strict=True)), end_ns, secrets)

    def abort(self) -> None:
        """Stop without writing tables or meta.json: the directory stays an incomplete recording."""
        self._halt()
        self.writer.abort()

    def _halt(self) -> None:
        if self._halted:
            return
        self._halted = True
        self.listener.stop()
        self._stop_capture.set()
        self._threads[0].join()
        self._png_queue.put(None)
        self._threads[1].join()

    def __enter__(self) -> Recorder:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        if exc_type is not None and not self._halted:
            self.abort()

    def stats(self) -> RecordStats:
        size = sum(p.stat().st_size for p in self.out.rglob("*") if p.is_file())
        elapsed = (self.clock() - self._started_ns) / 1e9
        return RecordStats(elapsed, len(self._events), len(self._frame_times), size)

    # -- frames ------------------------------------------------------------------------------

    def _capture_loop(self) -> None:
        period = 1.0 / self.config.fps
        next_at = time.monotonic() + period
        while not self._stop_capture.wait(max(0.0, next_at - time.monotonic())):
            try:
                self._capture_one()
            except Exception as e:  # the desktop went away: stop, and say so from stop()
                self.capture_error = e
                self.stop_requested.set()
                return
            next_at = max(next_at + period, time.monotonic())

    def _capture_one(self) -> None:
        frame = self.desktop.screenshot()
        t_ns = int(frame.t * 1e9)
        pixels = frame.pixels
        if self._secret_showing() and self._last_clear is not None:
            pixels = self._last_clear  # freeze the video while a secret may be on screen
        else:
            self._last_clear = pixels
        index = self.writer.add_frame(pixels, t_ns)
        with self._lock:
            self._frame_times.append(t_ns)
            self._latest = (index, pixels)
            self._recent.append((index, t_ns, pixels))

    def _png_loop(self) -> None:
        while (item := self._png_queue.get()) is not None:
            index, pixels = item
            self._kept[index] = self.writer.save_frame_png(index, pixels)

    def _keep_frame_before(self, event: InputEvent) -> None:
        with self._lock:
            older = [f for f in self._recent if f[1] <= event.t_ns]
            index, _, pixels = older[-1] if older else self._recent[0]
        self._before[event.t_ns] = index
        if index not in self._kept:
            self._kept[index] = ""  # queued
            self._png_queue.put((index, pixels))

    def _frame_before(self, t_ns: int) -> int:
        if t_ns in self._before:
            return self._before[t_ns]
        return max(0, bisect.bisect_left(self._frame_times, t_ns) - 1)

    # -- events ------------------------------------------------------------------------------

    def _secret_showing(self) -> bool:
        window = self._last_key_down.window if self._last_key_down else None
        return self._secret_mode or (window is not None and window_is_secret(window, self._secret_patterns))

    def _on_event(self, event: InputEvent) -> None:
        if event.type == EventType.KEY_UP and event.keycode in self._swallowed:
            self._swallowed.discard(event.keycode)
            return
        if self._stop_hotkey.matches(event) or self._secret_hotkey.matches(event):
            self._swallowed.add(event.keycode)
            if self._stop_hotkey.matches(event):
                self.stop_requested.set()
            else:
                self._secret_mode = not self._secret_mode
            return
        event = self._guard(event)
        if event.type in MOUSE_BREAKS:
            self._last_key_down = None
        if event.type in ACTION_STARTS:
            self._keep_frame_before(event)
        elif event.type == EventType.KEY_DOWN and not is_modifier_key(event):
            if not continues_text(self._last_key_down, event):
                self._keep_frame_before(event)
            self._last_key_down = event
        self._events.append(event)

    def _guard(self, event: InputEvent) -> InputEvent:
        """Blank a key event typed in secret mode or into a secret window, before it is kept."""
        if event.type == EventType.KEY_UP and event.keycode in self._secret_keys:
            self._secret_keys.discard(event.keycode)
            return blank(event)
        if event.type != EventType.KEY_DOWN or is_modifier_key(event):
            return event
        source = "hotkey" if self._secret_mode else None
        if source is None and window_is_secret(event.window, self._secret_patterns):
            source = "window"
        if source is None:
            return event
        self._secret_sources.add(source)
        self._secret_keys.add(event.keycode)
        return blank(event)

    # -- secrets found after the fact, and files per action ---------------------------------

    def _finish_secrets(
        self, events: list[InputEvent], actions: list[RecordedAction]
    ) -> tuple[list[InputEvent], list[RecordedAction]]:
        """Typed text that showed up as bullets is a password: blank it everywhere."""
        masked: list[tuple[int, int]] = []
        for i, action in enumerate(actions):
            text = action.action
            if not isinstance(text, TypeText) or text.secret or action.target is None:
                continue
            after_t = actions[i + 1].t_start_ns if i + 1 < len(actions) else self._frame_times[-1] + 1
            before, after = (
                self._pixels(self._frame_before(action.t_start_ns)),
                self._pixels(self._frame_before(after_t)),
            )
            band = self._band(action.target)
            if looks_masked(before[band], after[band], len(text.text)):
                masked.append((action.t_start_ns, action.t_end_ns))
                actions[i] = dataclasses.replace(action, action=TypeText("", secret=True))
        if masked:
            self._secret_sources.add("masked_field")
            events = [blank(e) if any(a <= e.t_ns <= b for a, b in masked) else e for e in events]
        return events, actions

    def _band(self, target: tuple[int, int]) -> tuple[slice, slice]:
        """The screen row a field's text is drawn in: full width, a line high around the target."""
        half = int(24 * self.desktop.scale)
        return slice(max(0, target[1] - half), target[1] + half), slice(0, self.desktop.size[0])

    def _pixels(self, index: int) -> np.ndarray:
        """A frame's pixels: its PNG if it was kept, else the last screen (only the job's end is not kept)."""
        path = self._kept.get(index)
        image = cv2.imread(str(self.out / path), cv2.IMREAD_COLOR) if path else None
        if image is not None:
            return np.ascontiguousarray(image[:, :, ::-1])
        with self._lock:
            assert self._latest is not None
            return self._latest[1]

    def _files(self, index: int, action: RecordedAction) -> ActionFiles:
        frame_index = self._frame_before(action.t_start_ns)
        png = self._kept.get(frame_index, "")
        if not png or action.target is None:
            return ActionFiles(frame_png=png)
        pixels = self._pixels(frame_index)
        (cw, ch), scale = self.config.crop, self.desktop.scale
        w, h = int(cw * scale), int(ch * scale)
        x = min(max(0, action.target[0] - w // 2), self.desktop.size[0] - w)
        y = min(max(0, action.target[1] - h // 2), self.desktop.size[1] - h)
        crop = self.writer.save_crop_png(index, pixels[y : y + h, x : x + w])
        return ActionFiles(frame_png=png, crop_png=crop, crop_x=x, crop_y=y)
