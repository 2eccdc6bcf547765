"""The policy's extra inputs: maps of where the utterance's words are drawn, from pixels alone."""

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from deskhand.policy.base import Kind
from deskhand.policy.features import (
    UTTERANCE_ROWS,
    label_of,
    named_start,
    next_sort_move,
    policy_input,
    salient,
    shown_text,
)
from deskhand.vision.ocr import TextBox
from deskhand.vision.textmap import DEJAVU, TextMapMemo


def test_quoted_phrases_and_unquoted_names_are_told_apart_from_instruction_words():
    assert salient('Select GDKkQ and click "Submit".') == (["Submit"], ["GDKkQ"])
    assert salient("Select nM3, Oz and click Submit") == ([], ["nM3", "Oz"])
    assert salient('Enter the username "kim" and the password "x1" into the text fields') == (
        ["kim", "x1"],
        [],
    )


def test_the_quoted_map_lights_up_where_the_quoted_word_is_drawn_below_the_utterance():
    image = Image.new("RGB", (160, 210), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(DEJAVU), 12)
    draw.text((5, 5), 'Click on the "Yes" button.', font=font, fill="black")  # the utterance strip
    draw.text((100, 150), "Yes", font=font, fill="black")
    draw.text((20, 80), "No", font=font, fill="black")
    x = policy_input(np.asarray(image), 'Click on the "Yes" button.')
    assert x.shape == (210, 160, 6) and x.dtype == np.uint8
    quoted = x[..., 3]
    assert quoted[:UTTERANCE_ROWS].max() == 0  # the utterance itself is not a target
    y, col = np.unravel_index(int(quoted.argmax()), quoted.shape)
    assert 100 <= col <= 125 and 148 <= y <= 165
    assert quoted[75:100, 10:50].max() == 0  # other text stays dark, not a faint glow a net learns to ignore
    assert x[..., 4].max() == 0  # no unquoted names in this utterance


def test_the_next_screen_of_an_episode_gets_the_same_input_with_the_memo_of_the_one_before():
    font = ImageFont.truetype(str(DEJAVU), 12)
    image = Image.new("RGB", (160, 210), "white")
    draw = ImageDraw.Draw(image)
    draw.text((5, 5), 'Select Kim and click "Yes".', font=font, fill="black")
    draw.text((100, 150), "Yes", font=font, fill="black")
    before = np.asarray(image).copy()
    draw.text((20, 80), "Kim", font=font, fill="black")  # a list opened: the name shows
    after = np.asarray(image).copy()
    memo = TextMapMemo()
    policy_input(before, 'Select Kim and click "Yes".', memo=memo)
    again = policy_input(after, 'Select Kim and click "Yes".', memo=memo)
    fresh = policy_input(after, 'Select Kim and click "Yes".')
    assert np.abs(again.astype(int) - fresh).max() <= 1  # float rounding, at most one level in 255
    assert again[70:100, 15:50, 4].max() == 255 and again[140:165, 95:125, 3].max() == 255


def test_the_pointer_channel_marks_where_the_last_pointer_action_left_the_pointer():
    blank = np.full((210, 160, 3), 255, np.uint8)
    after_click = policy_input(blank, "Click.", Kind.CLICK, 40, 100)[..., 5]
    assert after_click[100, 40] == 255 and after_click[100, 50] == 0
    assert policy_input(blank, "Click.", Kind.TYPE, 40, 100)[..., 5].max() == 0  # typing moves no pointer
    assert policy_input(blank, "Click.")[..., 5].max() == 0  # nothing done yet


def test_the_text_shown_to_type_is_the_first_line_the_utterance_does_not_mention():
    said = "Type the text below into the text field and press Submit."
    shown, submit = TextBox("ctU3", 60, 70, 30, 12, 0.9), TextBox("Submit", 60, 150, 40, 12, 0.9)
    assert shown_text([shown, submit], said) == "ctU3"
    assert shown_text([TextBox("Type the text below", 5, 60, 90, 12, 0.9), shown], said) == "ctU3"
    assert shown_text([submit], said) is None


def test_a_fields_label_is_left_of_it_on_its_row_else_the_nearest_above_or_below():
    left = [TextBox("Director", 0, 82, 59, 27, 0.9), TextBox("Genre", 12, 109, 48, 25, 0.9)]
    assert label_of(left, 100, 118).text == "Genre"  # the row's, though Director is as near across
    above = [TextBox("Movie Genre", 9, 54, 69, 17, 0.9), TextBox("Released Date", 10, 94, 77, 17, 0.9)]
    assert label_of(above, 82, 78).text == "Movie Genre"
    below = [TextBox("Year", 9, 82, 28, 15, 0.9), TextBox("Director", 7, 118, 51, 17, 0.9)]
    assert label_of(below, 78, 112).text == "Director"  # its own label, just below the field
    assert label_of([TextBox("Submit", 120, 160, 30, 12, 0.9)], 80, 100) is None  # nothing starts left of it


def test_a_label_names_the_phrase_it_stands_for_or_else_the_one_no_other_label_claims():
    said = "Search for comedy movies directed by Padilla from year 2017."
    genre, name, year = (said.index(w) for w in ("comedy", "Padilla", "2017"))
    labels = [TextBox(t, 7, y, 45, 20, 0.9) for t, y in (("Genre:", 60), ("Director:", 90), ("Year:", 120))]
    assert named_start(labels, 100, 100, said, [genre, name, year]) == name
    assert named_start(labels, 100, 130, said, [genre, year]) == year
    # "Genre" names none of them; the other labels claim theirs
    assert named_start(labels, 100, 70, said, [genre, name, year]) == genre
    # with no other label to claim one, two are left: no choice
    assert named_start(labels[:1], 100, 70, said, [genre, year]) is None
    assert named_start([], 100, 70, said, [genre, year]) is None


def test_next_sort_move_brings_the_smallest_misplaced_number_up_and_copes_with_repeats():
    assert next_sort_move([22, -65, 5, -65]) == (1, 0)
    assert next_sort_move([-65, 22, 5, -65]) == (3, 1)
    assert next_sort_move([-65, -65, 5, 22]) is None
