"""How names are compared: every script kept, never a letter dropped.

Two forms of a name:

- the *exact* form: Unicode compatibility normalisation (NFKC) and case folding (`str.casefold`), without the
  separators people write differently (spaces, hyphens, apostrophes, dots). Letters, marks and digits of every
  script stay: `Пётр` stays `пётр`, `王伟` stays `王伟`, `Straße` and `STRASSE` both give `strasse` (the Unicode
  caseless match), `Éloïse` gives `éloïse`, which is not `eloise`. Equal exact forms (with the same birth date)
  designate the same person.
- the *Latin* form: diacritics removed and every script transliterated to ASCII (anyascii), lower case. It is a
  weaker signal: `Łukasz Żółć` and `Lukasz Zolc`, `Éloïse` and `ELOISE`, `محمد` with or without vowel marks share
  it, and so may different people whose names only sound alike. It never merges anyone on its own: it only flags
  a *possible* duplicate for a caseworker to confirm.
"""

from __future__ import annotations

import unicodedata

from anyascii import anyascii

# Letters, marks and digits of every script are part of a name; everything else is punctuation or spacing.
_KEPT = ("L", "M", "N")


def exact_form(name: str) -> str:
    """The name as compared for an automatic match: NFKC, case-folded, separators removed."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    return "".join(c for c in folded if unicodedata.category(c)[0] in _KEPT)


def latin_form(name: str) -> str:
    """The name transliterated to lower-case ASCII letters and digits, diacritics and vowel marks removed."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))
    return "".join(c for c in anyascii(bare).casefold() if c.isascii() and c.isalnum())
