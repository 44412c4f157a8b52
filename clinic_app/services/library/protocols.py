"""The regimen templates a clinic can choose from: the shipped ones plus its own.

Shipped templates are package data (``clinic_app/resources/protocols``); a clinic may
add templates, or override a shipped one by giving its file the same id, in its data
directory. A broken file must not take the whole library down with it: it is left
out (a broken override leaves the shipped template in place) and its error is kept
in ``problems`` so the app can show the clinic what to fix.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType

from clinic_app.domain.protocol import Protocol
from clinic_app.domain.protocol_errors import ProtocolError
from clinic_app.domain.protocol_parser import parse_protocol


@dataclass(frozen=True)
class ProtocolLibrary:
    """The templates by id (read-only), and what could not be loaded and why."""

    protocols: Mapping[str, Protocol] = field(default_factory=dict)
    problems: tuple[ProtocolError, ...] = ()
    #: Ids whose shipped template was replaced by the clinic's own file.
    overridden: frozenset[str] = frozenset()

    def get(self, protocol_id: str) -> Protocol | None:
        return self.protocols.get(protocol_id)

    def all(self) -> tuple[Protocol, ...]:
        return tuple(self.protocols[key] for key in sorted(self.protocols))

    def ids(self) -> tuple[str, ...]:
        return tuple(sorted(self.protocols))

    def __contains__(self, protocol_id: object) -> bool:
        return protocol_id in self.protocols


def shipped_protocols_dir() -> Traversable:
    """The templates shipped with the app, installed or in a source checkout."""
    try:
        return resources.files("clinic_app.resources") / "protocols"
    except ModuleNotFoundError:
        # Source checkout on PYTHONPATH without an install: resources/ sits beside
        # the package, where setuptools' package-dir mapping takes it from.
        return Path(__file__).resolve().parents[2] / "resources" / "protocols"


def load_protocol_library(
    extra_dir: Path | None = None, shipped_dir: Traversable | None = None
) -> ProtocolLibrary:
    """Shipped templates, then ``extra_dir``'s (same id replaces the shipped one)."""
    problems: list[ProtocolError] = []
    shipped = _load_dir(shipped_dir or shipped_protocols_dir(), problems)
    extra = _load_dir(extra_dir, problems) if extra_dir is not None else {}
    return ProtocolLibrary(
        protocols=MappingProxyType({**shipped, **extra}),
        problems=tuple(problems),
        overridden=frozenset(shipped.keys() & extra.keys()),
    )


def _load_dir(directory: Traversable, problems: list[ProtocolError]) -> dict[str, Protocol]:
    found: dict[str, Protocol] = {}
    for entry in _toml_files(directory):
        source = _describe(entry)
        try:
            protocol = _load_file(entry, source)
        except ProtocolError as error:
            problems.append(error)
            continue
        if protocol.id in found:
            problems.append(
                ProtocolError(source, "id", f"{protocol.id!r} is already defined by "
                              f"{found[protocol.id].origin}")
            )  # fmt: skip
            continue
        found[protocol.id] = protocol
    return found


def _toml_files(directory: Traversable) -> Iterable[Traversable]:
    if not directory.is_dir():
        return ()
    return sorted(
        (
            entry
            for entry in directory.iterdir()
            if entry.name.endswith(".toml") and entry.is_file()
        ),
        key=lambda entry: entry.name,
    )


def _load_file(entry: Traversable, source: str) -> Protocol:
    try:
        data = tomllib.loads(entry.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ProtocolError(source, "", f"cannot be read: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ProtocolError(source, "", f"is not valid TOML: {error}") from None
    protocol = parse_protocol(data, source)
    stem = entry.name.removesuffix(".toml")
    if protocol.id != stem:
        # One id per file name keeps an override obvious: copy the file, keep its name.
        raise ProtocolError(source, "id", f"{protocol.id!r} must match the file name ({stem!r})")
    return protocol


def _describe(entry: Traversable) -> str:
    return str(entry) if isinstance(entry, Path) else f"protocols/{entry.name}"
