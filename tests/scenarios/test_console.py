"""The support console over real HTTP: pages, form posts, and what ends up in its store file.

Success is judged the way benchmarks judge it: by reading the store, never by trusting the page.
"""

from __future__ import annotations

import http.client
import re
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote, urlencode

import cv2
import numpy as np
import pytest

from deskhand.desktop.apps import CHROMIUM_FLAGS
from deskhand.scenarios.console import ConsoleLook, ConsoleServer, Store, default_tickets
from deskhand.scenarios.console.__main__ import parse_args

CHROMIUM = "/usr/bin/chromium"


@dataclass(frozen=True)
class Page:
    status: int
    body: str
    url: str

    @property
    def title(self) -> str:
        match = re.search(r"<title>(.*?)</title>", self.body)
        assert match, self.body
        return match.group(1)

    @property
    def headings(self) -> list[str]:
        return re.findall(r"<h1>(.*?)</h1>", self.body)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _fetch(
    url: str, data: bytes | None = None, headers: dict[str, str] | None = None, follow: bool = True
) -> Page:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    opener = urllib.request.build_opener() if follow else urllib.request.build_opener(_NoRedirect())
    try:
        with opener.open(request, timeout=10) as response:
            return Page(response.status, response.read().decode("utf-8"), response.url)
    except urllib.error.HTTPError as error:
        return Page(error.code, error.read().decode("utf-8"), url)


def get(server: ConsoleServer, path: str) -> Page:
    return _fetch(server.url + path.lstrip("/"))


def post(server: ConsoleServer, path: str, fields: dict[str, str], follow: bool = True) -> Page:
    return _fetch(server.url + path.lstrip("/"), urlencode(fields).encode("ascii"), follow=follow)


@pytest.fixture
def console(tmp_path: Path) -> Iterator[ConsoleServer]:
    Store.create(tmp_path / "store.json", default_tickets())
    with ConsoleServer(tmp_path / "store.json") as server:
        yield server


def stored(server: ConsoleServer) -> Store:
    return Store.load(server.app.store_path)


def test_tickets_page_links_every_ticket(console: ConsoleServer) -> None:
    page = get(console, "/")

    assert page.status == 200
    assert page.title == "Tickets" and page.headings == ["Tickets"]
    for ticket in default_tickets():
        assert f'<a href="/ticket/{ticket.id}">{ticket.subject}</a>' in page.body
    assert "Zoë Müller" in page.body and "Liam O&#x27;Connor" in page.body


@pytest.mark.parametrize("typed", ["4823", " #4823 "])
def test_find_ticket_opens_the_ticket_typed(console: ConsoleServer, typed: str) -> None:
    assert 'id="find-ticket"' in get(console, "/").body
    page = get(console, f"/ticket?id={quote(typed)}")
    assert page.status == 200 and page.title.startswith("Ticket #4823 — ")


@pytest.mark.parametrize(("typed", "status"), [("abc", 400), ("", 400), ("99", 404)])
def test_find_ticket_with_no_such_ticket_says_so(console: ConsoleServer, typed: str, status: int) -> None:
    page = get(console, f"/ticket?id={quote(typed)}")
    assert page.status == status and 'id="problem"' in page.body


def test_ticket_page_shows_facts_and_title_equals_heading(console: ConsoleServer) -> None:
    page = get(console, "/ticket/4821")
    ticket = default_tickets()[0]

    assert page.status == 200
    assert page.title == page.headings[0] == "Ticket #4821 — Refund request"
    for text in (ticket.customer, ticket.email, ticket.order_id, f"${ticket.total}", ticket.message, "Open"):
        assert text in page.body
    for label in ("Refund", "Internal note", "Save note", "Reply", "Send reply"):
        assert f">{label}<" in page.body


def test_refund_flow_records_exactly_one_refund(console: ConsoleServer) -> None:
    form = get(console, "/ticket/4821/refund")
    assert form.title == form.headings[0] == "Refund — Ticket #4821"
    assert (
        '<label for="amount">Amount</label>' in form.body
        and '<label for="reason">Reason</label>' in form.body
    )

    confirm = get(
        console, "/ticket/4821/refund/confirm?" + urlencode({"amount": "12.5", "reason": "Cracked"})
    )
    assert confirm.title == confirm.headings[0] == "Confirm refund — Ticket #4821"
    assert "Refund $12.50 to Zoë Müller?" in confirm.body
    assert stored(console).refunds == []

    done = post(console, "/ticket/4821/refund", {"amount": "12.50", "reason": "Cracked"})

    assert done.status == 200 and done.url.endswith("/ticket/4821")
    assert "Refunded $12.50" in done.body
    [refund] = stored(console).refunds_for(4821)
    assert (refund.amount, refund.reason, refund.seq) == (Decimal("12.50"), "Cracked", 1)
    assert "Refunded $12.50" in get(console, "/").body


def test_posts_answer_303_to_the_ticket(console: ConsoleServer) -> None:
    """A redirect after each change means reloading the page cannot submit it twice."""
    for path, fields in [
        ("refund", {"amount": "1", "reason": ""}),
        ("note", {"note": "n"}),
        ("reply", {"reply": "r"}),
    ]:
        page = post(console, f"/ticket/4822/{path}", fields, follow=False)
        assert page.status == 303, path
    assert [change.kind for change in stored(console).log] == ["refund", "note", "reply"]


