"""The written procedure (SOP): Markdown or plain text in, numbered steps out.

People write procedures as numbered or bulleted lists, or as plain sentences; each list item
(with the lines that continue it), or else each sentence, is one step. Words set off by
emphasis or quotes usually name something on screen, so they are kept as the step's terms.

>>> p = parse_procedure("# Refund\\n\\n1. Click **Refund**.\\n2. Enter the amount\\n   and press Tab.\\n")
>>> p.title, [s.text for s in p.steps]
('Refund', ['Click Refund.', 'Enter the amount and press Tab.'])
>>> p.steps[0].terms, sorted(p.steps[1].verbs), p.steps[1].keys
(('Refund',), ['enter', 'press'], ('Tab',))
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from deskhand.gaps.vocabulary import (
    BARE_KEY,
    COMBO,
    ENTRY_VERBS,
    KEY_NAMES,
    LEAD_WORDS,
    STATEMENT,
    TEXT_VERBS,
    VERBS,
    Key,
    fold,
    key_of,
)

ITEM = re.compile(r"^\s*(?:\d+[.)]|[-*+•]|[a-zA-Z][.)])\s+(.*)$")
HEADING = re.compile(r"^\s*#{1,6}\s+(.*?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")
EMPHASIS = re.compile(r"\*\*(.+?)\*\*|__(.+?)__|\*(.+?)\*|(?<!\w)_(.+?)_(?!\w)|`(.+?)`")
QUOTED = re.compile(r"\"([^\"]+)\"|“([^”]+)”|‘([^’]+)’|(?<!\w)'([^']+)'(?!\w)")
LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")
CLAUSE_BREAK = re.compile(r"[,;:()]|\.(?:\s|$)|\band\b|\bthen\b|\bor\b")


class ProcedureError(ValueError):
    """A procedure with nothing to follow in it."""


@dataclass(frozen=True)
class SopStep:
    """One written step, and what its words ask for."""

    number: int  # 1-based, in the order written
    text: str  # as written, without Markdown markup
    terms: tuple[str, ...]  # emphasized or quoted: names of things on screen
    verbs: frozenset[str]  # the verbs its clauses start with: what it asks to do
    keys: tuple[str, ...]  # the keys it names, as written ("Ctrl+R", "Return")
    context: bool  # a statement of how things start ("The workbook is open"), nothing to do

    @property
    def enters(self) -> bool:
        """Asks to enter or search for something without spelling out the keys: it covers the
        keys that move into the field and commit it. "Type it and press Return" covers only Return.
        """
        return bool(self.verbs & ENTRY_VERBS) and not self.keys

    @property
    def named_keys(self) -> frozenset[Key]:
        return frozenset(k for k in map(key_of, self.keys) if k is not None)

    @property
    def needs_text(self) -> bool:
        """Not done until some text went in ("add a note", "reply ..."), whatever else was done."""
        return bool(self.verbs & TEXT_VERBS)


@dataclass(frozen=True)
class Procedure:
    title: str
    steps: tuple[SopStep, ...]

    @property
    def actionable(self) -> tuple[SopStep, ...]:
        return tuple(s for s in self.steps if not s.context)


def parse_procedure(text: str) -> Procedure:
    """Steps from Markdown or plain text; raises ProcedureError if there are none."""
    title, items = _items(text)
    steps = tuple(_step(n, item) for n, item in enumerate(items, 1))
    if not steps:
        raise ProcedureError("the procedure has no steps: write them as a numbered or bulleted list")
    if all(s.context for s in steps):
        raise ProcedureError("the procedure only says how things start; it has no step that does anything")
    return Procedure(title, steps)


def _items(text: str) -> tuple[str, list[str]]:
    """The title, and the raw text of each step: list items if there are any, else sentences."""
    title, items, loose, fenced = "", [], [], False
    current: list[str] | None = None
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        if heading := HEADING.match(line):
            title = title or _plain(heading.group(1))
            current = None
            continue
        if item := ITEM.match(line):
            current = [item.group(1)]
            items.append(current)
        elif not line.strip():
            current = None
        elif current is not None:
            current.append(line.strip())  # a continuation of the item above
        else:
            loose.append(line.strip())
    if items:
        return title, [" ".join(parts) for parts in items]
    sentences = SENTENCE_END.split(" ".join(loose))
    return title, [s for s in sentences if s.strip()]


def _plain(text: str) -> str:
    text = LINK.sub(r"\1", text)
    text = EMPHASIS.sub(lambda m: next(g for g in m.groups() if g is not None), text)
    return " ".join(text.split())


def _terms(text: str) -> tuple[str, ...]:
    found = [next(g for g in m.groups() if g is not None) for m in EMPHASIS.finditer(LINK.sub(r"\1", text))]
    found += [next(g for g in m.groups() if g is not None) for m in QUOTED.finditer(text)]
    return tuple(dict.fromkeys(t.strip() for t in found if t.strip()))


def _verbs(text: str) -> frozenset[str]:
    """The first word of each clause, where it is a verb: imperatives say what to do."""
    verbs = set()
    for clause in CLAUSE_BREAK.split(fold(text)):
        tokens = [t for t in re.findall(r"[a-z]+(?:-[a-z]+)*", clause) if t not in LEAD_WORDS]
        if tokens and tokens[0] in VERBS:
            verbs.add(tokens[0])
    return frozenset(verbs)


def _keys(text: str) -> tuple[str, ...]:
    """Key combos anywhere ("Ctrl+S"); bare key names after press/hit/tap or before "key"."""
    keys = [m.group(0) for m in COMBO.finditer(text)]
    rest = COMBO.sub(" ", text)
    for match in BARE_KEY.finditer(rest):
        name = next(g for g in match.groups() if g is not None)
        if name.lower() in KEY_NAMES or name.lower().replace(" ", "") in KEY_NAMES:
            keys.append(name)
    return tuple(dict.fromkeys(keys))


def _step(number: int, raw: str) -> SopStep:
    text = _plain(raw)
    verbs = _verbs(text)
    return SopStep(
        number=number,
        text=text,
        terms=_terms(raw),
        verbs=verbs,
        keys=_keys(text),
        context=not verbs and bool(STATEMENT.search(text)),
    )
