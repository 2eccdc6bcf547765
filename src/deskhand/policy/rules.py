"""Rules the policy follows where the net cannot: compare numbers, count rows it cannot see, read
a word it has no map for, or tell a circle from a square at 10 px.

Each rule looks at the screen, by OCR (`Reader`) or `vision.glyphs`, pixels only, and keeps or
replaces the action chosen so far. Each keeps its state for one episode; `reset` starts the next.
Every rule keys on how the utterance asks for something ("Select 47 with the slider", "in
increasing order", "Click on a large red circle"), never on the task's id, which the policy
never sees.
"""

from __future__ import annotations

import abc
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import TYPE_CHECKING

import numpy as np

from deskhand.policy.base import Kind, Observation, PolicyAction
from deskhand.policy.features import (
    UTTERANCE_ROWS,
    Box,
    aligned_row,
    bars,
    box_middle,
    described,
    ends_in_mark,
    fits,
    grey_marks,
    icon_rows,
    ink_lines,
    lines_at,
    list_rows,
    listed_numbers,
    lit,
    named_number,
    names_link,
    next_sort_move,
    number_key,
    number_place,
    picked_names,
    reads_as,
    salient,
    shown_number,
    shows_caret,
    sort_order,
    still_shown,
    underlines,
    users_button,
    word_start,
)
from deskhand.vision.glyphs import items
from deskhand.vision.ocr import TextBox, letters
from deskhand.vision.textmap import ARIAL, render, width

if TYPE_CHECKING:
    from deskhand.vision.ocr import Ocr

DRAG = frozenset({Kind.MOUSEDOWN, Kind.MOUSEUP})
KEY = frozenset({Kind.KEY})
ALL_BUT_CLICK = frozenset(Kind) - {Kind.CLICK}
ALL_BUT_TYPE = frozenset(Kind) - {Kind.TYPE}


class Reader:
    """The task area's text by OCR; rapidocr's packaged models load on the first read."""

    def __init__(self) -> None:
        self.ocr: Ocr | None = None
        self.reset()

    def reset(self) -> None:
        self.before: tuple[np.ndarray, list[TextBox]] | None = None  # a screen and its lines read

    def lines(self, screen: np.ndarray) -> list[TextBox]:
        """The lines of text below the instruction, read again only if one of those read before
        has changed, or none was: a form's labels stay put while its fields fill (about 0.1 s a
        read saved, and the value typed into a field is not taken for its label when it is
        clicked again).
        """
        before = self.before
        if before is not None and before[1] and still_shown(before[0], screen, before[1]):
            return before[1]
        lines = self.read(screen[UTTERANCE_ROWS:], offset=(0, UTTERANCE_ROWS))
        self.before = screen.copy(), lines
        return lines

    def read(self, image: np.ndarray, offset: tuple[int, int] = (0, 0)) -> list[TextBox]:
        """The lines of text in an image, found and read."""
        return self._ocr().read(image, offset=offset)

    def line(self, image: np.ndarray) -> int | None:
        """The whole number an image holding one line shows, read without finding it first (a
        few ms, not 70); None if it shows none, or the recognizer is unsure."""
        text = self.text(image)
        return int(text) if re.fullmatch(r"-?\d+", text) else None

    def text(self, image: np.ndarray) -> str:
        """The text of an image holding one line, read without finding it first; "" if unsure."""
        ocr = self._ocr()
        text, score = ocr.read_line(np.ascontiguousarray(image))
        return text if score >= ocr.config.min_score else ""

    def first(
        self, screen: np.ndarray, boxes: list[Box], word: str, rows: int = 2, left: int = 2, after: int = 2
    ) -> Box | None:
        """The first box on the screen where the word is read (each alone, `reads_as`; a handle's
        "@" may be read as a letter), with `rows` above and below, `left` pixels before and
        `after` past it: so that a longer word it only begins ("@mi" in "@michel") is not taken
        for it."""
        wanted = letters(word)
        for box in boxes:
            x, y, width, height = box
            crop = screen[max(y - rows, 0) : y + height + rows, max(x - left, 0) : x + width + after]
            read = letters(self.text(crop))
            if reads_as(read, wanted) or (word.startswith("@") and reads_as(read[1:], wanted)):
                return box
        return None

    def _ocr(self) -> Ocr:
        if self.ocr is None:
            from deskhand.vision.ocr import Ocr

            self.ocr = Ocr()
        return self.ocr


