"""The dates a command reports: facts that happened, so never in the future, never before what they follow."""

from __future__ import annotations

from datetime import date

from shared.errors import InvalidField


def past(field: str, day: date, today: date) -> date:
    """`day`, if it is not after today; else the command's `field` is invalid."""
    if day > today:
        raise InvalidField(field, f"{day} est dans le futur")
    return day


def since(field: str, day: date, earliest: date, what: str, today: date) -> date:
    """`day`, if it is neither before `earliest` (the day of `what`) nor after today; else `field` is invalid."""
    if day < earliest:
        raise InvalidField(field, f"{day} précède {what} ({earliest})")
    return past(field, day, today)
