"""Search keys for names: what a receptionist types should find what was stored.

"O'Brien", "obrien", "Zoë" and "zoe" must meet, so keys drop accents, apostrophes
and case. The same function builds stored keys and typed prefixes.
"""

from __future__ import annotations

import unicodedata

_DROP = set("'’`.")


def name_key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip())
    kept = (ch for ch in decomposed if not unicodedata.combining(ch) and ch not in _DROP)
    return " ".join("".join(kept).casefold().split())
