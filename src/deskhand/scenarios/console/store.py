"""The support console's store: one JSON file that checkers read to judge a run.

Changes are only ever appended, each with a global increasing ``seq`` and the wall time, and the
whole file is replaced atomically after each one. A checker therefore never sees half a write and
can count submissions exactly (one refund, not two). The file looks like::

    {"version": 1,
     "tickets": [{"id": 4821, "customer": "Zoë Müller", "total": "129.99", ...}],
     "refunds": [{"seq": 1, "time": 1700000000.0, "ticket_id": 4821, "amount": "12.50", "reason": "..."}],
     "notes":   [{"seq": 2, "time": ..., "ticket_id": 4821, "text": "..."}],
     "replies": [{"seq": 3, "time": ..., "ticket_id": 4821, "text": "..."}],
     "log":     [{"kind": "refund", "seq": 1, ...}, {"kind": "note", "seq": 2, ...}, ...]}

Money is written as strings with two decimals so it stays exact.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Self, TypeVar

from deskhand.scenarios.console.money import CENT

FORMAT_VERSION = 1
Clock = Callable[[], float]


@dataclass(frozen=True)
class Ticket:
    """A customer's request and the order it is about; fixed when the store is created."""

    id: int
    customer: str
    email: str
    order_id: str
    total: Decimal
    subject: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "customer": self.customer,
            "email": self.email,
            "order_id": self.order_id,
            "total": str(self.total.quantize(CENT)),
            "subject": self.subject,
            "message": self.message,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        return cls(
            id=int(data["id"]),
            customer=str(data["customer"]),
            email=str(data["email"]),
            order_id=str(data["order_id"]),
            total=Decimal(str(data["total"])).quantize(CENT),
            subject=str(data["subject"]),
            message=str(data["message"]),
        )


@dataclass(frozen=True)
class Refund:
    """One submitted refund; two of these for a ticket means the form was submitted twice."""

    seq: int
    time: float
    ticket_id: int
    amount: Decimal
    reason: str

    kind = "refund"

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "time": self.time,
            "ticket_id": self.ticket_id,
            "amount": str(self.amount),
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        return cls(
            seq=int(data["seq"]),
            time=float(data["time"]),
            ticket_id=int(data["ticket_id"]),
            amount=Decimal(str(data["amount"])),
            reason=str(data["reason"]),
        )


@dataclass(frozen=True)
class _Text:
    """A piece of text saved on a ticket (a note or a reply)."""

    seq: int
    time: float
    ticket_id: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "time": self.time, "ticket_id": self.ticket_id, "text": self.text}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        return cls(
            seq=int(data["seq"]),
            time=float(data["time"]),
            ticket_id=int(data["ticket_id"]),
            text=str(data["text"]),
        )


@dataclass(frozen=True)
class Note(_Text):
    """An internal note: seen by agents only, never sent to the customer."""

    kind = "note"


@dataclass(frozen=True)
class Reply(_Text):
    """A reply sent to the customer."""

    kind = "reply"


Change = Refund | Note | Reply
C = TypeVar("C", Refund, Note, Reply)
_KINDS: dict[str, type[Refund] | type[Note] | type[Reply]] = {"refund": Refund, "note": Note, "reply": Reply}


