"""Keeping secrets out of recordings, from three signals, since deskhand sees only pixels.

1. a secret mode the person toggles with a hotkey while recording;
2. windows whose title or class matches a --secret-window pattern;
3. text that renders as a row of identical blobs (bullets or asterisks) where it was typed.

Secret key events keep their type and time, but lose keycode, keysym and char before they
are ever written: the recording proves keys were pressed, not which.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

import cv2
import numpy as np

from deskhand.record.event import EventType, InputEvent, WindowInfo

KEY_EVENTS = (EventType.KEY_DOWN, EventType.KEY_UP)


def blank(event: InputEvent) -> InputEvent:
    """The event with everything that could reveal the key removed."""
    if event.type not in KEY_EVENTS:
        return event
    return dataclasses.replace(event, keycode=0, keysym=0, char="", secret=True)


def window_is_secret(window: WindowInfo, patterns: Sequence[re.Pattern[str]]) -> bool:
    return any(p.search(window.title) or p.search(window.wm_class) for p in patterns)


def looks_masked(before: np.ndarray, after: np.ndarray, typed: int, min_share: float = 0.6) -> bool:
    """Did typing `typed` characters draw a row of identical, evenly spaced blobs here?

    Plain text is made of different glyphs; a password field draws the same bullet
    or asterisk once per character. Text like "aaaa" also passes, which errs on the
    side of keeping a secret.
    """
    if typed < 2 or before.shape != after.shape:
        return False
    changed = (np.abs(before.astype(np.int16) - after.astype(np.int16)).max(axis=2) > 40).astype(np.uint8)
    count, _, stats, centroids = cv2.connectedComponentsWithStats(changed, connectivity=8)
    blobs = [
        (stats[i], centroids[i])
        for i in range(1, count)
        if stats[i, cv2.CC_STAT_AREA] >= 3 and stats[i, cv2.CC_STAT_HEIGHT] <= 3 * stats[i, cv2.CC_STAT_WIDTH]
    ]  # drops specks and the thin caret
    if len(blobs) < max(2, int(min_share * typed)):
        return False
    widths = np.array([s[cv2.CC_STAT_WIDTH] for s, _ in blobs])
    heights = np.array([s[cv2.CC_STAT_HEIGHT] for s, _ in blobs])
    areas = np.array([s[cv2.CC_STAT_AREA] for s, _ in blobs], dtype=float)
    xs = np.sort(np.array([c[0] for _, c in blobs]))
    ys = np.array([c[1] for _, c in blobs])
    same_shape = (
        np.ptp(widths) <= 1
        and np.ptp(heights) <= 1
        and np.all(np.abs(areas - np.median(areas)) <= 0.25 * np.median(areas))
    )
    gaps = np.diff(xs)
    even = bool(gaps.size == 0 or (gaps.min() > 0 and gaps.std() <= 0.15 * gaps.mean()))
    one_row = np.ptp(ys) <= 2
    return bool(same_shape and even and one_row)
