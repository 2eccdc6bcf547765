"""Experts for the pointer tasks: clicking shapes, dragging boxes and list items, a slider, a multi-select.

A drag is two actions, MOUSEDOWN on the thing and MOUSEUP at the destination (miniwob's MOUSEUP
moves the pointer there first, and jQuery UI sees that move as the drag). Nothing on screen
changes on MOUSEDOWN alone, so the drag experts keep the pair aligned by step parity; both halves
are harmless when repeated, a press while pressed or a release while released does nothing.
"""

from __future__ import annotations

import re
from typing import Any

from deskhand.policy.base import Kind, PolicyAction
from deskhand.policy.experts.dom import Dom, Expert, box, click, find, submit_buttons, visible
from deskhand.policy.features import next_sort_move

El = dict[str, Any]


def _center(el: El) -> tuple[float, float]:
    left, top, width, height = box(el)
    return left + width / 2, top + height / 2


def _at(kind: Kind, el: El, dy: float = 0.5) -> PolicyAction:
    """A pointer action at the horizontal middle of an element, `dy` of the way down it."""
    left, top, width, height = box(el)
    return PolicyAction(kind, x=left + width / 2, y=top + height * dy)


def _submit(dom: Dom) -> PolicyAction | None:
    buttons = submit_buttons(dom) or find(dom, lambda el: el["tag"] == "button")
    return click(buttons[0]) if buttons else None


def _drag(step: int, source: PolicyAction, dest: PolicyAction) -> PolicyAction:
    """Even steps press on the source, odd steps release at the destination."""
    return source if step % 2 == 0 else dest


# click-shape ----------------------------------------------------------------------------------

_SHAPE_TAGS = {"circle": "circle", "rect": "rectangle", "polygon": "triangle"}
_SIZES = ("large", "small")
_COLORS = ("red", "green", "blue", "aqua", "black", "magenta", "yellow")


def shape_traits(el: El) -> tuple[str, str, str] | None:
    """(size, type, text) of a click-shape item: type is letter, digit or shape; None if not one."""
    _, _, width, height = box(el)
    size = "large" if max(width, height) > 15 else "small"
    if el["tag"] in _SHAPE_TAGS:
        return size, "shape", _SHAPE_TAGS[el["tag"]]
    text = str(el["text"])
    if el["tag"] == "text" and len(text) == 1:
        return size, "digit" if text.isdigit() else "letter", text
    return None


def click_shape(utterance: str, dom: Dom, step: int) -> PolicyAction | None:
    """Click the first item matching the description.

    MiniWoB's DOM has no SVG fill, so colour is only checked when an element carries a "fill" key;
    without it a colour in the description leaves a guess among the items that match the rest.
    """
    match = re.search(r"Click on an? (.+?)\s*$", utterance)
    if match is None or step > 0:
        return None
    words = match.group(1).split()
    size = words.pop(0) if words and words[0] in _SIZES else ""
    color = words.pop(0) if words and words[0] in _COLORS else ""
    what = " ".join(words)
    for el in find(dom, lambda el: el["tag"] in ("text", *_SHAPE_TAGS)):
        traits = shape_traits(el)
        if traits is None or (size and traits[0] != size) or (color and el.get("fill", color) != color):
            continue
        if what == "item" or what in traits[1:]:
            return click(el)
    return None


# click-scroll-list ----------------------------------------------------------------------------


