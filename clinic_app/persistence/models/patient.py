"""The roster: one row per patient, with the flags that change clinical handling."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from clinic_app.domain.codes import AnticoagulantClass, ContactPreference, PatientStatus, Sex
from clinic_app.persistence.base import Base, UtcDateTime, sort_key_type, utcnow
from clinic_app.persistence.models.columns import coded


class Patient(Base):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: NHS number, ten digits without spaces, checksum-validated by the service.
    nhs_number: Mapped[str] = mapped_column(String(10), unique=True)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    #: Lower-cased, accent-folded copies for as-you-type prefix search on any database.
    given_key: Mapped[str] = mapped_column(sort_key_type(100))
    family_key: Mapped[str] = mapped_column(sort_key_type(100))
    date_of_birth: Mapped[dt.date] = mapped_column(Date, index=True)
    sex: Mapped[Sex] = mapped_column(coded(Sex, "sex"))
    address_line1: Mapped[str] = mapped_column(String(120), default="")
    address_line2: Mapped[str] = mapped_column(String(120), default="")
    town: Mapped[str] = mapped_column(String(80), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    contact_preference: Mapped[ContactPreference] = mapped_column(
        coded(ContactPreference, "contact_preference"), default=ContactPreference.PHONE
    )
    #: Days the patient can attend, e.g. "mon,wed,fri"; empty means any open day.
    preferred_days: Mapped[str] = mapped_column(String(40), default="")
    #: "am", "pm" or "" for any time.
    preferred_time: Mapped[str] = mapped_column(String(2), default="")
    neuro_involvement: Mapped[bool] = mapped_column(Boolean, default=False)
    renal_impairment: Mapped[bool] = mapped_column(Boolean, default=False)
    anticoagulant: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Which anticoagulant (warfarin, apixaban...), so the nurse knows whether INR applies.
    anticoagulant_name: Mapped[str] = mapped_column(String(60), default="")
    anticoagulant_class: Mapped[AnticoagulantClass | None] = mapped_column(
        coded(AnticoagulantClass, "anticoagulant_class")
    )
    #: The patient's own INR target range (warfarin); the clinic's ceiling applies without.
    inr_target_low: Mapped[float | None] = mapped_column(Float)
    inr_target_high: Mapped[float | None] = mapped_column(Float)
    on_folic_acid: Mapped[bool] = mapped_column(Boolean, default=False)
    bariatric_surgery: Mapped[bool] = mapped_column(Boolean, default=False)
    ileal_resection: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[PatientStatus] = mapped_column(
        coded(PatientStatus, "patient_status"), default=PatientStatus.ACTIVE
    )
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Optimistic lock: two workstations editing one patient cannot overwrite each other.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_patients_family_key_given_key", "family_key", "given_key", "id"),
        Index("ix_patients_given_key", "given_key", "id"),
        # Serves the status filter and the roster sorted by status without a sort step.
        Index("ix_patients_status_name", "status", "family_key", "given_key", "id"),
    )
