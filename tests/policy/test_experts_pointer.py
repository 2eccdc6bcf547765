"""Pointer-task experts on synthetic DOMs: what they click, drag and press, without a browser."""

from __future__ import annotations

from deskhand.policy.base import Kind, PolicyAction
from deskhand.policy.experts import EXPERTS
from deskhand.policy.experts.pointer import (
    POINTER,
    drag_box,
    drag_items,
    drag_sort_numbers,
    scroll_list_plan,
    slider_ranges,
    small_inside_large,
    target_position,
    use_slider,
)


def el(
    ref: int, tag: str, box: tuple[float, float, float, float], text: str = "", parent: int = 3, **kw
) -> dict:
    left, top, width, height = box
    return {"ref": ref, "parent": parent, "tag": tag, "text": text, "left": left, "top": top, "width": width,
            "height": height, "id": kw.pop("id", ""), "classes": kw.pop("classes", ""), **kw}  # fmt: skip


SUBMIT = el(99, "button", (2, 170, 100, 30), "Submit", id="subbtn")


def test_every_pointer_task_is_registered():
    assert set(POINTER) <= set(EXPERTS)


# click-shape


def test_shape_expert_clicks_the_item_of_the_asked_size_and_kind():
    dom = [
        el(5, "text", (20, 60, 6, 11), "7", parent=4),  # small digit
        el(6, "text", (40, 60, 12, 24), "k", parent=4),  # large letter
        el(7, "text", (60, 100, 12, 24), "3", parent=4),  # large digit
    ]
    assert POINTER["click-shape"]("Click on a large digit", dom, 0) == PolicyAction(Kind.CLICK, x=66, y=112)


def test_shape_expert_tells_letters_apart_by_case_and_shapes_by_tag():
    dom = [
        el(5, "text", (20, 60, 12, 24), "Q", parent=4),
        el(6, "text", (40, 60, 12, 24), "q", parent=4),
        el(7, "rect", (80, 60, 20, 20), parent=4),
        el(8, "polygon", (100, 60, 10, 10), parent=4),
    ]
    shape = POINTER["click-shape"]
    assert shape("Click on a q", dom, 0) == PolicyAction(Kind.CLICK, x=46, y=72)
    assert shape("Click on a small triangle", dom, 0) == PolicyAction(Kind.CLICK, x=105, y=65)
    assert shape("Click on a circle", dom, 0) is None


def test_shape_expert_checks_colour_only_where_the_dom_gives_a_fill():
    dom = [
        el(5, "circle", (20, 60, 20, 20), parent=4, fill="blue"),
        el(6, "circle", (60, 60, 20, 20), parent=4, fill="red"),
    ]
    assert POINTER["click-shape"]("Click on a red circle", dom, 0) == PolicyAction(Kind.CLICK, x=70, y=70)
    unfilled = [{k: v for k, v in e.items() if k != "fill"} for e in dom]
    assert POINTER["click-shape"]("Click on a red circle", unfilled, 0) == PolicyAction(
        Kind.CLICK, x=30, y=70
    )


# click-scroll-list


def scroll_list(names: list[str], scrolled: float = 0) -> list[dict]:
    """A 90 px tall multi-select (5 rows of 17 px shown) with its options, scrolled by `scrolled` px."""
    options = [
        el(5 + i, "option", (3, 58 + 17 * i - scrolled, 133, 17), name, parent=4)
        for i, name in enumerate(names)
    ]
    return [el(4, "select", (2, 57, 150, 90), id="options"), *options, SUBMIT]


NAMES = ["Aurora", "Bernelle", "Janeczka", "Emlynn", "Lorri", "Bobine", "Jyoti", "Christal", "Maritsa"]


def test_scroll_list_clicks_a_shown_name_then_submits():
    plan = scroll_list_plan("Select Emlynn from the scroll list and click Submit.", scroll_list(NAMES))
    assert plan == [PolicyAction(Kind.CLICK, x=69.5, y=58 + 17 * 3.5), PolicyAction(Kind.CLICK, x=52, y=185)]


