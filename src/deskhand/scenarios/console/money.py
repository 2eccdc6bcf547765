"""Money as exact decimals, so the refund form refuses exactly what a real console would refuse.

>>> parse_amount(" 12.5 ", limit=Decimal("80.00"))
Decimal('12.50')
>>> format_money(Decimal("7"))
'$7.00'
"""

from __future__ import annotations

import re
from decimal import Decimal

CENT = Decimal("0.01")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")


class AmountError(ValueError):
    """Why a typed amount was refused; the message is shown to the person on the form."""


def parse_amount(text: str, limit: Decimal) -> Decimal:
    """The amount in `text` rounded to cents, or AmountError if it is not a valid refund up to `limit`."""
    value = text.strip()
    if not value:
        raise AmountError("Enter an amount.")
    if not _NUMBER.fullmatch(value):
        raise AmountError("Amount must be a number like 12.50.")
    if "." in value and len(value.partition(".")[2]) > 2:
        raise AmountError("Amount can have at most 2 decimals.")
    amount = Decimal(value)
    if amount <= 0:
        raise AmountError("Amount must be more than $0.00.")
    if amount > limit:
        raise AmountError(f"Amount can't be more than the order total {format_money(limit)}.")
    return amount.quantize(CENT)


def format_money(amount: Decimal) -> str:
    """Dollars with two decimals, as the pages show them."""
    return f"${amount.quantize(CENT)}"
