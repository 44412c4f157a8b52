"""Lot trace: every patient who received a given lot, with how to reach them.

This is what a practice needs on the day a manufacturer recalls a batch. It reads the
lot number copied onto each administration when it was given (indexed), not the lot
row, so the trace stays true even if the lot row was later corrected or the lot was
received under two products. Only doses actually given are listed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from clinic_app.domain.codes import AdministrationStatus, LotStatus
from clinic_app.domain.dose_volume import format_dose
from clinic_app.domain.lot_rules import normalise_lot_number
from clinic_app.domain.nhs_number import format_for_display
from clinic_app.domain.site_rotation import site_label
from clinic_app.persistence.models import Administration, Lot, Patient, Product, User
from clinic_app.persistence.unit_of_work import UnitOfWork

CSV_COLUMNS = (
    "lot_number",
    "lot_expiry",
    "date_given",
    "family_name",
    "given_name",
    "nhs_number",
    "date_of_birth",
    "phone",
    "email",
    "address",
    "dose",
    "volume_ml",
    "route",
    "site",
    "given_by",
    "patient_status",
)


@dataclass(frozen=True)
class TracedLot:
    """A lot row known under this number (the same number may exist for two products)."""

    lot_id: int
    product: str
    expiry_date: dt.date
    status: LotStatus
    quantity_received: int
    quantity_remaining: int


@dataclass(frozen=True)
class TraceRow:
    administration_id: int
    patient_id: int
    family_name: str
    given_name: str
    nhs_number: str
    date_of_birth: dt.date
    phone: str
    email: str
    address: str
    patient_status: str
    given_at: dt.datetime
    lot_number: str
    lot_expiry: dt.date | None
    dose_micrograms: int | None
    volume_ml: float | None
    route: str
    site: str
    given_by: str

    @property
    def name(self) -> str:
        return f"{self.family_name.upper()}, {self.given_name}"

    @property
    def date_given(self) -> dt.date:
        return self.given_at.astimezone().date()

    @property
    def dose_text(self) -> str:
        return format_dose(self.dose_micrograms) if self.dose_micrograms else ""


@dataclass(frozen=True)
class LotTrace:
    lot_number: str
    lots: tuple[TracedLot, ...]
    rows: tuple[TraceRow, ...]

    @property
    def patient_count(self) -> int:
        return len({row.patient_id for row in self.rows})


def trace_lot(
    uow: UnitOfWork, lot_number: str, *, offset: int = 0, limit: int | None = None
) -> LotTrace:
    """Recipients of ``lot_number`` (case and spaces ignored), oldest dose first.

    ``offset``/``limit`` page through a big recall for the screen; the CSV and the
    command take everything.
    """
    number = normalise_lot_number(lot_number)
    with uow.read() as session:
        lots = tuple(
            TracedLot(
                lot_id=lot.id,
                product=f"{product.brand} ({product.drug})",
                expiry_date=lot.expiry_date,
                status=lot.status,
                quantity_received=lot.quantity_received,
                quantity_remaining=lot.quantity_remaining,
            )
            for lot, product in session.execute(
                select(Lot, Product)
                .join(Product, Product.id == Lot.product_id)
                .where(Lot.lot_number == number)
                .order_by(Lot.id)
            ).all()
        )
        query = _recipients(number).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        rows = tuple(_row(found) for found in session.execute(query).all())
        return LotTrace(number, lots, rows)


def count_recipients(uow: UnitOfWork, lot_number: str) -> int:
    number = normalise_lot_number(lot_number)
    with uow.read() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(Administration)
                .where(
                    Administration.lot_number == number,
                    Administration.status == AdministrationStatus.COMPLETED,
                )
            )
            or 0
        )


def trace_csv(rows: Iterable[TraceRow]) -> str:
    """The trace as CSV (one row per dose given), for a recall letter mail-merge."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(
            [
                row.lot_number,
                row.lot_expiry.isoformat() if row.lot_expiry else "",
                row.date_given.isoformat(),
                _safe(row.family_name),
                _safe(row.given_name),
                format_for_display(row.nhs_number),
                row.date_of_birth.isoformat(),
                row.phone,
                _safe(row.email),
                _safe(row.address),
                row.dose_text,
                f"{row.volume_ml:g}" if row.volume_ml is not None else "",
                row.route,
                row.site,
                _safe(row.given_by),
                row.patient_status,
            ]
        )
    return buffer.getvalue()


def _recipients(number: str) -> Select[*tuple[Any, ...]]:
    return (
        select(
            Administration.id,
            Administration.patient_id,
            Administration.occurred_at,
            Administration.lot_number,
            Administration.lot_expiry,
            Administration.dose_micrograms,
            Administration.volume_ml,
            Administration.route,
            Administration.site,
            Administration.side,
            Patient.family_name,
            Patient.given_name,
            Patient.nhs_number,
            Patient.date_of_birth,
            Patient.phone,
            Patient.email,
            Patient.address_line1,
            Patient.address_line2,
            Patient.town,
            Patient.postcode,
            Patient.status,
            User.display_name,
        )
        .join(Patient, Patient.id == Administration.patient_id)
        .join(User, User.id == Administration.performer_id)
        .where(
            Administration.lot_number == number,
            Administration.status == AdministrationStatus.COMPLETED,
        )
        .order_by(Administration.occurred_at, Administration.id)
    )


def _row(found: Any) -> TraceRow:
    address = ", ".join(
        part
        for part in (found.address_line1, found.address_line2, found.town, found.postcode)
        if part
    )
    return TraceRow(
        administration_id=found.id,
        patient_id=found.patient_id,
        family_name=found.family_name,
        given_name=found.given_name,
        nhs_number=found.nhs_number,
        date_of_birth=found.date_of_birth,
        phone=found.phone,
        email=found.email,
        address=address,
        patient_status=found.status.label,
        given_at=found.occurred_at,
        lot_number=found.lot_number,
        lot_expiry=found.lot_expiry,
        dose_micrograms=found.dose_micrograms,
        volume_ml=found.volume_ml,
        route=found.route.value if found.route is not None else "",
        site=site_label(found.site, found.side),
        given_by=found.display_name,
    )


def _safe(text: str) -> str:
    """Defuse spreadsheet formulas: a name typed as "=HYPERLINK(...)" stays text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