@pytest.mark.parametrize("amount", ["", "abc", "-5", "0", "12.345", "1e3", "12,50", "295.62", "99999"])
def test_invalid_amount_reshows_form_with_error_and_stores_nothing(
    console: ConsoleServer, amount: str
) -> None:
    before = console.app.store_path.read_bytes()
    query = urlencode({"amount": amount, "reason": "why <b>"})

    shown = get(console, f"/ticket/4821/refund/confirm?{query}")
    posted = post(console, "/ticket/4821/refund", {"amount": amount, "reason": "why <b>"})

    for page in (shown, posted):
        assert page.status == 200
        assert page.title == "Refund — Ticket #4821"
        assert 'id="error"' in page.body and "Amount" in page.body
        assert 'value="why &lt;b&gt;"' in page.body
    assert console.app.store_path.read_bytes() == before


def test_refund_limit_is_the_order_total(console: ConsoleServer) -> None:
    total = str(default_tickets()[0].total)

    post(console, "/ticket/4821/refund", {"amount": total, "reason": "all of it"})

    assert stored(console).refunded_total(4821) == Decimal(total)


def test_note_and_reply_are_recorded_and_listed(console: ConsoleServer) -> None:
    post(console, "/ticket/4821/note", {"note": "Called Zoë\r\nabout the lamp"})
    page = post(console, "/ticket/4821/reply", {"reply": "  Refund is on its way.  "})

    store = stored(console)
    assert [note.text for note in store.notes_for(4821)] == ["Called Zoë\nabout the lamp"]
    assert [reply.text for reply in store.replies_for(4821)] == ["Refund is on its way."]
    assert "Called Zoë\nabout the lamp" in page.body and "Refund is on its way." in page.body
    assert store.notes_for(4822) == []


def test_user_text_is_escaped(console: ConsoleServer) -> None:
    page = post(console, "/ticket/4821/note", {"note": "<script>alert(1)</script>"})

    assert "<script>" not in page.body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.body
    assert stored(console).notes_for(4821)[0].text == "<script>alert(1)</script>"


@pytest.mark.parametrize(
    "path", ["/ticket/9999", "/ticket/9999/refund", "/nope", "/ticket/abc", "/ticket/4821/zzz"]
)
def test_unknown_pages_are_404(console: ConsoleServer, path: str) -> None:
    page = get(console, path)

    assert page.status == 404
    assert page.title == page.headings[0] == "Not found"


def test_posts_to_unknown_tickets_are_404_and_store_nothing(console: ConsoleServer) -> None:
    assert post(console, "/ticket/9999/note", {"note": "x"}).status == 404
    assert post(console, "/ticket/4821/nothing", {"note": "x"}).status == 404
    assert stored(console).log == ()


@pytest.mark.parametrize(
    ("path", "data", "content_type"),
    [
        ("note", b"note=", "application/x-www-form-urlencoded"),
        ("note", b"note=%20%0D%0A", "application/x-www-form-urlencoded"),
        ("reply", b"text=hello", "application/x-www-form-urlencoded"),
        ("note", b"note=a&note=b", "application/x-www-form-urlencoded"),
        ("note", b"note=%FF%FE", "application/x-www-form-urlencoded"),
        ("note", "note=Zoë".encode(), "application/x-www-form-urlencoded"),
        ("note", b'{"note": "hi"}', "application/json"),
        ("note", b"note=" + b"x" * 6000, "application/x-www-form-urlencoded"),
        ("note", b"note=" + b"x" * 70_000, "application/x-www-form-urlencoded"),
        ("refund", b"amount=5", "application/x-www-form-urlencoded"),
    ],
)
def test_bad_form_data_is_400_and_stores_nothing(
    console: ConsoleServer, path: str, data: bytes, content_type: str
) -> None:
    page = _fetch(f"{console.url}ticket/4821/{path}", data, {"Content-Type": content_type})

    assert page.status == 400
    assert page.title == "Bad request" and 'id="problem"' in page.body
    assert stored(console).log == ()
    assert get(console, "/ticket/4821").status == 200  # the server lives on


def test_a_broken_store_gives_a_500_page_not_a_dead_server(console: ConsoleServer) -> None:
    console.app.store_path.write_text("{not json", encoding="utf-8")

    page = get(console, "/ticket/4821")

    assert page.status == 500 and page.title == "Something went wrong"
    Store.create(console.app.store_path, default_tickets())
    assert get(console, "/ticket/4821").status == 200


