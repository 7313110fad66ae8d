"""The NIR (numéro de sécurité sociale): how people write it, what it must look like, and its check key."""

from __future__ import annotations

import re

# Sex (1, 2; 7, 8 for a temporary NIA), year, month (01-12, or 20-99 when unknown), department (2A/2B for
# Corsica), commune, order number, then the optional two-digit check key.
_SHAPE = re.compile(r"^[1278]\d{2}(0[1-9]|1[0-2]|[2-9]\d)(\d{2}|2A|2B)\d{6}(\d{2})?$")
_SEPARATORS = re.compile(r"[\s.\-]")


def normalise_nir(raw: str) -> str:
    """Upper case, without the spaces, dots and dashes people type: `1 90 05 75 123 456 78` -> `190057512345678`."""
    return _SEPARATORS.sub("", raw).upper()


def check_key(nir13: str) -> int:
    """The check key of the first 13 characters: 97 - (number mod 97), Corsica's 2A and 2B read as 19 and 18."""
    department = {"2A": "19", "2B": "18"}.get(nir13[5:7], nir13[5:7])
    return 97 - int(nir13[:5] + department + nir13[7:13]) % 97


def validate_nir(raw: str) -> str:
    """The normalised NIR; raises `ValueError` with a readable reason when it cannot be one."""
    nir = normalise_nir(raw)
    if not _SHAPE.match(nir):
        raise ValueError("un NIR a 13 caractères, ou 15 avec sa clé (par exemple 1 90 05 75 123 456 78)")
    if len(nir) == 15 and int(nir[13:]) != check_key(nir):
        raise ValueError(f"la clé {nir[13:]} du NIR ne correspond pas à ses 13 premiers caractères (check key)")
    return nir


def person_part(nir: str) -> str:
    """The 13 characters that identify the person (the key only checks them)."""
    return nir[:13]
