"""How the console looks: the knobs robustness tests turn without changing what the app does."""

from __future__ import annotations

from dataclasses import dataclass

THEMES = frozenset({"light", "dark"})

# Things a look can leave out, to check that a missing target makes the agent escalate.
ELEMENTS = frozenset(
    {
        "tickets_link",
        "refund_button",
        "save_note_button",
        "send_reply_button",
        "submit_refund_button",
        "confirm_button",
        "cancel_button",
    }
)


@dataclass(frozen=True)
class ConsoleLook:
    """Theme, text size, an optional banner that pushes the layout down, and elements to leave out.

    >>> ConsoleLook(theme="dark", hidden=frozenset({"refund_button"})).shows("refund_button")
    False
    """

    theme: str = "light"
    font_scale: float = 1.0
    banner: bool = False
    hidden: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden", frozenset(self.hidden))
        if self.theme not in THEMES:
            raise ValueError(f"theme must be one of {sorted(THEMES)}, got {self.theme!r}")
        if not 0.5 <= self.font_scale <= 3.0:
            raise ValueError(f"font_scale must be within 0.5..3.0, got {self.font_scale}")
        unknown = self.hidden - ELEMENTS
        if unknown:
            raise ValueError(f"unknown elements {sorted(unknown)}; known: {sorted(ELEMENTS)}")

    def shows(self, element: str) -> bool:
        """Whether `element` (one of ELEMENTS) is rendered."""
        return element not in self.hidden


DEFAULT_LOOK = ConsoleLook()