def test_concurrent_posts_are_all_recorded_with_unique_seq(console: ConsoleServer) -> None:
    threads = [
        threading.Thread(target=post, args=(console, "/ticket/4821/note", {"note": f"note {index}"}))
        for index in range(16)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    notes = stored(console).notes_for(4821)
    assert sorted(note.text for note in notes) == sorted(f"note {index}" for index in range(16))
    assert [note.seq for note in notes] == list(range(1, 17))


def test_store_reset_on_disk_shows_on_next_page(console: ConsoleServer) -> None:
    """A benchmark can reset the store between episodes while the server keeps running."""
    post(console, "/ticket/4821/refund", {"amount": "5", "reason": "x"})
    Store.create(console.app.store_path, default_tickets(seed=1, count=2))

    assert "Refunded" not in get(console, "/ticket/4821").body
    assert get(console, "/ticket/4823").status == 404


def test_look_variants_change_the_html(console: ConsoleServer) -> None:
    light = get(console, "/ticket/4821").body
    assert 'data-theme="light"' in light and "font-size:18px" in light and 'id="banner"' not in light

    console.set_look(ConsoleLook(theme="dark", font_scale=1.25, banner=True))
    changed = get(console, "/ticket/4821").body

    assert 'data-theme="dark"' in changed and "--bg:#121417" in changed
    assert "font-size:22.5px" in changed
    assert 'id="banner"' in changed and "height:120px" in changed


@pytest.mark.parametrize(
    ("element", "path", "marker"),
    [
        ("refund_button", "/ticket/4821", ">Refund</button>"),
        ("save_note_button", "/ticket/4821", ">Save note</button>"),
        ("send_reply_button", "/ticket/4821", ">Send reply</button>"),
        ("submit_refund_button", "/ticket/4821/refund", ">Submit refund</button>"),
        ("confirm_button", "/ticket/4821/refund/confirm?amount=1&reason=x", ">Confirm</button>"),
        ("cancel_button", "/ticket/4821/refund/confirm?amount=1&reason=x", ">Cancel</button>"),
        ("tickets_link", "/", ">Tickets</a>"),
    ],
)
def test_hidden_elements_are_not_rendered(
    console: ConsoleServer, element: str, path: str, marker: str
) -> None:
    assert marker in get(console, path).body

    console.set_look(ConsoleLook(hidden=frozenset({element})))

    assert marker not in get(console, path).body


def test_look_rejects_unknown_values() -> None:
    with pytest.raises(ValueError, match="unknown elements"):
        ConsoleLook(hidden=frozenset({"refund_buton"}))
    with pytest.raises(ValueError, match="theme"):
        ConsoleLook(theme="blue")


def test_server_refuses_to_start_without_a_store(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        ConsoleServer(tmp_path / "missing.json").start()


def test_cli_parses_the_look() -> None:
    argv = [
        "--store",
        "s.json",
        "--theme",
        "dark",
        "--font-scale",
        "1.25",
        "--hide",
        "refund_button",
        "--banner",
    ]

    store, port, look, seed = parse_args(argv)

    assert (store, port, seed) == (Path("s.json"), 0, 0)
    assert look == ConsoleLook("dark", 1.25, True, frozenset({"refund_button"}))


def test_cli_refuses_a_bad_look() -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse_args(["--store", "s.json", "--font-scale", "9"])
    assert exit_info.value.code == 2


def test_post_without_content_length_is_400(console: ConsoleServer) -> None:
    connection = http.client.HTTPConnection(
        "127.0.0.1", int(console.url.rsplit(":", 1)[1].strip("/")), timeout=10
    )
    connection.putrequest("POST", "/ticket/4821/note")
    connection.putheader("Content-Type", "application/x-www-form-urlencoded")
    connection.endheaders()
    response = connection.getresponse()

    assert response.status == 400
    connection.close()
    assert stored(console).log == ()


def _screenshot(url: str, png: Path, profile: Path, size: str = "1280,800") -> subprocess.Popen[bytes]:
    command = [
        CHROMIUM,
        "--headless",
        *CHROMIUM_FLAGS,
        f"--user-data-dir={profile}",
        f"--screenshot={png}",
        f"--window-size={size}",
        url,
    ]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_chromium_renders_ticket_and_confirm_pages(console: ConsoleServer, tmp_path: Path) -> None:
    """Real pixels: the pages draw at 1280x800, and the refund form fits 640x480 without scrolling."""
    shots = {
        "ticket": (console.url + "ticket/4821", "1280,800"),
        "confirm": (console.url + "ticket/4821/refund/confirm?amount=12.50&reason=Cracked", "1280,800"),
        "refund_tall": (console.url + "ticket/4821/refund", "640,1000"),
    }
    runs = {
        name: _screenshot(url, tmp_path / f"{name}.png", tmp_path / f"profile-{name}", size)
        for name, (url, size) in shots.items()
    }
    for run in runs.values():
        assert run.wait(timeout=60) == 0

    for name in ("ticket", "confirm"):
        image = cv2.imread(str(tmp_path / f"{name}.png"))
        assert image is not None and image.shape == (800, 1280, 3), name
        assert len(np.unique(image.reshape(-1, 3), axis=0)) > 20, f"{name} looks blank"
    tall = cv2.imread(str(tmp_path / "refund_tall.png"))
    assert tall is not None and tall.shape == (1000, 640, 3)
    drawn_rows = np.flatnonzero((tall != tall[-1, -1]).any(axis=(1, 2)))
    assert drawn_rows.max() < 480, "the refund form needs scrolling at 640x480"
