"""What every scenario provides: app setup, a scripted human, a written procedure, input rows, a checker.

A scenario is real work in real apps. Its checker reads only the apps' own output (the saved
file, the console's store), never deskhand's screenshots, so a run cannot grade itself.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from deskhand.desktop.action import Drag
from deskhand.desktop.x11 import Window, X11Desktop
from deskhand.record.human import ScriptedHuman

Values = Mapping[str, str]


@dataclass(frozen=True)
class Look:
    """How the apps are drawn for a run; the robustness bench varies it."""

    font_scale: float = 1.0  # 1.25 = a larger font everywhere the app allows it


DEFAULT_LOOK = Look()


@dataclass(frozen=True)
class Session:
    """One scenario's apps, open on one desktop; `data` holds what the checker needs to read."""

    desktop: X11Desktop
    workdir: Path
    windows: tuple[Window, ...]  # the app windows, main one first
    data: Mapping[str, Any]


class Scenario(ABC):
    """One job. Subclasses are stateless: every run gets its own Session."""

    name: ClassVar[str]
    title: ClassVar[str]  # one line for tables
    recorded: ClassVar[Values]  # what the scripted human types when recorded
    rows: ClassVar[tuple[Values, ...]]  # new inputs for replays: at least 5
    sop: ClassVar[str]  # the written procedure a person would hand over, Markdown
    # ground truth for the gap finder: the 0-based indices, in the recording's actions.parquet,
    # of the human's actions that the SOP does not mention (the planted omissions)
    omitted: ClassVar[tuple[int, ...]]

    @abstractmethod
    def open(
        self, desktop: X11Desktop, workdir: Path, values: Values | None = None, look: Look = DEFAULT_LOOK
    ) -> AbstractContextManager[Session]:
        """Set up the initial data for `values` (the recorded ones by default) and launch the apps."""

    @abstractmethod
    def perform(self, human: ScriptedHuman, session: Session, values: Values | None = None) -> None:
        """The scripted human doing the job, at Keystroke-Level-Model pace."""

    @abstractmethod
    def check(self, session: Session, values: Values | None = None, timeout: float = 10.0) -> str | None:
        """None if the apps' own output shows the job done right for `values`, else what is wrong."""


def move_window(desktop: X11Desktop, window: Window, dx: int, dy: int) -> Window:
    """Drag a window by its title bar, as a person would; returns it where it is now."""
    w, h = desktop.size
    grab = (min(w - 1, window.x + window.width // 2), max(1, window.y - 8))
    end = (min(w - 1, max(0, grab[0] + dx)), min(h - 1, max(0, grab[1] + dy)))  # the drag stays on screen
    middle = ((grab[0] + end[0]) // 2, (grab[1] + end[1]) // 2)
    desktop.perform(Drag((grab, middle, end)))
    desktop.wait_until_stable()
    return next((w for w in desktop.windows() if w.id == window.id), window)


def values_or(values: Values | None, default: Values) -> Values:
    return default if values is None else values
