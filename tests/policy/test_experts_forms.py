"""The form experts decide each step from the page as it is now; these feed them synthetic DOMs."""

from __future__ import annotations

from deskhand.policy.base import Kind, PolicyAction
from deskhand.policy.demos import label
from deskhand.policy.experts import EXPERTS
from deskhand.policy.experts.forms import FORMS, airports, pick_date, type_into


def el(ref: int, tag: str, left: float, top: float, text: str = "", parent: int = 3, **kw: object) -> dict:
    return {"ref": ref, "parent": parent, "tag": tag, "text": text, "left": left, "top": top,
            "width": kw.get("width", 40.0), "height": kw.get("height", 20.0), "id": kw.get("id", ""),
            "classes": kw.get("classes", ""), "value": kw.get("value", ""),
            "flags": [int(bool(kw.get("focused", False))), 0, 0, 1]}  # fmt: skip


def test_every_forms_expert_is_registered():
    for task, expert in FORMS.items():
        assert EXPERTS[task] is expert


def test_type_into_focuses_then_types_then_reports_done():
    assert type_into(el(5, "input_text", 10, 60), "abc") == PolicyAction(Kind.CLICK, x=30, y=70)
    assert type_into(el(5, "input_text", 10, 60, focused=True), "abc") == PolicyAction(Kind.TYPE, text="abc")
    assert type_into(el(5, "input_text", 10, 60, value="abc"), "abc") is None


def test_type_into_erases_a_wrong_value_before_typing():
    field = el(5, "input_text", 10, 60, value="abx", focused=True)
    assert type_into(field, "abc") == PolicyAction(Kind.KEY, key="<Backspace>")


DATE_FORM = [el(5, "input_date", 7, 62, id="tt", width=125), el(6, "button", 7, 88, "Submit", id="subbtn")]


def test_enter_date_clicks_the_month_part_then_types_the_utterances_date():
    utterance = "Enter 10/11/2011 as the date and hit submit."
    first = FORMS["enter-date"](utterance, DATE_FORM, 0)
    assert first is not None and first.kind is Kind.CLICK and first.x < 7 + 125 / 4
    focused = [el(5, "input_date", 7, 62, id="tt", focused=True), DATE_FORM[1]]
    typed = FORMS["enter-date"](utterance, focused, 1)
    assert typed == PolicyAction(Kind.TYPE, text="10/11/2011")
    assert label(typed, utterance) is not None  # the copy head can learn it


def test_enter_date_submits_once_the_input_holds_the_date():
    done = [el(5, "input_date", 7, 62, id="tt", value="2011-10-11"), DATE_FORM[1]]
    action = FORMS["enter-date"]("Enter 10/11/2011 as the date and hit submit.", done, 2)
    assert action == PolicyAction(Kind.CLICK, x=27, y=98)


def calendar(month: str, days: int = 31) -> list[dict]:
    out = [
        el(7, "div", 2, 84, id="ui-datepicker-div", classes="ui-datepicker", width=124, height=107),
        el(9, "a", 7, 89, classes="ui-datepicker-prev ui-corner-all", parent=7, width=13, height=13),
        el(11, "a", 108, 89, classes="ui-datepicker-next ui-corner-all", parent=7, width=13, height=13),
        el(14, "span", 33, 91, month, classes="ui-datepicker-month", parent=7),
        el(15, "span", 75, 91, "2016", classes="ui-datepicker-year", parent=7),
    ]
    for day in range(1, days + 1):
        row, col = divmod(day - 1, 7)
        out.append(el(100 + day, "a", 5 + 17 * col, 121 + 13 * row, str(day), classes="ui-state-default",
                      parent=7, width=15, height=12))  # fmt: skip
    return out


PICKER = el(5, "input_text", 2, 63, id="datepicker", classes="hasDatepicker", width=128)


def test_pick_date_opens_the_calendar_when_it_is_closed():
    assert pick_date([PICKER], PICKER, 12, 6, 2016) == PolicyAction(Kind.CLICK, x=66, y=73)


def test_pick_date_pages_back_to_an_earlier_month_then_clicks_the_day():
    back = pick_date([PICKER, *calendar("December")], PICKER, 10, 16, 2016)
    assert back == PolicyAction(Kind.CLICK, x=13.5, y=95.5)  # the prev arrow
    day = pick_date([PICKER, *calendar("October")], PICKER, 10, 16, 2016)
    assert day == PolicyAction(Kind.CLICK, x=5 + 17 + 7.5, y=121 + 26 + 6)  # 16 is row 2, column 1


