"""Mouse and keyboard events for the task page, as DevTools `Input.dispatch*` messages.

These are the events chromedriver itself sends for a W3C action; sent on our own DevTools socket
they skip its HTTP relay, which cost about 20 ms an action. They are still only a pointer at
coordinates, keys and typed characters: nothing here names an element. `events` is pure, so what
each action becomes can be checked without a browser.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deskhand.policy.base import KEYS, Kind

Message = tuple[str, dict[str, Any]]
CONTROL, SHIFT = 2, 8  # DevTools' modifier bits
WHEEL_TICK = 50  # pixels a wheel tick scrolls, miniwob's own default
# the keys a policy may press: DOM `key`, `code`, Windows key code and the text it types
_KEYS: dict[str, tuple[str, str, int, str]] = {
    "Enter": ("Enter", "Enter", 13, "\r"),
    "Tab": ("Tab", "Tab", 9, ""),
    "Backspace": ("Backspace", "Backspace", 8, ""),
    "Space": (" ", "Space", 32, " "),
    "ArrowUp": ("ArrowUp", "ArrowUp", 38, ""),
    "ArrowDown": ("ArrowDown", "ArrowDown", 40, ""),
    "PageUp": ("PageUp", "PageUp", 33, ""),
    "PageDown": ("PageDown", "PageDown", 34, ""),
    "Control": ("Control", "ControlLeft", 17, ""),
    "Shift": ("Shift", "ShiftLeft", 16, ""),
}


@dataclass(frozen=True)
class Pointer:
    """Where the mouse is and whether its left button is down, as the page last saw them."""

    x: float = -1.0
    y: float = -1.0
    held: bool = False


def events(
    kind: Kind, x: float, y: float, key: str = "", text: str = "", pointer: Pointer = Pointer()
) -> tuple[list[Message], Pointer]:
    """What one action sends, in order, and where it leaves the pointer.

    A pointer already at (x, y) is not moved there again: a mouse that clicks where it rests sends
    no move, and in headless Chromium a move waits about 10 ms for the next frame.

    >>> sent, at = events(Kind.CLICK, 5, 7)
    >>> [p["type"] for _, p in sent], [p["type"] for _, p in events(Kind.CLICK, 5, 7, pointer=at)[0]]
    (['mouseMoved', 'mousePressed', 'mouseReleased'], ['mousePressed', 'mouseReleased'])
    """
    if kind is Kind.KEY:
        return key_press(key), pointer
    if kind is Kind.TYPE:
        return [m for char in text for m in _stroke(_char(char), 0)], pointer
    held = pointer.held
    if kind in (Kind.SCROLL_UP, Kind.SCROLL_DOWN):
        tick = WHEEL_TICK if kind is Kind.SCROLL_DOWN else -WHEEL_TICK
        return [_mouse("mouseWheel", x, y, held, deltaX=0, deltaY=tick)], pointer
    out = [] if (x, y) == (pointer.x, pointer.y) else [_mouse("mouseMoved", x, y, held)]
    clicks = {Kind.CLICK: 1, Kind.DBLCLICK: 2}.get(kind, 0)
    for count in range(1, clicks + 1):
        out += [
            _mouse("mousePressed", x, y, True, clickCount=count),
            _mouse("mouseReleased", x, y, False, clickCount=count),
        ]
    if kind is Kind.MOUSEDOWN:
        out.append(_mouse("mousePressed", x, y, True, clickCount=1))
    if kind is Kind.MOUSEUP:
        out.append(_mouse("mouseReleased", x, y, False, clickCount=1))
    held = kind is Kind.MOUSEDOWN or (held and kind not in (Kind.MOUSEUP, Kind.CLICK, Kind.DBLCLICK))
    return out, Pointer(x, y, held)


def key_press(name: str) -> list[Message]:
    """One of KEYS, with Ctrl or Shift held around it for a "C-" or "S-" combination, as miniwob
    writes them.

    >>> [p["key"] for _, p in key_press("C-a")], [p["modifiers"] for _, p in key_press("S-<Tab>")]
    (['Control', 'a', 'a', 'Control'], [8, 8, 8, 0])
    """
    if name not in KEYS:
        raise ValueError(f"key {name!r} is not one of {KEYS}")
    held = {"C-": ("Control", CONTROL), "S-": ("Shift", SHIFT)}.get(name[:2])
    bare = name.removeprefix("C-").removeprefix("S-").strip("<>")
    pressed = _KEYS.get(bare) or _char(bare)
    if held is None:
        return _stroke(pressed, 0)
    modifier, bit = _KEYS[held[0]], held[1]
    return [_key("rawKeyDown", modifier, bit), *_stroke(pressed, bit), _key("keyUp", modifier, 0)]


def _char(char: str) -> tuple[str, str, int, str]:
    """A typed character as a US keyboard makes it; other characters come with no key code."""
    if char.isascii() and char.isalnum():
        return char, ("Digit" if char.isdigit() else "Key") + char.upper(), ord(char.upper()), char
    return _KEYS["Space"] if char == " " else (char, "", 0, char)


def _stroke(pressed: tuple[str, str, int, str], modifiers: int) -> list[Message]:
    """Down and up; a key types its text only with no modifier held, as on a real keyboard."""
    typing = pressed[3] and not modifiers
    return [
        _key("keyDown" if typing else "rawKeyDown", pressed, modifiers),
        _key("keyUp", pressed, modifiers),
    ]


def _key(kind: str, pressed: tuple[str, str, int, str], modifiers: int) -> Message:
    key, code, key_code, text = pressed
    params: dict[str, Any] = {
        "type": kind,
        "modifiers": modifiers,
        "key": key,
        "code": code,
        "windowsVirtualKeyCode": key_code,
    }
    if kind == "keyDown":
        params |= {"text": text, "unmodifiedText": text}
    return "Input.dispatchKeyEvent", params


def _mouse(kind: str, x: float, y: float, down: bool, **extra: Any) -> Message:
    button = "left" if down or kind == "mouseReleased" else "none"
    return "Input.dispatchMouseEvent", {
        "type": kind,
        "x": x,
        "y": y,
        "button": button,
        "buttons": int(down),
        **extra,
    }
