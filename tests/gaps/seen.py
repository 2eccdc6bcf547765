"""Observations built by hand, for unit tests of the pure parts of the gap finder."""

from __future__ import annotations

from deskhand.gaps.observation import Kind, Observation


def click(words: str, app: str = "App", index: int = 0) -> Observation:
    return Observation(index, Kind.CLICK, words, f"Click '{words}' in '{app}'", app=app, window=app)


def typed(words: str, text: str = "x", app: str = "App", index: int = 0) -> Observation:
    return Observation(
        index, Kind.TYPE, words, f"Type into '{words}' in '{app}'", typed=text, app=app, window=app
    )


def key(combo: str, app: str = "App", index: int = 0) -> Observation:
    kind = Kind.PASTE if combo == "ctrl+v" else Kind.KEY
    return Observation(index, kind, "", f"Press {combo} in '{app}'", combo=combo, app=app, window=app)


def numbered(*seen: Observation) -> list[Observation]:
    """The observations with their indices set in order, as a recording has them."""
    return [Observation(i, *_fields(o)) for i, o in enumerate(seen)]


def _fields(o: Observation) -> tuple:
    return (o.kind, o.words, o.description, o.combo, o.typed, o.window, o.app, o.point, o.region)
