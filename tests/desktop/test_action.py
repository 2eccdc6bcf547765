import pytest
from hypothesis import given
from hypothesis import strategies as st

from deskhand.desktop.action import (
    ActionError,
    Click,
    Drag,
    KeyPress,
    MoveTo,
    Scroll,
    TypeText,
    Wait,
    from_dict,
    to_dict,
)

coord = st.integers(0, 20000)
actions = st.one_of(
    st.builds(MoveTo, coord, coord),
    st.builds(Click, coord, coord, st.sampled_from(["left", "middle", "right"]), st.integers(1, 3)),
    st.builds(Drag, st.lists(st.tuples(coord, coord), min_size=2, max_size=6).map(tuple)),
    st.builds(Scroll, coord, coord, st.integers(-5, 5), st.integers(1, 5)),
    st.builds(KeyPress, st.sampled_from(["ctrl+s", "alt+F4", "Tab", "ctrl+shift+Left", "ctrl++", "Return"])),
    st.builds(TypeText, st.text()),
    st.builds(Wait, st.floats(0, 100)),
)


@given(actions)
def test_every_action_survives_a_dict_round_trip(action):
    assert from_dict(to_dict(action)) == action


def test_dicts_are_plain_json_types():
    assert to_dict(Drag(((1, 2), (3, 4)))) == {"kind": "drag", "path": [[1, 2], [3, 4]], "button": "left"}


@pytest.mark.parametrize(
    "make",
    [
        lambda: Click(1.5, 2),
        lambda: Click(1, 2, button="thumb"),
        lambda: Click(1, 2, count=0),
        lambda: Drag(((1, 2),)),
        lambda: Drag(((1, 2), (3,))),
        lambda: Scroll(1, 2),
        lambda: KeyPress("ctrl+nosuchkey"),
        lambda: KeyPress("hyper+s"),
        lambda: KeyPress(""),
        lambda: TypeText("hunter2", secret=True),
        lambda: Wait(-1),
        lambda: Wait(float("nan")),
    ],
)
def test_invalid_actions_are_refused_where_they_are_made(make):
    with pytest.raises(ActionError):
        make()


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "teleport"},
        {"kind": "click", "x": 1},
        {"kind": "click", "x": 1, "y": 2, "z": 3},
        "click",
        None,
    ],
)
def test_malformed_dicts_raise_action_error(data):
    with pytest.raises(ActionError):
        from_dict(data)


def test_a_secret_never_shows_its_value_in_repr():
    assert "***" in repr(TypeText("", secret=True))
