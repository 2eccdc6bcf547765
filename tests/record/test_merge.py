"""Event -> action merging, fed synthetic event streams shaped like the X listener's."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st
from Xlib import XK

from deskhand.desktop.action import Click, Drag, KeyPress, Scroll, TypeText, from_dict, to_dict
from deskhand.desktop.keys import char_keysym, key_keysym, keysym_char, parse_combo
from deskhand.record.event import EventType, InputEvent, RecordedAction, WindowInfo
from deskhand.record.merge import MergeConfig, continues_text, is_modifier_key, merge_events

MS = 1_000_000
EDITOR = WindowInfo(id=7, title="notes.txt - Editor", wm_class="editor", width=800, height=600)
MODIFIER_KEYS = {"shift": "Shift_L", "ctrl": "Control_L", "alt": "Alt_L", "super": "Super_L"}
MOUSE_EVENTS = (EventType.BUTTON_DOWN, EventType.BUTTON_UP, EventType.WHEEL)


@dataclass
class Stream:
    """A synthetic event stream; its clock moves `step_ms` before every event, as a hand's would."""

    step_ms: int = 30
    t_ns: int = 0
    held: tuple[str, ...] = ()  # modifiers held now, in the listener's order
    window: WindowInfo = EDITOR
    events: list[InputEvent] = field(default_factory=list)

    def add(self, kind: EventType, **fields: object) -> InputEvent:
        self.t_ns += self.step_ms * MS
        event = InputEvent(self.t_ns, kind, modifiers=self.held, window=self.window, **fields)  # type: ignore[arg-type]
        self.events.append(event)
        return event

    def wait(self, ms: int) -> None:
        self.t_ns += ms * MS

    def down(self, x: int, y: int, button: int = 1) -> InputEvent:
        return self.add(EventType.BUTTON_DOWN, x=x, y=y, button=button)

    def move(self, x: int, y: int) -> None:
        self.add(EventType.MOVE, x=x, y=y)

    def up(self, x: int, y: int, button: int = 1) -> InputEvent:
        return self.add(EventType.BUTTON_UP, x=x, y=y, button=button)

    def click(self, x: int, y: int, button: int = 1) -> None:
        self.down(x, y, button)
        self.up(x + 1, y, button)  # a hand never releases exactly where it pressed

    def wheel(self, x: int, y: int, button: int) -> None:
        self.add(EventType.WHEEL, x=x, y=y, button=button)

    def key_down(self, keysym: int, char: str | None = None) -> InputEvent:
        char = keysym_char(keysym) or "" if char is None else char
        return self.add(EventType.KEY_DOWN, keycode=_keycode(keysym), keysym=keysym, char=char)

    def key_up(self, keysym: int) -> InputEvent:
        char = keysym_char(keysym) or ""
        return self.add(EventType.KEY_UP, keycode=_keycode(keysym), keysym=keysym, char=char)

    def key(self, keysym: int, char: str | None = None) -> None:
        self.key_down(keysym, char)
        self.key_up(keysym)

    def hold(self, modifier: str) -> None:
        self.key_down(key_keysym(MODIFIER_KEYS[modifier]))
        self.held = tuple(m for m in ("shift", "ctrl", "alt", "super") if m in {*self.held, modifier})

    def release(self, modifier: str) -> None:
        self.key_up(key_keysym(MODIFIER_KEYS[modifier]))
        self.held = tuple(m for m in self.held if m != modifier)

    def type(self, text: str) -> None:
        """Types as a person does: Shift held for capitals."""
        for char in text:
            if char.isupper():
                self.hold("shift")
                self.key(char_keysym(char))
                self.release("shift")
            else:
                self.key(char_keysym(char))

    def press(self, name: str) -> None:
        self.key(key_keysym(name))

    def backspace(self, times: int = 1) -> None:
        for _ in range(times):
            self.press("BackSpace")

    def chord(self, *modifiers: str, keysym: int) -> None:
        for modifier in modifiers:
            self.hold(modifier)
        self.key(keysym)
        for modifier in reversed(modifiers):
            self.release(modifier)

    def secret(self, count: int) -> None:
        """Keys typed in secret mode: blanked by the recorder, only their timing kept."""
        for _ in range(count):
            self.add(EventType.KEY_DOWN, secret=True)
            self.add(EventType.KEY_UP, secret=True)


