"""Who is doing the thing: passed to every command, checked against the permissions."""

from __future__ import annotations

from dataclasses import dataclass

from clinic_app.domain.codes import Role


@dataclass(frozen=True)
class Actor:
    user_id: int
    display_name: str
    role: Role
    #: The computer the action came from, for the audit trail (filled in by whoever
    #: signs the person in: the domain itself never asks the operating system).
    workstation: str = ""