def test_choose_date_waits_for_the_calendar_to_fade_before_submitting():
    utterance = "Select 12/06/2016 as the date and hit submit."
    picked = el(5, "input_text", 2, 63, id="datepicker", value="12/06/2016")
    submit = el(6, "button", 27, 95, "Submit", id="subbtn")
    fading = FORMS["choose-date-easy"](utterance, [picked, submit, *calendar("December")], 2)
    assert fading == PolicyAction(Kind.MOVE, x=47, y=105)
    assert FORMS["choose-date-easy"](utterance, [picked, submit], 3) == PolicyAction(Kind.CLICK, x=47, y=105)


def test_text_transform_types_the_captcha_letters_in_order():
    dom = [
        el(4, "div", 0, 55, id="captcha", width=160, height=45),
        el(5, "span", 46, 59, "a", parent=4),
        el(6, "span", 60, 61, "I", parent=4),
        el(7, "span", 71, 54, "G", parent=4),
        el(10, "input_text", 13, 103, id="tt", focused=True),
        el(11, "button", 13, 134, "Submit", id="subbtn"),
    ]
    assert FORMS["text-transform"]("Type the text below into the text field and press Submit.", dom, 1) == (
        PolicyAction(Kind.TYPE, text="aIG")
    )


SEARCH = 'Use the textbox to enter "Riley" and press "Search", then find and click the 7th search result.'


def results_page(active: int) -> list[dict]:
    dom = [
        el(5, "input_text", 4, 54, id="search-text", value="Riley"),
        el(6, "button", 4, 75, "Search", id="search"),
    ]
    dom += [el(9 + i, "a", 4, 98 + 33 * i, f"Name{i}", classes="search-title") for i in range(3)]
    for page in (1, 2, 3):
        li_classes = "page-item active" if page == active else "page-item"
        dom.append(el(20 + 2 * page, "li", 30 + 14 * page, 190, classes=li_classes, width=10))
        dom.append(el(21 + 2 * page, "a", 30 + 14 * page, 190, str(page), parent=20 + 2 * page,
                      classes="page-link", width=10))  # fmt: skip
    return dom


def test_search_engine_turns_to_the_page_of_the_wanted_rank():
    action = FORMS["search-engine"](SEARCH, results_page(active=1), 3)
    assert action == PolicyAction(Kind.CLICK, x=30 + 14 * 3 + 5, y=200)  # page 3 holds ranks 7-9


def test_search_engine_clicks_the_first_result_on_the_right_page():
    assert FORMS["search-engine"](SEARCH, results_page(active=3), 4) == PolicyAction(Kind.CLICK, x=24, y=108)


def inbox(senders: list[str], top: float = 73) -> list[dict]:
    dom = [el(4, "div", 2, 52, id="main", width=155, height=150)]
    for i, name in enumerate(senders):
        ref, y = 10 + 10 * i, top + 40 * i
        dom += [
            el(ref, "div", 2, y, classes="email-thread", parent=4, width=140, height=40),
            el(ref + 1, "div", 7, y + 2, name, classes="email-sender", parent=ref, width=88, height=13),
            el(ref + 2, "span", 117, y + 7, classes="trash", parent=ref, width=12, height=12),
            el(ref + 3, "span", 103, y + 7, classes="star", parent=ref, width=12, height=12),
        ]
    return dom


def test_email_inbox_stars_the_senders_email_when_it_is_in_view():
    utterance = "Find the email by Evy and click the star icon to mark it as important."
    assert FORMS["email-inbox"](utterance, inbox(["Ann", "Evy"]), 0) == PolicyAction(Kind.CLICK, x=109, y=126)


def test_email_inbox_scrolls_down_while_the_senders_email_is_below_the_fold():
    utterance = "Find the email by Zed and click the trash icon to delete it."
    action = FORMS["email-inbox"](utterance, inbox(["Ann", "Bo", "Cy", "Di", "Zed"]), 0)
    assert action is not None and action.kind is Kind.SCROLL_DOWN


