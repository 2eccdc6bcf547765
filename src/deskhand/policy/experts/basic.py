"""Experts for the click, select, type and navigate tasks of the dev suite."""

from __future__ import annotations

import re
from typing import Any

from deskhand.policy.base import Kind, PolicyAction
from deskhand.policy.experts.dom import (
    Dom,
    Expert,
    box,
    click,
    find,
    norm,
    nth,
    quoted,
    submit_buttons,
    text_is,
    visible,
)


def click_by_text(tags: tuple[str, ...]) -> Expert:
    """Click the first element of these tags whose text is the quoted word."""

    def expert(utterance: str, dom: Dom, step: int) -> PolicyAction | None:
        target = quoted(utterance)[0]
        hits = find(dom, lambda el: el["tag"] in tags and text_is(target)(el))
        return nth([click(hits[0])] if hits else [], step)

    return expert


def click_dialog_2(utterance: str, dom: Dom, step: int) -> PolicyAction | None:
    target = quoted(utterance)[0]
    if target.lower() == "x":
        hits = find(dom, lambda el: "ui-dialog-titlebar-close" in el["classes"])
    else:
        hits = find(dom, lambda el: el["tag"] == "button" and text_is(target)(el))
    return nth([click(hits[0])] if hits else [], step)


def _labelled_inputs(dom: Dom, kind: str, names: list[str]) -> list[PolicyAction]:
    by_parent = {el["parent"]: el for el in dom if el["tag"] == kind}
    out = []
    for name in names:
        for el in dom:
            if el["tag"] == "t" and norm(str(el["text"])) == norm(name) and el["parent"] in by_parent:
                out.append(click(by_parent[el["parent"]]))
                break
    return out


def select_and_submit(kind: str) -> Expert:
    """click-option / click-checkboxes: tick the named boxes, then Submit."""

    def expert(utterance: str, dom: Dom, step: int) -> PolicyAction | None:
        match = re.search(r"Select (.*) and click Submit", utterance)
        names = [] if match is None or match.group(1) == "nothing" else match.group(1).split(", ")
        plan = _labelled_inputs(dom, kind, names) + [click(b) for b in submit_buttons(dom)[:1]]
        return nth(plan, step)

    return expert


def click_widget(utterance: str, dom: Dom, step: int) -> PolicyAction | None:
    kind = quoted(utterance)[0]
    tag = {"textarea": "textarea", "button": "button"}.get(kind, f"input_{kind}")
    hits = find(dom, lambda el: el["tag"] == tag)
    return nth([click(hits[0])] if hits else [], step)


def focus_text_2(utterance: str, dom: Dom, step: int) -> PolicyAction | None:
    match = re.search(r"(\d+)", utterance)
    inputs = find(dom, lambda el: el["tag"] == "input_text")
    index = int(match.group(1)) - 1 if match else 0
    return nth([click(inputs[index])] if index < len(inputs) else [], step)


def fill_and_submit(utterance: str, dom: Dom, step: int) -> PolicyAction | None:
    """enter-text, enter-password, login-user: each field gets its quoted value, then the button."""
    values = quoted(utterance)
    fields = find(dom, lambda el: el["tag"] in ("input_text", "input_password"))
    if len(values) == 1:
        values = values * len(fields)
    plan: list[PolicyAction] = []
    for field, value in zip(fields, values, strict=False):
        plan += [click(field), PolicyAction(Kind.TYPE, text=value)]
    buttons = find(dom, lambda el: el["tag"] == "button")
    return nth([*plan, click(buttons[-1])] if buttons else plan, step)


def find_link_in_sections(header_tag: str) -> Expert:
    """click-tab-2 / click-collapsible-2: click the link if shown, else open the next section."""

    def expert(utterance: str, dom: Dom, step: int) -> PolicyAction | None:
        target = quoted(utterance)[0]
        links = find(dom, lambda el: el["tag"] == "span" and text_is(target)(el))
        if links:
            return click(links[0])
        headers = find(dom, lambda el: el["tag"] == header_tag and "#" in str(el["text"]))
        return click(headers[step]) if step < len(headers) else None

    return expert


