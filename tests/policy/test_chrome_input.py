"""Mouse and key events on our DevTools socket: what each action sends, and that pages take them as input."""

from __future__ import annotations

import pytest

from deskhand.policy.base import Kind, PolicyAction
from deskhand.policy.chrome_input import CONTROL, Pointer, events, key_press
from deskhand.policy.demos import collect
from deskhand.policy.experts import EXPERTS
from deskhand.policy.experts.dom import box
from deskhand.policy.miniwob import MiniwobConfig, MiniwobEnv


def kinds(sent: list) -> list[str]:
    return [params["type"] for _, params in sent]


def test_a_double_click_is_two_presses_counted_one_then_two():
    sent, _ = events(Kind.DBLCLICK, 10, 20)
    assert kinds(sent) == ["mouseMoved", "mousePressed", "mouseReleased", "mousePressed", "mouseReleased"]
    assert [p.get("clickCount") for _, p in sent[1:]] == [1, 1, 2, 2]
    assert all((p["x"], p["y"]) == (10, 20) for _, p in sent)


def test_a_drag_moves_with_the_button_down_until_it_is_released():
    down, held = events(Kind.MOUSEDOWN, 10, 20)
    moved, still = events(Kind.MOVE, 30, 40, pointer=held)
    up, free = events(Kind.MOUSEUP, 50, 60, pointer=still)
    assert kinds(down) == ["mouseMoved", "mousePressed"] and held.held and still.held and not free.held
    assert [(p["button"], p["buttons"]) for _, p in moved] == [("left", 1)]
    assert kinds(up) == ["mouseMoved", "mouseReleased"] and up[0][1]["buttons"] == 1
    assert (free.x, free.y) == (50, 60)


def test_a_pointer_that_rests_on_the_spot_is_not_moved_there_again():
    _, at = events(Kind.MOVE, 10, 20)
    assert kinds(events(Kind.CLICK, 10, 20, pointer=at)[0]) == ["mousePressed", "mouseReleased"]
    assert events(Kind.MOVE, 10, 20, pointer=at)[0] == []
    assert kinds(events(Kind.CLICK, 11, 20, pointer=at)[0])[0] == "mouseMoved"


def test_keys_and_text_leave_the_pointer_where_it_was():
    at = Pointer(3, 4, held=True)
    assert events(Kind.TYPE, 0, 0, text="ab", pointer=at)[1] == at
    assert events(Kind.KEY, 0, 0, key="<Enter>", pointer=at)[1] == at
    assert events(Kind.SCROLL_DOWN, 9, 9, pointer=at)[1] == at


def test_typed_text_is_one_key_down_with_its_text_and_one_key_up_a_character():
    sent, _ = events(Kind.TYPE, 0, 0, text="a1 ")
    assert kinds(sent) == ["keyDown", "keyUp"] * 3
    assert [(p["key"], p["code"], p["text"]) for _, p in sent[::2]] == [
        ("a", "KeyA", "a"),
        ("1", "Digit1", "1"),
        (" ", "Space", " "),
    ]


def test_ctrl_is_held_around_a_combination_and_the_combination_types_nothing():
    sent = key_press("C-a")
    assert kinds(sent) == ["rawKeyDown", "rawKeyDown", "keyUp", "keyUp"]
    assert [p["modifiers"] for _, p in sent] == [CONTROL, CONTROL, CONTROL, 0]
    assert all("text" not in p for _, p in sent)


def test_enter_types_a_return_and_an_arrow_types_nothing():
    assert key_press("<Enter>")[0][1]["text"] == "\r"
    assert key_press("<ArrowDown>")[0][1]["type"] == "rawKeyDown"


def test_a_key_outside_the_vocabulary_is_refused():
    with pytest.raises(ValueError, match="not one of"):
        key_press("<F4>")


@pytest.mark.x11  # a real browser, started by the test; no display needed (headless)
def test_a_field_takes_clicks_typing_a_double_click_and_ctrl_a_as_a_persons_input():
    with MiniwobEnv(MiniwobConfig("enter-text")) as env:
        env.reset(1)

        def field() -> dict:
            return next(el for el in env.expert_dom() if el["id"] == "tt")

        left, top, width, height = box(field())
        env.step(PolicyAction(Kind.CLICK, x=left + width / 2, y=top + height / 2))
        env.step(PolicyAction(Kind.TYPE, text="Hello world"))
        typed = field()["value"]
        env.step(PolicyAction(Kind.DBLCLICK, x=left + 8, y=top + height / 2))  # on the first word
        env.step(PolicyAction(Kind.TYPE, text="Bye"))
        replaced = field()["value"]
        env.step(PolicyAction(Kind.KEY, key="C-a"))
        env.step(PolicyAction(Kind.KEY, key="<Backspace>"))
        erased = field()["value"]
    assert (typed, replaced, erased) == ("Hello world", "Bye world", "")


@pytest.mark.x11
@pytest.mark.parametrize(
    "task",
    [
        "drag-box",  # mouse down, move with the button held, up
        "scroll-text-2",  # the wheel
        "click-scroll-list",  # typing to find, Ctrl+arrow and Ctrl+space
        "use-autocomplete",  # typing opens a menu, arrows and Enter pick from it
    ],
)
def test_experts_finish_tasks_that_need_drags_the_wheel_keys_and_typing(task: str):
    _, stats = collect(task, EXPERTS[task], range(1, 4))
    assert (stats.episodes, stats.successes) == (3, 3)
