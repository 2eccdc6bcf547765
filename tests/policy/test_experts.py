"""Scripted experts read the DOM only to make demonstrations; their output is pixels-only actions."""

from __future__ import annotations

from deskhand.policy.base import Kind, PolicyAction
from deskhand.policy.demos import label
from deskhand.policy.experts import EXPERTS, fill_and_submit


def el(ref: int, tag: str, left: float, top: float, text: str = "", parent: int = 3, **kw: str) -> dict:
    return {"ref": ref, "parent": parent, "tag": tag, "text": text, "left": left, "top": top,
            "width": 40.0, "height": 20.0, "id": kw.get("id", ""), "classes": kw.get("classes", "")}  # fmt: skip


LOGIN = [
    el(7, "input_text", 7, 78),
    el(10, "input_password", 7, 130),
    el(11, "button", 2, 166, "Login", id="subbtn"),
]


def test_login_expert_fills_each_field_with_its_value_then_clicks_the_button():
    utterance = 'Enter the username "kim" and the password "x1" into the text fields and press login.'
    steps = [fill_and_submit(utterance, LOGIN, i) for i in range(6)]
    assert steps[0] == PolicyAction(Kind.CLICK, x=27, y=88)
    assert steps[1] == PolicyAction(Kind.TYPE, text="kim")
    assert steps[3] == PolicyAction(Kind.TYPE, text="x1")
    assert steps[4] == PolicyAction(Kind.CLICK, x=22, y=176)
    assert steps[5] is None


def test_button_expert_clicks_the_button_named_in_quotes_not_a_lookalike():
    dom = [el(4, "button", 2, 52, "no"), el(7, "button", 2, 84, "Okay"), el(8, "button", 2, 105, "okay")]
    action = EXPERTS["click-button"]('Click on the "Okay" button.', dom, 0)
    assert action == PolicyAction(Kind.CLICK, x=22, y=94)


def test_hidden_elements_are_never_clicked():
    dom = [el(4, "button", -5000, 52, "Ok")]
    assert EXPERTS["click-button"]('Click on the "Ok" button.', dom, 0) is None


def test_typed_text_is_labelled_as_a_span_of_the_utterance():
    assert label(PolicyAction(Kind.TYPE, text="zz"), 'Enter "ab"') is None
    _, _, _, span = label(PolicyAction(Kind.TYPE, text="ab"), 'Enter "ab"')  # type: ignore[misc]
    assert span == (7, 9)


def test_tree_expert_opens_a_closed_folder_when_the_name_is_not_on_screen_yet():
    dom = [
        el(6, "li", 2, 52, parent=5),
        el(7, "span", 18, 53, "Chas", parent=6),
        el(8, "li", 2, 67, parent=5, classes="expandable"),
        el(10, "span", 18, 68, "Alan", parent=8),
    ]
    action = EXPERTS["navigate-tree"]('Find and click on the folder or file named "Deneen".', dom, 0)
    assert action == PolicyAction(Kind.CLICK, x=38, y=78)  # Alan's folder, the closed one


def test_collapsible_expert_waits_while_a_section_slides_open():
    utterance = 'Expand the sections below, to find and click on the link "nam".'
    section = el(7, "div", 4, 74, parent=3, classes="ui-accordion-content")  # 20 px tall so far
    sliding = [section, el(9, "span", 45, 119, "nam", parent=7)]
    assert EXPERTS["click-collapsible-2"](utterance, sliding, 1).kind is Kind.MOVE
    settled = [{**section, "height": 80.0}, el(9, "span", 45, 119, "nam", parent=7)]
    assert EXPERTS["click-collapsible-2"](utterance, settled, 2) == PolicyAction(Kind.CLICK, x=65, y=129)


def test_layout_expert_names_each_input_by_the_label_in_its_own_box_whatever_the_layout():
    utterance = "Search for drama movies directed by Farley from year 2008."
    table = [
        el(7, "tr", 5, 83, parent=3),
        el(8, "th", 5, 83, "Director", parent=7),
        el(10, "input_text", 56, 84, parent=7),
        el(11, "tr", 5, 108, parent=3),
        el(12, "th", 5, 108, "Year", parent=11),
        el(14, "input_text", 56, 109, parent=11),
        el(19, "div", 52, 163, "Submit", parent=3),
    ]
    steps = [EXPERTS["multi-layouts"](utterance, table, i) for i in range(6)]
    assert steps[1] == PolicyAction(Kind.TYPE, text="Farley")
    assert steps[3] == PolicyAction(Kind.TYPE, text="2008")
    assert steps[4] == PolicyAction(Kind.CLICK, x=72, y=173)
    assert steps[5] is None
