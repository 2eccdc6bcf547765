"""Experts for the form tasks: dates, a captcha, a search engine, an inbox, flights and a feed.

They are state-driven where they can be: each step looks at what the page shows now (which field
has focus, what it holds, which menu or calendar is open, what is scrolled into view) and does
the one thing that moves it on, so the policy that learns from them needs no memory.

Typed text is copied from the utterance, except in text-transform: its text is drawn as skewed
letters and is nowhere in the utterance, so `demos.label` drops those episodes (the copy head
cannot learn them); the expert still types the true text and is kept for measuring.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from deskhand.policy.base import Kind, PolicyAction
from deskhand.policy.experts.dom import Dom, Expert, box, click, find, quoted, submit_buttons, visible

El = dict[str, Any]
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_DATE = re.compile(r"(\d\d)/(\d\d)/(\d{4})")


def classes(el: El) -> list[str]:
    return str(el["classes"]).split()


def has_class(name: str) -> Callable[[El], bool]:
    return lambda el: name in classes(el)


def focused(el: El) -> bool:
    flags = el.get("flags")
    return flags is not None and len(flags) > 0 and bool(flags[0])


def shown(el: El) -> bool:
    """Displayed, though perhaps scrolled out of the task area."""
    _, _, width, height = box(el)
    return width > 0 and height > 0


def by_id(dom: Dom, id_: str) -> El | None:
    hits = find(dom, lambda el: el["id"] == id_)
    return hits[0] if hits else None


def under(dom: Dom, root: El) -> list[El]:
    """The elements below `root` in the tree, in DOM order."""
    refs, out = {root["ref"]}, []
    for el in dom:  # parents come before their children
        if el["parent"] in refs:
            refs.add(el["ref"])
            out.append(el)
    return out


def inside(el: El, frame: El) -> bool:
    """Whether `el` is wholly in view within the scrolled box `frame` and the task area."""
    _, top, _, height = box(el)
    _, ftop, _, fheight = box(frame)
    return visible(el) and top >= max(ftop, 50) and top + height <= min(ftop + fheight, 210)


def click_in_view(el: El, frame: El, least: float = 8) -> PolicyAction | None:
    """A click in the middle of the part of `el` in view in `frame`; None if under `least` pixels show."""
    left, top, width, height = box(el)
    _, ftop, _, fheight = box(frame)
    low, high = max(top, ftop, 50), min(top + height, ftop + fheight, 210)
    if high - low < least or not 0 <= left < 160:
        return None
    return PolicyAction(Kind.CLICK, x=left + width / 2, y=(low + high) / 2)


def click_at(el: El, fx: float) -> PolicyAction:
    """A click at a fraction `fx` of the element's width, halfway down."""
    left, top, width, height = box(el)
    return PolicyAction(Kind.CLICK, x=left + width * fx, y=top + height / 2)


def hover(el: El) -> PolicyAction:
    """The pointer moved over the element's middle: a step that only waits for the page."""
    left, top, width, height = box(el)
    return PolicyAction(Kind.MOVE, x=left + width / 2, y=top + height / 2)


def wheel(frame: El) -> PolicyAction:
    """One wheel tick down over the middle of a scrolled box (about 50 pixels)."""
    left, top, width, height = box(frame)
    bottom = min(top + height, 210)
    return PolicyAction(Kind.SCROLL_DOWN, x=left + width / 2, y=(max(top, 50) + bottom) / 2)


def type_into(field: El, text: str) -> PolicyAction | None:
    """The next step to make a text field hold `text`, or None when it does."""
    value = str(field["value"])
    if value == text:
        return None
    if not focused(field):
        return click(field)
    if value:
        return PolicyAction(Kind.KEY, key="<Backspace>")
    return PolicyAction(Kind.TYPE, text=text)


