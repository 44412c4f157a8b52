"""What a receptionist means by what they type in the roster search box.

"smi" is the start of a name, "smith jo" a family and a given name (either order),
"Smith, John" family then given, "943 476" the start of an NHS number, and
"03/04/1950" a date of birth. Deciding this once here keeps the query simple and
lets it use an index for every kind of search.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from clinic_app.domain import nhs_number
from clinic_app.domain.date_text import parse_date
from clinic_app.domain.name_keys import name_key


@dataclass(frozen=True)
class SearchCriteria:
    #: Pairs of (family prefix, given prefix); a row matches if any pair matches.
    #: An empty string in a pair means "any".
    name_prefixes: tuple[tuple[str, str], ...] = ()
    nhs_prefix: str = ""
    date_of_birth: dt.date | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.name_prefixes or self.nhs_prefix or self.date_of_birth)


def interpret(text: str) -> SearchCriteria:
    text = text.strip()
    if not text:
        return SearchCriteria()
    if (born := parse_date(text)) is not None:
        return SearchCriteria(date_of_birth=born)
    digits = nhs_number.normalise(text)
    if digits.isdigit():
        return SearchCriteria(nhs_prefix=digits)
    if "," in text:
        family, _, given = text.partition(",")
        return SearchCriteria(name_prefixes=((name_key(family), name_key(given)),))
    words = name_key(text).split(" ")
    if len(words) == 1:
        # One word: the start of either name.
        return SearchCriteria(name_prefixes=((words[0], ""), ("", words[0])))
    first, rest = words[0], " ".join(words[1:])
    last, before = words[-1], " ".join(words[:-1])
    return SearchCriteria(
        name_prefixes=(
            (name_key(text), ""),  # a family name with a space ("de la cruz")
            (before, last),  # "smith jo"
            (rest, first),  # "john smi"
        )
    )
