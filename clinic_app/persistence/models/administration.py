"""What a nurse records at the injection: the record an auditor or a recall reads later.

Lot number and expiry are copied onto the row as given, so the record stays true even
if the lot row is later corrected. Field names follow FHIR MedicationAdministration
(status, statusReason, performer, dosage.site/route/dose).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from clinic_app.domain.codes import (
    AdministrationStatus,
    Authority,
    NotGivenReason,
    Route,
    Side,
    Site,
)
from clinic_app.persistence.base import Base, UtcDateTime, utcnow
from clinic_app.persistence.models.columns import coded


class Administration(Base):
    __tablename__ = "administrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"))
    status: Mapped[AdministrationStatus] = mapped_column(
        coded(AdministrationStatus, "administration_status")
    )
    status_reason: Mapped[NotGivenReason | None] = mapped_column(
        coded(NotGivenReason, "not_given_reason")
    )
    occurred_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"))
    lot_number: Mapped[str] = mapped_column(String(40), default="")
    lot_expiry: Mapped[dt.date | None] = mapped_column(Date)
    dose_micrograms: Mapped[int | None] = mapped_column(Integer)
    #: The volume drawn up, from the product's strength: what the nurse actually sees.
    volume_ml: Mapped[float | None] = mapped_column(Float)
    route: Mapped[Route | None] = mapped_column(coded(Route, "route"))
    site: Mapped[Site | None] = mapped_column(coded(Site, "site"))
    side: Mapped[Side | None] = mapped_column(coded(Side, "side"))
    #: Why a dorsogluteal site or an off-template route was used.
    site_reason: Mapped[str] = mapped_column(Text, default="")
    needle_gauge: Mapped[int | None] = mapped_column(SmallInteger)
    pressure_minutes: Mapped[int | None] = mapped_column(SmallInteger)
    performer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    authority: Mapped[Authority | None] = mapped_column(coded(Authority, "authority"))
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    reaction: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    next_due_date: Mapped[dt.date | None] = mapped_column(Date)
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    #: Why a record was marked entered-in-error, by whom and when (never deleted).
    error_reason: Mapped[str] = mapped_column(Text, default="")
    error_marked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    error_marked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        CheckConstraint(
            "(status = 'not-done') = (status_reason IS NOT NULL)", name="not_done_has_reason"
        ),
        CheckConstraint(
            "status <> 'completed' OR (lot_id IS NOT NULL AND dose_micrograms IS NOT NULL"
            " AND volume_ml IS NOT NULL AND route IS NOT NULL AND site IS NOT NULL"
            " AND consent)",
            name="completed_is_complete",
        ),
        CheckConstraint("volume_ml IS NULL OR volume_ml > 0", name="volume_positive"),
        CheckConstraint(
            "status <> 'entered-in-error' OR error_reason <> ''", name="error_has_reason"
        ),
        # The same dose can never be recorded as given twice.
        Index(
            "uq_administrations_given_appointment",
            "appointment_id",
            unique=True,
            sqlite_where=text("status = 'completed'"),
            postgresql_where=text("status = 'completed'"),
        ),
        Index("ix_administrations_patient_id_occurred_at", "patient_id", "occurred_at"),
        # A plain index too: the partial one above cannot serve the foreign-key check
        # SQLite makes when an appointment row is deleted by a re-plan.
        Index("ix_administrations_appointment_id", "appointment_id"),
        Index("ix_administrations_lot_id", "lot_id"),
        Index("ix_administrations_lot_number", "lot_number"),
    )
