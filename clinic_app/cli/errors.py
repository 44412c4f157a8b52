"""The one error a command raises for a person's mistake on the command line."""

from __future__ import annotations


class UsageError(Exception):
    """Bad command-line input: the CLI prints one line naming the argument and exits 2."""

    def __init__(self, argument: str, problem: str) -> None:
        super().__init__(f"argument {argument}: {problem}")
        self.argument = argument
        self.problem = problem