def pick_date(dom: Dom, field: El, month: int, day: int, year: int) -> PolicyAction | None:
    """One step with a jQuery UI datepicker: open it, page to the month, click the day."""
    titles = find(dom, has_class("ui-datepicker-month"))
    years = find(dom, has_class("ui-datepicker-year"))
    if not titles or not years:
        return click(field)
    shown = (int(years[0]["text"]), MONTHS.index(str(titles[0]["text"])) + 1)
    if shown != (year, month):
        arrow = "ui-datepicker-next" if shown < (year, month) else "ui-datepicker-prev"
        arrows = find(dom, has_class(arrow))
        return click(arrows[0]) if arrows else None
    days = find(
        dom, lambda el: el["tag"] == "a" and "ui-state-default" in classes(el) and el["text"] == str(day)
    )
    return click(days[0]) if days else None


def enter_date(utterance: str, dom: Dom, step: int) -> PolicyAction | None:
    """Chrome's date input takes the utterance's MM/DD/YYYY typed into its month part, then Submit."""
    match = _DATE.search(utterance)
    fields = find(dom, lambda el: el["tag"] == "input_date")
    if match is None or not fields:
        return None
    month, day, year = match.groups()
    field = fields[0]
    if field["value"] == f"{year}-{month}-{day}":
        return next(iter(click(b) for b in submit_buttons(dom)), None)
    if not focused(field):
        return click_at(field, 0.08)  # the month part; the middle of the box opens nothing
    return PolicyAction(Kind.TYPE, text=match.group(0))


def choose_date_easy(utterance: str, dom: Dom, step: int) -> PolicyAction | None:
    match = _DATE.search(utterance)
    field = by_id(dom, "datepicker")
    if match is None or field is None:
        return None
    if field["value"] != match.group(0):
        month, day, year = (int(g) for g in match.groups())
        return pick_date(dom, field, month, day, year)
    buttons = submit_buttons(dom)
    if not buttons:
        return None
    if by_id(dom, "ui-datepicker-div") is not None:  # still fading out over the button
        return hover(buttons[0])
    return click(buttons[0])


def text_transform(utterance: str, dom: Dom, step: int) -> PolicyAction | None:
    """Type the captcha's letters (read from the DOM, not the utterance), then Submit."""
    captcha = next((el for el in dom if el["id"] == "captcha"), None)
    field = by_id(dom, "tt")
    if captcha is None or field is None:
        return None
    text = "".join(str(el["text"]) for el in under(dom, captcha) if el["tag"] == "span")
    action = type_into(field, text)
    if action is not None or not text:
        return action
    return next(iter(click(b) for b in submit_buttons(dom)), None)


_SEARCH = re.compile(r'enter "(.+?)" and press "Search", then find and click the (\d+)\w\w search result')