def _keycode(keysym: int) -> int:
    return 8 + keysym % 248


DEFAULTS = MergeConfig()


def actions(stream: Stream, config: MergeConfig = DEFAULTS) -> list[object]:
    return [recorded.action for recorded in merge_events(stream.events, config)]


def only(stream: Stream) -> RecordedAction:
    (recorded,) = merge_events(stream.events)
    return recorded


# --- clicks ---------------------------------------------------------------------------------


def test_press_and_release_in_place_is_a_click() -> None:
    s = Stream()
    down = s.down(100, 200)
    s.move(102, 201)
    up = s.up(103, 202)
    recorded = only(s)
    assert recorded.action == Click(100, 200, "left", 1)
    assert (recorded.t_start_ns, recorded.t_end_ns) == (down.t_ns, up.t_ns)
    assert recorded.target == (100, 200)
    assert recorded.window == EDITOR
    assert recorded.frame_index == -1


@pytest.mark.parametrize(("button", "name"), [(1, "left"), (2, "middle"), (3, "right")])
def test_buttons_are_named_left_middle_right(button: int, name: str) -> None:
    s = Stream()
    s.click(5, 5, button)
    assert actions(s) == [Click(5, 5, name)]


@pytest.mark.parametrize("count", [2, 3])
def test_quick_clicks_in_place_are_one_multi_click(count: int) -> None:
    s = Stream(step_ms=60)
    first = s.down(50, 50)
    s.up(50, 50)
    for _ in range(count - 1):
        s.click(51, 49)
    recorded = only(s)
    assert recorded.action == Click(50, 50, "left", count)
    assert (recorded.t_start_ns, recorded.t_end_ns) == (first.t_ns, s.events[-1].t_ns)


def test_a_fourth_quick_click_starts_a_new_click() -> None:
    s = Stream(step_ms=60)
    for _ in range(4):
        s.click(50, 50)
    assert actions(s) == [Click(50, 50, "left", 3), Click(50, 50, "left", 1)]


def test_clicks_too_far_apart_in_time_stay_separate() -> None:
    s = Stream()
    s.click(50, 50)
    s.wait(450)
    s.click(50, 50)
    assert actions(s) == [Click(50, 50), Click(50, 50)]


def test_clicks_too_far_apart_in_space_stay_separate() -> None:
    s = Stream()
    s.click(50, 50)
    s.click(50, 55)
    assert actions(s) == [Click(50, 50), Click(50, 55)]


def test_quick_clicks_of_different_buttons_stay_separate() -> None:
    s = Stream()
    s.click(50, 50, 1)
    s.click(50, 50, 3)
    assert actions(s) == [Click(50, 50, "left"), Click(50, 50, "right")]


def test_a_key_between_two_quick_clicks_keeps_them_apart() -> None:
    s = Stream()
    s.click(50, 50)
    s.press("Return")
    s.click(50, 50)
    assert actions(s) == [Click(50, 50), KeyPress("Return"), Click(50, 50)]


def test_moves_without_a_button_held_do_nothing() -> None:
    s = Stream()
    for x in range(0, 300, 10):
        s.move(x, x)
    assert actions(s) == []


def test_a_button_still_held_at_the_end_is_dropped() -> None:
    s = Stream()
    s.click(10, 10)
    s.down(20, 20)
    s.move(200, 200)
    assert actions(s) == [Click(10, 10)]


def test_a_release_without_its_press_is_ignored() -> None:
    s = Stream()
    s.up(10, 10)
    s.click(30, 30)
    assert actions(s) == [Click(30, 30)]


# --- drags ----------------------------------------------------------------------------------


