"""``clinic-app calendar-file`` end to end on a small demo clinic, as a practice runs it."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from clinic_app.cli import main as cli
from clinic_app.cli.calendar_file import run
from clinic_app.cli.errors import UsageError
from clinic_app.demo.clinic import create_demo_clinic
from clinic_app.domain.codes import AppointmentStatus
from clinic_app.domain.nhs_number import format_for_display
from clinic_app.persistence.models import Appointment, Patient, Slot
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.exports.calendar import appointment_uid, calendar_file_name
from tests.builders import valid_nhs_number

ROOT = Path(__file__).resolve().parents[2]
MODULE = "clinic_app.cli.calendar_file"
BOOKED = (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED)


@dataclass(frozen=True)
class DemoPatient:
    nhs_number: str
    given_name: str
    family_name: str
    #: (UID, start) of every booked appointment, in time order.
    booked: list[tuple[str, dt.datetime]]


@dataclass(frozen=True)
class Demo:
    url: str
    busiest: DemoPatient
    unbooked: DemoPatient
    unknown_nhs_number: str


@pytest.fixture
def demo(uow: UnitOfWork, database_url: str) -> Demo:
    """A 40-patient demo clinic: the patient with the most booked appointments, and one
    with none."""
    create_demo_clinic(uow, patients=40)
    with uow.read() as session:
        booked = (
            select(Appointment.patient_id, func.count().label("n"))
            .where(Appointment.status.in_(BOOKED), Appointment.slot_id.is_not(None))
            .group_by(Appointment.patient_id)
            .subquery()
        )
        busiest_id, unbooked_id = (
            session.scalar(select(booked.c.patient_id).order_by(booked.c.n.desc(), "patient_id")),
            session.scalar(
                select(Patient.id)
                .where(Patient.id.not_in(select(booked.c.patient_id)))
                .order_by(Patient.id)
            ),
        )
        people = {}
        for patient_id in (busiest_id, unbooked_id):
            person = session.get_one(Patient, patient_id)
            rows = session.execute(
                select(Appointment.id, Slot.start)
                .join(Slot, Slot.id == Appointment.slot_id)
                .where(Appointment.patient_id == patient_id, Appointment.status.in_(BOOKED))
                .order_by(Slot.start, Appointment.id)
            ).all()
            people[patient_id] = DemoPatient(
                person.nhs_number,
                person.given_name,
                person.family_name,
                [(appointment_uid(a), start) for a, start in rows],
            )
        taken = set(session.scalars(select(Patient.nhs_number)))
    unknown = next(
        valid_nhs_number(seed) for seed in range(1, 1000) if valid_nhs_number(seed) not in taken
    )
    assert len(people[busiest_id].booked) >= 2 and not people[unbooked_id].booked
    return Demo(database_url, people[busiest_id], people[unbooked_id], unknown)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The practice's working folder: empty, apart from what the command writes."""
    path = tmp_path / "letters"
    path.mkdir()
    return path


def clinic_app(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m clinic_app`` once cli.py registers the command; until then the same
    ``cli.main`` in a subprocess with the command added."""
    if MODULE in cli.COMMAND_MODULES:
        command = [sys.executable, "-m", "clinic_app"]
    else:
        code = (
            "import sys\n"
            "from clinic_app.cli import main as cli\n"
            f"cli.COMMAND_MODULES += ({MODULE!r},)\n"
            "sys.exit(cli.main(sys.argv[1:]))\n"
        )
        command = [sys.executable, "-c", code]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )


def test_the_file_holds_one_event_per_booked_appointment(demo: Demo, folder: Path) -> None:
    person = demo.busiest
    typed = format_for_display(person.nhs_number)  # "999 123 4567", as on a letter
    assert " " in typed
    result = clinic_app("--database", demo.url, "calendar-file", typed, cwd=folder)
    assert result.returncode == 0, result.stderr
    written = folder / calendar_file_name(person.family_name, person.given_name)
    assert written.name.endswith("-appointments.ics")
    assert result.stdout.splitlines() == [
        f"Wrote {len(person.booked)} appointments for {person.given_name} "
        f"{person.family_name} to {written.name}"
    ]
    calendar = Calendar.from_ical(written.read_bytes())
    events = [(str(e["uid"]), e.decoded("dtstart")) for e in calendar.walk("VEVENT")]
    assert events == person.booked
    assert person.family_name not in written.read_text(encoding="utf-8")


def test_an_existing_file_is_never_overwritten(demo: Demo, folder: Path) -> None:
    target = folder / "someone-else.ics"
    target.write_text("another patient's dates", encoding="utf-8")
    result = clinic_app(
        "--database",
        demo.url,
        "calendar-file",
        demo.busiest.nhs_number,
        "--output",
        str(target),
        cwd=folder,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"clinic-app calendar-file: error: argument --output: {target} already exists: "
        "it is never overwritten, choose another name"
    ]
    assert target.read_text(encoding="utf-8") == "another patient's dates"


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("943 476 5918", "is not a valid NHS number (check digit does not match)"),
        ("94347659", "must be 10 digits (got 8)"),
        ("unknown", "no patient with NHS number "),
    ],
)
def test_a_bad_nhs_number_exits_2_with_one_line(
    demo: Demo, folder: Path, typed: str, problem: str
) -> None:
    if typed == "unknown":
        typed = demo.unknown_nhs_number
    result = clinic_app("--database", demo.url, "calendar-file", typed, cwd=folder)
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("clinic-app calendar-file: error: argument NHS_NUMBER: " + problem)
    assert list(folder.iterdir()) == []


def test_a_patient_with_nothing_booked_gets_no_empty_file(
    demo: Demo, folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    person = demo.unbooked
    monkeypatch.chdir(folder)
    args = argparse.Namespace(database=demo.url, nhs_number=person.nhs_number, output=None)
    assert run(args) == 1
    assert capsys.readouterr().err == (
        f"clinic-app calendar-file: {person.given_name} {person.family_name} has no booked "
        "appointments; no file written\n"
    )
    assert list(folder.iterdir()) == []


def test_a_missing_folder_is_named_before_the_database_is_opened(tmp_path: Path) -> None:
    never_created = tmp_path / "clinic.sqlite"
    args = argparse.Namespace(
        database=f"sqlite:///{never_created}",
        nhs_number=valid_nhs_number(1),
        output=str(tmp_path / "no" / "such" / "x.ics"),
    )
    with pytest.raises(UsageError, match=r"argument --output: folder .*/no/such does not exist"):
        run(args)
    assert not never_created.exists()


@pytest.mark.parametrize(
    ("family", "given", "name"),
    [
        ("Smith", "Margaret", "smith-margaret-appointments.ics"),
        ("O'Brien", "Sean", "o-brien-sean-appointments.ics"),
        ("Adams", "Zoë", "adams-zoë-appointments.ics"),
        ("Smith-Jones", "Mary Ann", "smith-jones-mary-ann-appointments.ics"),
        ("../etc", "passwd", "etc-passwd-appointments.ics"),
    ],
)
def test_default_file_names_are_safe(family: str, given: str, name: str) -> None:
    assert calendar_file_name(family, given) == name
