"""Coded values the whole product shares, with the labels a person reads.

Where FHIR R4 has a code system for a field (Appointment.status, Slot.status,
MedicationAdministration.status, AdministrativeGender) the values are FHIR's, so an
export needs no translation table and a reader of the database meets familiar words.
"""

from __future__ import annotations

from enum import StrEnum


class Labelled(StrEnum):
    """A StrEnum whose members carry the label shown on screen and on paper."""

    @property
    def label(self) -> str:
        return _LABELS.get(self.value, self.value.replace("_", " ").capitalize())


class Role(Labelled):
    NURSE = "nurse"
    RECEPTIONIST = "receptionist"
    MANAGER = "manager"
    PRESCRIBER = "prescriber"
    ADMINISTRATOR = "administrator"


class Sex(Labelled):
    """FHIR AdministrativeGender."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class PatientStatus(Labelled):
    ACTIVE = "active"
    PAUSED = "paused"
    TRANSFERRED = "transferred"
    DECEASED = "deceased"


class ContactPreference(Labelled):
    PHONE = "phone"
    SMS = "sms"
    EMAIL = "email"
    LETTER = "letter"
    NONE = "none"


class CourseStatus(Labelled):
    ACTIVE = "active"
    ENDED = "ended"


class CourseEndReason(Labelled):
    """Why a lifelong course ended: only an explicit clinician decision ends one."""

    CAUSE_RESOLVED = "cause_resolved"
    MOVED_AWAY = "moved_away"
    DIED = "died"
    SWITCHED_TO_ORAL = "switched_to_oral"
    OTHER = "other"


class Phase(Labelled):
    LOADING = "loading"
    MAINTENANCE = "maintenance"
    REVIEW = "review"
    MONITORING = "monitoring"


class AppointmentStatus(Labelled):
    """FHIR Appointment.status; ``fulfilled`` is "given" to a nurse."""

    PROPOSED = "proposed"
    BOOKED = "booked"
    ARRIVED = "arrived"
    FULFILLED = "fulfilled"
    NOSHOW = "noshow"
    CANCELLED = "cancelled"


class SessionStatus(Labelled):
    ACTIVE = "active"
    CANCELLED = "cancelled"


class SlotStatus(Labelled):
    """FHIR Slot.status."""

    FREE = "free"
    BUSY = "busy"
    BUSY_UNAVAILABLE = "busy-unavailable"


class Route(Labelled):
    """Routes by their common abbreviation; never IV for these products."""

    IM = "IM"
    SC = "SC"


class Site(Labelled):
    DELTOID = "deltoid"
    VASTUS_LATERALIS = "vastus_lateralis"
    VENTROGLUTEAL = "ventrogluteal"
    DORSOGLUTEAL = "dorsogluteal"


class Side(Labelled):
    LEFT = "left"
    RIGHT = "right"


class Authority(Labelled):
    """The legal authority for giving the dose."""

    PSD = "psd"
    PGD = "pgd"


class AdministrationStatus(Labelled):
    """FHIR MedicationAdministration.status (the two values a clinic uses)."""

    COMPLETED = "completed"
    NOT_DONE = "not-done"
    #: Recorded by mistake: kept (never deleted), no longer counted as a dose given.
    ENTERED_IN_ERROR = "entered-in-error"


class NotGivenReason(Labelled):
    DECLINED = "declined"
    UNWELL = "unwell"
    NO_STOCK = "no_stock"
    PLATELETS = "platelets"
    OTHER = "other"


class LabTest(Labelled):
    B12 = "b12"
    HB = "hb"
    MCV = "mcv"
    PLATELETS = "platelets"
    HOMOCYSTEINE = "homocysteine"
    MMA = "mma"
    POTASSIUM = "potassium"
    INR = "inr"
    RETICULOCYTES = "reticulocytes"


class LabResultStatus(Labelled):
    """FHIR Observation.status: a mistyped result is marked, never deleted."""

    FINAL = "final"
    ENTERED_IN_ERROR = "entered-in-error"


class AnticoagulantClass(Labelled):
    """Which kind of anticoagulant: only a vitamin K antagonist is measured by the INR."""

    VKA = "vka"
    DOAC = "doac"
    HEPARIN = "heparin"


class Profession(Labelled):
    """A prescriber's profession; each has its own UK register for the number."""

    DOCTOR = "doctor"
    NURSE = "nurse"
    PHARMACIST = "pharmacist"

    @property
    def register(self) -> str:
        """The register that holds the number: GMC, NMC or GPhC."""
        return {"doctor": "GMC", "nurse": "NMC", "pharmacist": "GPhC"}[self.value]

    @property
    def label(self) -> str:
        # Its own words: "nurse" is also a Role value, labelled differently.
        return {
            "doctor": "Doctor (GMC)",
            "nurse": "Nurse or midwife prescriber (NMC)",
            "pharmacist": "Pharmacist prescriber (GPhC)",
        }[self.value]


class RecallMethod(Labelled):
    PHONE = "phone"
    SMS = "sms"
    EMAIL = "email"
    LETTER = "letter"
    IN_PERSON = "in_person"


class RecallOutcome(Labelled):
    NO_ANSWER = "no_answer"
    LEFT_MESSAGE = "left_message"
    BOOKED = "booked"
    DECLINED = "declined"
    WRONG_NUMBER = "wrong_number"
    OTHER = "other"


class StockMovementKind(Labelled):
    RECEIVED = "received"
    ADMINISTERED = "administered"
    WASTED = "wasted"
    ADJUSTED = "adjusted"
    RETURNED = "returned"


class LotStatus(Labelled):
    AVAILABLE = "available"
    QUARANTINED = "quarantined"
    RECALLED = "recalled"


class JobStatus(Labelled):
    """Where one run of a background job stands (the daily upkeep, the nightly refresh).

    A failed run gives its key back: the next workstation to start claims it again.
    """

    CLAIMED = "claimed"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


_LABELS: dict[str, str] = {
    "noshow": "Did not attend",
    "fulfilled": "Given",
    "proposed": "Planned",
    "IM": "Intramuscular (IM)",
    "SC": "Deep subcutaneous (SC)",
    "psd": "Patient-specific direction (PSD)",
    "pgd": "Patient group direction (PGD)",
    "vastus_lateralis": "Vastus lateralis (thigh)",
    "dorsogluteal": "Dorsogluteal (buttock)",
    "not-done": "Not given",
    "entered-in-error": "Entered in error",
    "vka": "Vitamin K antagonist (e.g. warfarin)",
    "doac": "DOAC (apixaban, rivaroxaban, edoxaban, dabigatran)",
    "heparin": "Heparin (e.g. enoxaparin, dalteparin)",
    "reticulocytes": "Reticulocytes",
    "b12": "Serum B12",
    "hb": "Haemoglobin (Hb)",
    "mcv": "MCV",
    "mma": "Methylmalonic acid (MMA)",
    "inr": "INR",
    "sms": "Text message (SMS)",
    "switched_to_oral": "Switched to oral tablets",
    "no_stock": "No stock",
    "busy-unavailable": "Unavailable",
}
