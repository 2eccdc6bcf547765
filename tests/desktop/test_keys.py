import pytest
from Xlib import XK

from deskhand.desktop.keys import char_keysym, key_keysym, keysym_char, keysym_name, parse_combo


@pytest.mark.parametrize(
    ("combo", "mods", "key"),
    [
        ("ctrl+s", ("Control_L",), "s"),
        ("alt+F4", ("Alt_L",), "F4"),
        ("Tab", (), "Tab"),
        ("ctrl+shift+Left", ("Control_L", "Shift_L"), "Left"),
        ("CTRL+S", ("Control_L",), "s"),
        ("esc", (), "Escape"),
        ("ctrl++", ("Control_L",), "plus"),
        ("super", (), "Super_L"),
    ],
)
def test_combos_parse_to_modifier_and_key_keysyms(combo, mods, key):
    assert parse_combo(combo) == (tuple(XK.string_to_keysym(m) for m in mods), XK.string_to_keysym(key))


@pytest.mark.parametrize("combo", ["", "ctrl+", "foo+s", "ctrl+nokey", "+ctrl"])
def test_bad_combos_say_what_is_wrong(combo):
    with pytest.raises(ValueError, match=r"combo|modifier|key"):
        parse_combo(combo)


@pytest.mark.parametrize("char", list("aZ09~ ëÿ—東京✓\n\t"))
def test_every_typeable_character_round_trips_through_its_keysym(char):
    assert keysym_char(char_keysym(char)) == char


def test_control_characters_cannot_be_typed():
    with pytest.raises(ValueError):
        char_keysym("\x07")


@pytest.mark.parametrize(
    ("keysym", "name", "back"),
    [
        (0xFF0D, "Return", 0xFF0D),
        (0xFFC1, "F4", 0xFFC1),
        (0x73, "s", 0x73),
        (0x53, "S", 0x73),  # combos name letters case-blind
        (0x2B, "plus", 0x2B),
        (0xFF08, "BackSpace", 0xFF08),
        (0x100_6771, "東", 0x100_6771),  # no XK name: the character itself
    ],
)
def test_keysym_names_are_combo_keys_that_map_back(keysym, name, back):
    assert keysym_name(keysym) == name
    assert key_keysym(name) == back
    assert parse_combo(f"ctrl+{name}")[1] == back


def test_a_keysym_without_a_name_says_so():
    with pytest.raises(ValueError, match="no known name"):
        keysym_name(0xFE20_0000)
