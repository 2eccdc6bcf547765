"""A scripted human: drives a desktop the way a person does, for tests and benches.

Timing follows the Keystroke-Level Model (Card, Moran and Newell): K per keystroke,
P per pointing (or Fitts' law), B per button press or release, H to move a hand between
keyboard and mouse, M to think before each new sub-task. Pointer paths are curved.
It sends input through the desktop only, so a recorder captures it exactly as it
would a person: through XRecord, not from this script's own log.

`time_scale` shrinks the real waits (tests run at 0.2x); `klm_seconds` is always the
full-speed KLM estimate, the figure to compare deskhand against.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from deskhand.desktop.action import Action, Click, Drag, KeyPress, MoveTo, Scroll, TypeText
from deskhand.desktop.base import Desktop


@dataclass(frozen=True)
class KLM:
    """Operator times in seconds. fitts=True replaces the flat P with a + b*log2(D/W + 1)."""

    K: float = 0.28
    P: float = 1.1
    B: float = 0.1
    H: float = 0.4
    M: float = 1.35
    fitts: bool = False
    fitts_a: float = 0.1
    fitts_b: float = 0.15
    target_px: float = 20.0

    def point(self, distance: float) -> float:
        if not self.fitts:
            return self.P
        return self.fitts_a + self.fitts_b * math.log2(distance / self.target_px + 1)


def curve(start: tuple[int, int], end: tuple[int, int], steps: int, bend: float) -> list[tuple[int, int]]:
    """A quadratic Bezier from start to end, bowed sideways by `bend` of its length; ends exactly at end.

    >>> curve((0, 0), (100, 0), 4, 0.0)
    [(25, 0), (50, 0), (75, 0), (100, 0)]
    """
    (x0, y0), (x1, y1) = start, end
    mx, my = (x0 + x1) / 2 - bend * (y1 - y0), (y0 + y1) / 2 + bend * (x1 - x0)
    points = []
    for i in range(1, steps + 1):
        t = i / steps
        x = (1 - t) ** 2 * x0 + 2 * (1 - t) * t * mx + t**2 * x1
        y = (1 - t) ** 2 * y0 + 2 * (1 - t) * t * my + t**2 * y1
        points.append((round(x), round(y)))
    points[-1] = end
    return points


class ScriptedHuman:
    """Acts on `desktop` like a person; `intended` lists what it meant to do, in action terms."""

    def __init__(
        self,
        desktop: Desktop,
        klm: KLM = KLM(),
        time_scale: float = 1.0,
        seed: int = 0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.desktop = desktop
        self.klm = klm
        self.time_scale = time_scale
        self.rng = random.Random(seed)
        self.sleep = sleep
        self.intended: list[Action] = []
        self.klm_seconds = 0.0
        self.pointer = (desktop.size[0] // 2, desktop.size[1] // 2)
        self.hand = "mouse"

    def _spend(self, seconds: float) -> None:
        self.klm_seconds += seconds
        self.sleep(seconds * self.time_scale)

    def think(self) -> None:
        """M: mental preparation before a new sub-task."""
        self._spend(self.klm.M)

    def _home(self, device: str) -> None:
        if self.hand != device:
            self._spend(self.klm.H)
            self.hand = device

    def _point(self, x: int, y: int) -> None:
        """P: a curved path to (x, y), spread over the pointing time."""
        self._home("mouse")
        distance = math.dist(self.pointer, (x, y))
        seconds = self.klm.point(distance)
        steps = max(2, min(30, int(distance / 25)))
        path = curve(self.pointer, (x, y), steps, bend=self.rng.uniform(-0.25, 0.25))
        for px, py in path:
            self.desktop.perform(MoveTo(px, py))
            self._spend(seconds / steps)
        self.pointer = (x, y)

    def click(self, x: int, y: int, button: str = "left", count: int = 1, think: bool = True) -> None:
        if think:
            self.think()
        self._point(x, y)
        self.desktop.perform(Click(x, y, button, count))
        self._spend(2 * count * self.klm.B)
        self.intended.append(Click(x, y, button, count))

    def type(self, text: str, think: bool = True) -> None:
        """Type text a key at a time; Return and Tab are keys of their own, as a recorder sees them."""
        if think:
            self.think()
        self._home("keyboard")
        run = ""
        for char in text:
            if char in "\n\t":
                self._flush(run)
                run = ""
                self.desktop.perform(KeyPress("Return" if char == "\n" else "Tab"))
                self.intended.append(KeyPress("Return" if char == "\n" else "Tab"))
            else:
                self.desktop.perform(TypeText(char))
                run += char
            self._spend(self.klm.K)
        self._flush(run)

    def _flush(self, run: str) -> None:
        if run:
            self.intended.append(TypeText(run))

    def type_secret(self, text: str, think: bool = True) -> None:
        """Type a password: intended as a secret TypeText, which carries no value."""
        if think:
            self.think()
        self._home("keyboard")
        for char in text:
            self.desktop.perform(TypeText(char))
            self._spend(self.klm.K)
        self.intended.append(TypeText("", secret=True))

    def press(self, combo: str, think: bool = True, record: bool = True) -> None:
        """A key combo: one K per key in it. record=False for hotkeys a recorder swallows."""
        if think:
            self.think()
        self._home("keyboard")
        self.desktop.perform(KeyPress(combo))
        self._spend(self.klm.K * len(combo.split("+")))
        if record:
            self.intended.append(KeyPress(combo))

    def drag(self, start: tuple[int, int], end: tuple[int, int], think: bool = True) -> None:
        if think:
            self.think()
        self._point(*start)
        distance = math.dist(start, end)
        steps = max(2, min(30, int(distance / 25)))
        path = (start, *curve(start, end, steps, bend=self.rng.uniform(-0.1, 0.1)))
        self.desktop.perform(Drag(path))
        self._spend(2 * self.klm.B + self.klm.point(distance))
        self.pointer = end
        self.intended.append(Drag((start, end)))

    def scroll(self, x: int, y: int, dy: int, think: bool = True) -> None:
        if think:
            self.think()
        self._point(x, y)
        for _ in range(abs(dy)):
            self.desktop.perform(Scroll(x, y, dy=1 if dy > 0 else -1))
            self._spend(self.klm.B)
        self.intended.append(Scroll(x, y, dy=dy))
