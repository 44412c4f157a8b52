"""The stock panel: lots coloured by what needs attention, deliveries, a recall and its trace."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from clinic_app.domain.codes import LotStatus
from clinic_app.persistence.engine import create_engine
from clinic_app.persistence.migrate import upgrade_database
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.recording import record_administration
from clinic_app.services.commands.stock import recall_lot
from clinic_app.services.queries.stock import LotRow, get_lot, lot_page
from clinic_app.ui.ops import Ops
from clinic_app.ui.stock_models import LOT_ID_ROLE, LotTableModel
from clinic_app.ui.stock_panel import ReceiveLotDialog, StockPanel
from tests.builders import RECORDING_TODAY as TODAY
from tests.builders import (
    Clinic,
    build_clinic,
    clinic_patient,
    due_appointment,
    given_input,
    start_dose_course,
)


@pytest.fixture
def clinic(sqlite_url: str) -> Iterator[Clinic]:
    engine = create_engine(sqlite_url)
    upgrade_database(engine, backup=False)
    yield build_clinic(UnitOfWork(engine))
    engine.dispose()


@pytest.fixture
def panel(qtbot: QtBot, clinic: Clinic) -> StockPanel:
    widget = StockPanel(Ops(clinic.uow, clinic.nurse, today=lambda: TODAY))
    qtbot.addWidget(widget)
    widget.resize(1100, 800)
    widget.show()
    settle(qtbot, widget)
    return widget


def settle(qtbot: QtBot, panel: StockPanel) -> None:
    """Wait until what the panel asked for (on the worker) is on screen."""
    qtbot.waitUntil(lambda: not panel.busy, timeout=10_000)


def cell(
    panel: StockPanel, row: int, column: int, role: int = Qt.ItemDataRole.DisplayRole
) -> object:
    return panel.model.data(panel.model.index(row, column), role)


def test_lots_are_listed_by_expiry_with_what_needs_attention(
    qtbot: QtBot, panel: StockPanel
) -> None:
    model = panel.model
    assert [cell(panel, row, 1) for row in range(model.rowCount())] == [
        "CH24A117",
        "CH25C052",
        "CY25F221",
        "CH26B310",
    ]
    assert cell(panel, 0, 4) == "Expired 23/11/2026"
    assert cell(panel, 1, 4) == "Available (expires soon, low stock)"
    assert cell(panel, 0, 0, Qt.ItemDataRole.BackgroundRole) is not None
    assert cell(panel, 1, 3, Qt.ItemDataRole.FontRole).bold()  # type: ignore[union-attr]
    assert cell(panel, 3, 0, Qt.ItemDataRole.BackgroundRole) is None
    assert panel.summary.text() == (
        "1 expired lot still on the shelf · 1 expiring soon · 1 low on stock"
    )


def give_doses(clinic: Clinic, patients: int) -> None:
    """A dose from lot CH26B310 to each of ``patients`` new patients, Patient1 onwards."""
    for seed in range(1, patients + 1):
        patient = clinic_patient(clinic, seed, given_name=f"Patient{seed}")
        course = start_dose_course(clinic.uow, patient)
        record_administration(
            clinic.uow,
            clinic.nurse,
            given_input(patient, due_appointment(clinic.uow, course), clinic.stock.lot),
            today=TODAY,
        )


def test_the_models_pass_the_model_tester(
    qtbot: QtBot, qtmodeltester: ModelTester, panel: StockPanel, clinic: Clinic
) -> None:
    give_doses(clinic, 3)
    panel.refresh()
    settle(qtbot, panel)
    assert panel.model.rowCount() == 4
    qtmodeltester.check(panel.model)
    panel.trace_input.setText("CH26B310")
    panel.trace()
    qtbot.waitUntil(lambda: not panel.busy)
    assert panel.trace_model.rowCount() == 3
    qtmodeltester.check(panel.trace_model)


def test_the_stock_tables_page_through_the_database(
    qtbot: QtBot, qtmodeltester: ModelTester, clinic: Clinic
) -> None:
    """Two rows a page: every lot arrives, a page at a time, in the shelf's order."""
    pages: list[int] = []

    def read(uow: UnitOfWork, _last: LotRow | None, offset: int, limit: int) -> Sequence[LotRow]:
        pages.append(offset)
        return lot_page(uow, today=TODAY, offset=offset, limit=limit)

    model = LotTableModel(Ops(clinic.uow, clinic.nurse), read, page_size=2)
    with qtbot.waitSignal(model.reloaded):
        model.reload()
    assert model.rowCount() == 2
    qtmodeltester.check(model)  # the tester asks for more pages as a view would
    while True:
        qtbot.waitUntil(lambda: not model.reading)
        if not model.canFetchMore(QModelIndex()):
            break
        model.fetchMore(QModelIndex())
    qtmodeltester.check(model)
    assert model.rowCount() == 4 and pages == [0, 2, 4]
    assert [row.id for row in model.rows()] == [
        row.id for row in lot_page(clinic.uow, today=TODAY, offset=0, limit=10)
    ]
    assert model.data(model.index(0, 0), LOT_ID_ROLE) == model.row_at(0).id


