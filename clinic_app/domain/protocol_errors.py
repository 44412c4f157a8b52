"""The error a malformed protocol template raises.

A clinic edits these files by hand, so the message must lead straight to the line
to fix: which file, which field (as a dotted path), and what is wrong with it.
"""

from __future__ import annotations


class ProtocolError(ValueError):
    def __init__(self, source: str, field: str, problem: str) -> None:
        where = f"{source}: {field}" if field else source
        super().__init__(f"{where}: {problem}")
        self.source = source
        self.field = field
        self.problem = problem
