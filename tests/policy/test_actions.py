"""The pixels-only action contract: what reaches the browser, and what never can."""

from __future__ import annotations

import pytest
from miniwob.action import ELEMENT_ACTIONS, FIELD_ACTIONS

from deskhand.policy.base import KEYS, Kind, PolicyAction
from deskhand.policy.miniwob import ALLOWED_TYPES, FORBIDDEN_TYPES, to_miniwob


def test_click_maps_to_coordinate_click_at_the_same_pixel():
    action = to_miniwob(PolicyAction(Kind.CLICK, x=12.5, y=80))
    assert ALLOWED_TYPES[action["action_type"]] == "CLICK_COORDS"
    assert action["coords"] == [12.5, 80.0]


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        (Kind.MOVE, "MOVE_COORDS"),
        (Kind.DBLCLICK, "DBLCLICK_COORDS"),
        (Kind.MOUSEDOWN, "MOUSEDOWN_COORDS"),
        (Kind.MOUSEUP, "MOUSEUP_COORDS"),
        (Kind.SCROLL_UP, "SCROLL_UP_COORDS"),
        (Kind.SCROLL_DOWN, "SCROLL_DOWN_COORDS"),
    ],
)
def test_every_pointer_kind_maps_to_its_coordinate_action(kind, name):
    assert ALLOWED_TYPES[to_miniwob(PolicyAction(kind, x=1, y=2))["action_type"]] == name


def test_key_and_text_map_to_press_key_and_type_text():
    key = to_miniwob(PolicyAction(Kind.KEY, key="<Enter>"))
    text = to_miniwob(PolicyAction(Kind.TYPE, text="Bo"))
    assert (ALLOWED_TYPES[key["action_type"]], KEYS[key["key"]]) == ("PRESS_KEY", "<Enter>")
    assert (ALLOWED_TYPES[text["action_type"]], text["text"]) == ("TYPE_TEXT", "Bo")


def test_action_space_has_no_element_focus_or_field_action():
    names = set(ALLOWED_TYPES)
    assert not names & FORBIDDEN_TYPES
    assert not names & {t.value for t in ELEMENT_ACTIONS | FIELD_ACTIONS}


@pytest.mark.parametrize(
    "raw",
    [
        {"action_type": "CLICK_ELEMENT", "ref": 4},
        {"action_type": "FOCUS_ELEMENT_AND_TYPE_TEXT", "ref": 5, "text": "x"},
        {"action_type": "TYPE_FIELD", "field": 0},
    ],
)
def test_wrapper_refuses_raw_miniwob_and_element_actions(raw):
    with pytest.raises(TypeError, match="no DOM actions"):
        to_miniwob(raw)  # type: ignore[arg-type]


def test_unknown_key_is_refused():
    with pytest.raises(ValueError, match="not one of"):
        PolicyAction(Kind.KEY, key="<F5>")


def test_only_a_move_may_glance():
    assert PolicyAction(Kind.MOVE, glance=0.0).glance == 0.0
    with pytest.raises(ValueError, match="only a move can glance"):
        PolicyAction(Kind.CLICK, glance=0.0)
