"""NHS number checking (the modulus 11 check digit of the NHS Data Dictionary).

A mistyped NHS number is the commonest way to file a record against the wrong
patient; the check digit catches every single-digit error and most transpositions.
"""

from __future__ import annotations

_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)


def normalise(text: str) -> str:
    """Strip the spaces and dashes people type ("943 476 5919", "943-476-5919")."""
    return "".join(ch for ch in text if ch not in " -\t")


def check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or None when no valid number can end them."""
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, _WEIGHTS, strict=True))
    digit = 11 - total % 11
    if digit == 11:
        return 0
    if digit == 10:
        return None
    return digit


def problem(text: str) -> str | None:
    """What is wrong with an NHS number as typed, in words a receptionist can act on."""
    number = normalise(text)
    if not number:
        return "is required"
    if not number.isdigit():
        return "must contain digits only"
    if len(number) != 10:
        return f"must be 10 digits (got {len(number)})"
    if check_digit(number[:9]) != int(number[9]):
        return "is not a valid NHS number (check digit does not match): check for a typing error"
    return None


def is_valid(text: str) -> bool:
    return problem(text) is None


def format_for_display(number: str) -> str:
    """The 3-3-4 grouping NHS guidance asks for on screen and on paper."""
    digits = normalise(number)
    if len(digits) != 10:
        return number
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
