"""Key names, combos and characters as X keysyms. Pure: no display needed.

>>> parse_combo("ctrl+s") == ((XK.XK_Control_L,), XK.XK_s)
True
>>> hex(char_keysym("東"))
'0x1006771'
>>> keysym_char(char_keysym("ë"))
'ë'
>>> keysym_name(XK.XK_Return), keysym_name(XK.XK_F4), keysym_name(XK.XK_s)
('Return', 'F4', 's')
"""

from __future__ import annotations

from Xlib import XK

XK.load_keysym_group("xkb")  # ISO_Level3_Shift and friends

MODIFIERS: dict[str, int] = {
    "ctrl": XK.XK_Control_L,
    "control": XK.XK_Control_L,
    "shift": XK.XK_Shift_L,
    "alt": XK.XK_Alt_L,
    "super": XK.XK_Super_L,
    "win": XK.XK_Super_L,
    "meta": XK.XK_Super_L,
    "altgr": XK.XK_ISO_Level3_Shift,
}

MODIFIER_KEYSYMS: dict[int, str] = {  # the keys that modify others, as combo names
    XK.XK_Shift_L: "shift",
    XK.XK_Shift_R: "shift",
    XK.XK_Control_L: "ctrl",
    XK.XK_Control_R: "ctrl",
    XK.XK_Alt_L: "alt",
    XK.XK_Alt_R: "alt",
    XK.XK_Meta_L: "alt",
    XK.XK_Meta_R: "alt",
    XK.XK_Super_L: "super",
    XK.XK_Super_R: "super",
    XK.XK_ISO_Level3_Shift: "altgr",
}

ALIASES: dict[str, str] = {
    "enter": "Return",
    "return": "Return",
    "esc": "Escape",
    "escape": "Escape",
    "del": "Delete",
    "delete": "Delete",
    "backspace": "BackSpace",
    "bksp": "BackSpace",
    "tab": "Tab",
    "space": "space",
    "ins": "Insert",
    "insert": "Insert",
    "home": "Home",
    "end": "End",
    "pgup": "Prior",
    "pageup": "Prior",
    "pgdn": "Next",
    "pagedown": "Next",
    "up": "Up",
    "down": "Down",
    "left": "Left",
    "right": "Right",
    "menu": "Menu",
    "plus": "plus",
    "minus": "minus",
}

UNICODE_KEYSYM = 0x01000000
CONTROL_CHARS = {"\n": XK.XK_Return, "\r": XK.XK_Return, "\t": XK.XK_Tab, "\b": XK.XK_BackSpace}


def char_keysym(char: str) -> int:
    """The keysym that types `char`: Latin-1 keysyms are the code point, the rest are Unicode keysyms."""
    if char in CONTROL_CHARS:
        return CONTROL_CHARS[char]
    code = ord(char)
    if code < 0x20 or 0x7F <= code < 0xA0:
        raise ValueError(f"cannot type control character {char!r}")
    if code <= 0xFF:
        return code
    return UNICODE_KEYSYM | code


def keysym_char(keysym: int) -> str | None:
    """The character a keysym types, if it types one."""
    for char, ks in CONTROL_CHARS.items():
        if ks == keysym and char != "\r" and char != "\b":
            return char
    if 0x20 <= keysym <= 0x7E or 0xA0 <= keysym <= 0xFF:
        return chr(keysym)
    if keysym & 0xFF000000 == UNICODE_KEYSYM:
        return chr(keysym & 0x00FFFFFF)
    return None


def key_keysym(name: str) -> int:
    """A key name ("Tab", "F4", "s", "Return", "esc") as a keysym."""
    if len(name) == 1:
        return char_keysym(name.lower() if name.isalpha() and name.isascii() else name)
    alias = ALIASES.get(name.lower())
    if alias:
        return int(XK.string_to_keysym(alias))
    for candidate in (name, name.capitalize(), name.upper()):
        keysym = int(XK.string_to_keysym(candidate))
        if keysym:
            return keysym
    raise ValueError(f"unknown key {name!r}")


# keysym -> name; where XK has aliases ("F11"/"L1") the first defined wins
_KEYSYM_NAMES: dict[int, str] = {
    value: name[3:]
    for name, value in reversed(list(vars(XK).items()))
    if name.startswith("XK_") and isinstance(value, int)
}


def keysym_name(keysym: int) -> str:
    """The name of a keysym, usable as the key of a combo; the inverse of `key_keysym`.

    `XK.keysym_to_string` gives the character a keysym types, not its name, so the
    names come from XK's own table; keysyms beyond it (e.g. Unicode) fall back to
    their character, which `key_keysym` also accepts.
    """
    name = _KEYSYM_NAMES.get(keysym)
    if name:
        return name
    char = keysym_char(keysym)
    if char and char.isprintable():
        return char
    raise ValueError(f"keysym {keysym:#x} has no known name")


def parse_combo(combo: str) -> tuple[tuple[int, ...], int]:
    """ "ctrl+shift+Tab" -> (modifier keysyms, key keysym). A trailing "+" is the plus key."""
    text = combo.strip()
    if not text:
        raise ValueError("empty key combo")
    if text == "+":
        parts = ["+"]
    elif text.endswith("++"):
        parts = [*text[:-2].split("+"), "+"]
    else:
        parts = text.split("+")
    parts = [p.strip() for p in parts]
    if any(not p for p in parts):
        raise ValueError(f"malformed key combo {combo!r}")
    *mods, key = parts
    modifiers = []
    for mod in mods:
        if mod.lower() not in MODIFIERS:
            raise ValueError(f"unknown modifier {mod!r} in {combo!r}; use one of {sorted(MODIFIERS)}")
        modifiers.append(MODIFIERS[mod.lower()])
    if key.lower() in MODIFIERS:
        return tuple(modifiers), MODIFIERS[key.lower()]
    try:
        return tuple(modifiers), key_keysym(key)
    except ValueError as e:
        raise ValueError(f"{e} in key combo {combo!r}") from None
