"""The console's HTML pages, as pure functions of the store's data and the look.

Built for an agent that reads pixels: big high-contrast text, every input with a text label to its
left, every clickable a real button or link with a text label, no scripts and no external assets.
Each page's <title> is its one <h1>, so the window title names the screen. All text is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from decimal import Decimal

from deskhand.scenarios.console.look import ConsoleLook
from deskhand.scenarios.console.money import format_money
from deskhand.scenarios.console.store import Note, Reply, Store, Ticket

BASE_FONT_PX = 18
BANNER_TEXT = "Scheduled maintenance tonight 22:00–23:00. Saving may be slow during that hour."
LIST_LIMIT = 2  # newest notes/replies shown, so the ticket page fits on one screen

_PALETTES = {
    "light": {
        "bg": "#ffffff",
        "fg": "#111111",
        "muted": "#3a3a3a",
        "line": "#5f6368",
        "panel": "#eef1f5",
        "accent": "#0b4fb3",
        "on-accent": "#ffffff",
        "error-bg": "#fde7e9",
        "error-fg": "#8b0015",
        "good": "#0b6b2b",
        "banner-bg": "#ffd54a",
        "banner-fg": "#111111",
        "shade": "rgba(0,0,0,0.6)",
    },
    "dark": {
        "bg": "#121417",
        "fg": "#f2f2f2",
        "muted": "#d0d0d0",
        "line": "#9aa0a6",
        "panel": "#22262d",
        "accent": "#8ab4f8",
        "on-accent": "#0b1020",
        "error-bg": "#4a1318",
        "error-fg": "#ffd0d4",
        "good": "#7ee2a0",
        "banner-bg": "#ffd54a",
        "banner-fg": "#111111",
        "shade": "rgba(0,0,0,0.7)",
    },
}

_CSS = """
*{box-sizing:border-box}
html{font-family:sans-serif;background:var(--bg);color:var(--fg)}
body{margin:0;line-height:1.35}
.banner{height:120px;overflow:hidden;display:flex;align-items:center;justify-content:center;padding:0 1rem;
 background:var(--banner-bg);color:var(--banner-fg);font-size:1.25rem;font-weight:bold;text-align:center}
nav{display:flex;align-items:center;gap:2rem;padding:.4rem 1.5rem;background:var(--panel);
 border-bottom:2px solid var(--line)}
nav .brand{font-weight:bold;font-size:1.1rem}
a{color:var(--accent);font-weight:bold}
main{padding:.6rem 1.5rem;max-width:1280px}
h1{font-size:1.55rem;margin:.2rem 0 .45rem}
h2{font-size:1.1rem;margin:.6rem 0 .3rem}
p{margin:.4rem 0}
button{font:inherit;font-weight:bold;min-height:2.3em;padding:.3em 1.1em;border:2px solid var(--accent);
 border-radius:6px;background:var(--accent);color:var(--on-accent);cursor:pointer}
button.secondary{background:var(--bg);color:var(--accent)}
form{margin:0}
input,textarea{font:inherit;color:var(--fg);background:var(--bg);border:2px solid var(--line);
 border-radius:4px;padding:.3em .5em;width:100%}
textarea{resize:none;height:4.2em}
.row{display:grid;grid-template-columns:8.5rem minmax(0,1fr);gap:.4rem 1rem;align-items:start;margin:.35rem 0}
.row>label,.row>.label{font-weight:bold;padding-top:.35em}
.row.middle>.label{padding-top:0;display:flex;align-items:center;min-height:calc(2.3rem + 4px)}
.row>.value{padding-top:.35em;overflow-wrap:anywhere}
.actions{display:flex;gap:.5rem .9rem;flex-wrap:wrap;align-items:center;min-height:calc(2.3rem + 4px)}
.columns{display:grid;grid-template-columns:minmax(0,1.2fr) minmax(0,1fr);gap:0 2.5rem}
.message{background:var(--panel);border:2px solid var(--line);border-radius:6px;padding:.5rem .75rem;
 margin:.3rem 0;white-space:pre-wrap;overflow-wrap:anywhere}
