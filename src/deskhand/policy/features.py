"""Inputs a pixel policy gets besides RGB: where the utterance's key words are drawn on screen.

A small CNN cannot learn to read arbitrary words from a few thousand demonstrations, but it can
learn to click where a map lights up. `vision.textmap` makes that map from pixels alone: the words
are rendered and template matched, so no DOM or OCR model is involved. Two maps: the quoted
phrases, and the other words that are not plain instruction words (names, codes, numbers).

A sixth channel marks where the pointer was last put, as the mouse cursor shows it to a person:
without it a policy with no memory cannot tell a field it just clicked from one it has not.

Besides, pure functions for what the policy's rules make of the utterance and of text read by
OCR: the text shown to type when the utterance names none, which phrase a clicked field's label
names, which line a torn click should take instead, the number named and the number shown, the
numbers listed and the next move sorting them, the item described, the names to pick in a list;
and pixel helpers of the rules: grey icons, lines of ink, a caret, an accordion's bars, links'
underlines and the link a read names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

import cv2
import numpy as np

from deskhand.policy.base import POINTER_KINDS, Kind
from deskhand.vision.glyphs import COLOURS, SHAPES, GlyphConfig, Item
from deskhand.vision.ocr import TextBox, letters
from deskhand.vision.textmap import DEFAULT, TextMapConfig, TextMapMemo, render, text_maps, without_rules

UTTERANCE_ROWS = 50  # MiniWoB draws the utterance in the top 50 rows; words are searched below it
POINTER_HALF = 3  # the pointer mark is a 7x7 square
MAX_PHRASES = 3  # per map, to keep a step within a few milliseconds
# match scores mapped to 0 and to 255: any text on screen scores 0.2-0.4 against a phrase
FLOOR, FULL = 0.45, 0.8

_WORDS = """
a an and are as at be below between both box button by click date drag email enter ends
field fields file find flight focus folder for from go hit in input into is it item items
its labeled link list login navigate named next of on one or page password press reply
result results search sections select send shape slider spinner starts submit switch tabs
text textbox that the them then this through to tree type use user username value widget
with you your
"""
_INSTRUCTION_WORDS = frozenset(_WORDS.split())  # words that tell what to do, not what to find


def salient(utterance: str) -> tuple[list[str], list[str]]:
    """The quoted phrases, and the unquoted words that are not instruction words, in order.

    >>> salient('Select GDKkQ and click "Submit".')
    (['Submit'], ['GDKkQ'])
    """
    quoted = [q for q in re.findall(r'"([^"]*)"', utterance) if q.strip()]
    rest = re.sub(r'"[^"]*"', " ", utterance)
    words = [w.strip(".,:;!?") for w in rest.split()]
    named = [w for w in words if w and w.lower().strip("'") not in _INSTRUCTION_WORDS]
    return quoted[:MAX_PHRASES], named[:MAX_PHRASES]


def shown_text(lines: Sequence[TextBox], utterance: str) -> str | None:
    """What to type when the utterance names nothing to type: the first line read on the screen
    that the utterance does not mention ("Type the text below ..."); None if every line is in it.

    >>> said = "Type the text below into the text field and press Submit."
    >>> shown_text([TextBox("Wpe", 60, 70, 30, 12, 0.9), TextBox("Submit", 60, 150, 40, 12, 0.9)], said)
    'Wpe'
    """
    said = {letters(word) for word in utterance.split()}
    for line in lines:
        if not all(letters(word) in said for word in line.text.split()):
            return line.text.strip()
    return None


def label_of(lines: Sequence[TextBox], x: float, y: float) -> TextBox | None:
    """The line of text that labels the field clicked at (x, y): the nearest one left of the point
    on its row, else the nearest above or below that starts left of it (a label stands left of
    its field, above it or below it, and starts no further right than the field does).

    >>> genre, year = TextBox("Genre", 9, 54, 69, 17, 0.9), TextBox("Year", 10, 94, 40, 17, 0.9)
    >>> director = TextBox("Director", 0, 82, 59, 27, 0.9)
    >>> title = TextBox("Movie Search", 30, 60, 98, 20, 0.9)
    >>> label_of([genre, year], 82, 78).text, label_of([title, director], 110, 94).text
    ('Genre', 'Director')
    """
    row = [box for box in lines if box.y - 3 <= y <= box.y + box.height + 3 and box.x + box.width <= x]
    if row:
        return max(row, key=lambda box: box.x + box.width)
    column = [box for box in lines if box.x <= x]
    return min(column, key=lambda box: max(box.y - y, y - box.y - box.height), default=None)


def named_start(
    lines: Sequence[TextBox], x: float, y: float, utterance: str, likely: Sequence[int]
) -> int | None:
    """Which of the `likely` phrase starts goes into the field clicked at (x, y): the one its label
    names; or, when the label names none, the one no other label names ("Released Date" names no
    phrase, but "Movie Genre" and "Director Name" name the other two). The other labels are the
    lines in line with this one, flush left or right as a form's labels are: a title ("Movie
    Search") or a button ("Search") may name a phrase too. None when that is not exactly one.

    >>> said = "Search for comedy movies directed by Padilla from year 2017."
    >>> starts = [said.index(w) for w in ("comedy", "Padilla", "2017")]
    >>> lines = [TextBox(t, 10, y, 80, 17, 0.9) for t, y in (("Movie Genre", 54), ("Released Date", 94), ("Director Name", 134))]
    >>> [said[named_start(lines, 82, y, said, starts):][:7] for y in (78, 118, 158)]
    ['comedy ', '2017.', 'Padilla']
    >>> title = TextBox("Movie Search", 45, 55, 75, 20, 0.9)
    >>> right = [TextBox(t, 40 - w, y, w, 15, 0.9) for t, w, y in (("Director", 38, 80), ("Genre", 28, 105), ("Year", 22, 130))]
    >>> said[named_start([title, *right], 80, 112, said, starts):][:7]
    'comedy '
    """
    label = label_of(lines, x, y)
    if label is None:
        return None
    named = [start for start in likely if names_phrase(label.text, utterance, start)]
    if not named:
        others = [
            line.text
            for line in lines
            if line is not label
            and (abs(line.x - label.x) <= 4 or abs(line.x + line.width - label.x - label.width) <= 4)
        ]
        named = [start for start in likely if not any(names_phrase(t, utterance, start) for t in others)]
    return named[0] if len(named) == 1 else None


def named_line(lines: Sequence[TextBox], x: float, y: float, utterance: str) -> TextBox | None:
    """The line to click instead of the one at (x, y): the only line on the screen that holds more
    of the utterance's quoted phrases than the clicked one ("Burundi" holds both "Bu" and "undi",
    "Bulgaria" only "Bu"). None when (x, y) is on no line, or no one line holds more. Named words
    are left out: "Find the email by Karina and click the star icon" names Karina, not her line.

    >>> said = 'Enter an item that starts with "Bu" and ends with "undi".'
    >>> menu = [TextBox(t, 11, y, 60, 14, 0.9) for t, y in (("Bu", 75), ("Bulgaria", 97), ("Burundi", 141))]
    >>> named_line(menu, 54, 106, said).text, named_line(menu, 54, 148, said), named_line(menu, 120, 106, said)
    ('Burundi', None, None)
    """
    wanted = [w for w in (letters(phrase) for phrase in salient(utterance)[0]) if w]

    def holds(box: TextBox) -> int:
        return sum(w in letters(box.text) for w in wanted)

    clicked = lines_at(lines, x, y)
    if not clicked or not wanted:
        return None
    most = max(holds(box) for box in lines)
    best = [box for box in lines if holds(box) == most]
    return best[0] if len(best) == 1 and most > max(holds(box) for box in clicked) else None


def lines_at(lines: Sequence[TextBox], x: float, y: float) -> list[TextBox]:
    """The lines a click at (x, y) is on, give or take 4 px above and below (a button's text is
    shorter than the button)."""
    return [
        box for box in lines if box.x <= x <= box.x + box.width and box.y - 4 <= y <= box.y + box.height + 4
    ]


def named_number(utterance: str) -> int | None:
    """The one whole number the utterance names, or None if it names none or several (dates,
    times and ordinals such as "7th" are not whole numbers).

    >>> [named_number(said) for said in ("Select -35 with the slider.", "Pick 12/05/2016.", "Pick 3 or 4.")]
    [-35, None, None]
    """
    numbers = re.findall(r"(?<![\w./-])-?\d+(?![\w/]|\.\d)", utterance)
    return int(numbers[0]) if len(numbers) == 1 else None


def shown_number(lines: Sequence[TextBox]) -> TextBox | None:
    """The line read below the instruction that is a whole number; if several are, and all on one
    row, the rightmost (a slider's handle beside its value is read as "0"). None otherwise.

    >>> shown_number([TextBox("-97", 30, 125, 14, 12, 0.9), TextBox("Submit", 40, 150, 45, 14, 0.9)]).text
    '-97'
    >>> shown_number([TextBox("0", 70, 59, 25, 20, 0.9), TextBox("181", 102, 60, 27, 20, 0.9)]).text
    '181'
    """
    numbers = [box for box in lines if re.fullmatch(r"-?\d+", box.text.strip())]
    if not numbers or any(
        abs(box.center[1] - numbers[0].center[1]) > numbers[0].height / 2 for box in numbers
    ):
        return None
    return max(numbers, key=lambda box: box.x)


def number_key(target: int, value: int, page: int | None) -> str:
    """The key that steps a shown number toward the named one: a page at once (a fifth of a
    slider's range) while that brings it closer, then single steps. `page` is how far a page went
    before, None if no page key has been pressed yet: then only a gap over 10 takes one.

    >>> [number_key(82, 8, None), number_key(82, 68, 20), number_key(82, 72, 20), number_key(-5, 3, None)]
    ['<PageUp>', '<PageUp>', '<ArrowUp>', '<ArrowDown>']
    """
    gap = target - value
    if abs(gap) > (10 if page is None else page / 2):
        return "<PageUp>" if gap > 0 else "<PageDown>"
    return "<ArrowUp>" if gap > 0 else "<ArrowDown>"


def number_place(screen: np.ndarray, box: TextBox, room: int = 30) -> tuple[int, int, int, int]:
    """Where to read a number again as it changes, (left, top, right, bottom): from its first dark
    pixel, so that a slider's handle beside it (light grey, read as "0") is left out, to `room`
    pixels past its end for more digits; and the rows of its ink, the longest run of rows with
    dark pixels (a button's border below is a shorter one, and read as part of a "7" it made "1").

    >>> screen = np.full((40, 80, 3), 255, np.uint8); screen[12:24, 10:20] = 200; screen[14:22, 24:36] = 0
    >>> screen[24, 0:40] = 90  # a border below
    >>> number_place(screen, TextBox("081", 10, 12, 27, 14, 0.9))
    (23, 12, 67, 24)
    """
    top, left = max(box.y, 0), max(box.x, 0)
    ink = screen[top : box.y + box.height, left : box.x + box.width].max(axis=2) < 160  # not a handle's 197
    rows = ink.any(axis=1)
    if not rows.any():
        return left, top, box.x + box.width + room, box.y + box.height
    runs = np.split(np.arange(len(rows)), np.flatnonzero(np.diff(rows.astype(int))) + 1)
    longest = max((run for run in runs if rows[run[0]]), key=len)
    columns = np.flatnonzero(ink[longest].any(axis=0))
    return (
        left + int(columns[0]) - 1,
        top + int(longest[0]) - 2,
        box.x + box.width + room,
        top + int(longest[-1]) + 3,
    )


def sort_order(utterance: str) -> int | None:
    """1 if the utterance asks for numbers in increasing order, -1 in decreasing, else None.

    >>> sort_order("Sort the numbers in increasing order, starting with the lowest number at the top of the list.")
    1
    """
    said = utterance.lower()
    if "increasing order" in said or "ascending order" in said:
        return 1
    if "decreasing order" in said or "descending order" in said:
        return -1
    return None


def listed_numbers(lines: Sequence[TextBox]) -> list[tuple[TextBox, int]]:
    """The lines that are a whole number, after any mark before it (a list item's drag handle is
    read as "$"), top to bottom; none unless at least two.

    >>> [n for _, n in listed_numbers([TextBox(t, 10, y, 20, 12, 0.9) for t, y in (("$ -18", 60), ("-100", 88), ("Submit", 120))])]
    [-18, -100]
    """
    numbers = []
    for line in sorted(lines, key=lambda box: box.y):
        match = re.fullmatch(r"[^\w-]*(-?\d+)", line.text.strip())
        if match:
            numbers.append((line, int(match.group(1))))
    return numbers if len(numbers) >= 2 else []


def next_sort_move(numbers: list[int]) -> tuple[int, int] | None:
    """Selection sort: (from, to) bringing the smallest misplaced number up, None when sorted.

    >>> next_sort_move([5, -3, 9]), next_sort_move([1, 1, 2])
    ((1, 0), None)
    """
    ordered = sorted(numbers)
    for i, (have, want) in enumerate(zip(numbers, ordered, strict=True)):
        if have != want:
            return numbers.index(want, i), i
    return None


@dataclass(frozen=True)
class Described:
    """An item as the utterance describes it: its size in px and colour if said, and what it is:
    "item", a kind ("shape", "letter", "digit"), a shape's name or one character."""

    size: int | None
    colour: str | None
    what: str


_DESCRIBED = re.compile(rf"Click on an? (?:(large|small) )?(?:({'|'.join(COLOURS)}) )?(\w+)\.?")
_KINDS = ("item", "shape", "letter", "digit", *SHAPES)
_GRID = GlyphConfig()


def described(utterance: str, config: GlyphConfig = _GRID) -> Described | None:
    """The item the utterance asks to click, if it describes one by size, colour and kind.

    >>> described("Click on a large red circle"), described("Click on a 7").what
    (Described(size=20, colour='red', what='circle'), '7')
    >>> described('Click on a "checkbox" widget.') is None
    True
    """
    match = _DESCRIBED.fullmatch(utterance.strip())
    if match is None or not (match.group(3) in _KINDS or len(match.group(3)) == 1):
        return None
    size = {"large": max(config.sizes), "small": min(config.sizes)}.get(match.group(1) or "")
    return Described(size, match.group(2), match.group(3))


def fits(item: Item, wanted: Described) -> bool:
    """Whether an item seen on the screen is one the description asks for.

    >>> fits(Item(0, 0, 8, 12, "red", "q", 20), Described(None, "red", "letter"))
    True
    """
    kind = "shape" if item.name in SHAPES else "digit" if item.name.isdigit() else "letter"
    return (
        wanted.size in (None, item.size)
        and wanted.colour in (None, item.colour)
        and wanted.what in ("item", kind, item.name)
    )


def picked_names(utterance: str) -> list[str]:
    """The names a multi-select list is to have selected, as the utterance lists them.

    >>> picked_names("Select Kimberly, Sandi from the scroll list and click Submit.")
    ['Kimberly', 'Sandi']
    """
    match = re.search(r"Select (.+?) from the scroll list", utterance)
    return [] if match is None else [name.strip() for name in match.group(1).split(",") if name.strip()]


def list_rows(lines: Sequence[TextBox]) -> list[TextBox]:
    """The rows of a list: the lines of words whose left edges line up with the topmost line's
    (within 6 px), top to bottom, if at least three do; a button below stands further in.

    >>> rows = [TextBox(t, 2, y, 44, 18, 0.9) for t, y in (("Aviva", 55), ("Rorie", 72), ("Amber", 90))]
    >>> [r.text for r in list_rows([*rows, TextBox("▲", 137, 60, 13, 13, 0.9), TextBox("Submit", 26, 156, 55, 22, 0.9)])]
    ['Aviva', 'Rorie', 'Amber']
    """
    words = sorted((line for line in lines if len(letters(line.text)) >= 2), key=lambda line: line.y)
    rows = [line for line in words if abs(line.x - words[0].x) <= 6]
    return rows if len(rows) >= 3 else []


_USERS_BUTTON = re.compile(r'(@\w+)\W.*?"([^"]+)" button')


def users_button(utterance: str) -> tuple[str, str] | None:
    """The user whose post is meant and the button to click on it.

    >>> users_button('For the user @dolor, click on the "Share via DM" button.')
    ('@dolor', 'Share via DM')
    >>> users_button('Click on the "Share" button.') is None
    True
    """
    match = _USERS_BUTTON.search(utterance)
    return None if match is None else (match.group(1), match.group(2))


Box = tuple[int, int, int, int]  # x, y, width, height


def lit(channel: np.ndarray, level: int = 128) -> list[Box]:
    """Where a text map lights up, one box per blob, top to bottom.

    >>> m = np.zeros((20, 20), np.uint8); m[12:15, 2:8] = 255; m[3:5, 9:12] = 200
    >>> lit(m)
    [(9, 3, 3, 2), (2, 12, 6, 3)]
    """
    count, _, stats, _ = cv2.connectedComponentsWithStats((channel >= level).astype(np.uint8))
    boxes = [(int(x), int(y), int(w), int(h)) for x, y, w, h, _ in stats[1:count]]
    return sorted(boxes, key=lambda box: (box[1], box[0]))


def grey_marks(screen: np.ndarray, top: int, bottom: int, join: int = 5, bar: int = 15) -> list[Box]:
    """The grey marks wholly between rows `top` and `bottom`, 2-16 px tall and 6-26 wide: icons,
    left to right. Icons are drawn grey; text is black, and a mark holding black is a word (or an
    icon a line of text runs over). Marks less than `join` px apart count as one (a menu's three
    dots); a scroll bar's arrow in the `bar` pixels at the right does not count.

    >>> s = np.full((40, 60, 3), 255, np.uint8)
    >>> for x in (5, 20, 35): s[20:30, x:x + 8] = 170
    >>> s[5:12, 5:50] = 0  # a line of text above
    >>> grey_marks(s, 0, 40)
    [(3, 20, 12, 10), (18, 20, 12, 10), (33, 20, 12, 10)]
    >>> grey_marks(s, 0, 29), grey_marks(s, 25, 40), grey_marks(s, 0, 40, join=9)  # joined: too wide
    ([], [], [])
    """
    band = np.ascontiguousarray(screen[top:bottom, : screen.shape[1] - bar])
    ink = cv2.dilate((band.min(axis=2) < 215).astype(np.uint8), np.ones((1, join), np.uint8))
    black = band.max(axis=2) < 110
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink)
    marks = [
        (int(x), int(y) + top, int(w), int(h))
        for i, (x, y, w, h, _) in enumerate(stats[1:count], start=1)
        if 2 <= h <= 16 and 6 <= w <= 26 and y > 0 and y + h < band.shape[0] and not black[labels == i].any()
    ]
    return sorted(marks)


def icon_rows(screen: np.ndarray, top: int) -> list[list[Box]]:
    """The rows below row `top` of at least three grey marks side by side (a post's Reply,
    Retweet, Like and menu icons), each left to right, top to bottom.

    >>> s = np.full((40, 60, 3), 255, np.uint8)
    >>> for x in (5, 20, 35): s[20:30, x:x + 8] = 170
    >>> s[24:26, 40:42] = 0  # a word runs over the last icon
    >>> icon_rows(s, 0), icon_rows(s[:, :35], 0)
    ([], [])
    >>> s[24:26, 40:42] = 170
    >>> len(icon_rows(s, 0)[0])
    3
    """
    rows: list[list[Box]] = []
    for mark in sorted(grey_marks(screen, top, screen.shape[0]), key=box_middle):
        if rows and abs(box_middle(mark) - box_middle(rows[-1][0])) <= 6:
            rows[-1].append(mark)
        else:
            rows.append([mark])
    return [sorted(row) for row in rows if len(row) >= 3]


def aligned_row(marks: Sequence[Box], columns: Sequence[Box], least: int = 2) -> float | None:
    """The middle row of the topmost `least` marks under the icons `columns` (of a row shown
    whole), or None: a post's icons a line of text runs over are found by the others.

    >>> columns = [(10, 0, 10, 10), (40, 0, 10, 10), (70, 0, 10, 10)]
    >>> aligned_row([(41, 50, 10, 10), (70, 52, 10, 8), (5, 30, 60, 10)], columns)
    55.0
    >>> aligned_row([(41, 50, 10, 10), (90, 50, 10, 10)], columns) is None
    True
    """
    centres = [x + width / 2 for x, _, width, _ in columns]
    under = sorted(
        (mark for mark in marks if any(abs(mark[0] + mark[2] / 2 - c) <= 4 for c in centres)), key=box_middle
    )
    for mark in under:
        row = [other for other in under if abs(box_middle(other) - box_middle(mark)) <= 6]
        if len(row) >= least:
            return box_middle(row[0])
    return None


def reads_as(read: str, word: str) -> bool:
    """Whether text read by OCR (folded by `letters`) begins with the word, a letter or two after
    the first misread ("rn" read as "m"), and no letter follows: a word it only begins does not
    count.

    >>> reads_as("bemardine13h", "bernardine"), reads_as("mi5hago", "mi"), reads_as("michel13h", "mi")
    (True, True, False)
    >>> reads_as("velit", "elita")
    False
    """
    return read[:1] == word[:1] and any(
        SequenceMatcher(None, read[:cut], word).ratio() >= 0.8 and not read[cut : cut + 1].isalpha()
        for cut in range(max(len(word) - 2, 1), len(word) + 2)
    )


def names_link(read: str, link: str, marked: bool) -> bool:
    """Whether text read by OCR off a link is the link's text, which must match it whole: "Nibh",
    "nibh" and "nibh." are three links. Its letters alike ("l" taken for "I", "rn" for "m", "g"
    for "q", a letter misread in a longer word), and its first letter's case where the two cases
    differ in shape. A stop or comma must end it if, and only if, one is read or `marked` (seen
    in its pixels: OCR misses one after a short word).

    >>> names_link("ln", "In", False), names_link("Uma", "Urna", False), names_link("guam", "quam", False)
    (True, True, True)
    >>> names_link("|Nec", "Nec", False)  # the panel's edge read as a bar
    True
    >>> names_link("massa.", "massa,", False), names_link("in", "in.", True), names_link("est", "est", False)
    (True, True, True)
    >>> names_link("amet.", "amet", True), names_link("semper", "semper.", False), names_link("Nibh", "nibh", False)
    (False, False, False)
    """
    got, wanted = (
        letters(text).replace("l", "i").replace("rn", "m").replace("q", "g") for text in (read, link)
    )
    ends, stop = (text.rstrip()[-1:] in (".", ",") for text in (link, read))
    if not got or (stop or marked) is not ends:
        return False
    first, read_first = (next((c for c in text if c.isalpha()), "") for text in (link, read))
    if first.lower() not in "cosuvwxzil" and read_first.isupper() is not first.isupper():
        return False
    return got == wanted or (len(wanted) >= 5 and SequenceMatcher(None, got, wanted).ratio() >= 0.85)


def ink_lines(screen: np.ndarray, top: int, right: int, gap: int = 2) -> list[Box]:
    """The lines of dark text below row `top` and left of column `right`, top to bottom: runs of
    rows holding dark pixels, split where `gap` rows hold none, each boxed to its ink. Cheaper
    than finding text by OCR's detector (200-300 ms on a task area): each line is read alone.

    >>> s = np.full((30, 40, 3), 255, np.uint8); s[5:10, 4:20] = 0; s[14:18, 2:9] = 60; s[20:24, 30:38] = 0
    >>> ink_lines(s, 0, 25)
    [(4, 5, 16, 5), (2, 14, 7, 4)]
    """
    dark = (screen[top:, :right].max(axis=2) < 110).astype(np.uint8)
    rows = dark.any(axis=1)
    lines, start, blank = [], None, 0
    for y, inked in enumerate([*rows, False]):
        if inked:
            start, blank = (y if start is None else start), 0
            continue
        blank += 1
        if start is not None and (blank >= gap or y == len(rows)):
            end = y - blank + 1
            xs = np.nonzero(dark[start:end].any(axis=0))[0]
            lines.append((int(xs[0]), start + top, int(xs[-1] - xs[0] + 1), end - start))
            start = None
    return lines


def shows_caret(screen: np.ndarray, top: int = UTTERANCE_ROWS, tall: int = 11) -> bool:
    """Whether a text caret shows below row `top`: a black upright line one pixel wide and at
    least `tall` high with no ink, however faint, within two pixels either side (a letter "l" has
    neighbours, or serifs).

    >>> s = np.full((80, 40, 3), 255, np.uint8); s[60:73, 10] = 0
    >>> shows_caret(s), shows_caret(s, tall=14)
    (True, False)
    >>> s[60:73, 12] = 180  # a faint letter beside it
    >>> shows_caret(s)
    False
    """
    gray = screen[top:].max(axis=2)
    dark, ink = (np.pad(gray < level, ((0, 0), (2, 2))) for level in (110, 200))
    alone = dark[:, 2:-2] & ~ink[:, :-4] & ~ink[:, 1:-3] & ~ink[:, 3:-1] & ~ink[:, 4:]
    return bool(cv2.erode(alone.astype(np.uint8), np.ones((tall, 1), np.uint8)).any())


def bars(screen: np.ndarray, top: int = UTTERANCE_ROWS, tall: int = 8) -> list[Box]:
    """The bars of one strong colour across most of the screen below row `top` (an accordion's
    section headers), top to bottom: runs of at least `tall` rows in which 60% of the pixels
    are one colour (then it is the row's median). Text on a bar leaves it a bar.

    >>> s = np.full((60, 50, 3), 255, np.uint8); s[10:20, 2:48] = (0, 127, 255); s[30:40, 2:48] = (0, 127, 255)
    >>> s[12:18, 5:20] = 255  # a title on the first
    >>> bars(s, 0)
    [(2, 10, 46, 10), (2, 30, 46, 10)]
    >>> s[45:50] = (0, 127, 255); bars(s, 0, tall=6)[2:]  # 5 rows: not a bar
    []
    """
    band = screen[top:].astype(np.int32)
    packed = band[..., 0] << 16 | band[..., 1] << 8 | band[..., 2]
    common = np.sort(packed, axis=1)[:, packed.shape[1] // 2 : packed.shape[1] // 2 + 1]
    filled = packed == common
    colour = np.stack([common >> 16, common >> 8 & 255, common & 255])[..., 0]
    strong = colour.max(axis=0) - colour.min(axis=0) >= 100
    rows = strong & (filled.sum(axis=1) >= 0.6 * packed.shape[1])
    found: list[Box] = []
    for y in np.flatnonzero(rows & ~np.r_[False, rows[:-1]]):  # each run's first row
        height = int(np.argmin(np.r_[rows[y:], False]))
        xs = np.flatnonzero(filled[y])
        if height >= tall:
            found.append((int(xs[0]), int(y) + top, int(xs[-1] - xs[0] + 1), height))
    return found


def underlines(screen: np.ndarray, top: int = UTTERANCE_ROWS, least: int = 5) -> list[Box]:
    """The links' underlines below row `top`, top to bottom: pure blue runs at least `least`
    pixels long, each the lowest of at most 4 rows, one per link (the space between two links
    is not underlined), joined across the gaps a letter's tail leaves in it ("g", "p"). Drawn
    last as a panel slides open, an underline shown means its word is shown whole.

    >>> s = np.full((30, 40, 3), 255, np.uint8); s[10, 5:20] = (0, 0, 255); s[10, 23:30] = (0, 0, 255)
    >>> s[20:28, 5:20] = (0, 0, 255)  # a block, not a line
    >>> underlines(s, 0)
    [(5, 10, 15, 1), (23, 10, 7, 1)]
    >>> s[2:10, 5:31] = 0; s[8:11, 21] = (60, 60, 255); underlines(s, 0)  # a "p" crosses the gap: one link
    [(5, 10, 25, 1)]
    >>> s[2:10, 21:23] = 255; underlines(s, 0)  # a space before it: two
    [(5, 10, 15, 1), (23, 10, 7, 1)]
    >>> s[2:10, 21:23] = 0; s[10, 1:3] = (0, 0, 255); s[2:11, 3:5] = 100; underlines(s, 0)  # a "g" starts it
    [(1, 10, 29, 1)]
    """
    band = screen[top:]
    inked = (band[..., 2] >= 220) & (band[..., :2].max(axis=2) <= 40)  # a letter's edge is paler
    long = cv2.morphologyEx(inked.astype(np.uint8), cv2.MORPH_OPEN, np.ones((1, least), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(long)
    found: set[Box] = set()
    for x, first, width, height, _ in stats[1:count]:
        if height > 4:
            continue
        # the line is the lowest run: a letter's foot ("E", "L") may touch it from above
        y = int(first + height - 1)
        kept = np.flatnonzero(long[y, x : x + width])
        row = np.flatnonzero(np.diff(np.r_[0, inked[y].astype(np.int8), 0]))  # run starts and ends
        runs = list(zip(row[::2], row[1::2], strict=True))
        start, end = int(x + kept[0]), int(x + kept[-1] + 1)
        text = band[max(y - 8, 0) : y]  # a line is 11 px below the one above
        for left, right in reversed([run for run in runs if run[1] < start]):
            if not _one_word(text[:, right - 1 : start + 1]):
                break
            start = int(left)
        for left, right in [run for run in runs if run[0] > end]:
            if not _one_word(text[:, end - 1 : left + 1]):
                break
            end = int(right)
        found.add((start, y + top, end - start, 1))
    return sorted(found, key=lambda box: (box[1], box[0]))


def ends_in_mark(screen: np.ndarray, line: Box) -> bool:
    """Whether the underlined word ends in a stop or a comma: its last mark, apart from the
    letters by a blank column, is a dot at the foot of the text. OCR misses a stop after a
    short word ("in."), and "in" is another link. A stop set close to a letter ("A.") is missed.

    >>> s = np.full((20, 30, 3), 255, np.uint8); s[5:14, 2:12] = 0; s[15, 2:17] = (0, 0, 255)
    >>> ends_in_mark(s, (2, 15, 15, 1))
    False
    >>> s[12:14, 14:16] = 0; ends_in_mark(s, (2, 15, 15, 1))
    True
    """
    x, y, width, _ = line
    text = screen[max(y - 9, 0) : y, x : x + width].min(axis=2) < 170
    columns = np.flatnonzero(text.any(axis=0))
    if len(columns) < 2:
        return False
    start = len(columns) - 1
    while start > 0 and columns[start - 1] == columns[start] - 1:
        start -= 1
    if start == 0:  # no blank column before the last mark: it is a letter
        return False
    rows = np.flatnonzero(text[:, columns[start] : columns[-1] + 1].any(axis=1))
    return bool(rows[0] >= text.shape[0] - 4 and len(columns) - start <= 3)


def word_start(screen: np.ndarray, line: Box, most: int = 6) -> int:
    """The column the underlined word starts at: the underline's, or up to `most` columns left of
    it where the line under a first letter with a tail ("g") is left out. The word reaches left
    until two white columns (a space).

    >>> s = np.full((20, 30, 3), 255, np.uint8); s[5:14, 10:20] = 0; s[15, 14:20] = (0, 0, 255)
    >>> word_start(s, (14, 15, 6, 1)), word_start(s, (10, 15, 10, 1))
    (10, 10)
    """
    x, y, _, _ = line
    white = _white(screen[max(y - 8, 0) : y, max(x - most - 2, 0) : x])
    for back in range(1, len(white)):
        if white[-back] and white[-back - 1]:
            return x - back + 1
    return x - most if len(white) == most + 2 else x


def _one_word(text: np.ndarray, widest: int = 8) -> bool:
    """Whether a gap in an underline, given by the text's rows just above it (a pixel beyond the
    gap each side), is within one word: where a letter's tail crosses the line ("p", "g"), the
    gap is narrow and the letters close; a space leaves two columns blank."""
    if not 2 < text.shape[1] <= widest + 2:
        return False
    blank = _white(text)
    return not (blank[1:] & blank[:-1]).any()


def _white(text: np.ndarray) -> np.ndarray:
    """Which columns of a line's text are white: letters' edges are tinted, so only a space is.
    Two white columns side by side part two words."""
    return text.min(axis=(0, 2)) >= 245


def box_middle(box: Box) -> float:
    """The row through the middle of a box."""
    return box[1] + box[3] / 2


def still_shown(before: np.ndarray, after: np.ndarray, lines: Sequence[TextBox]) -> bool:
    """Whether every line read on the screen `before` is on `after` as it was: not a pixel changed
    in the middle half of their boxes' rows (OCR's boxes reach into a field below its label, whose
    focus ring and caret come and go). Text typed into a field since then is not among them, and
    need not be.

    >>> before = np.full((20, 40, 3), 255, np.uint8); after = before.copy(); after[15:, 30:] = 0
    >>> line = TextBox("Year", 2, 2, 20, 10, 0.9)
    >>> still_shown(before, after, [line]), still_shown(before, after, [TextBox("Go", 25, 12, 10, 6, 0.9)])
    (True, False)
    >>> still_shown(before, after, [TextBox("Yes", 30, 4, 10, 12, 0.9)])  # changed only in its box's bottom rows
    True
    >>> still_shown(before, after[:10], [line])  # another screen size: another screen
    False
    """
    if before.shape != after.shape:
        return False
    changed = np.any(before != after, axis=2)
    return not any(
        changed[
            max(box.y + box.height // 4, 0) : box.y + box.height - box.height // 4,
            max(box.x, 0) : box.x + box.width,
        ].any()
        for box in lines
    )


def names_phrase(label: str, utterance: str, start: int) -> bool:
    """Whether a field's label names the phrase of the utterance that starts at `start`: a word of
    the label is one of the two words before the phrase or the word after its first, or shares
    its first four letters with one ("Director Name" and "directed by Padilla", "Movie Genre"
    and "comedy movies").

    >>> said = "Search for comedy movies directed by Padilla from year 2017."
    >>> [names_phrase(label, said, said.index("Padilla")) for label in ("Director", "Year", "Genre")]
    [True, False, False]
    >>> names_phrase("Movie Genre", said, said.index("comedy")), names_phrase("Released Date", said, said.index("2017"))
    (True, False)
    """
    before = [letters(w) for w in utterance[:start].split()][-2:]
    after = [letters(w) for w in utterance[start:].split()][1:2]
    near = [w for w in before + after if len(w) >= 2]
    return any(
        (a == b and len(a) >= 2) or (len(a) >= 4 and len(b) >= 4 and a[:4] == b[:4])
        for a in (letters(w) for w in label.split())
        for b in near
    )


def text_channels(
    screenshot: np.ndarray, utterance: str, config: TextMapConfig = DEFAULT, memo: TextMapMemo | None = None
) -> np.ndarray:
    """(H, W, 2) uint8: where a quoted phrase, and an unquoted name, is drawn, as word-sized blobs.

    The `memo` of the episode's screen before spares matching where the screen has not changed.
    """
    gray = cv2.cvtColor(np.ascontiguousarray(screenshot), cv2.COLOR_RGB2GRAY)
    out = np.zeros((*gray.shape, 2), np.float32)
    below = without_rules(gray[UTTERANCE_ROWS:])  # a link's underline would spoil its match
    quoted, named = salient(utterance)
    texts = quoted + named
    for i, (text, scores) in enumerate(zip(texts, text_maps(below, texts, config, memo), strict=True)):
        channel = 0 if i < len(quoted) else 1
        blob = spread(scores, render(text, min(config.sizes), config.font).shape)
        np.maximum(out[UTTERANCE_ROWS:, :, channel], blob, out=out[UTTERANCE_ROWS:, :, channel])
    return np.round(255 * out).astype(np.uint8)


def spread(scores: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Match scores as blobs the size of the word: only good matches, each spread over its box.

    The raw map glows faintly over all text; a small net learned to ignore it. Keeping scores
    above FLOOR and painting each over the word's box leaves one clear spot per match.

    >>> s = np.zeros((9, 9), np.float32); s[4, 4] = 0.9; s[0, 0] = 0.3
    >>> b = spread(s, (5, 5)); float(b[3, 5]), float(b[0, 0]), float(b[7, 7])
    (1.0, 0.0, 0.0)
    """
    kept = np.clip((scores - FLOOR) / (FULL - FLOOR), 0.0, 1.0)
    if not kept.any():  # the phrase is not on this screen: nothing to spread, and no dilation to pay for
        return kept
    return cv2.dilate(kept, np.ones((max(shape[0] - 2, 1), max(shape[1] - 2, 1)), np.uint8))


def pointer_channel(height: int, width: int, kind: Kind | None, x: float, y: float) -> np.ndarray:
    """(H, W) uint8: a square where the last pointer action put the pointer; blank after other kinds."""
    out = np.zeros((height, width), np.uint8)
    if kind in POINTER_KINDS:
        col, row = int(x), int(y)
        out[
            max(row - POINTER_HALF, 0) : row + POINTER_HALF + 1,
            max(col - POINTER_HALF, 0) : col + POINTER_HALF + 1,
        ] = 255
    return out


def policy_input(
    screenshot: np.ndarray,
    utterance: str,
    kind: Kind | None = None,
    x: float = 0,
    y: float = 0,
    memo: TextMapMemo | None = None,
) -> np.ndarray:
    """The policy's full input (H, W, 6): RGB, the two text maps (`memo` as `text_channels` takes it),
    and the last pointer position."""
    height, width = screenshot.shape[:2]
    pointer = pointer_channel(height, width, kind, x, y)[..., None]
    # cv2.merge interleaves the channels in a tenth of np.concatenate's time (0.1 ms against 0.7)
    return cv2.merge(
        [np.ascontiguousarray(screenshot), text_channels(screenshot, utterance, memo=memo), pointer]
    )