def test_press_move_release_is_a_drag_along_the_path() -> None:
    s = Stream()
    down = s.down(10, 10)
    s.move(20, 15)
    s.move(30, 20)
    up = s.up(40, 25, button=3)  # another button's release does not end it
    up = s.up(40, 25)
    recorded = only(s)
    assert recorded.action == Drag(((10, 10), (20, 15), (30, 20), (40, 25)), "left")
    assert (recorded.t_start_ns, recorded.t_end_ns, recorded.target) == (down.t_ns, up.t_ns, (10, 10))


def test_displacement_of_drag_min_px_makes_a_drag_and_less_a_click() -> None:
    s = Stream()
    s.down(0, 0)
    s.up(6, 0)
    s.down(100, 0)
    s.up(105, 0)
    assert actions(s) == [Drag(((0, 0), (6, 0))), Click(100, 0)]


@given(moves=st.integers(0, 200), limit=st.integers(2, 40))
def test_long_drag_paths_are_downsampled_keeping_both_ends(moves: int, limit: int) -> None:
    s = Stream(step_ms=1)
    s.down(0, 0)
    for i in range(1, moves + 1):
        s.move(i, 2 * i)
    s.up(moves + 10, 7)
    (drag,) = actions(s, MergeConfig(drag_points=limit))
    assert isinstance(drag, Drag)
    full = [(0, 0), *((i, 2 * i) for i in range(1, moves + 1)), (moves + 10, 7)]
    assert drag.path[0] == (0, 0) and drag.path[-1] == (moves + 10, 7)
    assert len(drag.path) == min(limit, len(full))
    assert all(point in full for point in drag.path)
    assert [full.index(p) for p in drag.path] == sorted(
        {full.index(p) for p in drag.path}
    )  # in order, none twice


def test_a_drag_path_needs_at_least_its_two_ends() -> None:
    with pytest.raises(ValueError, match="drag_points"):
        MergeConfig(drag_points=1)


# --- scrolls --------------------------------------------------------------------------------


def test_wheel_notches_in_place_sum_into_one_scroll() -> None:
    s = Stream()
    for button in (5, 5, 5, 4, 7, 7, 6):
        s.wheel(300 + len(s.events), 400, button)
    recorded = only(s)
    assert recorded.action == Scroll(300, 400, dx=1, dy=2)
    assert (recorded.t_start_ns, recorded.t_end_ns, recorded.target) == (
        s.events[0].t_ns,
        s.events[-1].t_ns,
        (300, 400),
    )


def test_a_pause_in_the_wheel_starts_a_new_scroll() -> None:
    s = Stream()
    s.wheel(10, 10, 5)
    s.wheel(10, 10, 5)
    s.wait(700)
    s.wheel(10, 10, 4)
    assert actions(s) == [Scroll(10, 10, dy=2), Scroll(10, 10, dy=-1)]


def test_wheeling_away_from_the_first_notch_starts_a_new_scroll() -> None:
    s = Stream()
    for y in (100, 104, 108, 112):  # the last is 12 px from the first notch
        s.wheel(50, y, 5)
    assert actions(s) == [Scroll(50, 100, dy=3), Scroll(50, 112, dy=1)]


def test_a_click_between_notches_splits_the_scroll() -> None:
    s = Stream()
    s.wheel(10, 10, 5)
    s.click(10, 10)
    s.wheel(10, 10, 5)
    assert actions(s) == [Scroll(10, 10, dy=1), Click(10, 10), Scroll(10, 10, dy=1)]


def test_notches_that_cancel_out_scroll_nothing() -> None:
    s = Stream()
    for button in (5, 4, 6, 7):
        s.wheel(10, 10, button)
    assert actions(s) == []


# --- typing ---------------------------------------------------------------------------------


