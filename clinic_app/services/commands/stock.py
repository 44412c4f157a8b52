"""Stock changes: lots received, quarantined, recalled or released, wastage and counted
adjustments, each leaving a ledger row. Reading stock is ``queries.stock``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from clinic_app.domain.changes import Change
from clinic_app.domain.codes import LotStatus, StockMovementKind
from clinic_app.domain.errors import Conflict, NotFound, UserError
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.domain.lot_rules import (
    MAX_QUANTITY,
    LotInput,
    normalise_lot_number,
    validate_lot_input,
)
from clinic_app.domain.permissions import Action
from clinic_app.persistence.models import Lot, Product
from clinic_app.persistence.store.stock_ledger import _rowcount, record_movement, take_from_lot
from clinic_app.services.envelope import Work, command
from clinic_app.services.queries.stock import LotRow, _read_lot

# -- changing -----------------------------------------------------------------------------


@command(Action.RECEIVE_LOT, Change.STOCK)
def receive_lot(work: Work, lot: LotInput, *, today: dt.date) -> LotRow:
    actor = work.actor
    errors = validate_lot_input(lot, today)
    if errors:
        raise ValidationFailed(errors)
    assert lot.product_id is not None and lot.expiry_date is not None
    assert lot.quantity is not None
    number = normalise_lot_number(lot.lot_number)
    supplier = " ".join(lot.supplier.split())
    session = work.session
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
    record_movement(session, actor, row.id, StockMovementKind.RECEIVED, lot.quantity, "delivery")
    work.audit(
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


@command(Action.QUARANTINE_LOT, Change.STOCK)
def quarantine_lot(work: Work, lot_id: int, reason: str, *, today: dt.date) -> LotRow:
    """Stop a lot being chosen while a problem is checked (it can be released)."""
    return _set_status(work, lot_id, LotStatus.QUARANTINED, reason, today)


@command(Action.RECALL_LOT, Change.STOCK)
def recall_lot(work: Work, lot_id: int, reason: str, *, today: dt.date) -> LotRow:
    """A manufacturer's recall: the lot can never be chosen again (use lot trace next)."""
    return _set_status(work, lot_id, LotStatus.RECALLED, reason, today)


@command(Action.RELEASE_LOT, Change.STOCK)
def release_lot(work: Work, lot_id: int, reason: str, *, today: dt.date) -> LotRow:
    """Return a quarantined lot to use; a recalled lot is never released."""
    return _set_status(work, lot_id, LotStatus.AVAILABLE, reason, today)


@command(Action.RECORD_WASTAGE, Change.STOCK)
def record_wastage(
    work: Work, lot_id: int, quantity: int, reason: str, *, today: dt.date
) -> LotRow:
    """Doses broken, dropped, drawn up and not given, or expired and disposed of."""
    actor = work.actor
    reason = " ".join(reason.split())
    errors: dict[str, str] = {}
    if not 1 <= quantity <= MAX_QUANTITY:
        errors["quantity"] = "must be at least 1"
    if not reason:
        errors["reason"] = "is required (e.g. ampoule broken, expired and disposed of)"
    if errors:
        raise ValidationFailed(errors)
    session = work.session
    lot = _load_lot(session, lot_id)
    taken = take_from_lot(session, lot_id, quantity)
    if not taken:
        raise ValidationFailed(
            {"quantity": f"is more than lot {lot.lot_number} holds ({lot.quantity_remaining} left)"}
        )
    record_movement(session, actor, lot_id, StockMovementKind.WASTED, -quantity, reason)
    work.audit("lot", lot_id, {"quantity": quantity, "reason": reason})
    return _read_lot(session, lot_id, today)


@command(Action.ADJUST_STOCK, Change.STOCK)
def adjust_stock(work: Work, lot_id: int, counted: int, reason: str, *, today: dt.date) -> LotRow:
    """Set a lot's count to what was counted on the shelf, with the difference in the ledger."""
    actor = work.actor
    reason = " ".join(reason.split())
    errors: dict[str, str] = {}
    if counted < 0:
        errors["counted"] = "cannot be negative"
    if not reason:
        errors["reason"] = "is required (e.g. stock count on 21/11)"
    if errors:
        raise ValidationFailed(errors)
    session = work.session
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
    work.audit(
        "lot",
        lot_id,
        {"reason": reason},
        before={"quantity_remaining": lot.quantity_remaining},
        after={"quantity_remaining": counted},
    )
    session.expire(lot)
    return _read_lot(session, lot_id, today)


def _set_status(work: Work, lot_id: int, status: LotStatus, reason: str, today: dt.date) -> LotRow:
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationFailed({"reason": "is required (e.g. the recall notice's reference)"})
    session = work.session
    lot = _load_lot(session, lot_id)
    before = lot.status
    if before is status:
        work.unchanged()
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
    work.audit("lot", lot_id, {"reason": reason}, before=before, after=status)
    session.expire(lot)
    return _read_lot(session, lot_id, today)


def _load_lot(session: Session, lot_id: int) -> Lot:
    lot = session.get(Lot, lot_id)
    if lot is None:
        raise NotFound(f"No lot with id {lot_id}: it may have been removed.")
    return lot