.status-open{font-weight:bold}
.status-refunded{font-weight:bold;color:var(--good)}
.error{background:var(--error-bg);color:var(--error-fg);border:2px solid var(--error-fg);border-radius:6px;
 padding:.45rem .75rem;font-weight:bold;margin:.4rem 0}
ul.entries{list-style:none;margin:0;padding:0}
ul.entries li{border-left:4px solid var(--line);padding:.1rem .6rem;margin:.3rem 0;white-space:pre-wrap;
 overflow-wrap:anywhere;max-height:2.7em;overflow:hidden}
.muted{color:var(--muted)}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.4rem .8rem;border-bottom:2px solid var(--line)}
th{background:var(--panel)}
.overlay{position:fixed;inset:0;background:var(--shade);display:flex;align-items:center;justify-content:center;
 padding:.5rem}
.dialog{background:var(--bg);color:var(--fg);border:3px solid var(--line);border-radius:10px;
 width:min(34rem,100%);max-height:100%;overflow:auto;padding:1rem 1.5rem;box-shadow:0 8px 30px rgba(0,0,0,.5)}
body.modal{overflow:hidden}
.dialog .actions{margin-top:1rem}
.dialog .question{font-size:1.3rem;font-weight:bold;margin:.6rem 0}
.inert{opacity:.55}
.narrow{max-width:44rem}
@media (max-width:760px){
 main{padding:.4rem .8rem}
 nav{padding:.3rem .8rem}
 .columns{grid-template-columns:minmax(0,1fr)}
 .row{grid-template-columns:6.5rem minmax(0,1fr)}
 .banner{font-size:1rem}
}
"""


def css(look: ConsoleLook) -> str:
    """The stylesheet: colours from the theme, every size in rem so font_scale scales everything."""
    palette = "".join(f"--{name}:{value};" for name, value in _PALETTES[look.theme].items())
    return f":root{{{palette}font-size:{BASE_FONT_PX * look.font_scale:g}px}}{_CSS}"


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def document(look: ConsoleLook, title: str, content: str, dialog: str = "") -> str:
    """A whole page whose single <h1> is `title`: on the page, or in the dialog drawn over it."""
    heading = f"<h1>{esc(title)}</h1>"
    main = content if dialog else heading + content
    overlay = (
        f'<div class="overlay"><div class="dialog" role="dialog" aria-modal="true">{heading}{dialog}</div></div>'
        if dialog
        else ""
    )
    banner = f'<div class="banner" id="banner">{esc(BANNER_TEXT)}</div>' if look.banner else ""
    inert = ' class="inert" aria-hidden="true"' if dialog else ""
    body_class = ' class="modal"' if dialog else ""
    return (
        f'<!doctype html>\n<html lang="en" data-theme="{esc(look.theme)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{css(look)}</style></head>\n"
        f"<body{body_class}><div{inert}>{banner}{_nav(look)}<main>{main}</main></div>{overlay}</body></html>\n"
    )


def _nav(look: ConsoleLook) -> str:
    link = '<a href="/" id="tickets-link">Tickets</a>' if look.shows("tickets_link") else ""
    return f'<nav><span class="brand">Support Console</span>{link}</nav>'


def button(
    look: ConsoleLook,
    name: str,
    label: str,
    action: str,
    method: str = "get",
    fields: Sequence[tuple[str, str]] = (),
    secondary: bool = False,
) -> str:
    """A real <button> in its own form (GET for navigation, POST for changes), or '' if the look hides it."""
    if not look.shows(name):
        return ""
    hidden = "".join(f'<input type="hidden" name="{esc(k)}" value="{esc(v)}">' for k, v in fields)
    css_class = ' class="secondary"' if secondary else ""
    return (
        f'<form method="{method}" action="{esc(action)}">{hidden}'
        f'<button type="submit" id="{esc(name.replace("_", "-"))}"{css_class}>{esc(label)}</button></form>'
    )


def status_text(refunded: Decimal) -> str:
    """'Open', or 'Refunded $X' with X the sum of all refunds on the ticket."""
    return f"Refunded {format_money(refunded)}" if refunded > 0 else "Open"


def _status(refunded: Decimal) -> str:
    css_class = "status-refunded" if refunded > 0 else "status-open"
    return f'<span class="{css_class}" id="status">{esc(status_text(refunded))}</span>'


def tickets_page(look: ConsoleLook, store: Store) -> str:
    """GET /: every ticket, its subject a link to the ticket."""
    rows = "".join(
        f"<tr><td>#{ticket.id}</td><td>{esc(ticket.customer)}</td>"
        f'<td><a href="/ticket/{ticket.id}">{esc(ticket.subject)}</a></td>'
        f"<td>{_status(store.refunded_total(ticket.id))}</td></tr>"
        for ticket in store.tickets
    )
    table = (
        '<table id="tickets"><thead><tr><th>Ticket</th><th>Customer</th><th>Subject</th><th>Status</th></tr>'
        f"</thead><tbody>{rows}</tbody></table>"
    )
    find = (
        '<form method="get" action="/ticket" class="narrow"><div class="row middle">'
        '<label for="find-ticket">Find ticket</label><div class="actions">'
        '<input id="find-ticket" name="id" type="text" inputmode="numeric" autocomplete="off" style="width:9em">'
        '<button type="submit" id="open-ticket-button">Open</button></div></div></form>'
    )
    return document(look, "Tickets", find + (table if store.tickets else "<p>No tickets.</p>"))


def ticket_title(ticket: Ticket) -> str:
    return f"Ticket #{ticket.id} — {ticket.subject}"


def ticket_page(look: ConsoleLook, store: Store, ticket: Ticket) -> str:
    """GET /ticket/<id>: the facts, the customer's message, and the three things an agent can do."""
    note = _text_form(look, ticket.id, "note", "Internal note", "save_note_button", "Save note")
    reply = _text_form(look, ticket.id, "reply", "Reply", "send_reply_button", "Send reply")
    notes = _entries("Notes", "notes", store.notes_for(ticket.id))
    replies = _entries("Replies", "replies", store.replies_for(ticket.id))
    work = f'<div class="columns"><div>{note}{notes}</div><div>{reply}{replies}</div></div>'
    return document(
        look, ticket_title(ticket), _ticket_facts(look, ticket, store.refunded_total(ticket.id)) + work
    )


