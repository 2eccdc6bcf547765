"""A rule for booking a flight through a form, from pixels: the net cannot pick an airport out of
an autocomplete menu by reading it, page a calendar to a month and count to a day, or compare
the prices or durations of flights it has to scroll through.

`FlightBooker` keys on how the utterance asks ("Book the cheapest one-way flight from: PIT to:
KXA on 11/09/2016."), never on the task's id. It reads the form's labels once (OCR), types both
airports, walks each menu with ArrowDown until the highlighted entry (white on blue, read by OCR)
names the airport, opens the calendar, pages it to the month read in its title, clicks the day's
cell (the calendar's cells in reading order), searches, then Tabs through the results' Book
buttons reading each flight's price and duration, and goes back (Shift+Tab) to the best one.
The pure parts are functions here that tests can feed screens.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Generator, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from deskhand.policy.base import Kind, PolicyAction
from deskhand.policy.features import UTTERANCE_ROWS, Box, ink_lines
from deskhand.policy.rules import Reader, Rule, Step
from deskhand.vision.ocr import TextBox, letters

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_ASKED = re.compile(
    r"Book the (cheapest|shortest) one-way flight from: (.+?) to: (.+?) on (\d\d)/(\d\d)/(\d{4})\."
)
_MONTH = re.compile(rf"({'|'.join(MONTHS)})\s*(\d{{4}})")
Script = Generator[PolicyAction, np.ndarray, None]
Done = Generator[PolicyAction, np.ndarray, bool]  # a part of a script, and whether it got done


@dataclass(frozen=True)
class Trip:
    goal: str  # "cheapest" or "shortest"
    origin: str
    destination: str
    year: int
    month: int
    day: int


def trip(utterance: str) -> Trip | None:
    """The flight the utterance asks to book.

    >>> trip("Book the shortest one-way flight from: Williston, ND to: LIT on 12/13/2016.")
    Trip(goal='shortest', origin='Williston, ND', destination='LIT', year=2016, month=12, day=13)
    """
    match = _ASKED.search(utterance)
    if match is None:
        return None
    goal, origin, destination, month, day, year = match.groups()
    return Trip(goal, origin, destination, int(year), int(month), int(day))


def names(read: str, wanted: str) -> bool:
    """Whether a menu entry read by OCR names the airport: its letters and digits hold the wanted
    ones, case kept ("PIT" is in "Pittsburgh, PA (PIT)" but not in "Nunapitchuk").

    >>> names("Pittsburgh, PA (PIT)", "PIT"), names("Nunapitchuk, AK (NUP)", "PIT"), names("Topeka,KS (FOE)", "Topeka, KS")
    (True, False, True)
    """
    kept = re.compile(r"[^0-9A-Za-z]")
    return kept.sub("", wanted) in kept.sub("", read)


def highlighted(screen: np.ndarray, top: int = UTTERANCE_ROWS) -> Box | None:
    """The box of the menu entry drawn highlighted, white on blue, below row `top`; None if none.

    >>> s = np.full((80, 60, 3), 255, np.uint8); s[60:70, 5:50] = (0, 127, 255)
    >>> highlighted(s)
    (5, 60, 45, 10)
    """
    part = screen[top:].astype(np.int16)
    blue = (part[..., 2] > 200) & (part[..., 0] < 60) & (part[..., 1] > 90) & (part[..., 1] < 160)
    ys, xs = np.nonzero(blue)
    if len(ys) < 20:
        return None
    return int(xs.min()), int(ys.min()) + top, int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)


def day_cells(screen: np.ndarray, top: int = UTTERANCE_ROWS) -> list[Box]:
    """A calendar's day cells in reading order: solid grey boxes (border, pale fill and number
    together) parted by white, of the size most such boxes have. The day d is the d-th.

    >>> s = np.full((90, 90, 3), 255, np.uint8)
    >>> for i in range(9): s[60 + 12 * (i // 7) : 70 + 12 * (i // 7), 2 + 12 * (i % 7) : 12 + 12 * (i % 7)] = 246
    >>> s[62:66, 4:6] = 0  # a number drawn in the first cell
    >>> cells = day_cells(s); len(cells), cells[0], cells[7]
    (9, (2, 60, 10, 10), (2, 72, 10, 10))
    """
    part = np.ascontiguousarray(screen[top:])
    inked = (part.min(axis=2) < 252).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(inked, connectivity=4)
    boxes = [
        (int(x), int(y) + top, int(w), int(h))
        for x, y, w, h, area in stats[1:count]
        if 8 <= w <= 22 and 7 <= h <= 16 and area >= 0.85 * w * h
    ]
    if not boxes:
        return []
    size = Counter((w, h) for _, _, w, h in boxes).most_common(1)[0][0]
    cells = sorted(box for box in boxes if abs(box[2] - size[0]) <= 1 and abs(box[3] - size[1]) <= 1)
    rows: list[list[Box]] = []
    for cell in sorted(cells, key=lambda box: box[1]):
        if rows and abs(cell[1] - rows[-1][0][1]) <= 4:
            rows[-1].append(cell)
        else:
            rows.append([cell])
    return [cell for row in rows for cell in sorted(row)]


def dark_marks(screen: np.ndarray, top: int, bottom: int) -> list[Box]:
    """Dark round-ish marks 7-16 px across between rows `top` and `bottom`, left to right: a
    calendar's enabled month arrows (a disabled one is pale)."""
    band = np.ascontiguousarray(screen[max(top, 0) : bottom])
    dark = (band.max(axis=2) < 110).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(dark)
    marks = [
        (int(x), int(y) + top, int(w), int(h))
        for x, y, w, h, _ in stats[1:count]
        if 7 <= w <= 16 and 7 <= h <= 16
    ]
    return sorted(marks)


def month_shown(title: str) -> tuple[int, int] | None:
    """The year and month a calendar's title reads.

    >>> month_shown("December 2016"), month_shown("Su Mo")
    ((2016, 12), None)
    """
    match = _MONTH.search(title)
    return None if match is None else (int(match.group(2)), MONTHS.index(match.group(1)) + 1)


def yellow_buttons(screen: np.ndarray, top: int = UTTERANCE_ROWS) -> list[Box]:
    """Yellow buttons below row `top` (a results page's Book buttons), top to bottom.

    >>> s = np.full((120, 100, 3), 255, np.uint8); s[70:90, 10:90] = (252, 214, 113)
    >>> yellow_buttons(s)
    [(10, 70, 80, 20)]
    """
    part = screen[top:].astype(np.int16)
    red, green, blue = part[..., 0], part[..., 1], part[..., 2]
    yellow = ((red > 220) & (green > 150) & (green < 235) & (blue < 140)).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(yellow)
    boxes = [
        (int(x), int(y) + top, int(w), int(h)) for x, y, w, h, _ in stats[1:count] if w >= 40 and h >= 10
    ]
    return sorted(boxes, key=lambda box: box[1])


def flight_read(above: str, button: str) -> tuple[int, int] | None:
    """A flight's price and its duration in minutes, from its Book button's text and the line
    above the button; None without a price (a duration not read counts as endless).

    >>> flight_read("19h 6m", "$542"), flight_read("Duration:", "$90"), flight_read("19h 6m", "Back")
    ((542, 1146), (90, 1073741824), None)
    """
    price = re.search(r"\$\s*(\d+)", button)
    if price is None:
        return None
    hours = re.search(r"(\d+)\s*h\s*(\d+)\s*m", above)
    return int(price.group(1)), (int(hours.group(1)) * 60 + int(hours.group(2))) if hours else 1 << 30


def _labelled(lines: Sequence[TextBox], label: str) -> TextBox | None:
    return next((line for line in lines if letters(line.text).startswith(letters(label))), None)


def _click(x: float, y: float) -> PolicyAction:
    return PolicyAction(Kind.CLICK, x=x, y=y)


def _key(key: str) -> PolicyAction:
    return PolicyAction(Kind.KEY, key=key)


class FlightBooker(Rule):
    """Books the flight the utterance asks for, step by step, while its script runs; the net acts
    again only if something the script looks for is not on the screen."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.reset()

    def reset(self) -> None:
        self.script: Script | None = None
        self.over = False  # the script has ended

    def __call__(self, step: Step) -> PolicyAction:
        asked = trip(step.obs.utterance)
        if asked is None or self.over:
            return step.action
        try:
            if self.script is None:
                self.script = self._book(asked, step.obs.screenshot)
                return next(self.script)
            return self.script.send(step.obs.screenshot)
        except StopIteration:
            self.over = True
            return step.action

    def _book(self, asked: Trip, screen: np.ndarray) -> Script:
        lines = self.reader.lines(screen)
        fields = [_labelled(lines, label) for label in ("From", "To", "Departure Date", "Search")]
        if any(field is None for field in fields):
            return
        origin, destination, date, search = fields
        assert origin and destination and date and search
        airports = ((origin, asked.origin), (destination, asked.destination))
        for field, text in airports:  # both typed first: leaving a field cancels its menu's pending search
            screen = yield _click(*field.center)
            screen = yield PolicyAction(Kind.TYPE, text=text)
        for field, text in airports:
            screen = yield _click(*field.center)
            for _ in range(10):
                screen = yield _key("<ArrowDown>")
                entry = highlighted(screen)
                if entry is not None and names(self._entry(screen, entry), text):
                    break
            else:
                return
            screen = yield _key("<Enter>")
        if not (yield from self._date(asked, date)):
            return
        screen = yield _click(*search.center)
        yield from self._results(asked, screen)

    def _entry(self, screen: np.ndarray, box: Box) -> str:
        """A highlighted menu entry's text: white on blue, inverted to read; one line at a time."""
        x, y, width, height = box
        crop = 255 - cv2.cvtColor(
            np.ascontiguousarray(screen[y : y + height, x : x + width]), cv2.COLOR_RGB2GRAY
        )
        inverted = np.dstack([crop] * 3)
        lines = [
            (top, tall) for _, top, _, tall in ink_lines(inverted, 0, width, gap=1) if tall >= 5
        ]  # no i's dots
        parts = [self.reader.text(inverted[max(top - 2, 0) : top + tall + 2]) for top, tall in lines]
        return " ".join(parts)

    def _date(self, asked: Trip, date: TextBox) -> Done:
        """Open the calendar under the date's label, page it to the month, click the day."""
        x, y = date.center[0], date.y + date.height + 6
        screen = yield _click(x, y)
        screen = yield PolicyAction(Kind.MOVE, x=x, y=y)  # the calendar fades in
        for _ in range(4):
            cells = day_cells(screen)
            if not cells:
                return False
            top = min(cell[1] for cell in cells)
            left, right = min(cell[0] for cell in cells), max(cell[0] + cell[2] for cell in cells)
            arrows = dark_marks(screen[:, left:right], top - 34, top - 16)  # the title's row
            title = screen[top - 34 : top - 16, left + 18 : right - 18]
            shown = month_shown(self.reader.text(title))
            if shown is None:
                return False
            year, month = shown
            if (year, month) == (asked.year, asked.month):
                if not 1 <= asked.day <= len(cells):
                    return False
                cx, cy, cw, ch = cells[asked.day - 1]
                yield _click(cx + cw / 2, cy + ch / 2)
                return True
            back = (year, month) > (asked.year, asked.month)
            way = [arrow for arrow in arrows if (arrow[0] < (right - left) / 2) == back]
            if not way:  # that way's arrow is pale: disabled
                return False
            arrow = way[0]
            screen = yield _click(left + arrow[0] + arrow[2] / 2, arrow[1] + arrow[3] / 2)
        return False

    def _flight(self, screen: np.ndarray, middle: float) -> tuple[int, int] | None:
        """The price and duration of the flight whose Book button is nearest the row `middle`:
        the button's last line and the line just above it, each read alone (40 ms; the whole
        screen takes 300)."""
        found = yellow_buttons(screen)
        if not found:
            return None
        x, y, width, height = min(found, key=lambda box: abs(box[1] + box[3] / 2 - middle))
        button = np.ascontiguousarray(screen[y : y + height, x : x + width])
        above = np.ascontiguousarray(screen[max(y - 30, 0) : y])
        return flight_read(self._last_line(above), self._last_line(button))

    def _last_line(self, image: np.ndarray) -> str:
        lines = [line for line in ink_lines(image, 0, image.shape[1]) if line[3] >= 5]  # no i's dots
        if not lines:
            return ""
        _, top, _, tall = lines[-1]
        return self.reader.text(image[max(top - 2, 0) : top + tall + 2])

    def _results(self, asked: Trip, screen: np.ndarray) -> Script:
        """Tab through the Book buttons reading each flight (the focused one is scrolled to the
        middle), past the last, then Shift+Tab back to the best and Enter."""
        middle = (UTTERANCE_ROWS + screen.shape[0]) / 2
        screen = yield PolicyAction(Kind.MOVE, x=8, y=middle)  # the calendar fades out over the results
        read: list[tuple[int, int] | None] = []
        for _ in range(8):
            screen = yield _key("<Tab>")
            flight = self._flight(screen, middle)
            if any(read) and flight == read[-1]:
                break  # the focus has left the last button: the screen is as it was
            read.append(flight)
        flights = [(i, f) for i, f in enumerate(read) if f is not None]
        if not flights:
            return
        rank = 0 if asked.goal == "cheapest" else 1
        best = min(flights, key=lambda f: f[1][rank])[0]
        for _ in range(len(read) - best):
            screen = yield _key("S-<Tab>")
        yield _key("<Enter>")