class Store:
    """Tickets plus the append-only list of changes, mirrored to `path` after every change.

    Not thread-safe: the server serialises changes. Load, change, and the file is rewritten.
    """

    def __init__(
        self, path: Path, tickets: Sequence[Ticket], changes: Sequence[Change] = (), clock: Clock = time.time
    ) -> None:
        ids = [ticket.id for ticket in tickets]
        if len(set(ids)) != len(ids):
            raise ValueError(f"ticket ids must be unique: {ids}")
        self.path = Path(path)
        self.tickets = tuple(tickets)
        self._by_id = {ticket.id: ticket for ticket in self.tickets}
        self._changes: tuple[Change, ...] = tuple(changes)
        self._clock = clock

    @classmethod
    def create(cls, path: Path, tickets: Iterable[Ticket], clock: Clock = time.time) -> Store:
        """A fresh store holding `tickets` and no changes, written to `path` (replacing any file)."""
        store = cls(path, list(tickets), clock=clock)
        store.save()
        return store

    @classmethod
    def load(cls, path: Path, clock: Clock = time.time) -> Store:
        """The store saved at `path`; the log is the source of truth for the changes."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("version") != FORMAT_VERSION:
            raise ValueError(f"{path}: unknown store version {data.get('version')!r}")
        tickets = [Ticket.from_dict(item) for item in data["tickets"]]
        changes = [_KINDS[item["kind"]].from_dict(item) for item in data["log"]]
        return cls(path, tickets, changes, clock)

    def ticket(self, ticket_id: int) -> Ticket | None:
        return self._by_id.get(ticket_id)

    @property
    def log(self) -> tuple[Change, ...]:
        """Every change in the order it happened."""
        return self._changes

    @property
    def refunds(self) -> list[Refund]:
        return [change for change in self._changes if isinstance(change, Refund)]

    @property
    def notes(self) -> list[Note]:
        return [change for change in self._changes if isinstance(change, Note)]

    @property
    def replies(self) -> list[Reply]:
        return [change for change in self._changes if isinstance(change, Reply)]

    def refunds_for(self, ticket_id: int) -> list[Refund]:
        return [refund for refund in self.refunds if refund.ticket_id == ticket_id]

    def notes_for(self, ticket_id: int) -> list[Note]:
        return [note for note in self.notes if note.ticket_id == ticket_id]

    def replies_for(self, ticket_id: int) -> list[Reply]:
        return [reply for reply in self.replies if reply.ticket_id == ticket_id]

    def refunded_total(self, ticket_id: int) -> Decimal:
        return sum((refund.amount for refund in self.refunds_for(ticket_id)), Decimal("0.00"))

    def add_refund(self, ticket_id: int, amount: Decimal, reason: str) -> Refund:
        if amount <= 0:
            raise ValueError(f"refund amount must be positive, got {amount}")
        seq, now = self._stamp(ticket_id)
        return self._append(Refund(seq, now, ticket_id, amount.quantize(CENT), reason))

    def add_note(self, ticket_id: int, text: str) -> Note:
        seq, now = self._stamp(ticket_id)
        return self._append(Note(seq, now, ticket_id, text))

    def add_reply(self, ticket_id: int, text: str) -> Reply:
        seq, now = self._stamp(ticket_id)
        return self._append(Reply(seq, now, ticket_id, text))

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": FORMAT_VERSION,
            "tickets": [ticket.to_dict() for ticket in self.tickets],
            "refunds": [refund.to_dict() for refund in self.refunds],
            "notes": [note.to_dict() for note in self.notes],
            "replies": [reply.to_dict() for reply in self.replies],
            "log": [{"kind": change.kind, **change.to_dict()} for change in self._changes],
        }

    def save(self) -> None:
        write_atomically(self.path, json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n")

    def _stamp(self, ticket_id: int) -> tuple[int, float]:
        """The next seq and the time for a change to `ticket_id`, which must exist."""
        if ticket_id not in self._by_id:
            raise KeyError(f"no ticket #{ticket_id}")
        seq = self._changes[-1].seq + 1 if self._changes else 1
        return seq, self._clock()

    def _append(self, change: C) -> C:
        """Record `change` only once it is safely on disk, so memory and file never disagree."""
        before: tuple[Change, ...] = self._changes
        self._changes = (*before, change)
        try:
            self.save()
        except BaseException:
            self._changes = before
            raise
        return change


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to a temp file beside `path`, then rename it over `path`: readers see old or new."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


_CUSTOMERS = (
    "Zoë Müller",
    "Liam O'Connor",
    "José Álvarez",
    "Priya Natarajan",
    "Björn Andersson",
    "Mei Chen",
    "Chloé Dubois",
    "Oluwaseun Adeyemi",
    "Jürgen Weiß",
    "Emma Johnson",
    "Łucja Nowak",
    "Noah Smith",
)
_ITEMS = (
    "desk lamp",
    "wireless keyboard",
    "espresso machine",
    "rain jacket",
    "hiking boots",
    "bluetooth speaker",
    "office chair",
    "blender",
)
_REQUESTS = (
    (
        "Refund request",
        "Hi, I bought the {item} on order {order} but it is not what I expected. Could you refund me?",
    ),
    ("Damaged item", "The {item} from order {order} arrived with a cracked case. What can you do?"),
    ("Late delivery", "My order {order} ({item}) was due last week and still has not arrived."),
    ("Wrong size", "The {item} on order {order} is the wrong size. I would like my money back."),
    ("Double charge", "I was charged twice for order {order}. Please refund the extra payment."),
    ("Missing parts", "The {item} from order {order} came with parts missing."),
)
_ASCII = str.maketrans({"ß": "ss", "Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "'": ""})


def default_tickets(seed: int = 0, count: int = 8) -> list[Ticket]:
    """Plausible, deterministic tickets #4821, #4822, ...; seed 0 starts with Zoë Müller's refund request."""
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    rng = random.Random(seed)
    return [_ticket(seed, index, rng) for index in range(count)]


def _ticket(seed: int, index: int, rng: random.Random) -> Ticket:
    """Ticket number `index`: names and subjects rotate with the seed, order and amount come from `rng`."""
    customer = _CUSTOMERS[(3 * seed + index) % len(_CUSTOMERS)]
    subject, template = _REQUESTS[(seed + index) % len(_REQUESTS)]
    order_id = f"ORD-{rng.randrange(300000, 1000000)}"
    total = Decimal(rng.randrange(1999, 49999)) / 100
    return Ticket(
        id=4821 + index,
        customer=customer,
        email=f"{_email_name(customer)}@example.com",
        order_id=order_id,
        total=total.quantize(CENT),
        subject=subject,
        message=template.format(item=rng.choice(_ITEMS), order=order_id),
    )


def _email_name(name: str) -> str:
    """'Zoë Müller' -> 'zoe.muller': what a shop's sign-up form would have made of the name."""
    folded = unicodedata.normalize("NFKD", name.translate(_ASCII))
    plain = "".join(char for char in folded if char.isascii())
    return ".".join(plain.lower().split())
