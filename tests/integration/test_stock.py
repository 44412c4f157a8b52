"""Stock on SQLite and PostgreSQL: receiving, low and expiring lists, recalls, wastage."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from clinic_app.domain.codes import LotStatus
from clinic_app.domain.errors import UserError
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.domain.lot_rules import LotInput
from clinic_app.persistence.models import AuditEvent, Lot, StockMovement
from clinic_app.persistence.store.stock_ledger import take_from_lot
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.settings import change_settings
from clinic_app.services.commands.stock import (
    adjust_stock,
    quarantine_lot,
    recall_lot,
    receive_lot,
    record_wastage,
    release_lot,
)
from clinic_app.services.queries.stock import (
    count_lots,
    expiring_soon,
    list_products,
    lot_page,
    low_stock,
)
from tests.builders import RECORDING_TODAY as TODAY
from tests.builders import Clinic, lot_remaining


def ledger(uow: UnitOfWork, lot_id: int) -> list[tuple[str, int, str]]:
    with uow.read() as session:
        rows = session.execute(
            select(StockMovement.kind, StockMovement.quantity, StockMovement.note)
            .where(StockMovement.lot_id == lot_id)
            .order_by(StockMovement.id)
        ).all()
        return [(str(kind), quantity, note) for kind, quantity, note in rows]


def test_a_delivery_is_received_with_its_ledger_row_and_audit(clinic: Clinic) -> None:
    uow = clinic.uow
    received = receive_lot(
        uow,
        clinic.nurse,
        LotInput(clinic.stock.cobalin, " ch27 a001 ", TODAY + dt.timedelta(days=700), 50, "AAH"),
        today=TODAY,
    )
    assert received.lot_number == "CH27A001"  # as printed, case and spaces ignored
    assert (received.quantity_received, received.quantity_remaining) == (50, 50)
    assert received.received_on == TODAY and received.usable
    assert received.state_text() == "Available"
    assert ledger(uow, received.id) == [("received", 50, "delivery")]
    with uow.read() as session:
        assert session.scalar(select(AuditEvent.action).where(AuditEvent.entity == "lot")) == (
            "lot.receive"
        )


def test_receiving_checks_every_field(clinic: Clinic) -> None:
    with pytest.raises(ValidationFailed) as failure:
        receive_lot(
            clinic.uow,
            clinic.nurse,
            LotInput(None, "ab#12", TODAY + dt.timedelta(days=3000), 0, " "),
            today=TODAY,
        )
    assert failure.value.errors == {
        "product_id": "choose the product",
        "lot_number": "may contain only letters, digits, '.', '/' and '-'",
        "expiry_date": "10/02/2035 is more than 6 years away: check the year",
        "quantity": "must be between 1 and 10,000",
        "supplier": "is required",
    }


def test_an_already_expired_lot_cannot_be_received(clinic: Clinic) -> None:
    before = _lot_count(clinic.uow)
    with pytest.raises(ValidationFailed) as failure:
        receive_lot(
            clinic.uow,
            clinic.nurse,
            LotInput(clinic.stock.cobalin, "OLD1", TODAY - dt.timedelta(days=2), 10, "AAH"),
            today=TODAY,
        )
    assert failure.value.errors == {
        "expiry_date": "22/11/2026 is not after today: an expired lot cannot be received"
    }
    assert _lot_count(clinic.uow) == before


def test_the_same_lot_cannot_be_received_twice(clinic: Clinic) -> None:
    with pytest.raises(ValidationFailed, match="CH26B310 of this product was already received"):
        receive_lot(
            clinic.uow,
            clinic.nurse,
            LotInput(clinic.stock.cobalin, "ch26b310", TODAY + dt.timedelta(days=90), 5, "AAH"),
            today=TODAY,
        )


def test_a_receptionist_cannot_receive_stock(clinic: Clinic) -> None:
    with pytest.raises(UserError, match="Only a manager or nurse or prescriber can receive stock"):
        receive_lot(
            clinic.uow,
            clinic.receptionist,
            LotInput(clinic.stock.cobalin, "X1", TODAY + dt.timedelta(days=90), 5, "AAH"),
            today=TODAY,
        )


def test_low_stock_lists_usable_lots_at_or_below_the_threshold(clinic: Clinic) -> None:
    uow = clinic.uow
    low = {row.lot_number for row in low_stock(uow, today=TODAY)}
    # 12 left (expiring soon) is low at the default 20; the expired lot is not "low".
    assert low == {"CH25C052"}
    change_settings(uow, clinic.nurse, {"low_stock_threshold": 40})
    assert [row.lot_number for row in low_stock(uow, today=TODAY)] == [
        "CH25C052",
        "CY25F221",
        "CH26B310",
    ]


def test_expiring_soon_lists_expired_stock_first(clinic: Clinic) -> None:
    rows = expiring_soon(clinic.uow, TODAY)
    assert [(r.lot_number, r.expired, r.expiring_soon) for r in rows] == [
        ("CH24A117", True, False),
        ("CH25C052", False, True),
    ]
    assert rows[0].state_text() == "Expired 23/11/2026"
    assert rows[1].state_text() == "Available (expires soon, low stock)"


def test_a_recalled_lot_can_never_be_released(clinic: Clinic) -> None:
    uow = clinic.uow
    lot = clinic.stock.lot
    with pytest.raises(ValidationFailed, match="reason: is required"):
        recall_lot(uow, clinic.nurse, lot, " ", today=TODAY)
    quarantined = quarantine_lot(uow, clinic.nurse, lot, "carton damaged", today=TODAY)
    assert quarantined.status is LotStatus.QUARANTINED and not quarantined.usable
    assert release_lot(uow, clinic.nurse, lot, "checked: fine", today=TODAY).usable
    recalled = recall_lot(uow, clinic.nurse, lot, "MHRA drug alert 2026/07", today=TODAY)
    assert recalled.state_text() == "Recalled"
    with pytest.raises(UserError, match="has been recalled: it can never be used again"):
        release_lot(uow, clinic.nurse, lot, "mistake", today=TODAY)
    with uow.read() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity_id == lot, AuditEvent.entity == "lot")
        ).all()
    assert actions == ["lot.quarantine", "lot.release", "lot.recall"]
    assert lot_remaining(uow, lot) == 40  # status changes move no stock


def test_wastage_and_count_corrections_keep_the_ledger_adding_up(clinic: Clinic) -> None:
    uow = clinic.uow
    lot = clinic.stock.lot
    wasted = record_wastage(uow, clinic.nurse, lot, 2, "ampoules broken", today=TODAY)
    assert wasted.quantity_remaining == 38
    with pytest.raises(ValidationFailed, match="quantity: is more than lot CH26B310 holds"):
        record_wastage(uow, clinic.nurse, lot, 39, "dropped", today=TODAY)
    with pytest.raises(ValidationFailed, match="reason: is required"):
        record_wastage(uow, clinic.nurse, lot, 1, "", today=TODAY)
    counted = adjust_stock(uow, clinic.nurse, lot, 35, "stock count", today=TODAY)
    assert counted.quantity_remaining == 35
    with pytest.raises(ValidationFailed, match="counted: is more than the 40 received"):
        adjust_stock(uow, clinic.nurse, lot, 41, "stock count", today=TODAY)
    assert ledger(uow, lot) == [
        ("received", 40, ""),
        ("wasted", -2, "ampoules broken"),
        ("adjusted", -3, "stock count"),
    ]
    with uow.read() as session:
        total = session.scalar(
            select(func.sum(StockMovement.quantity)).where(StockMovement.lot_id == lot)
        )
    assert total == lot_remaining(uow, lot)


def test_taking_the_last_dose_twice_fails_in_the_database(clinic: Clinic) -> None:
    uow = clinic.uow
    with uow.write() as session:
        assert take_from_lot(session, clinic.stock.soon, 12)
        assert not take_from_lot(session, clinic.stock.soon, 1)
    assert lot_remaining(uow, clinic.stock.soon) == 0


def test_lots_page_in_expiry_order(clinic: Clinic) -> None:
    uow = clinic.uow
    page = lot_page(uow, today=TODAY, offset=0, limit=2)
    assert [row.lot_number for row in page] == ["CH24A117", "CH25C052"]
    rest = lot_page(uow, today=TODAY, offset=2, limit=10)
    assert [row.lot_number for row in rest] == ["CY25F221", "CH26B310"]
    assert count_lots(uow) == 4
    assert [p.drug for p in list_products(uow)] == ["cyanocobalamin", "hydroxocobalamin"]
    cobalin = next(p for p in list_products(uow) if p.brand == "Cobalin-H")
    assert cobalin.label == (
        "Cobalin-H (hydroxocobalamin) 1000 micrograms/mL (1 mg/mL), 1 mL ampoule"
    )


def _lot_count(uow: UnitOfWork) -> int:
    with uow.read() as session:
        return session.scalar(select(func.count()).select_from(Lot)) or 0
