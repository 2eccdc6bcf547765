"""The little the gap finder knows about words: which verbs ask for which actions, what keys do.

Kept small on purpose, so every match it makes can be explained in one line:
"names 'Refund'", "names the key Return", "'save' is what ctrl+s does".

>>> key_of("Ctrl+Shift+S") == key_of("ctrl+shift+s")
True
>>> key_of("Enter") == key_of("Return")
True
>>> words("Click *Replace with:* and type the customer's name")
['click', 'replace', 'type', 'customer', 'name']
"""

from __future__ import annotations

import re
import unicodedata

from deskhand.desktop.keys import parse_combo

Key = tuple[frozenset[int], int]  # modifier keysyms, key keysym: one key however it is written


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# verbs that ask for a click (or a pick from a list, a tick in a box)
CLICK_VERBS = _set(
    "click double-click right-click tick untick check uncheck select choose pick open press push hit "
    "tap submit confirm send save go switch navigate mark toggle expand collapse close accept approve "
    "apply use activate cancel dismiss delete remove issue refund reject follow sort filter"
)
# verbs that ask for text: typing it, pasting it, or entering it into a field
TYPING_VERBS = _set(
    "type enter fill write input key paste reply respond answer add comment note rename name search "
    "find put set change edit update record log"
)
# verbs for a goal ("enter the amount in the Refunded column"), not one input each: such a step
# also covers the keys that move into a field and commit it, unless it spells out its keys itself
ENTRY_VERBS = _set("enter fill input key search find record complete")
# verbs after which a step is not done until some text went in: "add a note" is not done by saving
TEXT_VERBS = _set("type enter fill write input paste reply respond answer add comment rename")
VERBS = (
    CLICK_VERBS | TYPING_VERBS | ENTRY_VERBS | frozenset({"copy", "cut", "undo", "redo", "print", "scroll"})
)
# words a clause may start with before its verb: "then click ..."
LEAD_WORDS = _set("then and please first next finally also now again")

# key names a step may use, as a person writes them
KEY_NAMES = _set(
    "return enter tab escape esc backspace delete del space spacebar up down left right home end "
    "pageup pagedown pgup pgdn insert f1 f2 f3 f4 f5 f6 f7 f8 f9 f10 f11 f12"
)
MODIFIER_WORDS = r"(?:ctrl|control|alt|shift|super|win|meta)"
COMBO = re.compile(rf"\b{MODIFIER_WORDS}(?:\s*[+-]\s*{MODIFIER_WORDS})*\s*[+-]\s*[a-z0-9]+\b", re.IGNORECASE)
BARE_KEY = re.compile(
    r"\b(?:press|presses|pressing|hit|hitting|tap|tapping)\s+(?:the\s+)?([a-z0-9]+(?:\s+(?:up|down))?)"
    r"|\b([a-z0-9]+)\s+key\b"
    r"|\b(up|down|left|right)\s+arrow\b|\barrow\s+(up|down|left|right)\b",
    re.IGNORECASE,
)

STATEMENT = re.compile(r"\b(?:is|are|was|were|has been|have been|should be|must be|will be)\b", re.IGNORECASE)
STOPWORDS = _set(
    "a an the in on of to for and or with into at it its your you then from by this that these those "
    "as is are be s t"
)


def _key(combo: str) -> Key | None:
    try:
        modifiers, keysym = parse_combo(combo.replace(" ", ""))
    except ValueError:
        return None
    return frozenset(modifiers), keysym


def key_of(combo: str) -> Key | None:
    """One key however it is written ("Ctrl-S", "ctrl+s", "Enter"); None if it names no key."""
    text = re.sub(r"\s*-\s*(?=\S)", "+", combo.strip()) if "+" not in combo else combo
    words = {"page up": "pageup", "page down": "pagedown", "spacebar": "space"}
    return _key(words.get(text.lower(), text))


def _keys(*combos: str) -> frozenset[Key]:
    return frozenset(k for k in map(key_of, combos) if k is not None)


# what a shortcut does, in the verbs a person writes for it
COMMANDS: dict[Key, frozenset[str]] = {
    k: frozenset(verbs.split())
    for combos, verbs in (
        (("ctrl+s",), "save"),
        (("ctrl+shift+s",), "save"),
        (("ctrl+c", "ctrl+Insert"), "copy"),
        (("ctrl+v", "shift+Insert"), "paste"),
        (("ctrl+x",), "cut"),
        (("ctrl+z",), "undo"),
        (("ctrl+y", "ctrl+shift+z"), "redo"),
        (("ctrl+f",), "find search"),
        (("ctrl+h", "ctrl+r"), "replace"),
        (("ctrl+a",), "select"),
        (("ctrl+p",), "print"),
        (("ctrl+o",), "open"),
        (("ctrl+n",), "new"),
        (("ctrl+w", "alt+F4"), "close quit exit"),
        (("ctrl+Return",), "send submit"),
    )
    for k in _keys(*combos)
}
PASTE_KEYS = _keys("ctrl+v", "shift+Insert")
# keys that move into a field or commit it: part of "enter the amount" when the step names no keys
NAVIGATION_KEYS = _keys(
    "Tab", "shift+Tab", "Return", "KP_Enter", "Up", "Down", "Left", "Right", "Home", "End", "Prior", "Next"
)


def fold(text: str) -> str:
    """Lower case, accents off, so that "Zoë" and "zoe" are one word."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The content words of `text`, folded, in order: what a name on screen and a step share."""
    return [w for w in re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", fold(text)) if w not in STOPWORDS]