def scroll_list_plan(utterance: str, dom: Dom) -> list[PolicyAction]:
    """Select the first name (a click when it shows, else type it), walk to the second, toggle it.

    Ctrl+ArrowDown moves the list's focus without touching the selection and Ctrl+Space adds the
    focused option to it; the names go top to bottom so only downward moves are needed.
    """
    match = re.search(r"Select (.+) from the scroll list", utterance)
    lists = find(dom, lambda el: el["tag"] == "select")
    if match is None or not lists:
        return []
    options = [el for el in dom if el["tag"] == "option" and el["parent"] == lists[0]["ref"]]
    texts = [str(el["text"]) for el in options]
    wanted = sorted({texts.index(name) for name in match.group(1).split(", ") if name in texts})
    if not wanted or len(wanted) != len(match.group(1).split(", ")):
        return []
    first = wanted[0]
    _, list_top, _, list_height = box(lists[0])
    row = box(options[0])[3]

    def row_click(index: int) -> PolicyAction:  # where the option is before the list ever scrolls
        return PolicyAction(Kind.CLICK, x=_center(options[0])[0], y=list_top + 1 + row * (index + 0.5))

    if first < (list_height - 2) // row:
        plan = [row_click(first)]
    elif any(t.lower().startswith(texts[first].lower()) for t in texts[:first]):
        plan = [row_click(0)] + [PolicyAction(Kind.KEY, key="<ArrowDown>")] * first
    else:
        plan = [row_click(0), PolicyAction(Kind.TYPE, text=texts[first])]
    for second in wanted[1:]:
        plan += [PolicyAction(Kind.KEY, key="C-<ArrowDown>")] * (second - first)
        plan.append(PolicyAction(Kind.KEY, key="C-<Space>"))
    submit = _submit(dom)
    return plan + ([submit] if submit else [])


def click_scroll_list(utterance: str, dom: Dom, step: int) -> PolicyAction | None:
    plan = scroll_list_plan(utterance, dom)
    return plan[step] if step < len(plan) else None


# drag-box -------------------------------------------------------------------------------------


def small_inside_large(small: El, large: El) -> bool:
    """The task's test: the small box's corner lies strictly within 30 px right of and below the large's."""
    dx, dy = box(small)[0] - box(large)[0], box(small)[1] - box(large)[1]
    return 1 <= dx <= 29 and 1 <= dy <= 29


def drag_box(utterance: str, dom: Dom, step: int) -> PolicyAction | None:
    """Press on the small box, release at the large box's middle, Submit once it sits inside."""
    small = [el for el in dom if el["id"] == "draggableSmall"]
    large = [el for el in dom if el["id"] == "draggableLarge"]
    if not small or not large:
        return None
    if step % 2 == 0 and small_inside_large(small[0], large[0]):
        return _submit(dom)
    return _drag(step, _at(Kind.MOUSEDOWN, small[0]), _at(Kind.MOUSEUP, large[0]))


# drag-items, drag-sort-numbers -----------------------------------------------------------------


def _list_items(dom: Dom) -> list[tuple[El, str]]:
    """(li, its text) of the sortable list, top to bottom."""
    lists = {el["ref"] for el in dom if el["id"] == "sortable"}
    lis = [el for el in dom if el["tag"] == "li" and el["parent"] in lists]
    lis.sort(key=lambda el: box(el)[1])
    texts = {el["parent"]: str(el["text"]) for el in dom if el["tag"] == "div"}
    return [(li, texts.get(li["ref"], "")) for li in lis if visible(li)]


def _drop_on(items: list[tuple[El, str]], source: int, dest: int) -> PolicyAction:
    """Release over item `dest`, past its middle in the direction of travel, so sortable swaps it."""
    return _at(Kind.MOUSEUP, items[dest][0], 0.8 if dest > source else 0.2)


def target_position(utterance: str, names: list[str]) -> tuple[int, int] | None:
    """(from, to) 0-based positions of 'Drag NAME to the top / bottom / 3rd position / up by one ...'."""
    match = re.search(r"Drag (.+?) (to the|up by|down by) (.+)\.", utterance)
    if match is None or match.group(1) not in names:
        return None
    source, where = names.index(match.group(1)), match.group(2) + " " + match.group(3)
    moves = {
        "to the top": 0,
        "to the bottom": len(names) - 1,
        "up by one position": source - 1,
        "down by one position": source + 1,
    }
    nth = re.fullmatch(r"to the (\d+)(st|nd|rd|th) position", where)
    dest = int(nth.group(1)) - 1 if nth else moves.get(where)
    return None if dest is None or not 0 <= dest < len(names) else (source, dest)