def test_scroll_list_adds_the_lower_name_with_ctrl_arrows_and_ctrl_space():
    plan = scroll_list_plan(
        "Select Christal, Bernelle from the scroll list and click Submit.", scroll_list(NAMES)
    )
    down, toggle = PolicyAction(Kind.KEY, key="C-<ArrowDown>"), PolicyAction(Kind.KEY, key="C-<Space>")
    assert plan[0] == PolicyAction(Kind.CLICK, x=69.5, y=58 + 17 * 1.5)  # Bernelle is higher up
    assert plan[1:] == [down] * 6 + [toggle, PolicyAction(Kind.CLICK, x=52, y=185)]


def test_scroll_list_types_a_name_below_the_fold_after_focusing_the_list():
    plan = scroll_list_plan("Select Christal from the scroll list and click Submit.", scroll_list(NAMES))
    assert plan[0].kind is Kind.CLICK and plan[0].y < 57 + 90
    assert plan[1] == PolicyAction(Kind.TYPE, text="Christal")


def test_scroll_list_walks_with_arrows_when_typing_would_match_an_earlier_name():
    names = ["Bea", "Cy", "Di", "Ed", "Joan", "Jo"]  # typing "Jo" would pick Joan
    plan = scroll_list_plan("Select Jo from the scroll list and click Submit.", scroll_list(names))
    assert plan[1:] == [PolicyAction(Kind.KEY, key="<ArrowDown>")] * 5 + [
        PolicyAction(Kind.CLICK, x=52, y=185)
    ]


def test_scroll_list_plan_is_the_same_after_the_list_scrolls():
    """The plan is indexed by step, so it must not depend on how far the list has scrolled since."""
    utterance = "Select Maritsa, Jyoti from the scroll list and click Submit."
    assert scroll_list_plan(utterance, scroll_list(NAMES, 60)) == scroll_list_plan(
        utterance, scroll_list(NAMES)
    )


def test_scroll_list_gives_up_on_a_name_not_in_the_list():
    assert (
        scroll_list_plan("Select Zed, Aurora from the scroll list and click Submit.", scroll_list(NAMES))
        == []
    )


# drag-box


def boxes(small_at: tuple[float, float], large_at: tuple[float, float]) -> list[dict]:
    return [
        el(5, "div", (*small_at, 28, 28), "s", parent=4, id="draggableSmall"),
        el(6, "div", (*large_at, 58, 58), "L", parent=4, id="draggableLarge"),
        SUBMIT,
    ]


def test_drag_box_presses_on_the_small_box_and_releases_on_the_large_ones_middle():
    dom = boxes((29, 65), (62, 75))
    assert drag_box("", dom, 0) == PolicyAction(Kind.MOUSEDOWN, x=43, y=79)
    assert drag_box("", dom, 1) == PolicyAction(Kind.MOUSEUP, x=91, y=104)


def test_drag_box_submits_once_the_small_box_is_inside():
    assert drag_box("", boxes((77, 90), (62, 75)), 2) == PolicyAction(Kind.CLICK, x=52, y=185)


def test_small_box_at_the_large_boxs_corner_is_not_inside():
    assert small_inside_large(boxes((77, 90), (62, 75))[0], boxes((77, 90), (62, 75))[1])
    assert not small_inside_large(boxes((62, 90), (62, 75))[0], boxes((62, 90), (62, 75))[1])
    assert not small_inside_large(boxes((92, 90), (62, 75))[0], boxes((92, 90), (62, 75))[1])


# drag-items, drag-sort-numbers


def sortable(texts: list[str]) -> list[dict]:
    dom = [el(4, "ul", (7, 57, 140, 140), id="sortable")]
    for i, text in enumerate(texts):
        li = 10 + 2 * i
        dom += [
            el(li, "li", (10, 57 + 28.6 * i, 134, 25.6), parent=4),
            el(li + 1, "div", (27, 62 + 28.6 * i, 112, 14), text, parent=li),
        ]
    return [*dom, SUBMIT]


