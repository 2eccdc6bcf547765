"""Apps of our own for tests and benchmarks, judged only by the files they persist.

A scenario app is something deskhand drives through pixels like any other app; because we wrote
it, its store is the ground truth for whether a run succeeded.
"""

from deskhand.scenarios.base import Look, Scenario, Session


def scenarios() -> dict[str, Scenario]:
    """The scenario suite by name: real work in real apps, each checked from the apps' own output."""
    from deskhand.scenarios import credit, refund, replace, sheet

    return {s.name: s for s in (sheet.SCENARIO, replace.SCENARIO, refund.SCENARIO, credit.SCENARIO)}


__all__ = ["Look", "Scenario", "Session", "scenarios"]
