"""Who is doing the thing: passed to every service that changes a record."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field

from clinic_app.domain.codes import Role


@dataclass(frozen=True)
class Actor:
    user_id: int
    display_name: str
    role: Role
    workstation: str = field(default_factory=socket.gethostname)
