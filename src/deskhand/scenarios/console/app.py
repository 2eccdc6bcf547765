"""What the console does with a request: pick the page or record the change. No sockets here.

The store file is re-read on every request, so it stays the only truth: a benchmark may reset it
between episodes while the server keeps running.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from deskhand.scenarios.console import pages
from deskhand.scenarios.console.look import DEFAULT_LOOK, ConsoleLook
from deskhand.scenarios.console.money import AmountError, parse_amount
from deskhand.scenarios.console.store import Clock, Store, Ticket

FORM_TYPE = "application/x-www-form-urlencoded"
MAX_TEXT = 5000  # characters in a note or reply
MAX_REASON = 500


@dataclass(frozen=True)
class Response:
    """An HTML page, or a redirect when `location` is set."""

    status: int
    body: str = ""
    location: str = ""


class Problem(Exception):
    """A request we refuse, with the status and the sentence the person sees."""

    def __init__(self, status: int, message: str, back: str = "/") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.back = back


Form = dict[str, str]
_TITLES = {400: "Bad request", 404: "Not found", 500: "Something went wrong"}


class ConsoleApp:
    """Routes GETs to pages and POSTs to store changes, answering each with a Response."""

    def __init__(self, store_path: Path, look: ConsoleLook = DEFAULT_LOOK, clock: Clock = time.time) -> None:
        self.store_path = Path(store_path)
        self.look = look
        self._clock = clock
        self._lock = threading.Lock()  # one change at a time: load, append, save
        self._routes: list[tuple[str, re.Pattern[str], Callable[[Store, Ticket, Form], Response]]] = [
            ("GET", re.compile(r"/ticket/(\d+)"), self._ticket),
            ("GET", re.compile(r"/ticket/(\d+)/refund"), self._refund_form),
            ("GET", re.compile(r"/ticket/(\d+)/refund/confirm"), self._refund_confirm),
            ("POST", re.compile(r"/ticket/(\d+)/refund"), self._refund),
            ("POST", re.compile(r"/ticket/(\d+)/note"), self._note),
            ("POST", re.compile(r"/ticket/(\d+)/reply"), self._reply),
        ]

    def handle(self, method: str, target: str, body: bytes = b"", content_type: str = FORM_TYPE) -> Response:
        """Answer `method target`; `body` is a POST's urlencoded form. Never raises."""
        try:
            return self._dispatch(method, target, body, content_type)
        except Problem as problem:
            return self.problem(problem.status, problem.message, problem.back)
        except Exception as error:  # a bug must show a page, not kill the connection
            return self.problem(500, f"The console failed: {type(error).__name__}.")

    def _dispatch(self, method: str, target: str, body: bytes, content_type: str) -> Response:
        url = urlsplit(target)
        path = url.path.rstrip("/") or "/"
        form = parse_form(url.query) if method == "GET" else parse_body(body, content_type)
        if method == "GET" and path == "/":
            return Response(200, pages.tickets_page(self.look, Store.load(self.store_path)))
        if method == "GET" and path == "/ticket":  # the Find ticket box
            number = form.get("id", "").strip().lstrip("#")
            if not number.isdigit():
                raise Problem(400, f"{number!r} is not a ticket number.")
            return self._with_ticket(int(number), self._ticket, form, write=False)
        for route_method, pattern, handler in self._routes:
            match = pattern.fullmatch(path)
            if match and route_method == method:
                return self._with_ticket(int(match.group(1)), handler, form, write=method == "POST")
        raise Problem(404, f"There is no page at {path}.")

    def _with_ticket(
        self, ticket_id: int, handler: Callable[[Store, Ticket, Form], Response], form: Form, write: bool
    ) -> Response:
        """Run `handler` on a freshly loaded store; changes hold the lock from load to save.

        Reads take no lock: the store file is only ever replaced whole.
        """
        lock: AbstractContextManager[object] = self._lock if write else nullcontext()
        with lock:
            store = Store.load(self.store_path, self._clock)
            ticket = store.ticket(ticket_id)
            if ticket is None:
                raise Problem(404, f"There is no ticket #{ticket_id}.")
            return handler(store, ticket, form)

    def _ticket(self, store: Store, ticket: Ticket, form: Form) -> Response:
        return Response(200, pages.ticket_page(self.look, store, ticket))

    def _refund_form(self, store: Store, ticket: Ticket, form: Form) -> Response:
        return Response(200, pages.refund_page(self.look, ticket, store.refunded_total(ticket.id)))

    def _refund_confirm(self, store: Store, ticket: Ticket, form: Form) -> Response:
        amount, reason = form.get("amount", ""), form.get("reason", "").strip()
        checked = self._checked_refund(store, ticket, amount, reason)
        if isinstance(checked, Response):
            return checked
        page = pages.confirm_page(self.look, ticket, store.refunded_total(ticket.id), checked, reason)
        return Response(200, page)

    def _refund(self, store: Store, ticket: Ticket, form: Form) -> Response:
        amount, reason = _required(form, "amount", ticket), _required(form, "reason", ticket).strip()
        checked = self._checked_refund(store, ticket, amount, reason)
        if isinstance(checked, Response):
            return checked
        store.add_refund(ticket.id, checked, reason)
        return _back_to(ticket)

    def _checked_refund(self, store: Store, ticket: Ticket, amount: str, reason: str) -> Decimal | Response:
        """The amount to refund, or the form shown again with the typed values and why they were refused."""
        try:
            _check_length("Reason", reason, MAX_REASON, ticket)
            return parse_amount(amount, ticket.total)
        except (AmountError, Problem) as error:
            refunded = store.refunded_total(ticket.id)
            return Response(200, pages.refund_page(self.look, ticket, refunded, amount, reason, str(error)))

    def _note(self, store: Store, ticket: Ticket, form: Form) -> Response:
        store.add_note(ticket.id, _text(form, "note", "note", ticket))
        return _back_to(ticket)

    def _reply(self, store: Store, ticket: Ticket, form: Form) -> Response:
        store.add_reply(ticket.id, _text(form, "reply", "reply", ticket))
        return _back_to(ticket)

    def problem(self, status: int, message: str, back: str = "/") -> Response:
        """A page saying what was refused and linking back to where the person came from."""
        title = _TITLES.get(status, "Error")
        label = "Back to tickets" if back == "/" else "Back to ticket"
        return Response(status, pages.problem_page(self.look, title, message, back, label))


