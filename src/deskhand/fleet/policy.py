"""Owner policy in the manner of HTCondor's START/PREEMPT expressions, and power-aware shedding.

Both are pure: host state or session progress in, a decision out, every threshold a parameter.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


@dataclass(frozen=True)
class HostState:
    """What the car reports: is it parked, plugged in, how full, and the owner's local time."""

    parked: Any  # bool, or a numpy bool array in the simulator
    plugged_in: Any
    battery: Any  # 0..1
    minute_of_day: Any  # 0..1439, owner's local time


@dataclass(frozen=True)
class OwnerPolicy:
    """The owner's terms: lease only inside the window, above the battery floor, with notice on reclaim."""

    min_battery: float = 0.5
    window: tuple[int, int] = (0, 1440)  # minutes of day [start, end); start > end wraps past midnight
    require_plugged_in: bool = True
    notice_s: float = 30.0  # how long a reclaimed host keeps running while its sessions drain


class Decision(StrEnum):
    START = "start"  # free and idle: lease it
    KEEP = "keep"  # leased and still available
    RECLAIM = "reclaim"  # leased but the owner needs it: drain within the notice window
    IDLE = "idle"  # not leased and not available


def in_window(minute: Any, window: tuple[int, int]) -> Any:
    """Works on one minute or, elementwise, on an array of them (the simulator's whole fleet).

    >>> in_window(30, (1320, 420)), in_window(600, (1320, 420)), in_window(600, (0, 1440))
    (True, False, True)
    """
    start, end = window
    if start <= end:
        return (minute >= start) & (minute < end)
    return (minute >= start) | (minute < end)


def available(state: HostState, policy: OwnerPolicy) -> Any:
    """Parked, plugged in (if required), above the battery floor and inside the owner's window.

    Written with `&` so the simulator runs this very rule on arrays of a million cars' states.
    """
    return (
        state.parked
        & (state.plugged_in | (not policy.require_plugged_in))
        & (state.battery >= policy.min_battery)
        & in_window(state.minute_of_day, policy.window)
    )


def decide(state: HostState, policy: OwnerPolicy, leased: bool) -> Decision:
    ok = bool(available(state, policy))
    if leased:
        return Decision.KEEP if ok else Decision.RECLAIM
    return Decision.START if ok else Decision.IDLE


@dataclass(frozen=True)
class Running:
    """A live session as shedding sees it: what it would cost to stop it now."""

    key: str
    lost_s: float  # work since its last commit, redone if it stops now (idempotent steps only)


SHED_DEADLINE_S = 5.0  # a demand-response signal is honoured within this


def shed(sessions: Sequence[Running], share: float) -> list[str]:
    """The ceil(share * n) sessions cheapest to stop, least progress lost first (ties by key).

    >>> shed([Running("a", 9.0), Running("b", 0.5), Running("c", 2.0)], 0.5)
    ['b', 'c']
    """
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"share must be within 0..1, got {share}")
    count = math.ceil(share * len(sessions) - 1e-9)
    return [s.key for s in sorted(sessions, key=lambda s: (s.lost_s, s.key))[:count]]