def _ticket_facts(look: ConsoleLook, ticket: Ticket, refunded: Decimal) -> str:
    """Who, what order, the status with the Refund button beside it, and the customer's message."""
    facts = "".join(
        _fact(label, esc(value))
        for label, value in (
            ("Customer", ticket.customer),
            ("Email", ticket.email),
            ("Order", ticket.order_id),
            ("Order total", format_money(ticket.total)),
        )
    )
    refund = button(look, "refund_button", "Refund", f"/ticket/{ticket.id}/refund")
    status = (
        '<div class="row middle"><span class="label">Status</span>'
        f'<div class="actions">{_status(refunded)}{refund}</div></div>'
    )
    message = (
        f'<h2>Customer message</h2><div class="message" id="customer-message">{esc(ticket.message)}</div>'
    )
    return f'<div class="columns"><div>{facts}{status}</div><div>{message}</div></div>'


def _fact(label: str, value_html: str) -> str:
    return f'<div class="row"><span class="label">{esc(label)}</span><span class="value">{value_html}</span></div>'


def _text_form(
    look: ConsoleLook, ticket_id: int, name: str, label: str, button_name: str, button_label: str
) -> str:
    """A labelled textarea posting to /ticket/<id>/<name>, its button under the box."""
    submit = (
        f'<button type="submit" id="{button_name.replace("_", "-")}">{esc(button_label)}</button>'
        if look.shows(button_name)
        else ""
    )
    return (
        f'<form method="post" action="/ticket/{ticket_id}/{name}">'
        f'<div class="row"><label for="{name}">{esc(label)}</label>'
        f'<textarea id="{name}" name="{name}" rows="3"></textarea></div>'
        f'<div class="row"><span></span><div>{submit}</div></div></form>'
    )


