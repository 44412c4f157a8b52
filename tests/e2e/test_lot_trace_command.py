"""``clinic-app lot-trace`` and ``export-fhir`` end to end, as a practice runs them."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle

from clinic_app.cli import main as cli
from clinic_app.persistence.engine import create_engine
from clinic_app.persistence.migrate import upgrade_database
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.recording import record_administration
from tests.builders import RECORDING_TODAY as TODAY
from tests.builders import (
    build_clinic,
    clinic_patient,
    due_appointment,
    given_input,
    start_dose_course,
)

ROOT = Path(__file__).resolve().parents[2]
MODULES = ("clinic_app.cli.lot_trace", "clinic_app.cli.export_fhir")


@pytest.fixture
def recall_clinic(tmp_path: Path) -> str:
    """A clinic file where two patients were given lot CH26B310 and one another lot."""
    url = f"sqlite:///{tmp_path / 'clinic.sqlite'}"
    engine = create_engine(url)
    upgrade_database(engine, backup=False)
    uow = UnitOfWork(engine)
    clinic = build_clinic(uow)
    people = [
        (clinic_patient(clinic, 1, email="m.smith@example.org"), clinic.stock.lot),
        (clinic_patient(clinic, 2, given_name="John"), clinic.stock.lot),
        (clinic_patient(clinic, 3, given_name="Ann"), clinic.stock.soon),
    ]
    for patient, lot in people:
        course = start_dose_course(uow, patient)
        record_administration(
            uow, clinic.nurse, given_input(patient, due_appointment(uow, course), lot), today=TODAY
        )
    engine.dispose()
    return url


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """The commands as the lead registers them in cli.COMMAND_MODULES."""
    missing = tuple(name for name in MODULES if name not in cli.COMMAND_MODULES)
    monkeypatch.setattr(cli, "COMMAND_MODULES", cli.COMMAND_MODULES + missing)


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real command in a subprocess (registering it first if cli.py does not yet)."""
    code = (
        "import sys\n"
        "from clinic_app.cli import main as cli\n"
        f"cli.COMMAND_MODULES += tuple(m for m in {MODULES!r} if m not in cli.COMMAND_MODULES)\n"
        "sys.exit(cli.main(sys.argv[1:]))\n"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )


def test_lot_trace_prints_recipients_and_writes_csv(recall_clinic: str, tmp_path: Path) -> None:
    out = tmp_path / "recall.csv"
    result = run_cli(
        "--database", recall_clinic, "lot-trace", "ch26b310", "--csv", str(out), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Lot CH26B310"
    assert "Cobalin-H (hydroxocobalamin): expiry " in lines[1] and "38 of 40 left" in lines[1]
    assert lines[2] == "2 doses given to 2 patients"
    assert "SMITH, Margaret" in result.stdout and "SMITH, John" in result.stdout
    assert "SMITH, Ann" not in result.stdout
    assert lines[-1] == f"Wrote 2 rows to {out}"
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["given_name"] for row in rows] == ["Margaret", "John"]
    assert rows[0]["email"] == "m.smith@example.org"
    assert rows[0]["date_given"] == TODAY.isoformat()


def test_lot_trace_csv_to_standard_output(
    recall_clinic: str, tmp_path: Path, registered: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--database", recall_clinic, "lot-trace", "CH25C052", "--csv", "-"]) == 0
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    assert [row["given_name"] for row in rows] == ["Ann"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["lot-trace", "  "], "argument LOT: is empty"),
        (["lot-trace", "CH26B310", "--csv", "/no/such/folder/x.csv"], "folder /no/such/folder"),
    ],
)
def test_bad_input_exits_2_naming_the_argument(
    recall_clinic: str,
    registered: None,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    assert cli.main(["--database", recall_clinic, *args]) == 2
    error = capsys.readouterr().err
    assert error.startswith("clinic-app lot-trace: error: ")
    assert message in error


def test_an_unknown_lot_exits_1_and_says_so(
    recall_clinic: str, registered: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--database", recall_clinic, "lot-trace", "ZZ999"]) == 1
    assert "no lot ZZ999 was received and no dose from it was recorded" in capsys.readouterr().err


def test_export_fhir_writes_a_valid_bundle(recall_clinic: str, tmp_path: Path) -> None:
    out = tmp_path / "administrations.json"
    result = run_cli("--database", recall_clinic, "export-fhir", "--output", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Wrote 3 MedicationAdministration resource(s)" in result.stderr
    bundle = json.loads(out.read_text(encoding="utf-8"))
    Bundle.model_validate(bundle)
    assert len(bundle["entry"]) == 3


def test_export_fhir_refuses_bad_arguments(
    recall_clinic: str, registered: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--database", recall_clinic, "export-fhir", "--since", "21/11/2026"]) == 2
    assert "argument --since: '21/11/2026' is not a date" in capsys.readouterr().err
    assert cli.main(["--database", recall_clinic, "export-fhir", "--patient", "123"]) == 2
    assert "argument --patient: must be 10 digits" in capsys.readouterr().err
    day = (TODAY + dt.timedelta(days=1)).isoformat()
    assert cli.main(["--database", recall_clinic, "export-fhir", "--since", day]) == 0
    assert json.loads(capsys.readouterr().out)["entry"] == []