def _sliding(dom: Dom) -> bool:
    """Whether a section is still sliding: its text reaches past its own bottom edge."""
    for section in dom:
        if "ui-accordion-content" in str(section["classes"]).split():
            bottom = box(section)[1] + box(section)[3]
            if any(box(el)[1] + box(el)[3] > bottom + 1 for el in dom if el["parent"] == section["ref"]):
                return True
    return False


def click_collapsible_2(utterance: str, dom: Dom, step: int) -> PolicyAction | None:
    """Open the section after the open one until the link shows, then click it.

    A closed section's links are not in the DOM; while a section slides open its links may
    still lie below the task area, so wait (a pointer move) until they are in view.
    """
    target = quoted(utterance)[0]
    if _sliding(dom):
        return PolicyAction(Kind.MOVE, x=80, y=30)
    links = [el for el in dom if el["tag"] == "span" and text_is(target)(el)]
    shown = [el for el in links if visible(el) and box(el)[1] + box(el)[3] <= 210]
    if shown:
        return click(shown[0])
    headers = find(dom, lambda el: el["tag"] == "h3")
    if links or not headers:
        return PolicyAction(Kind.MOVE, x=80, y=30) if links else None
    active = [i for i, h in enumerate(headers) if "ui-accordion-header-active" in str(h["classes"]).split()]
    return click(headers[(active[0] + 1) % len(headers) if active else 0])


def use_spinner(utterance: str, dom: Dom, step: int) -> PolicyAction | None:
    """The spinner refuses typing: click its up or down arrow as often as the number says, then Submit."""
    match = re.search(r"Select (-?\d+) with", utterance)
    if match is None:
        return None
    value = int(match.group(1))
    side = "ui-spinner-up" if value > 0 else "ui-spinner-down"
    arrows = find(dom, lambda el: side in str(el["classes"]).split())
    plan = [click(arrows[0])] * abs(value) if arrows else []
    return nth(plan + [click(b) for b in submit_buttons(dom)[:1]], step)


def choose_list(utterance: str, dom: Dom, step: int) -> PolicyAction | None:
    """A closed <select> picks the option whose name is typed; Enter closes its popup."""
    match = re.search(r"Select (.+) from the list", utterance)
    lists = find(dom, lambda el: el["tag"] == "select")
    buttons = find(dom, lambda el: el["tag"] == "button")
    if match is None or not lists or not buttons:
        return None
    plan = [
        click(lists[0]),
        PolicyAction(Kind.TYPE, text=match.group(1)),
        PolicyAction(Kind.KEY, key="<Enter>"),
    ]
    return nth([*plan, click(buttons[0])], step)


_MOVIE_FIELDS = {
    "genre": r"for (.+?) movies",
    "director": r"directed by (.+?) from",
    "year": r"year (\d+)",
    "date": r"year (\d+)",
}
_SUBMITS = frozenset({"search", "submit", "go"})


def _field_of(el: dict[str, Any], dom: Dom) -> str | None:
    """The movie field an input is for: the one label in the smallest box around it."""
    by_ref = {e["ref"]: e for e in dom}
    ref = el["parent"]
    while ref in by_ref:
        inside = _descendants(ref, dom)
        fields = {
            f for e in inside for f in _MOVIE_FIELDS if f in norm(str(e["text"])) and e["tag"] != "input_text"
        }
        if fields:
            return fields.pop() if len(fields) == 1 else None
        ref = by_ref[ref]["parent"]
    return None


def _descendants(ref: int, dom: Dom) -> list[dict[str, Any]]:
    refs, out = {ref}, []
    for e in dom:  # a parent comes before its children in miniwob's DOM list
        if e["parent"] in refs:
            refs.add(e["ref"])
            out.append(e)
    return out


def multi_layouts(utterance: str, dom: Dom, step: int) -> PolicyAction | None:
    """Each input is named by the label nearest it, whatever the layout; fill it, then submit."""
    plan: list[PolicyAction] = []
    for field in find(dom, lambda el: el["tag"] == "input_text"):
        name = _field_of(field, dom)
        match = re.search(_MOVIE_FIELDS[name], utterance) if name else None
        if match:
            plan += [click(field), PolicyAction(Kind.TYPE, text=match.group(1))]
    submit = find(dom, lambda el: norm(str(el["text"])) in _SUBMITS and el["tag"] not in ("th", "label"))
    return nth(plan + [click(b) for b in submit[-1:]], step)