@dataclass(frozen=True)
class Step:
    """What a rule is given: the observation, the action chosen so far (by the net or an earlier
    rule), the one before it, the step's index in the episode, the net's best action of none of
    the given kinds, and the net's two text maps of the screen (H, W, 2: where the quoted
    phrases and the other named words are drawn)."""

    obs: Observation
    action: PolicyAction
    prev: PolicyAction | None
    index: int
    instead: Callable[[frozenset[Kind]], PolicyAction]
    maps: np.ndarray


class Rule(abc.ABC):
    """Keeps or replaces the action chosen so far."""

    def reset(self) -> None:  # noqa: B027 - a rule with no state has nothing to forget
        """Forget the episode before."""

    def takes(self, obs: Observation) -> bool:
        """Whether the rule will choose this step's action whatever the net's, so that the net's
        pass is not made: for a rule watching the screen move, a look every few milliseconds."""
        return False

    @abc.abstractmethod
    def __call__(self, step: Step) -> PolicyAction:
        """The action to take instead, or the one chosen."""


class Scroller:
    """Wheels a scrolled box down until what is sought comes into view, and up once it ends."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.down = True
        self.turned: np.ndarray | None = None  # the screen the wheel was last turned on

    def ended(self, screen: np.ndarray) -> bool:
        """Whether the last turn moved nothing: the box has ended that way. Asked once a step."""
        ended = self.turned is not None and np.array_equal(self.turned, screen)
        self.turned = None
        return ended

    def seek(self, screen: np.ndarray, ended: bool) -> PolicyAction:
        """A turn on, the other way if the box has ended."""
        self.down = self.down != ended
        return self.turn(screen)

    def turn(self, screen: np.ndarray, x: float | None = None) -> PolicyAction:
        """One turn of the wheel over the task area's middle row, at `x` (its middle if None)."""
        self.turned = screen
        height, width = screen.shape[:2]
        kind = Kind.SCROLL_DOWN if self.down else Kind.SCROLL_UP
        return PolicyAction(kind, x=width / 2 if x is None else x, y=(UTTERANCE_ROWS + height) / 2)


def drawn(reader: Reader, screen: np.ndarray, named: np.ndarray, word: str) -> Box | None:
    """The first place below the instruction where a text map of named words lights up and the
    word is read there: not a longer word it begins, nor another named word."""
    return reader.first(
        screen, [box for box in lit(named) if box[1] >= UTTERANCE_ROWS], word, rows=3, left=1, after=30
    )


class DescribedItem(Rule):
    """When the utterance describes an item by size, colour and kind ("a large red circle", "a
    small digit", "a Q"), a click goes to the middle of the nearest item on the screen that fits
    (`vision.glyphs`: colour, size and the best-matching glyph or shape); it stays where it is
    when none fits. The net mistakes circles for squares, and letters for digits.
    """

    def __call__(self, step: Step) -> PolicyAction:
        wanted = described(step.obs.utterance)
        click = step.action
        if wanted is None or click.kind is not Kind.CLICK:
            return click
        fitting = [item for item in items(step.obs.screenshot[UTTERANCE_ROWS:]) if fits(item, wanted)]
        if not fitting:
            return click
        x, y = min(
            (item.center for item in fitting),
            key=lambda c: (c[0] - click.x) ** 2 + (c[1] + UTTERANCE_ROWS - click.y) ** 2,
        )
        return PolicyAction(Kind.CLICK, x=x, y=y + UTTERANCE_ROWS)