def test_typing_with_shift_for_capitals_is_one_type_text() -> None:
    s = Stream()
    s.type("Hello")
    recorded = only(s)
    first_letter = next(e for e in s.events if e.char == "H")
    assert recorded.action == TypeText("Hello")
    assert recorded.t_start_ns == first_letter.t_ns  # the Shift press before it is no part of it
    assert recorded.t_end_ns == s.events[-1].t_ns  # the last key's release
    assert recorded.window == EDITOR
    assert recorded.target is None


def test_backspaces_edit_the_run() -> None:
    s = Stream()
    s.type("helo")
    s.backspace(2)
    s.type("llo")
    assert actions(s) == [TypeText("hello")]


def test_a_leading_backspace_is_a_key_press() -> None:
    s = Stream()
    s.backspace()
    s.press("Return")
    assert actions(s) == [KeyPress("BackSpace"), KeyPress("Return")]


def test_backspaces_past_the_run_start_are_kept_as_erases() -> None:
    """BackSpaces that erase text typed before the run stay in it as "\\b", so replay deletes it too."""
    s = Stream()
    s.type("ab")
    s.backspace(3)
    s.type("c")
    assert actions(s) == [TypeText("\bc")]


def test_a_run_erased_to_nothing_produces_nothing() -> None:
    s = Stream()
    s.type("ab")
    s.backspace(2)
    s.press("Tab")
    assert actions(s) == [KeyPress("Tab")]


def test_held_keys_repeat_one_action_per_key_down() -> None:
    s = Stream()
    for _ in range(3):
        s.key_down(char_keysym("a"))
    s.key_up(char_keysym("a"))
    for _ in range(2):
        s.key_down(XK.XK_Return)
    s.key_up(XK.XK_Return)
    assert actions(s) == [TypeText("aaa"), KeyPress("Return"), KeyPress("Return")]


@pytest.mark.parametrize(
    ("modifiers", "keysym", "combo"),
    [
        (("ctrl",), char_keysym("s"), "ctrl+s"),
        (("ctrl", "shift"), char_keysym("S"), "ctrl+shift+s"),
        (("shift", "ctrl"), char_keysym("S"), "ctrl+shift+s"),
        (("alt",), XK.XK_F4, "alt+F4"),
        (("shift",), XK.XK_Tab, "shift+Tab"),
        (("shift",), XK.XK_ISO_Left_Tab, "shift+Tab"),  # what X reports for Shift+Tab
        (("super", "alt"), char_keysym("e"), "alt+super+e"),
        ((), XK.XK_Escape, "Escape"),
        ((), XK.XK_Delete, "Delete"),
        ((), XK.XK_Left, "Left"),
    ],
)
def test_keys_that_type_no_text_are_key_presses_with_ordered_modifiers(
    modifiers: tuple[str, ...], keysym: int, combo: str
) -> None:
    s = Stream()
    s.chord(*modifiers, keysym=keysym)
    recorded = only(s)
    assert recorded.action == KeyPress(combo)
    assert recorded.t_start_ns == next(e.t_ns for e in s.events if e.keysym == keysym)
    assert recorded.t_end_ns == next(
        e.t_ns for e in s.events if e.keysym == keysym and e.type == EventType.KEY_UP
    )
    assert recorded.target is None


def test_modifier_keys_alone_do_nothing() -> None:
    s = Stream()
    for modifier in MODIFIER_KEYS:
        s.hold(modifier)
        s.release(modifier)
    s.key(key_keysym("ISO_Level3_Shift"))
    assert actions(s) == []


def test_return_and_tab_break_runs_into_key_presses() -> None:
    s = Stream()
    s.type("ada")
    s.press("Tab")
    s.type("pw")
    s.press("Return")
    assert actions(s) == [TypeText("ada"), KeyPress("Tab"), TypeText("pw"), KeyPress("Return")]


def test_a_shortcut_breaks_a_run() -> None:
    s = Stream()
    s.type("ab")
    s.chord("ctrl", keysym=char_keysym("s"))
    s.type("cd")
    assert actions(s) == [TypeText("ab"), KeyPress("ctrl+s"), TypeText("cd")]


