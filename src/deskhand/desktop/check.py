"""`check_desktop`: the conformance test every Desktop backend must pass.

Like Gymnasium's check_env: it drives the backend through its public contract and
compares what arrived (in the probe app's own log, and on screen) with what was sent.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from deskhand.desktop import probe
from deskhand.desktop.action import Click, Drag, KeyPress, Scroll, TypeText
from deskhand.desktop.base import Desktop, DesktopError
from deskhand.desktop.keys import char_keysym

UNICODE_SAMPLE = "Zoë — 東京 ✓ AZaz09 !?@#~"


class DesktopContractError(AssertionError):
    """A backend broke the Desktop contract; the message lists every failed check."""


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str = ""


class _ProbeLog:
    """Reads the probe's JSON lines as they arrive."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0

    def read(self) -> list[dict[str, object]]:
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as f:
            f.seek(self.offset)
            text = f.read()
        complete = text[: text.rfind("\n") + 1]
        self.offset += len(complete.encode("utf-8"))
        return [json.loads(line) for line in complete.splitlines() if line]

    def wait(
        self, done: Callable[[list[dict[str, object]]], bool], timeout: float = 5.0
    ) -> list[dict[str, object]]:
        events: list[dict[str, object]] = []
        deadline = time.monotonic() + timeout
        while not done(events) and time.monotonic() < deadline:
            events += self.read()
            time.sleep(0.01)
        events += self.read()
        return events


def _count(kind: str, n: int) -> Callable[[list[dict[str, object]]], bool]:
    return lambda events: sum(e["type"] == kind for e in events) >= n


def check_desktop(desktop: Desktop, workdir: Path | None = None) -> list[Check]:
    """Run every check; return them all if they pass, else raise DesktopContractError."""
    workdir = workdir or Path(getattr(desktop, "workdir", "/tmp"))
    log_path = workdir / f"probe-{time.monotonic_ns()}.jsonl"
    checks = [_check_capture_shape(desktop)]
    app = desktop.launch([sys.executable, "-m", "deskhand.desktop.probe", str(log_path)])
    try:
        log = _ProbeLog(log_path)
        if not log.wait(_count("ready", 1), timeout=15.0):
            raise DesktopContractError(f"the probe app never showed its window (log {log_path})")
        for check in (
            _check_capture_sees_screen,
            _check_clicks,
            _check_typing,
            _check_combos,
            _check_scroll,
            _check_drag,
        ):
            try:
                checks.append(check(desktop, log))
            except DesktopError as e:
                checks.append(Check(check.__name__.removeprefix("_check_"), False, f"raised: {e}"))
    finally:
        app.close()
    failed = [c for c in checks if not c.ok]
    if failed:
        lines = "\n".join(f"- {c.name}: {c.detail}" for c in failed)
        raise DesktopContractError(f"{type(desktop).__name__} fails {len(failed)} check(s):\n{lines}")
    return checks


def _check_capture_shape(desktop: Desktop) -> Check:
    w, h = desktop.size
    a, b = desktop.screenshot(), desktop.screenshot()
    problems = []
    if a.pixels.shape != (h, w, 3) or a.pixels.dtype != np.uint8:
        problems.append(f"screenshot is {a.pixels.shape} {a.pixels.dtype}, want ({h}, {w}, 3) uint8")
    if not b.t > a.t:
        problems.append(f"timestamps do not increase: {a.t} then {b.t}")
    if not desktop.scale > 0:
        problems.append(f"scale {desktop.scale} is not positive")
    return Check("capture_shape", not problems, "; ".join(problems))


def _pixel(desktop: Desktop, x: int, y: int) -> tuple[int, ...]:
    return tuple(int(v) for v in desktop.screenshot().pixels[y, x])


