"""What a lot received into stock must look like: lot number, quantity, expiry."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

MAX_QUANTITY = 10_000


#: A lot number as printed on a carton: letters, digits and a few separators.
_LOT_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9./-]*$")


#: No B12 product has a shelf life near this: a later expiry is a typo in the year.
MAX_SHELF_LIFE_YEARS = 6


@dataclass(frozen=True)
class LotInput:
    product_id: int | None
    lot_number: str
    expiry_date: dt.date | None
    quantity: int | None
    supplier: str


def normalise_lot_number(text: str) -> str:
    """Lot numbers are matched case-blind and without stray spaces (a recall letter's
    "ch25c052" is the carton's "CH25C052")."""
    return "".join(text.split()).upper()


def validate_lot_input(lot: LotInput, today: dt.date) -> dict[str, str]:
    """Problems with a lot about to be received, by field (run as the form is typed too)."""
    errors: dict[str, str] = {}
    if lot.product_id is None:
        errors["product_id"] = "choose the product"
    number = normalise_lot_number(lot.lot_number)
    if not number:
        errors["lot_number"] = "is required (as printed on the carton)"
    elif len(number) > 40:
        errors["lot_number"] = "is longer than 40 characters"
    elif not _LOT_NUMBER.match(number):
        errors["lot_number"] = "may contain only letters, digits, '.', '/' and '-'"
    if lot.expiry_date is None:
        errors["expiry_date"] = "is required"
    elif lot.expiry_date <= today:
        errors["expiry_date"] = (
            f"{lot.expiry_date:%d/%m/%Y} is not after today: an expired lot cannot be received"
        )
    elif lot.expiry_date > dt.date(
        today.year + MAX_SHELF_LIFE_YEARS, today.month, min(today.day, 28)
    ):
        errors["expiry_date"] = (
            f"{lot.expiry_date:%d/%m/%Y} is more than {MAX_SHELF_LIFE_YEARS} years away: "
            "check the year"
        )
    if lot.quantity is None:
        errors["quantity"] = "is required"
    elif not 1 <= lot.quantity <= MAX_QUANTITY:
        errors["quantity"] = f"must be between 1 and {MAX_QUANTITY:,}"
    supplier = " ".join(lot.supplier.split())
    if not supplier:
        errors["supplier"] = "is required"
    elif len(supplier) > 80:
        errors["supplier"] = "is longer than 80 characters"
    return errors