def test_a_click_breaks_a_run_and_becomes_the_next_runs_target() -> None:
    s = Stream()
    s.type("ab")
    s.click(40, 60)
    s.move(300, 300)
    s.type("cd")
    merged = merge_events(s.events)
    assert [r.action for r in merged] == [TypeText("ab"), Click(40, 60), TypeText("cd")]
    assert [r.target for r in merged] == [None, (40, 60), (40, 60)]


def test_typed_text_targets_the_last_click_not_a_drag() -> None:
    s = Stream()
    s.click(40, 60)
    s.down(100, 100)
    s.up(200, 100)
    s.type("x")
    assert merge_events(s.events)[-1].target == (40, 60)


def test_moves_and_key_releases_do_not_break_a_run() -> None:
    s = Stream()
    s.key_down(char_keysym("a"))
    s.move(5, 5)
    s.key_down(char_keysym("b"))
    s.key_up(char_keysym("a"))
    s.key_up(char_keysym("b"))
    assert actions(s) == [TypeText("ab")]


def test_secret_keys_are_one_secret_run_that_never_merges_with_text() -> None:
    s = Stream()
    s.click(10, 10)
    s.type("ada")
    s.secret(4)
    s.type("x")
    merged = merge_events(s.events)
    assert [r.action for r in merged] == [
        Click(10, 10),
        TypeText("ada"),
        TypeText("", secret=True),
        TypeText("x"),
    ]
    assert merged[2].target == (10, 10)


def test_a_backspace_after_a_secret_run_does_not_edit_it() -> None:
    s = Stream()
    s.secret(3)
    s.backspace()
    assert actions(s) == [TypeText("", secret=True), KeyPress("BackSpace")]


def test_a_key_with_no_usable_name_is_skipped() -> None:
    s = Stream()
    s.type("a")
    s.key(0x1234_5678)
    s.type("b")
    assert actions(s) == [TypeText("a"), TypeText("b")]


# --- the recorder's predicate ---------------------------------------------------------------


def _down(keysym: int, char: str = "", modifiers: tuple[str, ...] = (), secret: bool = False) -> InputEvent:
    return InputEvent(0, EventType.KEY_DOWN, keysym=keysym, char=char, modifiers=modifiers, secret=secret)


A = _down(0x61, "a")
B = _down(0x42, "B", ("shift",))
BACKSPACE = _down(XK.XK_BackSpace)
RETURN = _down(XK.XK_Return, "\n")
CTRL_S = _down(0x73, "s", ("ctrl",))
SECRET = _down(0, secret=True)


@pytest.mark.parametrize(
    ("previous", "event", "expected"),
    [
        (None, A, False),
        (A, B, True),
        (A, BACKSPACE, True),
        (BACKSPACE, BACKSPACE, True),
        (BACKSPACE, A, True),
        (RETURN, A, False),
        (A, RETURN, False),
        (A, CTRL_S, False),
        (CTRL_S, A, False),
        (SECRET, SECRET, True),
        (A, SECRET, False),
        (SECRET, A, False),
        (SECRET, BACKSPACE, False),
        (A, InputEvent(0, EventType.KEY_UP, keysym=0x62, char="b"), False),
        (A, _down(XK.XK_Shift_L), False),
    ],
)
def test_continues_text_says_whether_a_key_extends_the_run(
    previous: InputEvent | None, event: InputEvent, expected: bool
) -> None:
    assert continues_text(previous, event) is expected


def recorder_starts(events: list[InputEvent]) -> set[int]:
    """Where the live recorder sees key actions begin, asking only `continues_text`."""
    previous: InputEvent | None = None
    starts = set()
    for event in events:
        if event.type in MOUSE_EVENTS:
            previous = None
        elif event.type == EventType.KEY_DOWN and not is_modifier_key(event):
            if not continues_text(previous, event):
                starts.add(event.t_ns)
            previous = event
    return starts


