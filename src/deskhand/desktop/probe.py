"""A fixture app for conformance checks: a full-screen window that logs what reaches it.

It paints itself BACKGROUND, marks each button press with a MARK square centred on
the pressed pixel, and writes every event the X server delivered to it as a JSON
line. `check_desktop` compares that log and the screen with what it sent.

Run: python -m deskhand.desktop.probe LOG_PATH
"""

from __future__ import annotations

import json
import sys
from typing import IO

from Xlib import X
from Xlib import display as xdisplay

from deskhand.desktop.keys import keysym_char

BACKGROUND = (23, 120, 201)
MARK = (250, 200, 16)
MARK_RADIUS = 2

STATE_BITS = {"shift": X.ShiftMask, "ctrl": X.ControlMask, "alt": X.Mod1Mask, "super": X.Mod4Mask}


def _pixel(rgb: tuple[int, int, int]) -> int:
    r, g, b = rgb
    return (r << 16) | (g << 8) | b  # TrueColor, 24 bit: what Xvfb and real screens use


def _modifiers(state: int) -> list[str]:
    return [name for name, bit in STATE_BITS.items() if state & bit]


def run(log: IO[str]) -> None:
    conn = xdisplay.Display()
    screen = conn.screen()
    width, height = screen.width_in_pixels, screen.height_in_pixels
    window = screen.root.create_window(
        0,
        0,
        width,
        height,
        0,
        screen.root_depth,
        X.InputOutput,
        X.CopyFromParent,
        background_pixel=_pixel(BACKGROUND),
        override_redirect=True,
        event_mask=X.ExposureMask
        | X.ButtonPressMask
        | X.ButtonReleaseMask
        | X.KeyPressMask
        | X.KeyReleaseMask
        | X.PointerMotionMask
        | X.StructureNotifyMask,
    )
    gc = window.create_gc(foreground=_pixel(MARK))
    window.map()

    def emit(record: dict[str, object]) -> None:
        log.write(json.dumps(record, ensure_ascii=False) + "\n")
        log.flush()

    ready = False
    while True:
        event = conn.next_event()
        if event.type == X.Expose and not ready:
            window.set_input_focus(X.RevertToParent, X.CurrentTime)
            conn.sync()
            ready = True
            emit({"type": "ready", "width": width, "height": height})
        elif event.type == X.MappingNotify:
            conn.refresh_keyboard_mapping(event)
        elif event.type in (X.ButtonPress, X.ButtonRelease):
            kind = "button_down" if event.type == X.ButtonPress else "button_up"
            if event.type == X.ButtonPress and event.detail in (1, 2, 3):
                size = 2 * MARK_RADIUS + 1
                window.fill_rectangle(
                    gc, event.event_x - MARK_RADIUS, event.event_y - MARK_RADIUS, size, size
                )
                conn.flush()
            emit({"type": kind, "x": event.root_x, "y": event.root_y, "button": event.detail})
        elif event.type == X.MotionNotify:
            emit({"type": "move", "x": event.root_x, "y": event.root_y})
        elif event.type in (X.KeyPress, X.KeyRelease):
            shifted = bool(event.state & X.ShiftMask)
            keysym = conn.keycode_to_keysym(event.detail, 1 if shifted else 0)
            if keysym == 0 and shifted:
                keysym = conn.keycode_to_keysym(event.detail, 0)
            emit(
                {
                    "type": "key_down" if event.type == X.KeyPress else "key_up",
                    "keysym": keysym,
                    "char": keysym_char(keysym),
                    "modifiers": _modifiers(event.state),
                }
            )


if __name__ == "__main__":
    with open(sys.argv[1], "a", encoding="utf-8") as out:
        run(out)
