"""The stock ledger: taking from a lot (the WHERE clause is the guard against the last
ampoule going twice) and the movement row that explains every change of a count.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from clinic_app.domain.actor import Actor
from clinic_app.domain.codes import LotStatus, StockMovementKind
from clinic_app.persistence.models import Lot, StockMovement


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


def return_to_lot(session: Session, lot_id: int, quantity: int = 1) -> bool:
    """Put ``quantity`` back on a lot (a dose recorded in error); False if it would
    exceed what was received, which means the count was already corrected by hand.

    The lot's status is not consulted: a recalled ampoule put back is still counted,
    and the recall keeps it from being used.
    """
    result = session.execute(
        update(Lot)
        .where(Lot.id == lot_id, Lot.quantity_remaining + quantity <= Lot.quantity_received)
        .values(quantity_remaining=Lot.quantity_remaining + quantity, version=Lot.version + 1)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


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