def use_autocomplete(utterance: str, dom: Dom, step: int) -> PolicyAction | None:
    """Type the start, wait for the suggestions, pick the one with the right end, then Submit."""
    parts = quoted(utterance)
    start, end = parts[0], parts[1] if len(parts) > 1 and "ends with" in utterance else ""
    fields = find(dom, lambda el: el["tag"] == "input_text")
    if not fields:
        return None
    value = str(fields[0]["value"])
    items = find(
        dom,
        lambda el: (
            "ui-menu-item-wrapper" in str(el["classes"])
            and str(el["text"]).lower().startswith(start.lower())
            and str(el["text"]).lower().endswith(end.lower())
        ),
    )
    if step == 0:
        return click(fields[0])
    if not value:
        return PolicyAction(Kind.TYPE, text=start)
    if items:
        return click(items[0])
    if value.lower() != start.lower():
        return nth([click(b) for b in submit_buttons(dom)[:1]], 0)
    left, top, width, height = box(fields[0])
    return PolicyAction(Kind.MOVE, x=left + width / 2, y=top + height / 2)  # the menu has not shown yet


def scroll_text_2(utterance: str, dom: Dom, step: int) -> PolicyAction | None:
    """Wheel over the textarea towards the asked end, enough times for any text, then Submit."""
    areas = find(dom, lambda el: el["tag"] == "textarea")
    if not areas:
        return None
    kind = Kind.SCROLL_DOWN if "bottom" in utterance else Kind.SCROLL_UP
    left, top, width, height = box(areas[0])
    wheel = PolicyAction(kind, x=left + width / 2, y=top + height / 2)
    return nth([wheel] * 6 + [click(b) for b in submit_buttons(dom)[:1]], step)


def navigate_tree(utterance: str, dom: Dom, step: int) -> PolicyAction | None:
    """Open the closed folders above the named item, outermost first, then click the item.

    Items inside a closed folder are not in the DOM at all; then, as a person would, open the
    first closed folder on screen and look again.
    """
    target = quoted(utterance)[0]
    shown = find(dom, lambda el: el["tag"] == "span" and text_is(target)(el))
    if shown:
        return click(shown[0])
    by_ref = {el["ref"]: el for el in dom}
    hidden = [el for el in dom if el["tag"] == "span" and text_is(target)(el)]
    if not hidden:
        closed = {el["ref"] for el in find(dom, lambda el: "expandable" in str(el["classes"]).split())}
        folders = find(dom, lambda el: el["tag"] == "span" and el["parent"] in closed)
        return click(folders[0]) if folders else None
    chain, ref = [], hidden[0]["parent"]
    while ref in by_ref:
        chain.append(by_ref[ref])
        ref = by_ref[ref]["parent"]
    for li in reversed(chain):
        if li["tag"] == "li" and "expandable" in str(li["classes"]).split():
            hits = [el for el in dom if el["parent"] == li["ref"] and el["tag"] == "span" and visible(el)]
            if hits:
                return click(hits[0])
    return None


BASIC: dict[str, Expert] = {
    "click-button": click_by_text(("button",)),
    "click-link": click_by_text(("span",)),
    "click-dialog-2": click_dialog_2,
    "click-option": select_and_submit("input_radio"),
    "click-checkboxes": select_and_submit("input_checkbox"),
    "click-widget": click_widget,
    "focus-text-2": focus_text_2,
    "enter-text": fill_and_submit,
    "enter-password": fill_and_submit,
    "login-user": fill_and_submit,
    "click-tab-2": find_link_in_sections("a"),
    "click-collapsible-2": click_collapsible_2,
    "use-spinner": use_spinner,
    "choose-list": choose_list,
    "multi-layouts": multi_layouts,
    "use-autocomplete": use_autocomplete,
    "navigate-tree": navigate_tree,
    "scroll-text-2": scroll_text_2,
}