GESTURES = ["a", "Z", " ", "ë", "BackSpace", "Return", "Tab", "ctrl+s", "alt+F4", "secret", "click", "shift"]


def play(gestures: list[str]) -> Stream:
    s = Stream()
    for gesture in gestures:
        match gesture:
            case "secret":
                s.secret(1)
            case "click":
                s.click(10, 20)
            case "shift":
                s.hold("shift")
                s.release("shift")
            case "BackSpace" | "Return" | "Tab":
                s.press(gesture)
            case _ if "+" in gesture:
                *modifiers, key = gesture.split("+")
                s.chord(*modifiers, keysym=key_keysym(key))
            case _:
                s.type(gesture)
    return s


@given(st.lists(st.sampled_from(GESTURES), max_size=40))
def test_key_actions_start_exactly_where_continues_text_says_new_ones_begin(gestures: list[str]) -> None:
    """The recorder's boundaries and the merged actions agree; only a run erased to nothing
    (possible only with BackSpace) leaves a boundary without an action."""
    s = play(gestures)
    key_starts = {r.t_start_ns for r in merge_events(s.events) if not isinstance(r.action, Click)}
    boundaries = recorder_starts(s.events)
    assert key_starts <= boundaries
    if "BackSpace" not in gestures:
        assert key_starts == boundaries


# --- any input at all -----------------------------------------------------------------------

KEYSYMS = [0x61, 0x41, 0x20, 0xEB, XK.XK_BackSpace, XK.XK_Return, XK.XK_Tab, XK.XK_ISO_Left_Tab, XK.XK_F4]
KEYSYMS += [XK.XK_Shift_L, XK.XK_Control_R, XK.XK_ISO_Level3_Shift, 0x100_6771, 0x1234_5678, 0, 0x2B]


@st.composite
def event_streams(draw: st.DrawFn) -> list[InputEvent]:
    """Arbitrary, even nonsensical, input: any order of any events."""
    t_ns, events = 0, []
    for _ in range(draw(st.integers(0, 60))):
        t_ns += draw(st.integers(0, 800)) * MS
        kind = draw(st.sampled_from(list(EventType)))
        keysym = draw(st.sampled_from(KEYSYMS))
        event = InputEvent(
            t_ns,
            kind,
            x=draw(st.integers(0, 40)),
            y=draw(st.integers(0, 40)),
            button=draw(st.integers(0, 8)),
            keycode=_keycode(keysym),
            keysym=keysym,
            char=draw(st.one_of(st.just(keysym_char(keysym) or ""), st.characters(max_codepoint=0x3000))),
            modifiers=tuple(draw(st.lists(st.sampled_from(["shift", "ctrl", "alt", "super"]), unique=True))),
            window=WindowInfo(id=draw(st.integers(0, 3))),
            secret=draw(st.booleans()),
        )
        if event.secret:
            event = InputEvent(t_ns, kind, event.x, event.y, event.button, secret=True)
        events.append(event)
    return events


@given(event_streams())
def test_any_input_merges_into_valid_ordered_serializable_actions(events: list[InputEvent]) -> None:
    merged = merge_events(events)
    starts = [r.t_start_ns for r in merged]
    assert starts == sorted(starts)
    for recorded in merged:
        assert recorded.t_start_ns <= recorded.t_end_ns
        assert from_dict(to_dict(recorded.action)) == recorded.action
        if isinstance(recorded.action, KeyPress):
            parse_combo(recorded.action.combo)


def test_a_whole_session_round_trips_through_dicts() -> None:
    s = Stream()
    s.click(40, 60)
    s.click(40, 60)
    s.type("Dear Ada,")
    s.press("Return")
    s.secret(2)
    s.wheel(100, 100, 5)
    s.down(0, 0)
    s.move(50, 50)
    s.up(90, 90)
    s.chord("ctrl", "shift", keysym=char_keysym("S"))
    merged = merge_events(s.events)
    assert len(merged) == 7
    assert [from_dict(to_dict(r.action)) for r in merged] == [r.action for r in merged]
