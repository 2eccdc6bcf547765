"""desktop/: a screen you can look at and type into."""

from deskhand.desktop.action import (
    Action,
    ActionError,
    ActionKind,
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
from deskhand.desktop.base import App, Desktop, DesktopError, Frame, Region
from deskhand.desktop.check import Check, DesktopContractError, check_desktop
from deskhand.desktop.x11 import AttachedDesktop, Window, X11Desktop
from deskhand.desktop.xvfb import XvfbDesktop, parse_size

__all__ = [
    "Action",
    "ActionError",
    "ActionKind",
    "App",
    "AttachedDesktop",
    "Check",
    "Click",
    "Desktop",
    "DesktopContractError",
    "DesktopError",
    "Drag",
    "Frame",
    "KeyPress",
    "MoveTo",
    "Region",
    "Scroll",
    "TypeText",
    "Wait",
    "Window",
    "X11Desktop",
    "XvfbDesktop",
    "check_desktop",
    "from_dict",
    "parse_size",
    "to_dict",
]