class SendersEmail(Rule):
    """When the utterance names an email's sender ("the email by Tracy"), the inbox is wheeled
    (down, then up once it ends) until the sender's name is drawn, and the episode's first click
    goes there: to the icon the utterance names in that row ("the star icon", the first grey mark
    right of the name; "the trash icon", the last), or to the name, which opens the email. The
    net finds the icons but not whose row they are, opens the email it was to star, and wheels
    past the sender's row.
    """

    ICONS = ("star", "trash")  # as the inbox lays them out, left to right

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.scroller = Scroller()
        self.reset()

    def reset(self) -> None:
        self.clicked = False
        self.scroller.reset()

    def __call__(self, step: Step) -> PolicyAction:
        match = re.search(r"email by (\w+)", step.obs.utterance)
        if match is None or self.clicked:
            return step.action
        screen = step.obs.screenshot
        ended = self.scroller.ended(screen)
        name = self._line(screen, match.group(1))
        if name is None:
            return step.action if ended and not self.scroller.down else self.scroller.seek(screen, ended)
        x, y, width, height = name
        icon = re.search(r"click the (\w+) icon", step.obs.utterance)
        if icon is not None and y + height + 14 >= screen.shape[0] and not ended:  # its icons may be cut off
            self.scroller.down = True
            return self.scroller.turn(screen)
        self.clicked = True
        if icon is None or icon.group(1) not in self.ICONS:
            return PolicyAction(Kind.CLICK, x=x + width / 2, y=y + height / 2)
        marks = [mark for mark in grey_marks(screen, y - 6, y + height + 14, join=1) if mark[0] > x + width]
        if not marks:
            return step.action
        mark = marks[0] if icon.group(1) == self.ICONS[0] else marks[-1]
        return PolicyAction(Kind.CLICK, x=mark[0] + mark[2] / 2, y=box_middle(mark))

    def _line(self, screen: np.ndarray, name: str) -> Box | None:
        """The first line of dark text in the left half reading the name (OCR, line by line):
        only lines about as wide as the name drawn are read, at ~18 ms a line."""
        wide = render(name, 12).shape[1]
        lines = ink_lines(screen, UTTERANCE_ROWS, screen.shape[1] // 2 + 10)
        return self.reader.first(
            screen, [line for line in lines if 0.7 * wide <= line[2] <= 1.5 * wide], name
        )


class NamedNumber(Rule):
    """When the utterance names a number and the first screen shows one (a slider's value), keys
    step the shown number to the named one before the net may press a key or click a button:
    the net cannot compare numbers, and presses arrows a guessed number of times, or none. A
    page at a time while that brings it closer, then single steps; when a key moved nothing,
    nothing had the focus, and Tab gives it. There, a key of the net's gives way to its best
    action of another kind (Submit).
    """

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.reset()

    def reset(self) -> None:
        self.place: tuple[int, int, int, int] | None = None  # where the number is shown
        self.buttons: list[TextBox] = []  # the first screen's other lines of words
        self.stepped_from: int | None = None  # the number before the key this rule pressed last
        self.page: int | None = None  # how far a page key moved the number, at most

    def __call__(self, step: Step) -> PolicyAction:
        target, action = named_number(step.obs.utterance), step.action
        if target is None:
            return action
        value = self._value(step, target) if step.index == 0 else None  # finds the number and the buttons
        pressing = action.kind is Kind.KEY or self._on_button(action)
        if step.index > 0 and pressing:
            value = self._value(step, target)  # read only when a key or a button may be wrong
        if value is None or not pressing:
            self.stepped_from = None
            return action
        if value == target:
            self.stepped_from = None
            return step.instead(KEY) if action.kind is Kind.KEY else action
        return self._toward(target, value, step.prev)

    def _value(self, step: Step, target: int) -> int | None:
        """The number shown, read by OCR: on the first screen among all the lines below the
        instruction, then in its own place only. A Tab moves the focus, not the number, so after
        one the number read before stands when none is read (a field Tab lands in shows its text
        selected, white on blue). A minus sign may be hidden: a focused spinner's ring covers
        it, so with a negative number named, a positive one read is taken as negative (a slider
        with the named number in range has no positive value but 0).
        """
        screen = step.obs.screenshot
        if step.index == 0:
            lines = self.reader.lines(screen)
            shown = shown_number(lines)
            # the lines of words: a spinner's arrows are read as a line too ("日")
            self.buttons = [line for line in lines if line is not shown and len(letters(line.text)) >= 2]
            self.place = None if shown is None else number_place(screen, shown)
            return None if shown is None else int(shown.text)
        if self.place is None:
            return None
        left, top, right, bottom = self.place
        value = self.reader.line(screen[top:bottom, left:right])
        if value is None:
            return self.stepped_from if step.prev is not None and step.prev.key == "<Tab>" else None
        return -value if target < 0 < value else value

    def _on_button(self, action: PolicyAction) -> bool:
        """Whether a click is on a line of words of the first screen other than the number."""
        return action.kind is Kind.CLICK and bool(lines_at(self.buttons, action.x, action.y))

    def _toward(self, target: int, value: int, prev: PolicyAction | None) -> PolicyAction:
        before, self.stepped_from = self.stepped_from, value
        if before == value and (prev is None or prev.key != "<Tab>"):
            return PolicyAction(Kind.KEY, key="<Tab>")
        if before is not None and prev is not None and prev.key in ("<PageUp>", "<PageDown>"):
            self.page = max(self.page or 0, abs(value - before))
        return PolicyAction(Kind.KEY, key=number_key(target, value, self.page))


class ListPicker(Rule):
    """The named rows of a multi-select list, selected from the keyboard top to bottom: a click on
    the first row (which selects it alone), then Ctrl+ArrowDown to each next row (moving the
    focus, not the selection) and Ctrl+Space where a row must change: the first row if not
    named, a named row below. Rows below the first screen's are read (OCR) as they scroll into
    view, the focused one at the bottom. A name no row read as exactly ("Elfrida" read
    "Eltrida") is, once the list has ended, the row read most like it: Ctrl+ArrowUp goes back to
    it. While names are left, this rule acts and the net waits; once all are selected, a key of the net's gives way to its best action of another
    kind, and a click of its on the list, which would select one row alone, goes to the line the
    utterance says to click (Submit). The net cannot count rows it cannot see.
    """

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.reset()

    def reset(self) -> None:
        self.names: list[str] | None = None  # names left to select, while the rule runs
        self.rows: list[TextBox] = []  # the list's rows on the first screen
        self.focus = -1  # the row the keyboard is on, counted from the list's first
        self.toggled = -1  # the last row this rule selected or cleared
        self.read: dict[int, str] = {}  # the rows as read, by their place in the list
        self.goal: int | None = None  # the row this rule goes back up to
        self.bottom, self.read_at = "", -1  # the bottom row as read, and with the focus on which row
        self.submit: TextBox | None = None  # the line the utterance says to click last

    @property
    def active(self) -> bool:
        """Whether names are left to select: the rule acts, and the net's other rules wait."""
        return bool(self.names)

    def __call__(self, step: Step) -> PolicyAction:
        if step.index == 0:
            names = picked_names(step.obs.utterance)
            lines = self.reader.lines(step.obs.screenshot) if names else []
            self.rows = list_rows(lines)
            self.names = names if self.rows else None
            said = re.search(r"click (\w+)", step.obs.utterance)  # "... and click Submit."
            self.submit = next(
                (line for line in lines if said and letters(line.text) == letters(said[1])), None
            )
        if self.names is None:
            return step.action
        picked = self._next(step.obs.screenshot) if self.names else None
        if picked is not None:
            return picked
        action = step.instead(KEY) if step.action.kind is Kind.KEY else step.action
        if action.kind is Kind.CLICK and self.submit is not None and self._on_rows(action):
            return PolicyAction(Kind.CLICK, x=self.submit.center[0], y=self.submit.center[1])
        return action

    def _on_rows(self, click: PolicyAction) -> bool:
        """Whether a click falls on the list, where it would select one row alone."""
        first, last = self.rows[0], self.rows[-1]
        right = max(row.x + row.width for row in self.rows)
        return first.x - 4 <= click.x <= right + 20 and first.y - 4 <= click.y <= last.y + 2 * last.height

    def _next(self, screen: np.ndarray) -> PolicyAction | None:
        assert self.names  # asked only while names are left
        if self.focus < 0:
            self.focus = 0
            return PolicyAction(Kind.CLICK, x=self.rows[0].center[0], y=self.rows[0].center[1])
        if self.goal is None:
            name = self._focused(screen)
            if name is not None:
                self.read[self.focus] = name
                named = [
                    wanted for wanted in self.names if letters(wanted) == letters(name)
                ]  # no "Ketti" for "Kitti"
                self.names = [wanted for wanted in self.names if wanted not in named]
                if self.toggled < self.focus and (self.focus == 0) != bool(named):
                    self.toggled = self.focus
                    return PolicyAction(Kind.KEY, key="C-<Space>")
                if not self.names:
                    return None
                self.focus += 1
                return PolicyAction(Kind.KEY, key="C-<ArrowDown>")
            self.focus -= 1  # the last step down went nowhere: the list has ended
            self.goal = self._likeliest()
            if self.goal is None:
                self.names = None
                return None
        if self.focus > self.goal:
            self.focus -= 1
            return PolicyAction(Kind.KEY, key="C-<ArrowUp>")
        self.names.pop(0)
        self.goal = self._likeliest() if self.names else None
        return PolicyAction(Kind.KEY, key="C-<Space>")

    def _likeliest(self) -> int | None:
        """The row read most like the first name left (at least 3 letters in 4 alike), if any."""
        assert self.names
        wanted = letters(self.names[0])
        alike = {row: SequenceMatcher(None, letters(name), wanted).ratio() for row, name in self.read.items()}
        best = max(alike, key=lambda row: alike[row], default=None)
        return best if best is not None and alike[best] >= 0.75 else None

    def _focused(self, screen: np.ndarray) -> str | None:
        """The text of the row the keyboard is on: a first-screen row while the list has not
        scrolled, else its bottom row now (the list scrolls to keep the focus in view). None
        when the bottom row is as it was a step down before: the list has ended."""
        if self.focus < len(self.rows):
            return self.rows[self.focus].text
        if self.read_at == self.focus:  # a row just selected or cleared: read already
            return self.bottom
        first, last = self.rows[0], self.rows[-1]  # only the bottom two rows' band is read: 4x quicker
        top, bottom = max(last.y - last.height // 2, 0), last.y + 2 * last.height
        right = min(max(row.x + row.width for row in self.rows) + 40, screen.shape[1])
        lines = self.reader.read(screen[top:bottom, :right], offset=(0, top))
        rows = [line for line in lines if len(letters(line.text)) >= 2 and abs(line.x - first.x) <= 6]
        lowest = max(rows, key=lambda line: line.y).text if rows else self.bottom
        if lowest == self.bottom:
            return None
        self.bottom, self.read_at = lowest, self.focus
        return lowest


class NumberSort(Rule):
    """When the utterance asks for numbers in order and the net would press to drag or click a
    line (Submit), the numbers listed on the screen (OCR) pick the drag: the item to move and the
    one it goes to, let go of over its near half, where the list makes room (the net drags, but
    cannot compare numbers). Listed in order already, the net's drag gives way to its best
    action of another kind.
    """

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.reset()

    def reset(self) -> None:
        self.drop: PolicyAction | None = None  # where to let go of the item pressed on

    def __call__(self, step: Step) -> PolicyAction:
        order, action = sort_order(step.obs.utterance), step.action
        if order is None:
            return action
        if self.drop is not None:
            drop, self.drop = self.drop, None
            return drop
        if action.kind not in (Kind.MOUSEDOWN, Kind.CLICK):
            return action
        lines = self.reader.lines(step.obs.screenshot)
        numbers = listed_numbers(lines)
        if not numbers or (action.kind is Kind.CLICK and not lines_at(lines, action.x, action.y)):
            return action
        move = next_sort_move([order * number for _, number in numbers])
        if move is None:
            return action if action.kind is Kind.CLICK else step.instead(DRAG)
        source, dest = (numbers[i][0] for i in move)
        # over the half of the item it goes to that it comes from: where the list swaps them
        half = dest.center[1] + (dest.height / 4 if dest.y > source.y else -dest.height / 4)
        self.drop = PolicyAction(Kind.MOUSEUP, x=dest.center[0], y=half)
        return PolicyAction(Kind.MOUSEDOWN, x=source.center[0], y=source.center[1])


class UsersPost(Rule):
    """When the utterance names a user ("@dolor") and a button, the feed is wheeled (down, then
    up once it ends) until the user's post shows its row of icons, and the button is clicked:
    Reply, Retweet and Like are the row's first three icons, anything else is in the menu of its
    last. The menu's item is clicked where the quoted phrase's text map lights up, wheeling on
    with the pointer at the feed's left edge, off the menu, while it does not. The net finds the
    icons but not whose post they are, and wheels past it, round and round.
    """

    ICONS = ("Reply", "Retweet", "Like")  # as a post lays them out, left to right

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.scroller = Scroller()
        self.reset()

    def reset(self) -> None:
        # the click on the menu's icon, and the screen it was made on
        self.menu: tuple[PolicyAction, np.ndarray] | None = None
        self.scroller.reset()

    def __call__(self, step: Step) -> PolicyAction:
        asked = users_button(step.obs.utterance)
        if asked is None:
            return step.action
        user, button = asked
        screen = step.obs.screenshot
        ended = self.scroller.ended(screen)
        if self.menu is not None:
            return self._item(step, ended, button)
        handle = drawn(self.reader, screen, step.maps[..., 1], user)
        if handle is None:
            return self.scroller.seek(screen, ended)
        rows = icon_rows(screen, UTTERANCE_ROWS)
        columns = max(rows, key=len, default=[])  # icons no text runs over
        marks = grey_marks(screen, handle[1] + handle[3], min(handle[1] + 80, screen.shape[0]))
        row = aligned_row(marks, columns) if columns else None
        menu = button not in self.ICONS
        # no room below the menu's icon to show a menu: wheel on while the feed goes on
        if row is None or (menu and row > screen.shape[0] - 40 and not ended):
            self.scroller.down = True
            return step.action if ended and row is None else self.scroller.turn(screen)
        at = self.ICONS.index(button) if not menu else len(columns) - 1
        if at >= len(columns):
            return step.action
        x, _, width, _ = columns[at]
        click = PolicyAction(Kind.CLICK, x=x + width / 2, y=row)
        if menu:
            self.menu = click, screen
        return click

    def _item(self, step: Step, ended: bool, button: str) -> PolicyAction:
        """The menu's item where the quoted phrase lights up; while it does not, the menu's icon
        again if no menu showed below it (a click may open none), else the feed wheeled on; once
        it has ended, the item where OCR reads it (the item under the pointer is drawn white on
        blue, which the text map misses)."""
        assert self.menu is not None
        items = [box for box in lit(step.maps[..., 0]) if box[1] >= UTTERANCE_ROWS]
        if items:
            x, y, width, height = items[0]
            return PolicyAction(Kind.CLICK, x=x + width / 2, y=y + height / 2)
        (click, before), screen = self.menu, step.obs.screenshot
        below = slice(int(click.y) + 8, None)  # no menu there: only the post's shade came and went
        if before.shape == screen.shape and not _redrawn(before[below], screen[below]):
            return click
        self.menu = click, np.empty(0)
        if not ended:
            return self.scroller.turn(screen, x=8)
        return _within(self.reader.lines(screen), button) or step.action


class SectionLink(Rule):
    """When the utterance asks to expand sections to find a link, the sections are opened from
    the last up, and the link is clicked the moment it is read, underlined, as a panel slides
    open. Opened from the last up, a panel opens below bars that stay put, so what it shows
    never moves. A panel that has shown all it holds without the link gives way to the bar
    above; the last is waited on, as the link must be there. The net opens the sections from
    the top and waits out every slide.

    A slide lasts 0.4 s, but its last pixels show nothing new: in 30 slides the last underline
    had shown by 0.37 s after the click. So a panel is done with at SHOWN_S, or once still.
    Looks are spent where they save time, within the 30-step cap: when the link is in the second
    panel opened, how soon it is seen there is the time, so that one is looked at every frame
    (~20 ms), the first every ~70 ms.
    """

    ASKS = re.compile(r'[Ee]xpand the sections\b.*\blink "([^"]+)"')  # and the link's text
    SHOWN_S = 0.39  # after its bar's click, measured as the step is chosen, ~10 ms after its look
    EVERY_S = 0.05  # between looks at the first panel, besides a look's own ~20 ms
    GLANCES = 16  # at most, on a panel; then it is waited on (a first panel takes ~7 steps, the last 2)

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.reset()

    def reset(self) -> None:
        # The underlines read, which were not the link's. The padding above a panel's text grows
        # by a pixel as it slides, so one seen again may lie a pixel or two lower.
        self.read: list[tuple[int, int, int]] = []
        self.bars: list[Box] | None = None  # the bars not opened yet, top to bottom; None: not looked
        self.done = False  # not asked, or every panel opened and looked at: the net goes on
        self.screen = np.empty(0)  # the screen of the step before
        self.opened = 0  # panels opened so far
        self.panel = 0  # the row the panel opening now starts at
        self.opened_at = 0.0  # when its bar was clicked (perf_counter)
        self.glances = 0  # at it
        self.still = 0  # glances in a row that saw no change

    def takes(self, obs: Observation) -> bool:
        if self.bars is None and self.ASKS.search(obs.utterance):  # the episode's first screen
            self.bars = bars(obs.screenshot)
            self.done = len(self.bars) < 2
        return self.bars is not None and not self.done

    def __call__(self, step: Step) -> PolicyAction:
        if not self.takes(step.obs):
            return step.action
        screen, before, prev = step.obs.screenshot, self.screen, step.prev
        self.screen, since = screen, time.perf_counter() - self.opened_at  # before any read
        if prev is None:
            return self._open()
        asked = self.ASKS.search(step.obs.utterance)
        link = self._link(screen, asked.group(1)) if asked else None
        if link is not None:
            return link
        alike = prev.glance is not None and np.array_equal(before, screen)  # a click's slide may not show yet
        self.still = self.still + 1 if alike else 0
        shown = since >= self.SHOWN_S and self.bars
        if (prev.kind is Kind.MOVE and prev.glance is None) or self.still >= 2 or shown:
            self.done = not self.bars
            return step.action if self.done else self._open()
        self.glances += 1
        return PolicyAction(Kind.MOVE, x=prev.x, y=prev.y, glance=self._glance(since))

    def _glance(self, since: float) -> float | None:
        """How long until the next look at the panel opened `since` seconds ago, or None to wait."""
        if not self.bars or self.glances > self.GLANCES:
            return None
        if self.opened > 1:
            return 0.0
        # the first: its last look ends as it has shown all (a look and a step take ~25 ms)
        return min(self.EVERY_S, max(self.SHOWN_S - since - 0.025, 0.0))

    def _link(self, screen: np.ndarray, name: str) -> PolicyAction | None:
        """A click on the link read as the name, among the underlines come into view in the
        panel opening since the step before: each is read once (the panel's text stays put but
        for a pixel or two of padding), and only if about as long as the name set in Arial (a
        read costs 15 ms; without the font, every link is read). A panel closing below moves
        its links, and is not read. The text maps match this page's links too faintly to tell
        them apart."""
        wide = width(name, 11) if ARIAL.exists() else 0.0  # the link is 0.93-1.12 times as wide
        below = [y for _, y, _, _ in bars(screen, self.panel)]
        for x, y, long, _ in underlines(screen, self.panel):
            seen = any(abs(x - a) + abs(y - b) + abs(long - c) <= 3 for a, b, c in self.read)
            if seen or (below and y >= below[0]):
                continue
            self.read.append((x, y, long))
            if wide and not 0.9 * wide - 6 <= long <= 1.15 * wide + 2:  # "g" first or last cuts the line
                continue
            line = (x, y, long, 1)
            read = self.reader.text(
                screen[y - 10 : y + 2, max(word_start(screen, line) - 2, 0) : x + long + 2]
            )
            if names_link(read, name, ends_in_mark(screen, line)):
                return PolicyAction(Kind.CLICK, x=x + long / 2, y=y - 5)
        return None

    def _open(self) -> PolicyAction:
        """A click on the last bar not opened yet."""
        assert self.bars
        x, y, across, high = self.bars.pop()
        self.panel, self.opened_at = y + high, time.perf_counter()
        self.opened, self.glances, self.still = self.opened + 1, 0, 0
        return PolicyAction(Kind.CLICK, x=x + across / 2, y=y + high / 2)


def _within(lines: list[TextBox], phrase: str) -> PolicyAction | None:
    """A click on the phrase where a line read holds it, in the part of the line that reads it (a
    menu over a post is read as one line with the post's words left of it)."""
    for line in lines:
        at = line.text.find(phrase)
        if at >= 0:
            x = line.x + line.width * (at + len(phrase) / 2) / len(line.text)
            return PolicyAction(Kind.CLICK, x=x, y=line.center[1])
    return None


def _redrawn(before: np.ndarray, after: np.ndarray, least: int = 20) -> bool:
    """Whether at least `least` pixels changed by more than a shade (a hovered post is tinted).

    >>> a = np.full((10, 10, 3), 255, np.uint8); b = a.copy(); b[2:4] = 245
    >>> _redrawn(a, b), _redrawn(a, np.zeros_like(a))
    (False, True)
    """
    return int((np.abs(before.astype(np.int16) - after).max(axis=2) > 60).sum()) >= least


class Caret(Rule):
    """Typing goes where a caret shows. No typing straight after a click that changed most of the
    task area while no caret shows: that click opened a page or a form, where no field has the
    focus yet, and the text would go nowhere; a click where the net would act is taken instead,
    on the field. (A click that changed little may leave no caret and still take text: Chrome's
    date field.) And a click that brings a caret where none was, before anything was typed and
    with a quoted phrase to type, is followed by typing (the net's best text). The net types
    into an email's forward form before clicking into it, and clicks round a reply box it has
    just clicked into.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.screen: np.ndarray | None = None  # the screen of the step before
        self.typed = False  # anything was typed in this episode

    def __call__(self, step: Step) -> PolicyAction:
        screen, before, action, prev = step.obs.screenshot, self.screen, step.action, step.prev
        self.screen = screen.copy()
        if before is None or before.shape != screen.shape or prev is None or prev.kind is not Kind.CLICK:
            before = None  # no click was just made on a screen like this one
        if before is not None and action.kind is Kind.TYPE:
            if _changed(before, screen) > 0.5 and not shows_caret(screen):
                action = step.instead(ALL_BUT_CLICK)
        elif before is not None and not self.typed and salient(step.obs.utterance)[0]:
            brought = shows_caret(screen) and not shows_caret(before)  # the click brought a caret
            action = step.instead(ALL_BUT_TYPE) if brought else action
        self.typed = self.typed or action.kind is Kind.TYPE
        return action


def _changed(before: np.ndarray, after: np.ndarray) -> float:
    """The share of the task area's rows below the instruction in which a pixel changed (rows:
    a page and the next are both mostly white)."""
    return float(np.any(before[UTTERANCE_ROWS:] != after[UTTERANCE_ROWS:], axis=(1, 2)).mean())
