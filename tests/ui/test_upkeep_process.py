"""The start-up upkeep runs as its own process and reports back to the window."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.queries.users import list_active_users
from clinic_app.ui.upkeep_process import DailyUpkeepProcess


def test_the_upkeep_process_reports_its_summary(
    qtbot: QtBot, clinic: UnitOfWork, actor: object
) -> None:
    (user,) = list_active_users(clinic)
    process = DailyUpkeepProcess(str(clinic.engine.url), user.username)
    with qtbot.waitSignal(process.finished, timeout=120_000) as finished:
        process.start()
    summary = finished.args[0]
    assert summary.startswith("Upkeep for ")
    assert "sessions added" in summary


def test_a_failed_upkeep_says_why_in_one_line(qtbot: QtBot, clinic: UnitOfWork) -> None:
    process = DailyUpkeepProcess(str(clinic.engine.url), "nobody.here")
    with qtbot.waitSignal(process.failed, timeout=120_000) as failed:
        process.start()
    message = failed.args[0]
    assert "nobody.here" in message
    assert "Traceback" not in message
