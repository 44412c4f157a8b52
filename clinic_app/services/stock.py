"""Stock: lots received, what is left, what runs low or expires, recalls and wastage.

The remaining quantity on a lot only ever changes through a conditional UPDATE
(``quantity_remaining - n WHERE quantity_remaining >= n``) inside the action's own
transaction, with a StockMovement row that explains it, so two workstations can never
take the same last ampoule and the ledger always adds up to the lot's count.
Status changes (quarantine, recall, release) move no stock and are kept in the audit
trail with their reason.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, Select, func, select, update
from sqlalchemy.orm import Session

from clinic_app.domain.codes import LotStatus, Role, StockMovementKind
from clinic_app.domain.dose_volume import format_ml, format_strength
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.persistence.models import Lot, Product, StockMovement
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services import audit
from clinic_app.services.actor import Actor
from clinic_app.services.clinic_settings import ClinicSettings, read_settings
from clinic_app.services.errors import Conflict, NotFound, UserError

STOCK_ROLES = frozenset({Role.NURSE, Role.MANAGER, Role.PRESCRIBER})
MAX_QUANTITY = 10_000
#: A lot number as printed on a carton: letters, digits and a few separators.
_LOT_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9./-]*$")
#: No B12 product has a shelf life near this: a later expiry is a typo in the year.
MAX_SHELF_LIFE_YEARS = 6


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
        """ "Cobalin-H (hydroxocobalamin) 1000 micrograms/mL (1 mg/mL), 1.0 mL ampoule"."""
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


@dataclass(frozen=True)
class LotInput:
    product_id: int | None
    lot_number: str
    expiry_date: dt.date | None
    quantity: int | None
    supplier: str


def require_role(actor: Actor, roles: frozenset[Role], doing: str) -> None:
    if actor.role not in roles:
        allowed = " or ".join(sorted(role.label.lower() for role in roles))
        raise UserError(f"Only a {allowed} can {doing}; you are signed in as {actor.role.label}.")


def normalise_lot_number(text: str) -> str:
    """Lot numbers are matched case-blind and without stray spaces (a recall letter's
    "ch25c052" is the carton's "CH25C052")."""
    return "".join(text.split()).upper()


def validate_lot_input(lot: LotInput, today: dt.date) -> dict[str, str]:
    """Problems with a lot about to be received, by field (run as the form is typed too)."""
    errors: dict[str, str] = {}
    if lot.product_id is None:
        errors["product_id"] = "choose the product"
    number = normalise_lot_number(lot.lot_number)
    if not number:
        errors["lot_number"] = "is required (as printed on the carton)"
    elif len(number) > 40:
        errors["lot_number"] = "is longer than 40 characters"
    elif not _LOT_NUMBER.match(number):
        errors["lot_number"] = "may contain only letters, digits, '.', '/' and '-'"
    if lot.expiry_date is None:
        errors["expiry_date"] = "is required"
    elif lot.expiry_date <= today:
        errors["expiry_date"] = (
            f"{lot.expiry_date:%d/%m/%Y} is not after today: an expired lot cannot be received"
        )
    elif lot.expiry_date > dt.date(
        today.year + MAX_SHELF_LIFE_YEARS, today.month, min(today.day, 28)
    ):
        errors["expiry_date"] = (
            f"{lot.expiry_date:%d/%m/%Y} is more than {MAX_SHELF_LIFE_YEARS} years away: "
            "check the year"
        )
    if lot.quantity is None:
        errors["quantity"] = "is required"
    elif not 1 <= lot.quantity <= MAX_QUANTITY:
        errors["quantity"] = f"must be between 1 and {MAX_QUANTITY:,}"
    supplier = " ".join(lot.supplier.split())
    if not supplier:
        errors["supplier"] = "is required"
    elif len(supplier) > 80:
        errors["supplier"] = "is longer than 80 characters"
    return errors


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


# -- changing -----------------------------------------------------------------------------


def receive_lot(uow: UnitOfWork, actor: Actor, lot: LotInput, *, today: dt.date) -> LotRow:
    require_role(actor, STOCK_ROLES, "receive stock")
    errors = validate_lot_input(lot, today)
    if errors:
        raise ValidationFailed(errors)
    assert lot.product_id is not None and lot.expiry_date is not None
    assert lot.quantity is not None
    number = normalise_lot_number(lot.lot_number)
    supplier = " ".join(lot.supplier.split())
    with uow.write() as session:
        product = session.get(Product, lot.product_id)
        if product is None or not product.active:
            raise ValidationFailed({"product_id": "is not a product the clinic stocks"})
        existing = session.execute(
            select(Lot.received_on).where(Lot.product_id == product.id, Lot.lot_number == number)
        ).first()
        if existing is not None:
            raise ValidationFailed(
                {
                    "lot_number": f"{number} of this product was already received on "
                    f"{existing.received_on:%d/%m/%Y}: adjust that lot's count instead"
                }
            )
        row = Lot(
            product_id=product.id,
            lot_number=number,
            expiry_date=lot.expiry_date,
            quantity_received=lot.quantity,
            quantity_remaining=lot.quantity,
            supplier=supplier,
            received_on=today,
            received_by=actor.user_id,
            status=LotStatus.AVAILABLE,
        )
        session.add(row)
        session.flush()
        record_movement(
            session, actor, row.id, StockMovementKind.RECEIVED, lot.quantity, "delivery"
        )
        audit.record(
            session,
            actor,
            "lot.receive",
            "lot",
            row.id,
            {
                "product_id": product.id,
                "lot_number": number,
                "expiry_date": lot.expiry_date,
                "quantity": lot.quantity,
                "supplier": supplier,
            },
        )
        return _read_lot(session, row.id, today)


def quarantine_lot(
    uow: UnitOfWork, actor: Actor, lot_id: int, reason: str, *, today: dt.date
) -> LotRow:
    """Stop a lot being chosen while a problem is checked (it can be released)."""
    return _set_status(uow, actor, lot_id, LotStatus.QUARANTINED, reason, today)


def recall_lot(
    uow: UnitOfWork, actor: Actor, lot_id: int, reason: str, *, today: dt.date
) -> LotRow:
    """A manufacturer's recall: the lot can never be chosen again (use lot trace next)."""
    return _set_status(uow, actor, lot_id, LotStatus.RECALLED, reason, today)


def release_lot(
    uow: UnitOfWork, actor: Actor, lot_id: int, reason: str, *, today: dt.date
) -> LotRow:
    """Return a quarantined lot to use; a recalled lot is never released."""
    return _set_status(uow, actor, lot_id, LotStatus.AVAILABLE, reason, today)


def record_wastage(
    uow: UnitOfWork, actor: Actor, lot_id: int, quantity: int, reason: str, *, today: dt.date
) -> LotRow:
    """Doses broken, dropped, drawn up and not given, or expired and disposed of."""
    require_role(actor, STOCK_ROLES, "record wasted stock")
    reason = " ".join(reason.split())
    errors: dict[str, str] = {}
    if not 1 <= quantity <= MAX_QUANTITY:
        errors["quantity"] = "must be at least 1"
    if not reason:
        errors["reason"] = "is required (e.g. ampoule broken, expired and disposed of)"
    if errors:
        raise ValidationFailed(errors)
    with uow.write() as session:
        lot = _load_lot(session, lot_id)
        taken = take_from_lot(session, lot_id, quantity)
        if not taken:
            raise ValidationFailed(
                {
                    "quantity": f"is more than lot {lot.lot_number} holds "
                    f"({lot.quantity_remaining} left)"
                }
            )
        record_movement(session, actor, lot_id, StockMovementKind.WASTED, -quantity, reason)
        audit.record(
            session, actor, "lot.waste", "lot", lot_id, {"quantity": quantity, "reason": reason}
        )
        return _read_lot(session, lot_id, today)


def adjust_stock(
    uow: UnitOfWork, actor: Actor, lot_id: int, counted: int, reason: str, *, today: dt.date
) -> LotRow:
    """Set a lot's count to what was counted on the shelf, with the difference in the ledger."""
    require_role(actor, STOCK_ROLES, "correct a stock count")
    reason = " ".join(reason.split())
    errors: dict[str, str] = {}
    if counted < 0:
        errors["counted"] = "cannot be negative"
    if not reason:
        errors["reason"] = "is required (e.g. stock count on 21/11)"
    if errors:
        raise ValidationFailed(errors)
    with uow.write() as session:
        lot = _load_lot(session, lot_id)
        if counted > lot.quantity_received:
            raise ValidationFailed(
                {"counted": f"is more than the {lot.quantity_received} received in this lot"}
            )
        change = counted - lot.quantity_remaining
        if change == 0:
            return _read_lot(session, lot_id, today)
        done = _rowcount(
            session.execute(
                update(Lot)
                .where(Lot.id == lot_id, Lot.quantity_remaining == lot.quantity_remaining)
                .values(quantity_remaining=counted, version=Lot.version + 1)
            )
        )
        if not done:
            raise Conflict("This lot's stock changed on another workstation: count again.")
        record_movement(session, actor, lot_id, StockMovementKind.ADJUSTED, change, reason)
        audit.record(
            session,
            actor,
            "lot.adjust",
            "lot",
            lot_id,
            {"from": lot.quantity_remaining, "to": counted, "reason": reason},
        )
        session.expire(lot)
        return _read_lot(session, lot_id, today)


def take_from_lot(session: Session, lot_id: int, quantity: int = 1) -> bool:
    """Take ``quantity`` from a usable lot, in the caller's transaction; False if not enough.

    The WHERE clause is the guard: two workstations taking the last ampoule both run
    this UPDATE, the database serialises them, and the second matches no row.
    """
    result = session.execute(
        update(Lot)
        .where(
            Lot.id == lot_id,
            Lot.quantity_remaining >= quantity,
            Lot.status == LotStatus.AVAILABLE,
        )
        .values(quantity_remaining=Lot.quantity_remaining - quantity, version=Lot.version + 1)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


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


def _set_status(
    uow: UnitOfWork, actor: Actor, lot_id: int, status: LotStatus, reason: str, today: dt.date
) -> LotRow:
    verb = {
        LotStatus.QUARANTINED: "quarantine",
        LotStatus.RECALLED: "recall",
        LotStatus.AVAILABLE: "release",
    }[status]
    require_role(actor, STOCK_ROLES, f"{verb} a lot")
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationFailed({"reason": "is required (e.g. the recall notice's reference)"})
    with uow.write() as session:
        lot = _load_lot(session, lot_id)
        before = lot.status
        if before is status:
            return _read_lot(session, lot_id, today)
        if before is LotStatus.RECALLED:
            raise UserError(f"Lot {lot.lot_number} has been recalled: it can never be used again.")
        done = _rowcount(
            session.execute(
                update(Lot)
                .where(Lot.id == lot_id, Lot.status == before)
                .values(status=status, version=Lot.version + 1)
            )
        )
        if not done:
            raise Conflict("This lot was changed on another workstation: look again.")
        audit.record(
            session,
            actor,
            f"lot.{verb}",
            "lot",
            lot_id,
            {"from": before, "to": status, "reason": reason},
        )
        session.expire(lot)
        return _read_lot(session, lot_id, today)


def _lots_query() -> Select[Lot, Product]:
    return select(Lot, Product).join(Product, Product.id == Lot.product_id)


def _load_lot(session: Session, lot_id: int) -> Lot:
    lot = session.get(Lot, lot_id)
    if lot is None:
        raise NotFound(f"No lot with id {lot_id}: it may have been removed.")
    return lot


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


def record_movement(
    session: Session,
    actor: Actor,
    lot_id: int,
    kind: StockMovementKind,
    quantity: int,
    note: str = "",
    administration_id: int | None = None,
) -> None:
    """A ledger row explaining a change of a lot's count, in the caller's transaction."""
    session.add(
        StockMovement(
            lot_id=lot_id,
            kind=kind,
            quantity=quantity,
            administration_id=administration_id,
            note=note,
            moved_by=actor.user_id,
        )
    )


def _rowcount(result: Any) -> int:
    return cast(CursorResult[Any], result).rowcount
