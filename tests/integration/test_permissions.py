"""Every command, as every role: allowed or refused exactly as the matrix says.

The envelope checks the role before the command's own code runs, so a refused role
gets ``NotPermitted`` whatever the arguments; an allowed role gets past the check and
the command then fails on the empty arguments (a TypeError) or on what they name.
"""

from __future__ import annotations

import importlib
import pkgutil
import shutil
from pathlib import Path

import pytest

from clinic_app.domain.actor import Actor
from clinic_app.domain.codes import Role
from clinic_app.domain.permissions import ALLOWED, Action
from clinic_app.persistence.engine import create_engine
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services import commands
from clinic_app.services.envelope import Command, Job, NotPermitted

#: Public functions in services/commands that are not commands, and why.
NOT_COMMANDS = {
    # runs the create_user command as the set-up actor
    "clinic_app.services.commands.users.create_first_user",
    # session-level steps of recording a dose, inside that command's transaction
    "clinic_app.services.commands.booking.book_next_dose",
    "clinic_app.services.commands.clinical_record.add_decision",
}


def _commands() -> dict[str, Command[..., object] | Job[..., object]]:
    found: dict[str, Command[..., object] | Job[..., object]] = {}
    for info in pkgutil.iter_modules(commands.__path__, commands.__name__ + "."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, Command | Job) and value.__module__ == module.__name__:
                found[f"{module.__name__}.{name}"] = value
    return found


COMMANDS = _commands()


@pytest.fixture(scope="module")
def clinic_uow(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> UnitOfWork:
    """One migrated SQLite clinic: a refused call never reaches it, an allowed one fails
    on its arguments before writing (and would be rolled back if it got further)."""
    path = tmp_path_factory.mktemp("permissions") / "clinic.sqlite"
    shutil.copyfile(sqlite_template, path)
    return UnitOfWork(create_engine(f"sqlite:///{path}"))


def test_every_public_function_in_commands_goes_through_the_envelope() -> None:
    loose = []
    for info in pkgutil.iter_modules(commands.__path__, commands.__name__ + "."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            qualified = f"{module.__name__}.{name}"
            if (
                callable(value)
                and not name.startswith("_")
                and getattr(value, "__module__", None) == module.__name__
                and not isinstance(value, type | Command | Job)
                and qualified not in NOT_COMMANDS
            ):
                loose.append(qualified)
    assert loose == [], f"writes outside the envelope: {loose}"


def test_every_action_in_the_matrix_has_a_command_and_every_command_an_action() -> None:
    used = {command.action for command in COMMANDS.values()}
    assert set(ALLOWED) == set(Action)
    assert set(Action) == used


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
@pytest.mark.parametrize("name", sorted(COMMANDS), ids=lambda name: name.rsplit(".", 2)[-2:][-1])
def test_each_command_is_allowed_or_refused_for_each_role_as_the_matrix_says(
    clinic_uow: UnitOfWork, name: str, role: Role
) -> None:
    command = COMMANDS[name]
    actor = Actor(user_id=1, display_name=f"A {role.label}", role=role)
    if role in ALLOWED[command.action]:
        try:
            command(clinic_uow, actor)  # no arguments: past the check, the call itself fails
        except NotPermitted:  # pragma: no cover - the failure being tested for
            pytest.fail(f"{role.label} was refused {command.action.label}")
        except TypeError:
            pass
    else:
        with pytest.raises(NotPermitted, match=f"can {command.action.label}; you are signed in"):
            command(clinic_uow, actor)


def test_the_readme_shows_the_matrix() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert matrix_table() in readme, (
        "README.md's role table differs from domain/permissions.py; paste:\n" + matrix_table()
    )


def matrix_table() -> str:
    roles = list(Role)
    lines = [
        "| action | " + " | ".join(role.label for role in roles) + " |",
        "|---|" + "---|" * len(roles),
    ]
    for action in Action:
        marks = " | ".join("✓" if role in ALLOWED[action] else "" for role in roles)
        lines.append(f"| {action.label} | {marks} |")
    return "\n".join(lines)
