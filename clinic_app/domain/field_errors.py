"""Validation results that name the field and the problem.

Every form and every service reports bad input the same way, so the GUI can put
each message next to its field and the CLI can print "field: problem".
"""

from __future__ import annotations

from collections.abc import Mapping


class ValidationFailed(Exception):
    """Raised by a service when input is invalid; nothing has been saved."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{field}: {problem}" for field, problem in self.errors.items()))
