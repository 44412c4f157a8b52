"""Database trouble a person can act on, told in their words.

A locked SQLite file, a full disk, a lost connection to the server, or a transaction
that lost a race on PostgreSQL is not a bug in the app: the person can wait, free
space, check the network or simply try again. Everything else that escapes a command
is a bug and is reported as one.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, OperationalError

#: PostgreSQL SQLSTATEs for a transaction that lost a race and can simply be retried.
_RETRYABLE = {"40001": "serialization failure", "40P01": "deadlock"}


def explain(error: BaseException) -> str | None:
    """The message for a database problem a person can act on; None for anything else."""
    if not isinstance(error, DBAPIError):
        return None
    text = str(error.orig).lower() if error.orig is not None else str(error).lower()
    code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    if code in _RETRYABLE:
        return (
            "Another workstation changed the same records at the same moment, so nothing "
            "was saved. Please try again."
        )
    if "database is locked" in text or "database table is locked" in text:
        return (
            "The clinic database is busy with another workstation's change. Nothing was "
            "saved; please try again in a moment."
        )
    if "disk is full" in text or "no space left" in text or code == "53100":
        return (
            "The disk holding the clinic database is full, so nothing was saved. Ask your "
            "practice manager to free some space, then try again."
        )
    lost = ("connection", "server closed", "could not connect", "terminating", "timeout")
    if error.connection_invalidated or (
        isinstance(error, OperationalError) and any(word in text for word in lost)
    ):
        return (
            "The connection to the clinic database was lost, so nothing was saved. Check "
            "the network or that the database server is running, then try again."
        )
    return None
