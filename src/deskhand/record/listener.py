"""Every input event on an X display, captured with the RECORD extension.

XRecord sees the server's device events, so whatever a person (or XTEST) does on that
display is captured, in whichever app, without grabbing anything from the person.
Modifier state is tracked here from the key events themselves, and each key is
decoded with the keymap of the moment, so characters bound to spare keycodes decode right.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from Xlib import X
from Xlib import display as xdisplay
from Xlib import error as xerror
from Xlib.ext import record
from Xlib.protocol import rq

from deskhand.desktop.base import DesktopError
from deskhand.desktop.keys import MODIFIER_KEYSYMS, keysym_char
from deskhand.desktop.x11 import Window, active_window, window_at
from deskhand.record.event import EventType, InputEvent, WindowInfo

WHEEL_BUTTONS = (4, 5, 6, 7)
T = TypeVar("T")


def _info(window: Window | None) -> WindowInfo:
    if window is None:
        return WindowInfo()
    return WindowInfo(
        window.id, window.title, window.wm_class, window.x, window.y, window.width, window.height
    )


class InputListener:
    """Calls `on_event` with each InputEvent, from a background thread, until `stop()`."""

    def __init__(
        self,
        display: str,
        on_event: Callable[[InputEvent], None],
        clock: Callable[[], int] = time.monotonic_ns,
    ) -> None:
        self.display = display
        self.on_event = on_event
        self.clock = clock
        try:
            self._record = xdisplay.Display(display)  # blocks inside enable_context
            self._query = xdisplay.Display(display)  # keymap and window look-ups
            self._control = xdisplay.Display(display)  # disables the context from outside
        except (xerror.DisplayError, xerror.DisplayConnectionError, OSError) as e:
            raise DesktopError(f"cannot open X display {display!r} to record: {e}") from None
        if not self._record.has_extension("RECORD"):
            raise DesktopError(f"X display {display!r} lacks the RECORD extension needed to record input")
        self._context = self._record.record_create_context(
            0,
            [record.AllClients],
            [
                {
                    "core_requests": (0, 0),
                    "core_replies": (0, 0),
                    "ext_requests": (0, 0, 0, 0),
                    "ext_replies": (0, 0, 0, 0),
                    "delivered_events": (0, 0),
                    "device_events": (X.KeyPress, X.MotionNotify),
                    "errors": (0, 0),
                    "client_started": False,
                    "client_died": False,
                }
            ],
        )
        self._lag_ns: int | None = None  # our clock minus the server's, at the quickest delivery
        self._held_keys: dict[int, int] = {}  # keycode -> keysym decoded at key_down
        self._pointer = (0, 0)
        self._window = WindowInfo()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, name="deskhand-xrecord", daemon=True)
        self.error: BaseException | None = None

    def start(self) -> None:
        self._thread.start()
        self._started.wait(5.0)

    def stop(self) -> None:
        """Stop capturing; events already delivered have all been passed to on_event on return."""
        if self._thread.is_alive():
            self._control.record_disable_context(self._context)
            self._control.flush()
            self._thread.join(5.0)
        for conn in (self._control, self._query, self._record):
            conn.close()

    def _run(self) -> None:
        try:
            self._record.record_enable_context(self._context, self._on_reply)
            self._record.record_free_context(self._context)
        except Exception as e:  # surfaced by the recorder as a clear error
            self.error = e
            self._started.set()

    def _on_reply(self, reply: rq.DictWrapper) -> None:
        if reply.category == record.StartOfData:
            self._started.set()
            return
        if reply.category != record.FromServer or reply.client_swapped:
            return
        data = reply.data
        while data:
            event, data = rq.EventField(None).parse_binary_value(data, self._record.display, None, None)
            parsed = self._parse(event)
            if parsed is not None:
                self.on_event(parsed)

    def _stamp(self, server_ms: int) -> int:
        t_ns, self._lag_ns = server_stamp(self.clock(), server_ms, self._lag_ns)
        return t_ns

    def _parse(self, event: rq.Event) -> InputEvent | None:
        t_ns = self._stamp(event.time)
        kind = event.type
        if kind == X.MotionNotify:
            self._pointer = (event.root_x, event.root_y)
            return InputEvent(t_ns, EventType.MOVE, *self._pointer, modifiers=self._modifiers())
        if kind in (X.ButtonPress, X.ButtonRelease):
            self._pointer = (event.root_x, event.root_y)
            button = event.detail
            if button in WHEEL_BUTTONS:
                if kind == X.ButtonRelease:
                    return None
                return self._mouse(t_ns, EventType.WHEEL, button)
            down = kind == X.ButtonPress
            return self._mouse(t_ns, EventType.BUTTON_DOWN if down else EventType.BUTTON_UP, button)
        if kind in (X.KeyPress, X.KeyRelease):
            return self._key(t_ns, event.detail, kind == X.KeyPress)
        return None

    def _mouse(self, t_ns: int, kind: EventType, button: int) -> InputEvent:
        if kind != EventType.BUTTON_UP:
            self._window = _info(self._look_up(lambda: window_at(self._query, *self._pointer)))
        return InputEvent(
            t_ns, kind, *self._pointer, button=button, modifiers=self._modifiers(), window=self._window
        )

    def _key(self, t_ns: int, keycode: int, down: bool) -> InputEvent:
        modifiers = self._modifiers()
        if down:
            keysym = self._decode(keycode, shifted="shift" in modifiers)
            self._held_keys[keycode] = keysym
            self._window = _info(self._look_up(lambda: active_window(self._query)))
        else:
            keysym = self._held_keys.pop(keycode, 0)
        char = keysym_char(keysym) or ""
        kind = EventType.KEY_DOWN if down else EventType.KEY_UP
        return InputEvent(
            t_ns,
            kind,
            *self._pointer,
            keycode=keycode,
            keysym=keysym,
            char=char,
            modifiers=modifiers,
            window=self._window,
        )

    def _decode(self, keycode: int, shifted: bool) -> int:
        """The keysym with the keymap as it is now: spare keycodes get rebound while typing."""
        syms = self._look_up(lambda: self._query.get_keyboard_mapping(keycode, 1)[0]) or [0]
        if shifted and len(syms) > 1 and syms[1]:
            return int(syms[1])
        return int(syms[0])

    def _modifiers(self) -> tuple[str, ...]:
        held = {MODIFIER_KEYSYMS[k] for k in self._held_keys.values() if k in MODIFIER_KEYSYMS}
        return tuple(m for m in ("shift", "ctrl", "alt", "super") if m in held)

    @staticmethod
    def _look_up(query: Callable[[], T]) -> T | None:
        try:
            return query()
        except (xerror.BadWindow, xerror.BadDrawable, xerror.BadValue):
            return None


def server_stamp(now_ns: int, server_ms: int, lag_ns: int | None) -> tuple[int, int]:
    """When the server saw an event, on our clock, and the lag to keep: events reach us late under load.

    The server's millisecond clock maps onto ours by the smallest lag seen so far; a jump of a
    minute (the 32-bit counter wrapped, or another clock) starts the mapping afresh.
    """
    lag = now_ns - server_ms * 1_000_000
    if lag_ns is None or lag < lag_ns or lag - lag_ns > 60 * 10**9:
        lag_ns = lag
    return min(now_ns, server_ms * 1_000_000 + lag_ns), lag_ns