def test_drag_target_reads_every_way_the_task_names_a_position():
    names = ["Willa", "Gerda", "Alvera", "Marcille", "Terza"]
    assert target_position("Drag Gerda to the 3rd position.", names) == (1, 2)
    assert target_position("Drag Gerda to the top.", names) == (1, 0)
    assert target_position("Drag Gerda to the bottom.", names) == (1, 4)
    assert target_position("Drag Gerda up by one position.", names) == (1, 0)
    assert target_position("Drag Gerda down by one position.", names) == (1, 2)
    assert target_position("Drag Nobody to the top.", names) is None


def test_drag_items_releases_past_the_middle_of_the_destination_in_the_direction_of_travel():
    dom = sortable(["Willa", "Gerda", "Alvera", "Marcille", "Terza"])
    assert drag_items("Drag Gerda to the 4th position.", dom, 0) == PolicyAction(
        Kind.MOUSEDOWN, x=77, y=57 + 28.6 + 12.8
    )
    down = drag_items("Drag Gerda to the 4th position.", dom, 1)
    up = drag_items("Drag Terza to the top.", dom, 1)
    assert down is not None and down.kind is Kind.MOUSEUP and down.y > 57 + 28.6 * 3 + 12.8
    assert up is not None and up.kind is Kind.MOUSEUP and up.y < 57 + 12.8
    assert drag_items("Drag Gerda to the 4th position.", dom, 2) is None  # the drop ends the episode


def test_drag_sort_numbers_drags_then_submits_when_sorted():
    unsorted = sortable(["5", "-57", "22"])
    assert drag_sort_numbers("", unsorted, 0) == PolicyAction(Kind.MOUSEDOWN, x=77, y=57 + 28.6 + 12.8)
    release = drag_sort_numbers("", unsorted, 1)
    assert release is not None and release.kind is Kind.MOUSEUP and release.y < 57 + 12.8
    assert drag_sort_numbers("", sortable(["-57", "5", "22"]), 2) == PolicyAction(Kind.CLICK, x=52, y=185)


# use-slider


def slider(value: int, fraction: float, focused: bool = False) -> list[dict]:
    """A horizontal 72 px slider with its 14 px handle drawn at `fraction` of the track."""
    handle_x = 10 + 2 + fraction * 70 - 7
    handle = el(5, "span", (handle_x, 62, 14, 14), parent=4, classes="ui-slider-handle ui-state-default")
    handle["flags"] = [int(focused), 0, 0, 1]
    return [el(4, "div", (10, 64, 72, 10), id="slider", classes="ui-slider-horizontal"), handle,
            el(6, "div", (90, 70, 16, 11), str(value), id="val"), SUBMIT]  # fmt: skip


def test_slider_ranges_pin_the_range_from_the_handle_and_the_value():
    assert slider_ranges(16, 0.32, 0, 0.02) == [(0, 50)]
    assert slider_ranges(105, 0.95, 47, 0.02) == [(10, 110)]


def test_slider_clicks_the_track_where_the_target_lies():
    action = use_slider("Select 40 with the slider and hit Submit.", slider(16, 0.32), 0)
    assert action == PolicyAction(Kind.CLICK, x=10 + 0.8 * 72, y=69)


def test_slider_clicks_just_inside_the_track_for_its_end_value():
    """A click on the track's very edge lands outside it and changes nothing."""
    action = use_slider("Select 50 with the slider and hit Submit.", slider(16, 0.32), 0)
    assert action == PolicyAction(Kind.CLICK, x=10 + 72 - 1, y=69)


def test_slider_nudges_with_arrows_near_the_target_once_the_handle_has_focus():
    utterance = "Select 18 with the slider and hit Submit."
    assert use_slider(utterance, slider(16, 0.32, focused=True), 0) == PolicyAction(Kind.KEY, key="<ArrowUp>")
    unfocused = use_slider(utterance, slider(16, 0.32), 0)
    assert (
        unfocused is not None and unfocused.kind is Kind.CLICK and abs(unfocused.x - (12 + 0.32 * 70)) < 1e-6
    )


def test_slider_submits_when_the_value_is_reached():
    assert use_slider("Select 16 with the slider and hit Submit.", slider(16, 0.32), 0) == PolicyAction(
        Kind.CLICK, x=52, y=185
    )