def _check_capture_sees_screen(desktop: Desktop, log: _ProbeLog) -> Check:
    w, h = desktop.size
    seen = _pixel(desktop, w // 2, h // 2)
    ok = seen == probe.BACKGROUND
    return Check(
        "capture_sees_screen", ok, "" if ok else f"centre pixel {seen}, probe paints {probe.BACKGROUND}"
    )


def _click_targets(w: int, h: int) -> list[tuple[int, int]]:
    r = probe.MARK_RADIUS
    return [(r, r), (w - 1 - r, h - 1 - r), (w // 2 + 1, h // 3), (w // 7, h - 1 - r), (w - 1 - r, 17)]


def _check_clicks(desktop: Desktop, log: _ProbeLog) -> Check:
    w, h = desktop.size
    problems = []
    for x, y in _click_targets(w, h):
        before = desktop.screenshot()
        desktop.perform(Click(x, y))
        events = log.wait(_count("button_up", 1))
        downs = [(e["x"], e["y"], e["button"]) for e in events if e["type"] == "button_down"]
        if downs != [(x, y, 1)]:
            problems.append(f"click at ({x}, {y}) arrived as {downs}")
            continue
        deadline = time.monotonic() + 2.0
        while _pixel(desktop, x, y) != probe.MARK and time.monotonic() < deadline:
            time.sleep(0.005)
        after = desktop.screenshot()
        if tuple(int(v) for v in after.pixels[y, x]) != probe.MARK:
            problems.append(f"the mark painted at ({x}, {y}) never showed in a screenshot")
        elif np.array_equal(before.pixels, after.pixels):
            problems.append("screenshot did not change after the screen did")
    return Check("click_exact", not problems, "; ".join(problems))


def _typed(events: list[dict[str, object]]) -> str:
    return "".join(str(e["char"]) for e in events if e["type"] == "key_down" and e["char"] is not None)


def _check_typing(desktop: Desktop, log: _ProbeLog) -> Check:
    desktop.perform(TypeText(UNICODE_SAMPLE))
    events = log.wait(lambda ev: len(_typed(ev)) >= len(UNICODE_SAMPLE))
    got = _typed(events)
    ok = got == UNICODE_SAMPLE
    return Check("type_unicode", ok, "" if ok else f"typed {UNICODE_SAMPLE!r}, arrived {got!r}")


def _key_released(keysym: int) -> Callable[[list[dict[str, object]]], bool]:
    return lambda events: any(e["type"] == "key_up" and e["keysym"] == keysym for e in events)


def _check_combos(desktop: Desktop, log: _ProbeLog) -> Check:
    problems = []
    cases = [
        ("ctrl+shift+a", char_keysym("A"), ["shift", "ctrl"]),
        ("Tab", 0xFF09, []),
        ("alt+x", char_keysym("x"), ["alt"]),
        ("ctrl+s", char_keysym("s"), ["ctrl"]),
    ]
    for combo, keysym, modifiers in cases:
        desktop.perform(KeyPress(combo))
        events = log.wait(_key_released(keysym))
        hits = [e for e in events if e["type"] == "key_down" and e["keysym"] == keysym]
        if not hits or sorted(hits[0]["modifiers"]) != sorted(modifiers):  # type: ignore[call-overload]
            problems.append(f"{combo} arrived as {[(e['keysym'], e['modifiers']) for e in hits]}")
    return Check("key_combo", not problems, "; ".join(problems))


def _check_scroll(desktop: Desktop, log: _ProbeLog) -> Check:
    w, h = desktop.size
    desktop.perform(Scroll(w // 2, h // 2, dx=1, dy=2))
    desktop.perform(Scroll(w // 2, h // 2, dy=-1))
    events = log.wait(_count("button_up", 4))
    buttons = [e["button"] for e in events if e["type"] == "button_down"]
    ok = buttons == [5, 5, 7, 4]
    return Check("scroll", ok, "" if ok else f"wheel buttons {buttons}, want [5, 5, 7, 4]")


def _check_drag(desktop: Desktop, log: _ProbeLog) -> Check:
    w, h = desktop.size
    path = ((w // 4, h // 4), (w // 3, h // 3), (w // 2, h // 2 + 1))
    desktop.perform(Drag(path))
    events = log.wait(_count("button_up", 1))
    down = [(e["x"], e["y"]) for e in events if e["type"] == "button_down"]
    up = [(e["x"], e["y"]) for e in events if e["type"] == "button_up"]
    ok = down == [path[0]] and up == [path[-1]]
    return Check("drag", ok, "" if ok else f"drag pressed at {down}, released at {up}; path {path}")
