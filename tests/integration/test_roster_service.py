"""Roster search, filters, sorting and keyset paging on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from clinic_app.domain.codes import PatientStatus
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.patients import create_patient, update_patient
from clinic_app.services.queries.patients import get_patient
from clinic_app.services.queries.roster import RosterQuery, RosterSort, count_roster, search_roster
from tests.builders import details, make_actor

PEOPLE = [
    ("Margaret", "Smith", dt.date(1950, 4, 3)),
    ("John", "Smithson", dt.date(1961, 7, 9)),
    ("Joan", "Smith", dt.date(1948, 1, 30)),
    ("Sean", "O'Brien", dt.date(1972, 12, 1)),
    ("Zoë", "Adams", dt.date(1990, 5, 17)),
    ("Smith", "Jones", dt.date(1983, 3, 3)),
]


def _fill(uow: UnitOfWork) -> list[int]:
    actor = make_actor(uow)
    return [
        create_patient(uow, actor, details(n + 1, given_name=g, family_name=f, date_of_birth=b)).id
        for n, (g, f, b) in enumerate(PEOPLE)
    ]


def _names(uow: UnitOfWork, query: RosterQuery) -> list[str]:
    return [f"{r.family_name}, {r.given_name}" for r in search_roster(uow, query)]


def test_one_word_finds_either_name_in_name_order(uow: UnitOfWork) -> None:
    _fill(uow)
    assert _names(uow, RosterQuery(text="smi")) == [
        "Jones, Smith",
        "Smith, Joan",
        "Smith, Margaret",
        "Smithson, John",
    ]
    assert count_roster(uow, RosterQuery(text="smi")) == 4


def test_family_and_given_prefixes(uow: UnitOfWork) -> None:
    _fill(uow)
    # Either order: "Smith Jones" is a given name Smith in the Jones family.
    assert _names(uow, RosterQuery(text="smith jo")) == [
        "Jones, Smith",
        "Smith, Joan",
        "Smithson, John",
    ]
    assert _names(uow, RosterQuery(text="Smith, M")) == ["Smith, Margaret"]


def test_accents_and_apostrophes_do_not_matter(uow: UnitOfWork) -> None:
    _fill(uow)
    assert _names(uow, RosterQuery(text="obri")) == ["O'Brien, Sean"]
    assert _names(uow, RosterQuery(text="zoe")) == ["Adams, Zoë"]


def test_date_of_birth_and_nhs_number(uow: UnitOfWork) -> None:
    ids = _fill(uow)
    assert _names(uow, RosterQuery(text="30/01/1948")) == ["Smith, Joan"]
    number = get_patient(uow, ids[3]).details.nhs_number
    assert _names(uow, RosterQuery(text=f"{number[:3]} {number[3:6]} {number[6:]}")) == [
        "O'Brien, Sean"
    ]


def test_status_filter(uow: UnitOfWork) -> None:
    ids = _fill(uow)
    actor = make_actor(uow, "Priya Shah")
    record = get_patient(uow, ids[4])
    from dataclasses import replace

    update_patient(
        uow,
        actor,
        ids[4],
        replace(record.details, status=PatientStatus.TRANSFERRED),
        expected_version=record.version,
    )
    assert _names(uow, RosterQuery(status=PatientStatus.TRANSFERRED)) == ["Adams, Zoë"]
    assert count_roster(uow, RosterQuery(status=PatientStatus.ACTIVE)) == 5


def test_keyset_pages_cover_everyone_once_in_every_sort(uow: UnitOfWork) -> None:
    _fill(uow)
    for sort in RosterSort:
        for descending in (False, True):
            query = RosterQuery(sort=sort, descending=descending)
            everyone = search_roster(uow, query, limit=100)
            paged = []
            after = None
            while True:
                page = search_roster(uow, query, after=after, limit=2)
                if not page:
                    break
                paged.extend(page)
                after = page[-1].cursor
            assert [r.id for r in paged] == [r.id for r in everyone], (sort, descending)
            assert len(everyone) == len(PEOPLE)
