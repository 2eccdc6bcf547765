"""Scripted experts: they read the DOM to act correctly, and exist only to make demonstrations.

Each expert is a pure function of (utterance, DOM elements, step index) to the next action, or
None when it has nothing left to do. Their actions are the same pixels-only actions a policy has.
`EXPERTS` maps a MiniWoB task name to its expert; dom.py holds what they share.
"""

from deskhand.policy.experts.basic import BASIC, fill_and_submit
from deskhand.policy.experts.dom import Dom, Expert
from deskhand.policy.experts.forms import FORMS
from deskhand.policy.experts.pointer import POINTER

EXPERTS: dict[str, Expert] = {**BASIC, **POINTER, **FORMS}

__all__ = ["EXPERTS", "Dom", "Expert", "fill_and_submit"]
