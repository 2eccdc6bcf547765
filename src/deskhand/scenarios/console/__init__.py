"""A small support console web app of our own: tickets, refunds, notes and replies.

Chromium shows it; deskhand drives it through pixels; checkers judge runs only from its store file.
Run it for a look: ``python -m deskhand.scenarios.console --store /tmp/console.json``.
"""

from deskhand.scenarios.console.look import ELEMENTS, ConsoleLook
from deskhand.scenarios.console.server import ConsoleServer, serve
from deskhand.scenarios.console.store import Note, Refund, Reply, Store, Ticket, default_tickets

__all__ = [
    "ELEMENTS",
    "ConsoleLook",
    "ConsoleServer",
    "Note",
    "Refund",
    "Reply",
    "Store",
    "Ticket",
    "default_tickets",
    "serve",
]