def _back_to(ticket: Ticket) -> Response:
    """303 after a change, so reloading the page in the browser cannot submit it twice."""
    return Response(303, location=f"/ticket/{ticket.id}")


def _required(form: Form, name: str, ticket: Ticket) -> str:
    if name not in form:
        raise Problem(400, f"The form is missing the field '{name}'.", f"/ticket/{ticket.id}")
    return form[name]


def _text(form: Form, name: str, what: str, ticket: Ticket) -> str:
    """The text of a note or reply, with browser line ends made plain; empty or huge is refused."""
    text = _required(form, name, ticket).replace("\r\n", "\n").strip()
    if not text:
        raise Problem(400, f"The {what} is empty. Type some text before saving.", f"/ticket/{ticket.id}")
    _check_length(what.capitalize(), text, MAX_TEXT, ticket)
    return text


def _check_length(what: str, text: str, limit: int, ticket: Ticket) -> None:
    if len(text) > limit:
        message = f"{what} is too long ({len(text)} characters; at most {limit})."
        raise Problem(400, message, f"/ticket/{ticket.id}")


def parse_body(body: bytes, content_type: str) -> Form:
    """A POST's fields; only plain HTML forms (urlencoded, hence ASCII) are accepted."""
    if content_type.split(";")[0].strip().lower() != FORM_TYPE:
        raise Problem(400, f"Forms must be sent as {FORM_TYPE}, not {content_type or 'nothing'}.")
    try:
        return parse_form(body.decode("ascii"))
    except UnicodeDecodeError as error:
        raise Problem(400, "The form data could not be read.") from error


def parse_form(encoded: str) -> Form:
    """Fields of a urlencoded form or query; a repeated or undecodable field is a 400."""
    try:
        pairs = parse_qsl(encoded, keep_blank_values=True, encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError) as error:
        raise Problem(400, "The form data could not be read.") from error
    form: Form = {}
    for name, value in pairs:
        if name in form:
            raise Problem(400, f"The form has the field '{name}' twice.")
        form[name] = value
    return form
