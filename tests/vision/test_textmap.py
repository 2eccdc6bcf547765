"""The text map finds a word by its glyphs alone: rendered, then template matched."""

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from deskhand.vision import textmap
from deskhand.vision.textmap import DEJAVU, TextMapConfig, TextMapMemo, text_map, text_maps, without_rules


def screen_with(words: dict[str, tuple[int, int]], size: int = 13) -> np.ndarray:
    image = Image.new("L", (160, 160), 255)
    draw = ImageDraw.Draw(image)
    for word, at in words.items():
        draw.text(at, word, font=ImageFont.truetype(str(DEJAVU), size), fill=0)
    return np.asarray(image).copy()


def test_the_map_peaks_on_the_asked_word_not_on_its_neighbours():
    gray = screen_with({"Cancel": (10, 20), "Submit": (80, 100), "Okay": (20, 130)})
    heat = text_map(gray, ["Submit"])
    y, x = np.unravel_index(int(heat.argmax()), heat.shape)
    assert 80 <= x <= 130 and 98 <= y <= 116
    assert heat.max() > 0.9
    assert heat[15:35, 5:60].max() < 0.6  # "Cancel" is text too, but not this text


def test_a_word_inside_a_longer_word_matches_less_than_the_word_on_its_own():
    gray = screen_with({"molestie": (10, 20), "est": (90, 100)}, size=10)
    heat, letters = text_map(gray, ["est"]), text_map(gray, ["est"], TextMapConfig(margin=0))
    assert heat[95:115, 85:120].max() > 0.95
    assert heat[15:35, 5:70].max() < 0.85
    assert letters[15:35, 5:70].max() > 0.95  # the letters alone match inside "molestie" too
    assert heat.argmax() == letters[80:].argmax() + 80 * 160  # the word on its own peaks at one place


def test_a_one_glyph_word_is_matched_without_a_margin():
    gray = screen_with({"0": (20, 20), "Bo": (80, 100)}, size=13)
    assert (text_map(gray, ["0"]) == text_map(gray, ["0"], TextMapConfig(margin=0))).all()
    assert (text_map(gray, ["Bo"]) != text_map(gray, ["Bo"], TextMapConfig(margin=0))).any()


def test_a_word_at_the_edge_of_the_screen_is_found_with_its_margin():
    heat = text_map(screen_with({"Cursus": (1, 40)}, size=10), ["Cursus"])  # its ink from the second column
    assert heat.max() > 0.95


def test_a_word_drawn_a_size_off_is_still_found():
    gray = screen_with({"Truman": (40, 60)}, size=14)
    heat = text_map(gray, ["Truman"])
    y, x = np.unravel_index(int(heat.argmax()), heat.shape)
    assert 40 <= x <= 90 and 58 <= y <= 76


def test_a_blank_screen_or_no_words_gives_an_empty_map():
    blank = np.full((160, 160), 255, np.uint8)
    assert text_map(blank, ["Ok"]).max() == 0.0
    assert text_map(screen_with({"Ok": (5, 5)}), []).max() == 0.0


def test_an_underlined_link_matches_clearly_once_its_rule_is_whitened():
    image = Image.new("L", (160, 160), 255)
    draw = ImageDraw.Draw(image)
    draw.text((20, 60), "imperdiet", font=ImageFont.truetype(str(DEJAVU), 10), fill=0)
    draw.line((20, 71, 70, 71), fill=0)  # the underline, through the descender of the p
    draw.rectangle((100, 100, 140, 120), fill=0)  # a filled dark box is not a rule
    gray = np.asarray(image).copy()
    assert text_map(gray, ["imperdiet"]).max() < 0.75
    cleaned = without_rules(gray)
    assert text_map(cleaned, ["imperdiet"]).max() > 0.95
    assert (cleaned[71, 25:65] == 255).mean() > 0.8  # the rule is gone, but for the stems it crosses
    assert (cleaned[100:121, 100:141] == 0).all()


def test_words_at_the_corners_of_the_inked_box_are_found_where_they_are_drawn():
    gray = screen_with({"Next": (2, 1), "Back": (118, 145)})
    for word, (x, y) in {"Next": (2, 1), "Back": (118, 145)}.items():
        heat = text_map(gray, [word])
        peak_y, peak_x = np.unravel_index(int(heat.argmax()), heat.shape)
        assert heat.max() > 0.9 and x <= peak_x <= x + 40 and y <= peak_y <= y + 15


def test_text_maps_gives_each_words_map_in_order_and_text_map_is_their_maximum():
    gray = screen_with({"Cancel": (10, 20), "Submit": (80, 100)})
    cancel, blank, submit = text_maps(gray, ["Cancel", " ", "Submit"])
    assert (cancel == text_map(gray, ["Cancel"])).all() and (submit == text_map(gray, ["Submit"])).all()
    assert not blank.any()
    assert (text_map(gray, ["Cancel", "Submit"]) == np.maximum(cancel, submit)).all()


def test_with_a_memo_a_changed_screen_gets_the_maps_it_would_get_fresh(monkeypatch):
    memo = TextMapMemo()
    before = screen_with({"Cancel": (10, 20), "Submit": (80, 100)})
    after = screen_with({"Cancel": (10, 20), "Submit": (80, 100), "Okay": (20, 130)})
    after[0:3, 150:160] = 0  # a change at the edge, where the margin's border columns are drawn
    words = ["Submit", "Okay", "x"]
    first = text_maps(before, words, memo=memo)
    assert all((a == b).all() for a, b in zip(first, text_maps(before, words), strict=True))
    again = text_maps(after, words, memo=memo)
    fresh = text_maps(after, words)
    assert all(np.abs(a - b).max() < 1e-5 for a, b in zip(again, fresh, strict=True))
    assert again[1].max() > 0.9 and first[1].max() < 0.6  # "Okay" is found where it appeared
    monkeypatch.setattr(textmap, "_match", lambda *args: pytest.fail("matched a screen that did not change"))
    still = text_maps(after, words, memo=memo)
    assert all((a == b).all() for a, b in zip(still, again, strict=True))


def test_a_memo_of_other_words_is_not_reused():
    memo = TextMapMemo()
    gray = screen_with({"Cancel": (10, 20), "Submit": (80, 100)})
    text_maps(gray, ["Cancel"], memo=memo)
    (submit,) = text_maps(gray, ["Submit"], memo=memo)
    assert (submit == text_map(gray, ["Submit"])).all() and submit.max() > 0.9
