"""What every scripted expert shares: reading MiniWoB DOM elements and turning them into clicks."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from deskhand.policy.base import Kind, PolicyAction

Dom = Sequence[dict[str, Any]]
Expert = Callable[[str, Dom, int], PolicyAction | None]


def quoted(utterance: str) -> list[str]:
    """The "quoted" parts of an utterance, in order.

    >>> quoted('Enter the username "kim" and the password "x1" into the text fields')
    ['kim', 'x1']
    """
    return re.findall(r'"([^"]*)"', utterance)


def norm(text: str) -> str:
    return re.sub(r"[^\w#]", "", text).lower()


def box(el: dict[str, Any]) -> tuple[float, float, float, float]:
    def num(key: str) -> float:
        value = el[key]
        return float(value[0] if hasattr(value, "__len__") else value)

    return num("left"), num("top"), num("width"), num("height")


def visible(el: dict[str, Any]) -> bool:
    left, top, width, height = box(el)
    return width > 0 and height > 0 and 0 <= left < 160 and 50 <= top < 210


def click(el: dict[str, Any]) -> PolicyAction:
    """A click at the middle of an element."""
    left, top, width, height = box(el)
    return PolicyAction(Kind.CLICK, x=left + width / 2, y=top + height / 2)


def find(dom: Dom, pred: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
    return [el for el in dom if pred(el) and visible(el)]


def text_is(text: str) -> Callable[[dict[str, Any]], bool]:
    return lambda el: norm(str(el["text"])) == norm(text)


def nth(plan: list[PolicyAction], step: int) -> PolicyAction | None:
    return plan[step] if step < len(plan) else None


def submit_buttons(dom: Dom) -> list[dict[str, Any]]:
    return find(dom, lambda el: el["tag"] == "button" and el["id"] == "subbtn")
