"""Stock as the Stock screen reads it: products, lots a page at a time, what runs low,
what expires soon.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from clinic_app.domain.clinic_settings import ClinicSettings
from clinic_app.domain.codes import LotStatus
from clinic_app.domain.dose_volume import format_ml, format_strength
from clinic_app.domain.errors import NotFound
from clinic_app.persistence.models import Lot, Product
from clinic_app.persistence.store.settings_store import read_settings
from clinic_app.persistence.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class ProductSummary:
    id: int
    drug: str
    brand: str
    form: str
    strength_micrograms_per_ml: int
    container_volume_ml: float
    multi_dose: bool
    licensed_routes: tuple[str, ...]

    @property
    def label(self) -> str:
        """ "Cobalin-H (hydroxocobalamin) 1000 micrograms/mL (1 mg/mL), 1 mL ampoule"."""
        return (
            f"{self.brand} ({self.drug}) {format_strength(self.strength_micrograms_per_ml)}, "
            f"{format_ml(self.container_volume_ml)} {self.form}"
        )


@dataclass(frozen=True)
class LotRow:
    id: int
    product: ProductSummary
    lot_number: str
    expiry_date: dt.date
    quantity_received: int
    quantity_remaining: int
    supplier: str
    received_on: dt.date
    status: LotStatus
    expired: bool
    expiring_soon: bool
    low: bool

    @property
    def usable(self) -> bool:
        return (
            self.status is LotStatus.AVAILABLE and not self.expired and self.quantity_remaining > 0
        )

    def state_text(self) -> str:
        """What the stock table says about the lot, most serious first."""
        if self.status is not LotStatus.AVAILABLE:
            return self.status.label
        if self.expired:
            return f"Expired {self.expiry_date:%d/%m/%Y}"
        if self.quantity_remaining == 0:
            return "Used up"
        notes = []
        if self.expiring_soon:
            notes.append("expires soon")
        if self.low:
            notes.append("low stock")
        return "Available" + (f" ({', '.join(notes)})" if notes else "")


# -- reading ----------------------------------------------------------------------------


def list_products(uow: UnitOfWork, *, active_only: bool = True) -> tuple[ProductSummary, ...]:
    with uow.read() as session:
        query = select(Product).order_by(Product.drug, Product.brand, Product.id)
        if active_only:
            query = query.where(Product.active.is_(True))
        return tuple(product_summary(p) for p in session.scalars(query))


def count_lots(uow: UnitOfWork, *, include_empty: bool = False) -> int:
    with uow.read() as session:
        query = select(func.count()).select_from(Lot)
        if not include_empty:
            query = query.where(Lot.quantity_remaining > 0)
        return session.scalar(query) or 0


def lot_page(
    uow: UnitOfWork,
    *,
    today: dt.date,
    offset: int = 0,
    limit: int = 200,
    include_empty: bool = False,
) -> tuple[LotRow, ...]:
    """Lots by expiry (soonest first), a page at a time, for the stock table."""
    with uow.read() as session:
        settings = read_settings(session)
        query = _lots_query().order_by(Lot.expiry_date, Lot.lot_number, Lot.id)
        if not include_empty:
            query = query.where(Lot.quantity_remaining > 0)
        rows = session.execute(query.offset(offset).limit(limit)).all()
        return tuple(_lot_row(lot, product, today, settings) for lot, product in rows)


def get_lot(uow: UnitOfWork, lot_id: int, *, today: dt.date) -> LotRow:
    with uow.read() as session:
        return _read_lot(session, lot_id, today)


def low_stock(uow: UnitOfWork, *, today: dt.date | None = None) -> tuple[LotRow, ...]:
    """Usable lots at or below the clinic's low-stock threshold, fewest left first."""
    today = today or dt.date.today()
    with uow.read() as session:
        settings = read_settings(session)
        query = (
            _lots_query()
            .where(
                Lot.status == LotStatus.AVAILABLE,
                Lot.expiry_date >= today,
                Lot.quantity_remaining > 0,
                Lot.quantity_remaining <= settings.low_stock_threshold,
            )
            .order_by(Lot.quantity_remaining, Lot.expiry_date, Lot.id)
        )
        return tuple(_lot_row(lot, p, today, settings) for lot, p in session.execute(query).all())


def expiring_soon(uow: UnitOfWork, today: dt.date) -> tuple[LotRow, ...]:
    """Lots with stock on the shelf that have expired or expire within the warning period.

    Expired lots still holding stock are listed first: they must be taken off the shelf.
    """
    with uow.read() as session:
        settings = read_settings(session)
        horizon = today + dt.timedelta(days=settings.expiry_warning_days)
        query = (
            _lots_query()
            .where(
                Lot.status == LotStatus.AVAILABLE,
                Lot.quantity_remaining > 0,
                Lot.expiry_date <= horizon,
            )
            .order_by(Lot.expiry_date, Lot.id)
        )
        return tuple(_lot_row(lot, p, today, settings) for lot, p in session.execute(query).all())


# -- helpers ----------------------------------------------------------------------------------


def product_summary(product: Product) -> ProductSummary:
    return ProductSummary(
        id=product.id,
        drug=product.drug,
        brand=product.brand,
        form=product.form,
        strength_micrograms_per_ml=product.strength_micrograms_per_ml,
        container_volume_ml=product.container_volume_ml,
        multi_dose=product.multi_dose,
        licensed_routes=tuple(r.strip() for r in product.licensed_routes.split(",") if r.strip()),
    )


def _lots_query() -> Select[Lot, Product]:
    return select(Lot, Product).join(Product, Product.id == Lot.product_id)


def _read_lot(session: Session, lot_id: int, today: dt.date) -> LotRow:
    row = session.execute(_lots_query().where(Lot.id == lot_id)).first()
    if row is None:
        raise NotFound(f"No lot with id {lot_id}: it may have been removed.")
    session.refresh(row[0])
    return _lot_row(row[0], row[1], today, read_settings(session))


def _lot_row(lot: Lot, product: Product, today: dt.date, settings: ClinicSettings) -> LotRow:
    warning = today + dt.timedelta(days=settings.expiry_warning_days)
    return LotRow(
        id=lot.id,
        product=product_summary(product),
        lot_number=lot.lot_number,
        expiry_date=lot.expiry_date,
        quantity_received=lot.quantity_received,
        quantity_remaining=lot.quantity_remaining,
        supplier=lot.supplier,
        received_on=lot.received_on,
        status=lot.status,
        expired=lot.expiry_date < today,
        expiring_soon=today <= lot.expiry_date <= warning,
        # "Low" is about stock that can still be used, as the low-stock list is.
        low=lot.status is LotStatus.AVAILABLE
        and lot.expiry_date >= today
        and 0 < lot.quantity_remaining <= settings.low_stock_threshold,
    )
