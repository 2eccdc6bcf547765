"""The contract of a scorer: how well one written step describes one recorded action.

The gap finder aligns a procedure with a recording by these scores alone, so a scorer is the
one part to swap for another (fuzzy words now; an embedding model that ships in a wheel later).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

from deskhand.gaps.observation import Observation
from deskhand.gaps.procedure import SopStep


@dataclass(frozen=True)
class Score:
    """0 (unrelated) to 1 (the step names exactly this); `why` says it in a few words."""

    value: float
    why: str = ""


NO_MATCH = Score(0.0)


class Scorer(ABC):
    @abstractmethod
    def score(self, step: SopStep, seen: Observation) -> Score:
        """How well `step` describes `seen`."""

    def matrix(self, steps: Sequence[SopStep], seen: Sequence[Observation]) -> list[list[Score]]:
        """(actions, steps): every action against every step."""
        return [[self.score(step, action) for step in steps] for action in seen]