def test_email_inbox_replies_with_the_quoted_text_in_the_open_reply():
    utterance = 'Find the email by Evy and reply to them with the text "Gravida.".'
    reply = [
        el(40, "textarea", 5, 100, id="reply-text", focused=True, width=140, height=80),
        el(41, "span", 140, 55, id="send-reply", width=15, height=15),
    ]
    typed = FORMS["email-inbox"](utterance, reply, 3)
    assert typed == PolicyAction(Kind.TYPE, text="Gravida.")
    sent = [{**reply[0], "value": "Gravida."}, reply[1]]
    assert FORMS["email-inbox"](utterance, sent, 4) == PolicyAction(Kind.CLICK, x=147.5, y=62.5)


def test_email_inbox_opens_the_email_before_forwarding():
    utterance = "Find the email by Evy and forward that email to Ann."
    assert FORMS["email-inbox"](utterance, inbox(["Bo", "Evy"]), 0) == PolicyAction(Kind.CLICK, x=51, y=121.5)


FLIGHT = "Book the cheapest one-way flight from: RAP to: Decatur, IL on 10/29/2016."


def test_airports_types_every_field_before_opening_any_menu():
    """Leaving a typed field cancels its menu's delayed search, so no redraw can race the walk."""
    origin = el(7, "input_text", 4, 93, id="flight-from", value="RAP", focused=True, width=126)
    destination = el(9, "input_text", 4, 118, id="flight-to", width=126)
    pairs = [(origin, "RAP"), (destination, "ICT")]
    assert airports([origin, destination], pairs) == PolicyAction(Kind.CLICK, x=67, y=128)
    typed = {**destination, "value": "ICT", "focused": True, "flags": [1, 0, 0, 1]}
    back = [({**origin, "flags": [0, 0, 0, 1]}, "RAP"), (typed, "ICT")]
    assert airports([], back) == PolicyAction(Kind.CLICK, x=67, y=103)
    assert airports([], [(origin, "RAP"), (destination, "ICT")][:1]) == PolicyAction(
        Kind.KEY, key="<ArrowDown>"
    )


def test_airports_walks_the_menu_to_the_entry_naming_the_place_and_takes_it():
    field = el(7, "input_text", 4, 93, id="flight-from", value="RAP", focused=True, width=126)
    menu = [
        el(22, "div", 5, 115, "Cedar Rapids, IA (CID)", classes="ui-menu-item-wrapper"),
        el(24, "div", 5, 143, "Rapid City, SD (RAP)", classes="ui-menu-item-wrapper"),
    ]
    on_wrong = [field, {**menu[0], "classes": "ui-menu-item-wrapper ui-state-active"}, menu[1]]
    assert airports(on_wrong, [(field, "RAP")]) == PolicyAction(Kind.KEY, key="<ArrowDown>")
    on_right = [field, menu[0], {**menu[1], "classes": "ui-menu-item-wrapper ui-state-active"}]
    assert airports(on_right, [(field, "RAP")]) == PolicyAction(Kind.KEY, key="<Enter>")


def test_airports_are_done_once_each_field_holds_an_airport_naming_its_place():
    field = el(7, "input_text", 4, 93, id="flight-from", value="Rapid City, SD (RAP)")
    assert airports([field], [(field, "RAP")]) is None
    assert airports([field], [(field, "Rapid City, SD")]) is None
    assert airports([field], [(field, "Rapid")]) is None


def flights(prices: list[int], durations: list[str], focus: int = -1) -> list[dict]:
    dom = [el(330, "div", 2, 54, id="results", width=141, height=720)]
    for i, (price, duration) in enumerate(zip(prices, durations, strict=True)):
        ref, y = 340 + 10 * i, 60 + 172 * i
        dom += [
            el(ref, "div", 2, y, classes="flight", parent=330, width=141, height=170),
            el(ref + 1, "div", 50, y + 100, duration, classes="time-duration", parent=ref),
            el(
                ref + 2,
                "button",
                12,
                y + 130,
                f"${price}",
                classes="flight-price",
                parent=ref,
                focused=i == focus,
            ),
        ]
    return dom


def test_book_flight_tabs_to_the_cheapest_flight_then_presses_enter():
    dom = flights([379, 209, 1197], ["5h 3m", "9h 0m", "2h 10m"])
    assert FORMS["book-flight"](FLIGHT, dom, 20) == PolicyAction(Kind.KEY, key="<Tab>")
    dom = flights([379, 209, 1197], ["5h 3m", "9h 0m", "2h 10m"], focus=1)
    assert FORMS["book-flight"](FLIGHT, dom, 21) == PolicyAction(Kind.KEY, key="<Enter>")


