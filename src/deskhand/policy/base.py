"""What a pixel policy sees and what it may do: a screenshot and an utterance, then one input action.

The vocabulary is closed on purpose: coordinate mouse actions, a few keys and typed text. There is
no way to name a DOM element, so a policy built on this contract can only act as a person would.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

# Keys the net presses; the order is the key head's class order.
# C-<ArrowDown> moves a multi-select list's focus without selecting; C-<Space> then toggles that option.
NET_KEYS: tuple[str, ...] = (
    "<Enter>",
    "<Tab>",
    "<Backspace>",
    "<Space>",
    "<ArrowUp>",
    "<ArrowDown>",
    "C-a",
    "C-<ArrowDown>",
    "C-<Space>",
)
# Keys a policy may press: the net's, a page's worth at once for the rule that steps a number, and
# the list rule's way back up a multi-select list without touching its selection.
KEYS: tuple[str, ...] = (*NET_KEYS, "<PageUp>", "<PageDown>", "C-<ArrowUp>", "S-<Tab>")


class Kind(StrEnum):
    """Every kind of action; the order is the action-type head's class order."""

    CLICK = "click"
    DBLCLICK = "dblclick"
    MOVE = "move"
    MOUSEDOWN = "mousedown"
    MOUSEUP = "mouseup"
    SCROLL_UP = "scroll_up"
    SCROLL_DOWN = "scroll_down"
    KEY = "key"
    TYPE = "type"


KINDS: tuple[Kind, ...] = tuple(Kind)
POINTER_KINDS = frozenset(
    {Kind.CLICK, Kind.DBLCLICK, Kind.MOVE, Kind.MOUSEDOWN, Kind.MOUSEUP, Kind.SCROLL_UP, Kind.SCROLL_DOWN}
)


# A wait lasts at least this long, so that it is the same pause in demonstrations (slowed by the
# expert's DOM fetch each step) and in the bench: with waits counted only in steps, the net that
# learned to wait three times for an autocomplete menu (shown 300 ms after the last key) gave up
# in the bench before it showed (use-autocomplete 0.10 -> 0.67 on 30 unseen seeds).
WAIT_S = 0.15


@dataclass(frozen=True)
class PolicyAction:
    """One action: pointer kinds use (x, y) in screenshot pixels, KEY uses `key`, TYPE uses `text`.

    A MOVE is how a policy waits for the screen to settle (for WAIT_S at least). A MOVE that
    glances looks again after `glance` seconds instead, still or not: to watch something come
    into view (a panel sliding open) and act on it there.
    """

    kind: Kind
    x: float = 0.0
    y: float = 0.0
    key: str = ""
    text: str = ""
    glance: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.kind, Kind):
            raise TypeError(f"kind must be a Kind, got {self.kind!r}")
        if self.kind is Kind.KEY and self.key not in KEYS:
            raise ValueError(f"key {self.key!r} is not one of {KEYS}")
        if self.glance is not None and self.kind is not Kind.MOVE:
            raise ValueError(f"only a move can glance, not a {self.kind}")


@dataclass(frozen=True)
class Observation:
    """All a policy gets: the screenshot (H, W, 3) uint8 and the utterance, which is also drawn in it."""

    screenshot: np.ndarray
    utterance: str


class Policy(abc.ABC):
    """Maps what is on the screen to the next action; `reset` marks a new episode."""

    def reset(self) -> None:  # noqa: B027 - most policies keep no state between steps
        """Forget the previous episode."""

    @abc.abstractmethod
    def act(self, obs: Observation) -> PolicyAction:
        """The next action for this observation."""
