"""What the gap finder found, over 1..N recordings: pure data, built from the alignments.

Only recordings that match the procedure are counted; N is how many do. An undocumented step is
one action (or the same action, repeated) that no step accounts for, at the same place in the
procedure, seen in at least k of the N recordings.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from deskhand.gaps.alignment import Alignment
from deskhand.gaps.base import Score
from deskhand.gaps.observation import Kind, Observation
from deskhand.gaps.procedure import Procedure
from deskhand.gaps.vocabulary import fold, key_of

SAME_NAME = 80.0  # rapidfuzz ratio from which two actions' target words name the same thing


@dataclass(frozen=True)
class RecordingReport:
    path: str
    actions: int
    matches: bool
    verdict: str
    steps_done: tuple[int, ...]  # numbers of the steps clearly done


@dataclass(frozen=True)
class Match:
    """One action that carries out a step, and why it counts."""

    recording: int  # index into GapReport.recordings
    action: int
    description: str
    why: str
    in_order: bool = True


@dataclass(frozen=True)
class StepReport:
    number: int
    text: str
    context: bool  # states how things start: nothing to do
    done_in: int  # how many of the matching recordings carry it out
    skipped_in: int  # ... and how many do not
    matched: tuple[Match, ...]


@dataclass(frozen=True)
class Occurrence:
    recording: int
    action: int
    description: str
    before: str = ""  # crop files, relative to the report
    after: str = ""


@dataclass(frozen=True)
class Gap:
    """An undocumented step: done in `recordings` of the N recordings, at the same place."""

    description: str
    kind: str
    after_step: int  # the step done just before it (0: before the first step)
    recordings: int
    occurrences: tuple[Occurrence, ...]


@dataclass(frozen=True)
class OrderDifference:
    step: int  # the step done out of order
    text: str
    recording: int
    actions: tuple[int, ...]
    after_step: int  # where it was done instead: after this step (0: before the first)


@dataclass(frozen=True)
class GapReport:
    title: str
    recordings: tuple[RecordingReport, ...]
    k: int  # an undocumented step is reported from this many matching recordings
    steps: tuple[StepReport, ...]
    gaps: tuple[Gap, ...]
    order: tuple[OrderDifference, ...]

    @property
    def n(self) -> int:
        """How many recordings match the procedure."""
        return sum(r.matches for r in self.recordings)

    @property
    def matches(self) -> bool:
        return self.n > 0

    @property
    def skipped(self) -> tuple[StepReport, ...]:
        """Documented steps that at least k of the matching recordings did not do."""
        return tuple(s for s in self.steps if not s.context and self.matches and s.skipped_in >= self.k)

    @property
    def verdict(self) -> str:
        total = len(self.recordings)
        if not self.matches:
            which = "The recording does not" if total == 1 else f"None of the {total} recordings"
            return (
                f"{which} match the procedure: most of its steps are not done in "
                f"{'it' if total == 1 else 'them'}, so no gaps are reported. Is it a recording of another job?"
            )
        found = f"{len(self.gaps)} undocumented step{'s' if len(self.gaps) != 1 else ''}"
        other = total - self.n
        others = f"; {other} recording{'s' if other != 1 else ''} of another job left out" if other else ""
        return f"{found} seen in at least {self.k} of {self.n} recordings{others}"

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        skipped = [s.number for s in self.skipped]
        return {"verdict": self.verdict, "matches": self.matches, "n": self.n, **data, "skipped": skipped}


def place(step_of: Sequence[int | None], action: int) -> int:
    """The index of the last step carried out before `action`, or -1 before any."""
    return next((s for s in reversed(step_of[:action]) if s is not None), -1)


def _same(a: Observation, b: Observation) -> bool:
    if a.kind != b.kind or a.app != b.app:
        return False
    if a.kind in (Kind.KEY, Kind.PASTE):
        return key_of(a.combo) == key_of(b.combo)
    if not (a.words or b.words):
        return True
    return fuzz.ratio(fold(a.words), fold(b.words)) >= SAME_NAME


def gaps(
    seen: Sequence[Sequence[Observation]], alignments: Sequence[Alignment], matching: Sequence[int], k: int
) -> tuple[Gap, ...]:
    """Undocumented actions grouped across recordings by place and what was done; kept if in >= k."""
    groups: list[tuple[int, Observation, list[Occurrence]]] = []  # place, first action, occurrences
    for r in matching:
        step_of = alignments[r].step_of
        for a in alignments[r].undocumented:
            where, action = place(step_of, a), seen[r][a]
            occurrence = Occurrence(r, a, action.description)
            group = next((g for g in groups if g[0] == where and _same(g[1], action)), None)
            if group is None:
                groups.append((where, action, [occurrence]))
            else:
                group[2].append(occurrence)
    found = []
    for where, first, occurrences in groups:
        recordings = len({o.recording for o in occurrences})
        if recordings >= k:
            found.append(Gap(first.description, first.kind.value, where + 1, recordings, tuple(occurrences)))
    return tuple(sorted(found, key=lambda g: (g.after_step, g.occurrences[0].action)))


def steps(
    procedure: Procedure,
    seen: Sequence[Sequence[Observation]],
    alignments: Sequence[Alignment],
    scores: Sequence[Sequence[Sequence[Score]]],
    matching: Sequence[int],
) -> tuple[StepReport, ...]:
    """Each step with the actions that carry it out in the matching recordings."""
    out = []
    for s, step in enumerate(procedure.steps):
        matched, done = [], 0
        for r in matching:
            a = alignments[r]
            mine = [i for i, (x, o) in enumerate(zip(a.step_of, a.out_of_order, strict=True)) if s in (x, o)]
            done += bool(mine)
            matched += [
                Match(r, i, seen[r][i].description, scores[r][i][s].why, a.step_of[i] == s) for i in mine
            ]
        out.append(
            StepReport(step.number, step.text, step.context, done, len(matching) - done, tuple(matched))
        )
    return tuple(out)


def order(
    procedure: Procedure, alignments: Sequence[Alignment], matching: Sequence[int]
) -> tuple[OrderDifference, ...]:
    """Steps done, but not where the procedure puts them."""
    out = []
    for r in matching:
        a = alignments[r]
        for s in sorted({o for o in a.out_of_order if o is not None}):
            actions = tuple(i for i, o in enumerate(a.out_of_order) if o == s)
            step = procedure.steps[s]
            out.append(OrderDifference(step.number, step.text, r, actions, place(a.step_of, actions[0]) + 1))
    return tuple(out)


def majority(n: int) -> int:
    """More than half of n recordings (at least 1)."""
    return n // 2 + 1


def build_report(
    procedure: Procedure,
    paths: Sequence[str],
    seen: Sequence[Sequence[Observation]],
    alignments: Sequence[Alignment],
    scores: Sequence[Sequence[Sequence[Score]]],
    k: int | None = None,
) -> GapReport:
    """The report over all recordings; k defaults to a majority of those that match."""
    matching = [r for r, a in enumerate(alignments) if a.matches]
    k = k if k is not None else majority(len(matching))
    recordings = tuple(
        RecordingReport(
            path, len(a.step_of), a.matches, a.verdict, tuple(procedure.steps[s].number for s in a.done)
        )
        for path, a in zip(paths, alignments, strict=True)
    )
    return GapReport(
        title=procedure.title,
        recordings=recordings,
        k=k,
        steps=steps(procedure, seen, alignments, scores, matching),
        gaps=gaps(seen, alignments, matching, k) if matching else (),
        order=order(procedure, alignments, matching),
    )
