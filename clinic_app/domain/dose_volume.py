"""A prescribed dose turned into the volume the nurse draws up, from the product's strength.

Seed 001 names the error this guards against: confusing a strength "per mL" with an
amount "per injection" (a 1000 micrograms/mL ampoule vs a 1000 micrograms/10 mL vial).
The app never asks for a volume: it computes it from the strength recorded on the
product, shows it beside the dose ("1 mg = 1 mL"), and refuses a volume that no
single injection of this product could be (more than the ampoule holds, or too small
to measure), which is what a mistyped strength produces.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

#: A 1 mL syringe is graduated in 0.01 mL: the volume is rounded to that.
VOLUME_STEP = Decimal("0.01")
#: Below this a 1 mL syringe cannot measure the dose reliably.
SMALLEST_MEASURABLE_ML = Decimal("0.05")
#: Above this no single IM or deep SC injection of these products is ever drawn up.
LARGEST_INJECTION_ML = Decimal("5")
MICROGRAMS_PER_MG = 1000


@dataclass(frozen=True, slots=True)
class DoseVolume:
    dose_micrograms: int
    strength_micrograms_per_ml: int
    volume_ml: Decimal

    @property
    def volume_float(self) -> float:
        return float(self.volume_ml)

    def text(self) -> str:
        """ "1 mg = 1 mL", "250 micrograms = 0.25 mL": what the nurse reads aloud."""
        return f"{format_dose(self.dose_micrograms)} = {format_ml(self.volume_ml)}"

    def strength_text(self) -> str:
        return format_strength(self.strength_micrograms_per_ml)


def to_micrograms(amount: float, unit: str) -> int:
    """A template dose (amount, "mg" or "microgram") in whole micrograms."""
    if unit == "mg":
        micrograms = Decimal(str(amount)) * MICROGRAMS_PER_MG
    elif unit in ("microgram", "micrograms"):
        micrograms = Decimal(str(amount))
    else:
        raise ValueError(f"unknown dose unit {unit!r} (use mg or microgram)")
    if micrograms <= 0 or micrograms != micrograms.to_integral_value():
        raise ValueError(f"a dose must be a positive whole number of micrograms, got {micrograms}")
    return int(micrograms)


def dose_volume(dose_micrograms: int, strength_micrograms_per_ml: int) -> DoseVolume:
    if dose_micrograms <= 0:
        raise ValueError(f"dose must be positive, got {dose_micrograms} micrograms")
    if strength_micrograms_per_ml <= 0:
        raise ValueError(f"strength must be positive, got {strength_micrograms_per_ml}")
    exact = Decimal(dose_micrograms) / Decimal(strength_micrograms_per_ml)
    return DoseVolume(
        dose_micrograms=dose_micrograms,
        strength_micrograms_per_ml=strength_micrograms_per_ml,
        volume_ml=exact.quantize(VOLUME_STEP, rounding=ROUND_HALF_UP),
    )


def volume_problem(volume: DoseVolume, container_volume_ml: float, multi_dose: bool) -> str | None:
    """Why this volume cannot be one injection of this product, or None if it can."""
    exact = Decimal(volume.dose_micrograms) / Decimal(volume.strength_micrograms_per_ml)
    strength = volume.strength_text()
    if exact < SMALLEST_MEASURABLE_ML:
        return (
            f"{volume.text()} at {strength} is too small to draw up accurately: check the "
            "product's strength (per mL, not per ampoule or vial)"
        )
    if exact > LARGEST_INJECTION_ML:
        return (
            f"{volume.text()} at {strength} is more than any single injection: check the "
            "product's strength (per mL, not per ampoule or vial)"
        )
    if exact != volume.volume_ml:
        return (
            f"{format_dose(volume.dose_micrograms)} at {strength} is {exact:.4f} mL, which "
            "cannot be measured in 0.01 mL steps: check the dose and the product"
        )
    container = Decimal(str(container_volume_ml))
    if not multi_dose and exact > container:
        ampoules = (exact / container).to_integral_value(rounding=ROUND_CEILING)
        return (
            f"{volume.text()} needs {ampoules} ampoules of {format_ml(container)}: check the "
            f"product's strength (it is recorded as {strength})"
        )
    return None


def format_dose(micrograms: int) -> str:
    """Whole milligrams as mg ("1 mg"), anything else in micrograms ("250 micrograms")."""
    if micrograms % MICROGRAMS_PER_MG == 0:
        return f"{micrograms // MICROGRAMS_PER_MG} mg"
    return f"{micrograms} microgram" + ("" if micrograms == 1 else "s")


def format_ml(volume: Decimal | float) -> str:
    """No trailing zero and always a leading zero: "1 mL", "0.25 mL".

    ISMP's list of error-prone designations: a trailing zero ("1.0 mL") is misread as
    ten times the dose when the point is missed; a naked point (".25 mL") as 25.
    """
    value = Decimal(str(volume)).normalize()
    text = f"{value:f}"
    if text.startswith("."):
        text = "0" + text
    return f"{text} mL"


def format_strength(micrograms_per_ml: int) -> str:
    if micrograms_per_ml % MICROGRAMS_PER_MG == 0:
        return f"{micrograms_per_ml} micrograms/mL ({micrograms_per_ml // MICROGRAMS_PER_MG} mg/mL)"
    return f"{micrograms_per_ml} micrograms/mL"