def test_book_flight_compares_durations_in_minutes_for_the_shortest():
    shortest = FLIGHT.replace("cheapest", "shortest")
    dom = flights([100, 200, 300], ["5h 3m", "2h 59m", "3h 1m"], focus=1)
    assert FORMS["book-flight"](shortest, dom, 21) == PolicyAction(Kind.KEY, key="<Enter>")


def post(ref: int, user: str, top: float, menu_open: bool = False) -> list[dict]:
    items = [
        el(ref + 5, "li", 44, top + 70 + 17 * i, text, classes=cls, parent=ref + 4,
           width=97 if menu_open else 0, height=17 if menu_open else 0)
        for i, (text, cls) in enumerate([("Share via DM", "share"), (f"Mute {user}", "menu-user")])
    ]  # fmt: skip
    return [
        el(ref, "div", 4, top, classes="media", width=142, height=62),
        el(ref + 1, "span", 56, top + 4, user, classes="username", parent=ref),
        el(ref + 2, "span", 86, top + 45, classes="like", parent=ref, width=14, height=14),
        el(ref + 3, "span", 119, top + 45, classes="more", parent=ref, width=14, height=14),
        el(ref + 4, "ul", 44, top + 70, parent=ref, width=97 if menu_open else 0),
        *items,
    ]


def test_social_media_opens_the_users_more_menu_then_clicks_the_item():
    area = el(3, "div", 0, 50, id="area", parent=2, width=160, height=154)
    utterance = 'For the user @leo, click on the "Mute" button.'
    closed = [area, *post(10, "@kim", 52), *post(30, "@leo", 80)]
    assert FORMS["social-media"](utterance, closed, 0) == PolicyAction(Kind.CLICK, x=126, y=132)
    opened = [area, *post(10, "@kim", 52), *post(30, "@leo", 60, menu_open=True)]
    assert FORMS["social-media"](utterance, opened, 1) == PolicyAction(Kind.CLICK, x=92.5, y=155.5)


def test_social_media_scrolls_when_the_open_menu_item_is_below_the_area():
    area = el(3, "div", 0, 50, id="area", parent=2, width=160, height=154)
    opened = [area, *post(30, "@leo", 120, menu_open=True)]
    action = FORMS["social-media"]('For the user @leo, click on the "Mute" button.', opened, 2)
    assert action is not None and action.kind is Kind.SCROLL_DOWN


def test_email_inbox_clicks_the_part_of_reply_still_inside_the_area():
    """The open email's Reply button can hang below the area's edge, where a click at its middle misses."""
    utterance = 'Find the email by Evy and reply to them with the text "Enim.".'
    area = el(3, "div", 0, 50, id="area", parent=2, width=160, height=154)
    reply = el(76, "span", 23, 190, classes="email-reply", width=40, height=27)
    assert FORMS["email-inbox"](utterance, [area, reply], 1) == PolicyAction(Kind.CLICK, x=43, y=197)
    low = {**reply, "top": 200.0}
    action = FORMS["email-inbox"](utterance, [area, low], 1)
    assert action is not None and action.kind is Kind.SCROLL_DOWN


def test_book_flight_finishes_an_open_calendar_first_once_it_sits_above_its_field():
    """The calendar covers From and To; it opens below the field and moves above it a moment later."""
    form = [
        el(7, "input_text", 4, 93, id="flight-from", width=126),
        el(9, "input_text", 4, 118, id="flight-to", width=126),
        el(13, "input_text", 12, 173, id="datepicker", width=106, height=16),
        el(15, "button", 4, 196, "Search", id="search", width=126, height=19),
    ]
    below = [{**c, "top": c["top"] + 107.0} for c in calendar("October")]
    assert FORMS["book-flight"](FLIGHT, form + below, 5) == PolicyAction(Kind.MOVE, x=65, y=181)
    action = FORMS["book-flight"](FLIGHT, form + calendar("October"), 6)
    assert action == PolicyAction(Kind.CLICK, x=5 + 7.5, y=121 + 13 * 4 + 6)  # the 29th: row 4, column 0
