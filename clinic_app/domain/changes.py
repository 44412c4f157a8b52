"""What a command changed, so each screen refreshes only when its own data moved.

A command returns its value together with a ``Changes``; the UI hands that to every
open screen, and a screen whose kinds are not in it does nothing. Patient ids narrow it
further: a patient's open record refreshes only for changes that name that patient.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Change(StrEnum):
    PATIENTS = "patients"
    COURSES = "courses"
    BOOKINGS = "bookings"
    RECORDS = "records"  # doses given or not given, decisions, lab results
    SESSIONS = "sessions"
    STOCK = "stock"
    SETTINGS = "settings"
    USERS = "users"
    PRESCRIBERS = "prescribers"  # the clinic's list of prescribers


@dataclass(frozen=True)
class Changes:
    kinds: frozenset[Change] = frozenset()
    #: Patients whose records changed; empty with kinds set means "any patient".
    patient_ids: frozenset[int] = frozenset()

    @classmethod
    def of(cls, *kinds: Change, patients: Iterable[int] = ()) -> Changes:
        return cls(frozenset(kinds), frozenset(patients))

    def __bool__(self) -> bool:
        return bool(self.kinds)

    def __or__(self, other: Changes) -> Changes:
        return Changes(self.kinds | other.kinds, self.patient_ids | other.patient_ids)

    def touches(self, *kinds: Change) -> bool:
        return not self.kinds.isdisjoint(kinds)

    def touches_patient(self, patient_id: int, *kinds: Change) -> bool:
        """True when ``kinds`` changed for this patient (or for patients not named)."""
        if not self.touches(*kinds):
            return False
        return not self.patient_ids or patient_id in self.patient_ids


NO_CHANGES = Changes()
