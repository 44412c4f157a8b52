"""A prescriber on the clinic's list, and the rules a registration number must keep.

Only a decision naming a prescriber from this list lifts a platelet or INR hold, so
the number is checked against the shape each UK register gives it: a slip (a digit
too few, a doctor's number under "nurse") is refused naming the field, not stored.

- GMC (doctors): 7 digits.
- NMC (nurses and midwives): a PIN of 2 digits, a letter, 4 digits and a letter
  (e.g. 12A3456E).
- GPhC (pharmacists): 7 digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from clinic_app.domain.codes import Profession

MAX_NAME_LENGTH = 120

_NUMBER_SHAPES: dict[Profession, tuple[re.Pattern[str], str]] = {
    Profession.DOCTOR: (re.compile(r"^\d{7}$"), "a GMC number is 7 digits (e.g. 1234567)"),
    Profession.NURSE: (
        re.compile(r"^\d{2}[A-Z]\d{4}[A-Z]$"),
        "an NMC PIN is 2 digits, a letter, 4 digits and a letter (e.g. 12A3456E)",
    ),
    Profession.PHARMACIST: (re.compile(r"^\d{7}$"), "a GPhC number is 7 digits (e.g. 2012345)"),
}


@dataclass(frozen=True)
class PrescriberDetails:
    """What a manager enters for one prescriber (strings as typed or chosen)."""

    name: str
    profession: str
    registration_number: str
    #: The app user who is this prescriber (role prescriber), when they sign in.
    user_id: int | None = None

    def normalised(self) -> PrescriberDetails:
        return PrescriberDetails(
            name=" ".join(self.name.split()),
            profession=self.profession.strip(),
            registration_number=normalise_number(self.registration_number),
            user_id=self.user_id,
        )


def normalise_number(text: str) -> str:
    """As the register prints it: no spaces, capital letters ("12a 3456e" -> 12A3456E)."""
    return "".join(text.split()).upper()


def profession_of(value: str) -> Profession | None:
    try:
        return Profession(value)
    except ValueError:
        return None


def validate_prescriber(details: PrescriberDetails) -> dict[str, str]:
    """Problems by field; empty when the prescriber can be saved (uniqueness is the
    service's, which can see the list)."""
    errors: dict[str, str] = {}
    name = " ".join(details.name.split())
    if not name:
        errors["name"] = "is required (as on the register, e.g. Dr Helen Morgan)"
    elif len(name) > MAX_NAME_LENGTH:
        errors["name"] = f"is longer than {MAX_NAME_LENGTH} characters"
    profession = profession_of(details.profession.strip())
    number = normalise_number(details.registration_number)
    if profession is None:
        errors["profession"] = "choose doctor (GMC), nurse (NMC) or pharmacist (GPhC)"
    elif not number:
        errors["registration_number"] = f"is required ({profession.register} number)"
    else:
        shape, example = _NUMBER_SHAPES[profession]
        if not shape.match(number):
            errors["registration_number"] = (
                f"{number} is not a valid {profession.register} number: {example}"
            )
    return errors
