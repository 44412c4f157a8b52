"""Safety warnings that belong at the moment a course is started (CLINICAL_RULES.md 4).

They are advisory: the app does not prescribe, so it never refuses the course. It
shows each warning, asks the person to acknowledge it, and the acknowledgement is
kept as evidence that it was seen. Messages are written for a nurse at the desk: what
was noticed, why it matters, and what to check.
"""

from __future__ import annotations

from dataclasses import dataclass

RENAL_CYANOCOBALAMIN = "renal_cyanocobalamin"
FOLIC_ACID_BEFORE_B12 = "folic_acid_before_b12"


@dataclass(frozen=True, slots=True)
class CourseWarning:
    """``code`` is stable (stored with the acknowledgement); ``message`` is for people."""

    code: str
    message: str


def course_start_warnings(
    *, drug: str, renal_impairment: bool, on_folic_acid: bool, b12_doses_given: int
) -> tuple[CourseWarning, ...]:
    """Warnings for starting a course of ``drug`` for a patient with these flags.

    ``b12_doses_given`` counts injections already recorded for the patient on any
    course: folic acid is a concern only until B12 treatment is under way.
    """
    warnings: list[CourseWarning] = []
    if renal_impairment and drug == "cyanocobalamin":
        warnings.append(
            CourseWarning(
                RENAL_CYANOCOBALAMIN,
                "This patient is flagged with renal impairment and this template uses "
                "cyanocobalamin. The clinic's guidance (seed 002) prefers hydroxocobalamin "
                "for people with kidney problems. Check with the prescriber that "
                "cyanocobalamin is intended before starting.",
            )
        )
    if on_folic_acid and b12_doses_given == 0:
        warnings.append(
            CourseWarning(
                FOLIC_ACID_BEFORE_B12,
                "This patient is flagged as taking folic acid and has not had a B12 "
                "injection yet. Folic acid must not be started before B12 treatment is "
                "under way (seed 002): it can correct the anaemia while nerve damage from "
                "B12 deficiency carries on. Check with the prescriber before the folic "
                "acid continues.",
            )
        )
    return tuple(warnings)
