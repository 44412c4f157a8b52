"""Errors a person can fix, each carrying the message to show them.

Anything else that escapes a service is a bug and is reported as one (logged with a
traceback, crash dialog); these are expected and shown as plain messages.
"""

from __future__ import annotations


class UserError(Exception):
    """A problem the person at the keyboard can act on."""


class NotFound(UserError):
    pass


class Conflict(UserError):
    """Someone else changed or took the thing first (another workstation, a double click)."""
