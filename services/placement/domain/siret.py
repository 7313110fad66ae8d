"""SIRET numbers: 14 digits whose Luhn key is valid."""

from __future__ import annotations

from shared.errors import InvalidField


class InvalidSiret(InvalidField):
    """The SIRET is not 14 digits with a valid Luhn key."""


def luhn_valid(digits: str) -> bool:
    """Luhn checksum of a string of digits."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def check_siret(siret: str) -> str:
    """The SIRET, if valid; La Poste's establishments (SIREN 356000000) use a digit-sum rule instead."""
    if len(siret) != 14 or not siret.isdigit():
        raise InvalidSiret("siret", "un SIRET compte 14 chiffres")
    if siret.startswith("356000000"):
        valid = sum(int(c) for c in siret) % 5 == 0
    else:
        valid = luhn_valid(siret)
    if not valid:
        raise InvalidSiret("siret", "ce SIRET a une clé de contrôle invalide")
    return siret