def _entries(heading: str, list_id: str, entries: Sequence[Note | Reply]) -> str:
    """The newest few entries, newest first, and how many older ones are not shown."""
    if not entries:
        return f'<h2>{esc(heading)}</h2><p class="muted" id="{list_id}">None yet.</p>'
    newest = list(reversed(entries))[:LIST_LIMIT]
    items = "".join(f"<li>{esc(entry.text)}</li>" for entry in newest)
    older = len(entries) - len(newest)
    more = f'<p class="muted">{older} older not shown.</p>' if older else ""
    return f'<h2>{esc(heading)} ({len(entries)})</h2><ul class="entries" id="{list_id}">{items}</ul>{more}'


def refund_title(ticket: Ticket) -> str:
    return f"Refund — Ticket #{ticket.id}"


def refund_page(
    look: ConsoleLook, ticket: Ticket, refunded: Decimal, amount: str = "", reason: str = "", error: str = ""
) -> str:
    """GET /ticket/<id>/refund: Amount and Reason; re-shown with the typed values and an error if invalid."""
    message = f'<p class="error" id="error" role="alert">{esc(error)}</p>' if error else ""
    return document(
        look, refund_title(ticket), message + _refund_form(look, ticket, refunded, amount, reason)
    )


def _refund_form(
    look: ConsoleLook, ticket: Ticket, refunded: Decimal, amount: str, reason: str, inert: bool = False
) -> str:
    """The refund form; `inert` draws it disabled, as the page behind the confirm dialog."""
    disabled = " disabled" if inert else ""
    submit = (
        '<button type="submit" id="submit-refund-button">Submit refund</button>'
        if look.shows("submit_refund_button")
        else ""
    )
    back = f'<a href="/ticket/{ticket.id}">Back to ticket</a>'
    already = _fact("Refunded", esc(format_money(refunded))) if refunded > 0 else ""
    return (
        f'<div class="narrow">{_fact("Customer", esc(ticket.customer))}'
        f"{_fact('Order total', esc(format_money(ticket.total)))}{already}"
        f'<form method="get" action="/ticket/{ticket.id}/refund/confirm">'
        f'<div class="row"><label for="amount">Amount</label>'
        f'<input id="amount" name="amount" type="text" inputmode="decimal" autocomplete="off" '
        f'value="{esc(amount)}"{disabled}></div>'
        f'<div class="row"><label for="reason">Reason</label>'
        f'<input id="reason" name="reason" type="text" autocomplete="off" value="{esc(reason)}"{disabled}></div>'
        f'<div class="row"><span></span><div class="actions">{submit}{back}</div></div></form></div>'
    )


def confirm_title(ticket: Ticket) -> str:
    return f"Confirm refund — Ticket #{ticket.id}"


def confirm_page(look: ConsoleLook, ticket: Ticket, refunded: Decimal, amount: Decimal, reason: str) -> str:
    """GET /ticket/<id>/refund/confirm: a modal over the dimmed form; Confirm POSTs, Cancel goes back."""
    behind = f"<h2>{esc(refund_title(ticket))}</h2>" + _refund_form(
        look, ticket, refunded, str(amount), reason, inert=True
    )
    fields = (("amount", str(amount)), ("reason", reason))
    confirm = button(look, "confirm_button", "Confirm", f"/ticket/{ticket.id}/refund", "post", fields)
    cancel = button(look, "cancel_button", "Cancel", f"/ticket/{ticket.id}", secondary=True)
    reason_line = f"<p>Reason: {esc(reason)}</p>" if reason else ""
    dialog = (
        f'<p class="question" id="question">Refund {esc(format_money(amount))} to {esc(ticket.customer)}?</p>'
        f'{reason_line}<div class="actions">{confirm}{cancel}</div>'
    )
    return document(look, confirm_title(ticket), behind, dialog)


def problem_page(look: ConsoleLook, title: str, message: str, back: str, back_label: str) -> str:
    """Shown for 400/404/500: what went wrong in words, and a way back."""
    return document(
        look, title, f'<p id="problem">{esc(message)}</p><p><a href="{esc(back)}">{esc(back_label)}</a></p>'
    )
