"""A scorer from fuzzy word matching (rapidfuzz) and a small vocabulary of verbs and keys.

A click or typing fits a step that names what was clicked or typed into (the OCR text at the
target, or its label), allowing for OCR slips and word endings; a fitting verb adds to that.
A key press fits a step only when the step names the key or the command it gives ("save" for
ctrl+s): the keys people press on autopilot are exactly the ones their procedures leave out.
(The keys that move into a field and commit it belong to a step that *enters* something; that
depends on their neighbours, so the alignment decides it, not this scorer.)
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process

from deskhand.gaps.base import NO_MATCH, Score, Scorer
from deskhand.gaps.observation import Kind, Observation
from deskhand.gaps.procedure import SopStep
from deskhand.gaps.vocabulary import (
    CLICK_VERBS,
    COMMANDS,
    TYPING_VERBS,
    fold,
    key_of,
    words,
)

POINTER_VERBS = {
    Kind.CLICK: CLICK_VERBS | TYPING_VERBS,  # clicking a field is part of typing into it
    Kind.DRAG: frozenset({"drag", "move", "drop", "resize", "select"}),
    Kind.SCROLL: frozenset({"scroll", "go", "find"}),
}


@dataclass(frozen=True)
class FuzzyConfig:
    same_word: float = 80.0  # rapidfuzz ratio (0-100) from which two words are one ("refund", "refunded")
    phrase_weight: float = 0.2  # how much the whole name matching as a phrase adds to word matches
    pointer_verb: float = 0.25  # a click with a fitting verb but no named target scores this
    typing_verb: float = 0.55  # typing with a typing verb but no named field scores this
    words_alone: float = 0.6  # typing into a field the step names, with no typing verb, at best
    named_key: float = 1.0
    command: float = 0.9  # a shortcut whose command the step asks for
    paste_as_text: float = 0.6  # a paste inside a step that asks for text


class FuzzyScorer(Scorer):
    def __init__(self, config: FuzzyConfig = FuzzyConfig()) -> None:
        self.config = config

    def score(self, step: SopStep, seen: Observation) -> Score:
        if seen.kind in (Kind.KEY, Kind.PASTE):
            return self._key(step, seen)
        if seen.kind == Kind.TYPE:
            return self._typing(step, seen)
        return self._pointer(step, seen)

    def named(self, name: str, step: SopStep) -> float:
        """How well the step names `name`: the share of its words found in the step, plus a phrase bonus."""
        wanted, have = words(name), words(step.text)
        if not wanted or not have:
            return 0.0
        found = sum(
            process.extractOne(w, have, scorer=fuzz.ratio, score_cutoff=self.config.same_word) is not None
            for w in wanted
        )
        if not found:
            return 0.0
        phrase = fuzz.partial_ratio(" ".join(wanted), " ".join(have)) / 100
        weight = self.config.phrase_weight
        return (1 - weight) * found / len(wanted) + weight * phrase

    def _pointer(self, step: SopStep, seen: Observation) -> Score:
        verbs = step.verbs & POINTER_VERBS[seen.kind]
        named = self.named(seen.words, step)
        v = self.config.pointer_verb if verbs else 0.0
        value = v + (1 - self.config.pointer_verb) * named
        if not named:
            return Score(value, f"'{min(verbs)}', but names nothing clicked" if verbs else "")
        return Score(value, f"names '{seen.words}'" + (f" ('{min(verbs)}')" if verbs else ""))

    def _typing(self, step: SopStep, seen: Observation) -> Score:
        c = self.config
        verbs = step.verbs & TYPING_VERBS
        typed = fold(seen.typed).strip()
        if len(typed) >= 3 and typed in fold(step.text):
            named, what = 1.0, f"names the text '{seen.typed}'"
        else:
            named, what = self.named(seen.words, step), f"names '{seen.words}'"
        if verbs:
            why = f"'{min(verbs)}'" + (f" and {what}" if named else "")
            return Score(c.typing_verb + (1 - c.typing_verb) * named, why)
        return Score(c.words_alone * named, what if named else "")

    def _key(self, step: SopStep, seen: Observation) -> Score:
        c = self.config
        key = key_of(seen.combo)
        if key is None:
            return NO_MATCH
        if key in {key_of(k) for k in step.keys}:
            return Score(c.named_key, f"names the key {seen.combo}")
        asked = COMMANDS.get(key, frozenset()) & step.verbs
        if asked:
            return Score(c.command, f"'{min(asked)}' is what {seen.combo} does")
        if seen.kind == Kind.PASTE and step.verbs & TYPING_VERBS:
            return Score(c.paste_as_text, "pasting is entering text")
        return NO_MATCH
