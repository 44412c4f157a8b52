"""Products, the lots received, and every movement of stock.

The remaining quantity lives on the lot under a CHECK constraint (never below zero);
``stock_movements`` is the ledger that explains it, which is what an auditor or a
product recall asks for.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from clinic_app.domain.codes import LotStatus, StockMovementKind
from clinic_app.persistence.base import Base, UtcDateTime, utcnow
from clinic_app.persistence.models.columns import coded


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    drug: Mapped[str] = mapped_column(String(40))
    brand: Mapped[str] = mapped_column(String(80))
    #: "ampoule" or "vial".
    form: Mapped[str] = mapped_column(String(20))
    #: Strength as micrograms per mL: the figure that turns a dose into a volume.
    strength_micrograms_per_ml: Mapped[int] = mapped_column(Integer)
    container_volume_ml: Mapped[float] = mapped_column(default=1.0)
    multi_dose: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Comma-separated routes the product's licence allows ("IM" or "IM,SC").
    licensed_routes: Mapped[str] = mapped_column(String(20), default="IM")
    #: Days an opened multi-dose vial may be used (from the product information).
    in_use_days: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (
        CheckConstraint("strength_micrograms_per_ml > 0", name="strength_positive"),
        UniqueConstraint("drug", "brand", "strength_micrograms_per_ml", "form"),
    )


class Lot(Base):
    __tablename__ = "lots"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    lot_number: Mapped[str] = mapped_column(String(40))
    expiry_date: Mapped[dt.date] = mapped_column(Date)
    quantity_received: Mapped[int] = mapped_column(Integer)
    quantity_remaining: Mapped[int] = mapped_column(Integer)
    supplier: Mapped[str] = mapped_column(String(80), default="")
    #: When the vial in use was first opened (multi-dose products): starts its in-use expiry.
    opened_on: Mapped[dt.date | None] = mapped_column(Date)
    received_on: Mapped[dt.date] = mapped_column(Date)
    received_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[LotStatus] = mapped_column(
        coded(LotStatus, "lot_status"), default=LotStatus.AVAILABLE
    )
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("quantity_received > 0", name="received_positive"),
        CheckConstraint("quantity_remaining >= 0", name="remaining_not_negative"),
        CheckConstraint(
            "quantity_remaining <= quantity_received", name="remaining_within_received"
        ),
        UniqueConstraint("product_id", "lot_number"),
    )


class StockMovement(Base):
    __tablename__ = "stock_movements"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    kind: Mapped[StockMovementKind] = mapped_column(coded(StockMovementKind, "movement_kind"))
    #: Signed: received is positive, administered negative.
    quantity: Mapped[int] = mapped_column(Integer)
    administration_id: Mapped[int | None] = mapped_column(ForeignKey("administrations.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    moved_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    moved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (CheckConstraint("quantity <> 0", name="quantity_nonzero"),)