def test_receiving_a_delivery_checks_fields_and_adds_the_lot(
    qtbot: QtBot, panel: StockPanel, clinic: Clinic
) -> None:
    panel.open_receive()
    settle(qtbot, panel)
    dialog = panel.dialog
    assert isinstance(dialog, ReceiveLotDialog)
    assert not dialog.ok_button.isEnabled()
    dialog.product.setCurrentIndex(dialog.product.findData(clinic.stock.cobalin))
    qtbot.keyClicks(dialog.lot_number, "ch27a001")
    qtbot.keyClicks(dialog.expiry, "01/01/2026")
    assert dialog.errors["expiry_date"].text() == (
        "01/01/2026 is not after today: an expired lot cannot be received"
    )
    dialog.expiry.clear()
    qtbot.keyClicks(dialog.expiry, "30/06/2028")
    dialog.quantity.setValue(50)
    qtbot.keyClicks(dialog.supplier, "Alliance Healthcare")
    assert dialog.ok_button.isEnabled()
    with qtbot.waitSignal(panel.changed):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    settle(qtbot, panel)
    assert panel.message.text() == "Received lot CH27A001: 50 doses, expiry 30/06/2028."
    selected = panel.selected_lot()
    assert selected is not None and selected.lot_number == "CH27A001"


def test_a_recall_marks_the_lot_and_traces_its_recipients(
    qtbot: QtBot, panel: StockPanel, clinic: Clinic, tmp_path: Path
) -> None:
    give_doses(clinic, 2)
    panel.refresh()
    settle(qtbot, panel)
    assert panel.select_lot(clinic.stock.lot)
    assert panel.recall_button.isEnabled() and not panel.release_button.isEnabled()
    dialog = panel.open_status(LotStatus.RECALLED)
    assert dialog is not None and not dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.reason, "MHRA drug alert EL(26)A/07")
    with qtbot.waitSignal(panel.changed):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    assert get_lot(clinic.uow, clinic.stock.lot, today=TODAY).status is LotStatus.RECALLED
    assert panel.trace_input.text() == "CH26B310"
    qtbot.waitUntil(lambda: panel.trace_summary.text().startswith("Lot CH26B310"))
    assert panel.trace_summary.text().startswith("Lot CH26B310: 2 doses given")
    assert panel.trace_model.rowCount() == 2
    names = {panel.trace_model.data(panel.trace_model.index(row, 1)) for row in range(2)}
    assert names == {"SMITH, Patient1", "SMITH, Patient2"}

    target = tmp_path / "recall.csv"
    panel.choose_csv_path = lambda _suggested: target
    panel.export_csv()
    qtbot.waitUntil(lambda: "exported 2 rows" in panel.trace_summary.text(), timeout=10_000)
    with target.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(row["given_name"] for row in rows) == ["Patient1", "Patient2"]
    assert {row["date_given"] for row in rows} == {TODAY.isoformat()}


def test_a_mistake_is_a_message_not_a_crash(
    qtbot: QtBot, panel: StockPanel, clinic: Clinic
) -> None:
    panel.select_lot(clinic.stock.lot)
    dialog = panel.open_wastage()
    assert dialog is not None
    dialog.quantity.setValue(2)
    qtbot.keyClicks(dialog.reason, "ampoules broken")
    with qtbot.waitSignal(panel.changed):
        dialog.ok_button.click()
    assert panel.message.text() == "Wastage recorded for lot CH26B310."
    assert get_lot(clinic.uow, clinic.stock.lot, today=TODAY).quantity_remaining == 38
    # Someone else recalled it meanwhile: releasing is refused with the reason, no crash.
    recall_lot(clinic.uow, clinic.nurse, clinic.stock.lot, "recall", today=TODAY)
    stale = panel.open_status(LotStatus.QUARANTINED)
    assert stale is not None
    qtbot.keyClicks(stale.reason, "check")
    stale.ok_button.click()
    settle(qtbot, panel)
    assert panel.message.text() == (
        "Not saved: Lot CH26B310 has been recalled: it can never be used again."
    )


def test_an_unknown_lot_says_so(qtbot: QtBot, panel: StockPanel) -> None:
    panel.trace_input.setText("nope1")
    panel.trace()
    qtbot.waitUntil(lambda: not panel.busy)
    assert panel.trace_summary.text() == "No lot NOPE1 was received and no dose from it given."
    assert not panel.export_button.isEnabled()
    assert panel.trace_model.rowCount() == 0


def test_expired_lots_still_show_after_today_moves(qtbot: QtBot, clinic: Clinic) -> None:
    later = StockPanel(Ops(clinic.uow, clinic.nurse, today=lambda: TODAY + dt.timedelta(days=30)))
    qtbot.addWidget(later)
    settle(qtbot, later)
    assert later.summary.text().startswith("2 expired lots still on the shelf")
