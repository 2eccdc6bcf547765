"""Aligning a written procedure with one recording: which actions carry out which step.

Steps are written in the order they are done, so the alignment is monotone: walking through the
recording, the step an action belongs to never goes back. Dynamic programming finds the
assignment with the best total fit, where an action may also belong to no step (it is
undocumented), a step may span many actions, and every step used earns a bonus, so two
equally good readings are settled in favour of the one that accounts for more of the procedure.

Whether the recording is of this job at all is judged from the steps *clearly done*: a step is
clearly done when an action fits it well, every key it names was pressed, and, if it asks for
text ("add a note"), some text went in. A recording of another job leaves most steps undone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from deskhand.gaps.observation import Observation
from deskhand.gaps.procedure import SopStep
from deskhand.gaps.vocabulary import key_of

FIT_TIE = 1e-9  # an action that just fits is counted as part of the step rather than left out


@dataclass(frozen=True)
class AlignConfig:
    fit: float = 0.5  # from this score an action can be part of a step
    strong: float = 0.75  # from this score an action shows the step was done
    step_bonus: float = 0.5  # for each step used: prefer readings that account for every step
    min_steps_done: float = 0.5  # more than this share of the steps must be clearly done...
    min_actions_covered: float = 0.4  # ...and at least this share of its actions accounted for


@dataclass(frozen=True)
class Alignment:
    """One recording against the procedure; steps are indices into the procedure's steps."""

    step_of: tuple[int | None, ...]  # per action: the step it carries out, or None
    out_of_order: tuple[int | None, ...]  # per action left out: a skipped step it clearly does
    done: tuple[int, ...]  # the steps clearly done
    steps_total: int  # steps that ask for something to be done
    covered: int  # actions that belong to a step, in order or not
    matches: bool  # is this a recording of the job the procedure describes?

    @property
    def undocumented(self) -> tuple[int, ...]:
        """Actions no step accounts for."""
        pairs = zip(self.step_of, self.out_of_order, strict=True)
        return tuple(i for i, (s, o) in enumerate(pairs) if s is None and o is None)

    @property
    def verdict(self) -> str:
        steps = f"{len(self.done)} of the procedure's {self.steps_total} steps are clearly done"
        actions = f"the procedure accounts for {self.covered} of its {len(self.step_of)} actions"
        if self.matches:
            return f"follows the procedure: {steps}, and {actions}"
        return f"does not match the procedure (a recording of another job?): only {steps}, and {actions}"


def align(
    scores: Sequence[Sequence[float]],
    steps: Sequence[SopStep],
    seen: Sequence[Observation],
    config: AlignConfig = AlignConfig(),
) -> Alignment:
    """Align `seen` (the rows of `scores`) with `steps` (its columns); context steps are never aligned."""
    values = [[0.0 if steps[s].context else v for s, v in enumerate(row)] for row in scores]
    step_of = _monotone(values, config)
    step_of = _entry_keys(step_of, steps, seen)
    out_of_order = _out_of_order(values, step_of, steps, config)
    return _judge(values, step_of, out_of_order, steps, seen, config)


def _monotone(values: Sequence[Sequence[float]], config: AlignConfig) -> list[int | None]:
    """The best monotone assignment of actions to steps: dynamic programming over the last step used."""
    steps = len(values[0]) if values else 0
    best: dict[int, float] = {-1: 0.0}  # last step used (-1: none yet) -> best total so far
    trail: list[dict[int, tuple[int, int | None]]] = []  # per action: state -> (state before, step given)
    for row in values:
        after: dict[int, float] = {}
        back: dict[int, tuple[int, int | None]] = {}
        for last, total in best.items():
            moves: list[tuple[int, float, int | None]] = [(last, total, None)]  # leave the action out
            moves += [
                (s, total + row[s] - config.fit + (config.step_bonus if s != last else 0.0) + FIT_TIE, s)
                for s in range(max(last, 0), steps)
                if row[s] >= config.fit
            ]
            for state, value, step in moves:
                if state not in after or value > after[state]:
                    after[state], back[state] = value, (last, step)
        best = after
        trail.append(back)
    state = max(best, key=lambda s: best[s])
    assigned: list[int | None] = []
    for back in reversed(trail):
        state, step = back[state]
        assigned.append(step)
    return assigned[::-1]


def _entry_keys(
    step_of: Sequence[int | None], steps: Sequence[SopStep], seen: Sequence[Observation]
) -> list[int | None]:
    """Keys that move into a field or commit it join the step of the text they are next to, if
    that step asks to enter something: Tab after typing an amount, arrows before it."""
    out = list(step_of)
    for i, step in enumerate(step_of):
        if step is not None or not seen[i].navigates:
            continue
        for direction in (-1, 1):
            j = i + direction
            while 0 <= j < len(seen) and seen[j].navigates and step_of[j] is None:
                j += direction
            near = step_of[j] if 0 <= j < len(seen) else None
            if near is not None and seen[j].enters_text and steps[near].enters:
                out[i] = near
                break
    return out


def _out_of_order(
    values: Sequence[Sequence[float]],
    step_of: Sequence[int | None],
    steps: Sequence[SopStep],
    config: AlignConfig,
) -> list[int | None]:
    """For an action left out: a step the alignment skipped that it clearly does, in another order."""
    used = set(step_of)
    skipped = [s for s, step in enumerate(steps) if s not in used and not step.context]
    out: list[int | None] = []
    for row, step in zip(values, step_of, strict=True):
        fits = [s for s in skipped if row[s] >= config.strong]
        out.append(max(fits, key=lambda s: row[s]) if step is None and fits else None)
    return out


def _clearly_done(
    s: int,
    actions: Sequence[int],
    values: Sequence[Sequence[float]],
    step: SopStep,
    seen: Sequence[Observation],
    config: AlignConfig,
) -> bool:
    """An action fits the step well, every key it names was pressed, and text went in if it asks for text."""
    if not any(values[a][s] >= config.strong for a in actions):
        return False
    pressed = {key_of(seen[a].combo) for a in actions if seen[a].combo}
    if not step.named_keys <= pressed:
        return False
    return not step.needs_text or any(seen[a].enters_text for a in actions)


def _judge(
    values: Sequence[Sequence[float]],
    step_of: Sequence[int | None],
    out_of_order: Sequence[int | None],
    steps: Sequence[SopStep],
    seen: Sequence[Observation],
    config: AlignConfig,
) -> Alignment:
    actions_of: dict[int, list[int]] = {}
    for a, (s, o) in enumerate(zip(step_of, out_of_order, strict=True)):
        step = s if s is not None else o
        if step is not None:
            actions_of.setdefault(step, []).append(a)
    done = tuple(
        s
        for s, step in enumerate(steps)
        if s in actions_of and _clearly_done(s, actions_of[s], values, step, seen, config)
    )
    total = sum(not step.context for step in steps)
    covered = sum(len(a) for a in actions_of.values())
    matches = (
        bool(seen)
        and total > 0
        and len(done) / total > config.min_steps_done
        and covered / len(seen) >= config.min_actions_covered
    )
    return Alignment(tuple(step_of), tuple(out_of_order), done, total, covered, matches)
