"""A patient's editable details and the rules that decide whether they can be saved.

The GUI runs these rules as the user types (to put a message beside each field) and
the service runs them again before saving, so no path can store an invalid patient.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, fields

from clinic_app.domain import nhs_number
from clinic_app.domain.codes import AnticoagulantClass, ContactPreference, PatientStatus, Sex

WEEKDAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()-]+$")
_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")
MAX_AGE_YEARS = 130


@dataclass(frozen=True)
class PatientDetails:
    nhs_number: str
    given_name: str
    family_name: str
    date_of_birth: dt.date | None
    sex: Sex = Sex.UNKNOWN
    address_line1: str = ""
    address_line2: str = ""
    town: str = ""
    postcode: str = ""
    phone: str = ""
    email: str = ""
    contact_preference: ContactPreference = ContactPreference.PHONE
    preferred_days: str = ""
    preferred_time: str = ""
    neuro_involvement: bool = False
    renal_impairment: bool = False
    anticoagulant: bool = False
    anticoagulant_name: str = ""
    #: Which kind: only a vitamin K antagonist gets the INR check.
    anticoagulant_class: AnticoagulantClass | None = None
    #: The patient's INR target range (VKA only); its top is their INR ceiling.
    inr_target_low: float | None = None
    inr_target_high: float | None = None
    on_folic_acid: bool = False
    bariatric_surgery: bool = False
    ileal_resection: bool = False
    status: PatientStatus = PatientStatus.ACTIVE
    notes: str = ""

    def normalised(self) -> PatientDetails:
        """The details as they will be stored: trimmed, NHS number without spaces."""
        return PatientDetails(
            **{
                **{f.name: getattr(self, f.name) for f in fields(self)},
                "nhs_number": nhs_number.normalise(self.nhs_number),
                "given_name": " ".join(self.given_name.split()),
                "family_name": " ".join(self.family_name.split()),
                "postcode": " ".join(self.postcode.upper().split()),
                "email": self.email.strip(),
                "phone": self.phone.strip(),
                "preferred_days": ",".join(
                    d for d in WEEKDAY_CODES if d in _split_days(self.preferred_days)
                ),
                # Not anticoagulated: no class and no INR range are kept.
                **(
                    {}
                    if self.anticoagulant
                    else {
                        "anticoagulant_class": None,
                        "inr_target_low": None,
                        "inr_target_high": None,
                    }
                ),
            }
        )


FIELD_LABELS: dict[str, str] = {
    "nhs_number": "NHS number",
    "given_name": "Given name",
    "family_name": "Family name",
    "date_of_birth": "Date of birth",
    "postcode": "Postcode",
    "phone": "Phone",
    "email": "Email",
    "contact_preference": "Contact preference",
    "preferred_days": "Preferred days",
    "preferred_time": "Preferred time",
    "anticoagulant_name": "Anticoagulant",
    "anticoagulant_class": "Kind of anticoagulant",
    "inr_target_low": "INR target from",
    "inr_target_high": "INR target to",
}

#: A plausible INR target range: outside it a value is a typing slip (CLINICAL_RULES
#: section 3 leaves the range to the prescriber; warfarin targets are 2-3 or 2.5-3.5).
INR_TARGET_LIMITS = (1.5, 4.5)


def validate(details: PatientDetails, today: dt.date) -> dict[str, str]:
    """Problems by field name; empty when the details can be saved."""
    errors: dict[str, str] = {}
    if (problem := nhs_number.problem(details.nhs_number)) is not None:
        errors["nhs_number"] = problem
    for name in ("given_name", "family_name"):
        value = getattr(details, name).strip()
        if not value:
            errors[name] = "is required"
        elif len(value) > 100:
            errors[name] = "is longer than 100 characters"
    if details.date_of_birth is None:
        errors["date_of_birth"] = "is required"
    elif details.date_of_birth > today:
        errors["date_of_birth"] = "cannot be in the future"
    elif details.date_of_birth.year < today.year - MAX_AGE_YEARS:
        errors["date_of_birth"] = f"is more than {MAX_AGE_YEARS} years ago: check the year"
    postcode = " ".join(details.postcode.upper().split())
    if postcode and not _POSTCODE.match(postcode):
        errors["postcode"] = "is not a UK postcode (e.g. LS1 4AP)"
    phone = details.phone.strip()
    if phone and (not _PHONE.match(phone) or not 7 <= sum(c.isdigit() for c in phone) <= 15):
        errors["phone"] = "must be a phone number of 7 to 15 digits"
    email = details.email.strip()
    if email and not _EMAIL.match(email):
        errors["email"] = "is not an email address (name@example.org)"
    if details.contact_preference in (ContactPreference.PHONE, ContactPreference.SMS) and not phone:
        errors.setdefault("phone", f"is needed for contact by {details.contact_preference.label}")
    if details.contact_preference is ContactPreference.EMAIL and not email:
        errors.setdefault("email", "is needed for contact by email")
    if details.contact_preference is ContactPreference.LETTER and not (
        details.address_line1.strip() and postcode
    ):
        errors["contact_preference"] = "letters need an address and a postcode"
    unknown = _split_days(details.preferred_days) - set(WEEKDAY_CODES)
    if unknown:
        errors["preferred_days"] = f"unknown day {sorted(unknown)[0]!r} (use mon, tue, ...)"
    if details.preferred_time not in ("", "am", "pm"):
        errors["preferred_time"] = "must be am, pm or empty"
    if details.anticoagulant and not details.anticoagulant_name.strip():
        errors["anticoagulant_name"] = "name the anticoagulant (e.g. warfarin, apixaban)"
    if details.anticoagulant:
        errors.update(_anticoagulant_problems(details))
    return errors


def _anticoagulant_problems(details: PatientDetails) -> dict[str, str]:
    errors: dict[str, str] = {}
    kind = details.anticoagulant_class
    if kind is None:
        errors["anticoagulant_class"] = (
            "choose the kind: vitamin K antagonist (warfarin), DOAC or heparin"
        )
    low, high = details.inr_target_low, details.inr_target_high
    if low is None and high is None:
        return errors
    if kind is not None and kind != AnticoagulantClass.VKA:
        errors["inr_target_low"] = (
            f"an INR target is for a vitamin K antagonist only: the INR does not measure "
            f"a {'DOAC' if kind == AnticoagulantClass.DOAC else 'heparin'}"
        )
        return errors
    bottom, top = INR_TARGET_LIMITS
    for name, value in (("inr_target_low", low), ("inr_target_high", high)):
        if value is None:
            errors[name] = "is needed too (give both ends of the range, e.g. 2-3)"
        elif not math.isfinite(value) or not bottom <= value <= top:
            errors[name] = f"must be between {bottom:g} and {top:g}: check the decimal point"
    if low is not None and high is not None and not errors and low >= high:
        errors["inr_target_high"] = "must be above the lower end of the range"
    return errors


def _split_days(text: str) -> set[str]:
    return {part.strip().lower() for part in text.replace(" ", ",").split(",") if part.strip()}