def search_engine(utterance: str, dom: Dom, step: int) -> PolicyAction | None:
    """Search for the quoted name, turn to the page holding the n-th result (3 a page), click it."""
    match = _SEARCH.search(utterance)
    field, button = by_id(dom, "search-text"), by_id(dom, "search")
    if match is None or field is None or button is None:
        return None
    query, rank = match.group(1), int(match.group(2)) - 1
    titles = find(dom, has_class("search-title"))
    if not titles or field["value"] != query:
        return type_into(field, query) or click(button)
    page = str(rank // 3 + 1)
    active = [el for el in dom if "active" in classes(el) and "page-item" in classes(el)]
    current = [str(el["text"]) for el in dom if active and el["parent"] == active[0]["ref"]]
    if current == [page]:
        return click(titles[rank % 3]) if rank % 3 < len(titles) else None
    links = find(dom, lambda el: has_class("page-link")(el) and el["text"] == page)
    return click(links[0]) if links else None


_EMAIL = re.compile(r"Find the email by (.+?) and (reply|forward|click the trash|click the star)")


def email_inbox(utterance: str, dom: Dom, step: int) -> PolicyAction | None:
    """Scroll the inbox to the sender's email; star or trash it there, or open it to reply or forward."""
    match = _EMAIL.search(utterance)
    if match is None:
        return None
    name, verb = match.groups()
    if verb == "reply":
        return _reply(dom, name, quoted(utterance)[-1]) if quoted(utterance) else None
    if verb == "forward":
        to = re.search(r"forward that email to (.+)\.$", utterance)
        return _forward(dom, name, to.group(1)) if to else None
    icon = "trash" if verb.endswith("trash") else "star"
    return _in_inbox(dom, name, icon)


def _in_inbox(dom: Dom, name: str, part: str) -> PolicyAction | None:
    """Click `part` ("trash", "star" or "email-sender") of the first email from `name`, scrolling to it."""
    inbox = by_id(dom, "main")
    if inbox is None:
        return None
    for thread in (el for el in under(dom, inbox) if "email-thread" in classes(el)):
        inner = under(dom, thread)
        if any(has_class("email-sender")(el) and el["text"] == name for el in inner):
            targets = [el for el in inner if part in classes(el)]
            if not targets:
                return None
            return click(targets[0]) if inside(targets[0], inbox) else wheel(inbox)
    return None


def _reply(dom: Dom, name: str, text: str) -> PolicyAction | None:
    area = next((el for el in dom if el["id"] == "reply-text"), None)
    if area is not None and visible(area):
        send = by_id(dom, "send-reply")
        return type_into(area, text) or (click(send) if send else None)
    return _open_and(dom, name, "email-reply")


def _forward(dom: Dom, name: str, to: str) -> PolicyAction | None:
    fields = find(dom, has_class("forward-sender"))
    if fields:
        send = by_id(dom, "send-forward")
        return type_into(fields[0], to) or (click(send) if send else None)
    return _open_and(dom, name, "email-forward")


def _open_and(dom: Dom, name: str, button: str) -> PolicyAction | None:
    """In an open email click its Reply or Forward button; in the inbox open the sender's email first."""
    buttons = [el for el in dom if button in classes(el) and shown(el)]
    area = by_id(dom, "area")
    if not buttons or area is None:
        return _in_inbox(dom, name, "email-sender")
    return click_in_view(buttons[0], area) or wheel(area)


BOOK_FLIGHT = re.compile(r"Book the (\w+) one-way flight from: (.+?) to: (.+?) on (\d\d/\d\d/\d{4})\.")
_AIRPORT = re.compile(r"\([A-Z]{3}\)$")


def book_flight(utterance: str, dom: Dom, step: int) -> PolicyAction | None:
    """Fill From and To through their autocomplete menus, pick the date, search, book the best flight."""
    match = BOOK_FLIGHT.search(utterance)
    if match is None:
        return None
    goal, origin, destination, date = match.groups()
    if any(el["id"] == "results" and shown(el) for el in dom):
        return _book(dom, goal)
    origin_field, destination_field = by_id(dom, "flight-from"), by_id(dom, "flight-to")
    picker, search = by_id(dom, "datepicker"), by_id(dom, "search")
    if origin_field is None or destination_field is None or picker is None or search is None:
        return None
    month, day, year = (int(g) for g in _DATE.search(date).groups())  # type: ignore[union-attr]
    calendars = find(dom, lambda el: el["id"] == "ui-datepicker-div")
    if calendars and picker["value"] != date:  # an open calendar covers the fields: finish the date
        if box(calendars[0])[1] >= box(picker)[1]:
            return hover(picker)  # not yet moved above its field
        return pick_date(dom, picker, month, day, year)
    action = airports(dom, [(origin_field, origin), (destination_field, destination)])
    if action is not None:
        return action
    return click(search) if picker["value"] == date else pick_date(dom, picker, month, day, year)


def airports(dom: Dom, fields: list[tuple[El, str]]) -> PolicyAction | None:
    """One step to make each airport field hold an entry naming its place; None when they do.

    Every field is typed before any menu is used: leaving a field cancels its menu's delayed
    search, and back in it ArrowDown opens the menu at once, with no search pending that would
    redraw it mid-walk. ArrowDown then walks the entries until the highlighted one names the
    place, and Enter takes it (a click on an entry is unreliable: the first only highlights it).
    """
    items = find(dom, has_class("ui-menu-item-wrapper"))
    for field, want in fields:
        if items and focused(field):  # a menu belongs to the field with focus
            if not any(want in str(el["text"]) for el in items):
                return None
            active = [el for el in items if "ui-state-active" in classes(el)]
            key = "<Enter>" if active and want in str(active[0]["text"]) else "<ArrowDown>"
            return PolicyAction(Kind.KEY, key=key)
    pending = [(f, w) for f, w in fields if not (w in str(f["value"]) and _AIRPORT.search(str(f["value"])))]
    empty = [(f, w) for f, w in pending if not f["value"]]
    if not pending:
        return None
    field, want = (empty or pending)[0]
    if not focused(field):
        return click(field)
    if not field["value"]:
        return PolicyAction(Kind.TYPE, text=want)
    if field["value"] != want:
        return PolicyAction(Kind.KEY, key="<Backspace>")
    return PolicyAction(Kind.KEY, key="<ArrowDown>")


def _duration(text: str) -> int:
    match = re.search(r"(\d+)h (\d+)m", text)
    return int(match.group(1)) * 60 + int(match.group(2)) if match else 1 << 30


def _price(text: str) -> int:
    match = re.search(r"\$(\d+)", text)
    return int(match.group(1)) if match else 1 << 30


def _book(dom: Dom, goal: str) -> PolicyAction | None:
    """Tab through the Book buttons until the cheapest or shortest flight's has focus, then Enter.

    Tab scrolls each button into view, so this is shorter than wheeling through results that
    are ~170 pixels a flight.
    """
    best: tuple[int, El] | None = None
    for flight in (el for el in dom if "flight" in classes(el)):
        inner = under(dom, flight)
        buttons = [el for el in inner if "flight-price" in classes(el)]
        durations = [el for el in inner if "time-duration" in classes(el)]
        if not buttons or not durations:
            continue
        cheapest = goal == "cheapest"
        key = _price(str(buttons[0]["text"])) if cheapest else _duration(str(durations[0]["text"]))
        if best is None or key < best[0]:
            best = (key, buttons[0])
    if best is None:
        return None
    return PolicyAction(Kind.KEY, key="<Enter>" if focused(best[1]) else "<Tab>")


_SOCIAL = re.compile(r'For the user (@\S+), click on the "(.+?)" button')
_MENU_ITEMS = {
    "Share via DM": "share",
    "Copy link to Tweet": "copy",
    "Embed Tweet": "embed",
    "Mute": "menu-user",
    "Block": "block-user",
    "Report": "report",
}
_CONTROLS = {"Reply": "reply", "Retweet": "retweet", "Like": "like"}


def social_media(utterance: str, dom: Dom, step: int) -> PolicyAction | None:
    """Scroll to the user's post; click its control, or open its "more" menu and click the item."""
    match = _SOCIAL.search(utterance)
    area = by_id(dom, "area")
    if match is None or area is None:
        return None
    user, button = match.groups()
    for post in (el for el in dom if "media" in classes(el)):
        inner = under(dom, post)
        if not any("username" in classes(el) and el["text"] == user for el in inner):
            continue
        if button in _CONTROLS:
            return _reach(inner, _CONTROLS[button], area)
        item = [el for el in inner if el["tag"] == "li" and _MENU_ITEMS.get(button, "?") in classes(el)]
        if item and shown(item[0]):
            return click(item[0]) if inside(item[0], area) else wheel(area)
        return _reach(inner, "more", area)
    return None


def _reach(inner: list[El], cls: str, area: El) -> PolicyAction | None:
    targets = [el for el in inner if cls in classes(el)]
    if not targets:
        return None
    return click(targets[0]) if inside(targets[0], area) else wheel(area)


FORMS: dict[str, Expert] = {
    "enter-date": enter_date,
    "choose-date-easy": choose_date_easy,
    "text-transform": text_transform,
    "search-engine": search_engine,
    "email-inbox": email_inbox,
    "book-flight": book_flight,
    "social-media": social_media,
}