def drag_items(utterance: str, dom: Dom, step: int) -> PolicyAction | None:
    items = _list_items(dom)
    move = target_position(utterance, [text for _, text in items])
    if move is None or step > 1:
        return None
    source, dest = move
    return _drag(step, _at(Kind.MOUSEDOWN, items[source][0]), _drop_on(items, source, dest))


def drag_sort_numbers(utterance: str, dom: Dom, step: int) -> PolicyAction | None:
    items = _list_items(dom)
    try:
        numbers = [int(text) for _, text in items]
    except ValueError:
        return None
    move = next_sort_move(numbers)
    if move is None:
        return _submit(dom)
    source, dest = move
    return _drag(step, _at(Kind.MOUSEDOWN, items[source][0]), _drop_on(items, source, dest))


# use-slider -----------------------------------------------------------------------------------

_SLIDER_MINS = (-100, 0, 10, 100)  # the task draws min from these and max = min + one of the spans
_SLIDER_SPANS = (5, 10, 50, 100)


def slider_ranges(value: int, fraction: float, target: int, tolerance: float) -> list[tuple[int, int]]:
    """The task's (min, max) ranges that put `value` at `fraction` of the track and contain `target`.

    >>> slider_ranges(-97, 0.6, -98, 0.02)
    [(-100, -95)]
    """
    return [
        (low, low + span)
        for low in _SLIDER_MINS
        for span in _SLIDER_SPANS
        if low <= min(value, target)
        and max(value, target) <= low + span
        and abs(low + fraction * span - value) <= 0.5 + tolerance * span
    ]


def use_slider(utterance: str, dom: Dom, step: int) -> PolicyAction | None:
    """Click the track where the asked value lies, nudge with arrow keys, then Submit.

    The range is never shown, but the handle's place and the shown value pin it among the task's
    few possible ranges. Close to the target, or with the target under the handle, the focused
    handle steps one value per ArrowUp (more) or ArrowDown (less).
    """
    match = re.search(r"Select (-?\d+) with the slider", utterance)
    sliders = [el for el in dom if el["id"] == "slider"]
    handles = [el for el in dom if "ui-slider-handle" in str(el["classes"]).split()]
    shown = [str(el["text"]) for el in dom if el["id"] == "val"]
    if match is None or not sliders or not handles or not shown or not re.fullmatch(r"-?\d+", shown[0]):
        return None
    target, value = int(match.group(1)), int(shown[0])
    if value == target:
        return _submit(dom)
    left, top, width, height = box(sliders[0])
    hx, hy = _center(handles[0])
    vertical = height > width
    if vertical:
        fraction, length = 1 - (hy - top) / (height - 2), height
    else:
        fraction, length = (hx - left - 2) / (width - 2), width
    ranges = slider_ranges(value, fraction, target, 1.5 / (length - 2))
    if ranges and abs(value - target) > 2:
        low, high = ranges[0]
        at = (target - low) / (high - low)
        if vertical:
            x, y = hx, _inside(top + (1 - at) * height, top, height)
        else:
            x, y = _inside(left + at * width, left, width), hy
        if abs((y - hy) if vertical else (x - hx)) > 8:  # clear of the handle, which would swallow it
            return PolicyAction(Kind.CLICK, x=x, y=y)
    if not _focused(handles[0]):
        return PolicyAction(Kind.CLICK, x=hx, y=hy)
    return PolicyAction(Kind.KEY, key="<ArrowUp>" if target > value else "<ArrowDown>")


def _inside(at: float, start: float, length: float) -> float:
    """A point of the track, one pixel in from its ends: a click on the very edge misses it."""
    return min(max(at, start + 1), start + length - 1)


def _focused(el: El) -> bool:
    flags = el.get("flags")
    return bool(flags is not None and len(flags) and flags[0]) or "ui-state-focus" in str(el["classes"])


POINTER: dict[str, Expert] = {
    "click-shape": click_shape,
    "click-scroll-list": click_scroll_list,
    "drag-box": drag_box,
    "drag-items": drag_items,
    "drag-sort-numbers": drag_sort_numbers,
    "use-slider": use_slider,
}
