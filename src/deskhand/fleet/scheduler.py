"""Placement: which free host slots take the waiting tasks. One function for the real fleet and the model.

Pure and vectorized so the simulator can place a million sessions with the very code the engine runs.
"""

from __future__ import annotations

import numpy as np


def assign(waiting: int, free: np.ndarray, staying: np.ndarray) -> np.ndarray:
    """Per host, how many of `waiting` tasks to place on its `free` slots.

    Hosts expected to stay longest (`staying`, e.g. minutes left in the owner's window) fill first,
    so fewer sessions get evicted; a host is filled to its free slots before the next is used.

    >>> assign(3, np.array([1, 2, 0, 1]), np.array([5.0, 9.0, 99.0, 1.0])).tolist()
    [1, 2, 0, 0]
    """
    free = np.asarray(free, dtype=np.int64)  # (H,)
    placed = np.zeros_like(free)
    total = int(free.sum())
    if waiting <= 0 or total == 0:
        return placed
    if waiting >= total:
        return free.copy()
    candidates = np.flatnonzero(free > 0)
    # hosts with one slot each (cars) are the common case: a partial sort, O(H)
    if np.all(free[candidates] == 1):
        if waiting < len(candidates):
            keep = np.argpartition(-staying[candidates], waiting - 1)[:waiting]
            candidates = candidates[keep]
        placed[candidates] = 1
        return placed
    order = candidates[np.argsort(-staying[candidates], kind="stable")]
    cumulative = np.cumsum(free[order])
    full = order[cumulative <= waiting]
    placed[full] = free[full]
    rest = waiting - int(placed.sum())
    if rest > 0:
        placed[order[len(full)]] = rest
    return placed
