"""One side of the double-booking race: a separate OS process booking as fast as it can.

Kept out of the test module so a spawned process imports only this and what it needs.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from multiprocessing.synchronize import Barrier
from pathlib import Path

from clinic_app.domain.actor import Actor
from clinic_app.domain.codes import Role
from clinic_app.domain.errors import Conflict
from clinic_app.persistence.engine import create_engine
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.booking import book_appointment


def book_all(
    database_url: str,
    user_id: int,
    attempts: list[tuple[int, int]],
    today: dt.date,
    barrier: Barrier,
    result_file: str,
) -> None:
    """Try every (appointment, slot) booking; write what happened to each as JSON."""
    engine = create_engine(database_url)
    uow = UnitOfWork(engine)
    actor = Actor(user_id, f"Racer {user_id}", Role.RECEPTIONIST, workstation=result_file)
    with engine.connect():  # connect (and on SQLite set the pragmas) before the start line
        pass
    outcomes: list[dict[str, object]] = []
    barrier.wait(timeout=60)
    started = time.time()
    for appointment_id, slot_id in attempts:
        try:
            book_appointment(uow, actor, appointment_id, slot_id, today=today)
        except Conflict as error:
            outcomes.append({"appointment": appointment_id, "slot": slot_id, "refused": str(error)})
        except Exception as error:  # any other failure is what the test is looking for
            outcomes.append({"appointment": appointment_id, "slot": slot_id, "error": repr(error)})
        else:
            outcomes.append({"appointment": appointment_id, "slot": slot_id, "booked": True})
    finished = time.time()
    engine.dispose()
    report = {"started": started, "finished": finished, "outcomes": outcomes}
    Path(result_file).write_text(json.dumps(report), encoding="utf-8")
