"""The values the HTTP APIs accept, defined once: text that can be stored, bounded numbers, dates in a sane window.

Every request model derives from `Input` (closed to unknown fields, immutable, trimmed strings, no `Infinity` or
`NaN`, and no string anywhere in it that PostgreSQL could not store or a reader could not see). Fields use the
types below rather than a bare `str`, `int` or `date`, so that a hostile value is a 422 naming the field:

- `Text` (any storable text; give it a `max_length`), `Label` (1-200 characters), `Note` (up to 2,000),
  `Identifier` (an id made of letters, digits, `-`, `_`, `.`: agency ids, referents, profile names);
- `BirthDate` (1900-01-01 to today), `FactDate` (a date something happened or is planned: `FACT_YEARS_BACK`
  years before today to `FACT_YEARS_AHEAD` after), `ReferenceDate` (`as_of` and period bounds: the same window);
- `Count` (0 to 1,000), `Hours` (0 to 168, finite), `Months` (0 to 120, finite).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

# C0 and C1 control characters (tab, line feed and carriage return are text) and UTF-16 surrogates, which
# cannot be encoded in UTF-8: PostgreSQL refuses them (`\u0000`) or the encoder fails (a lone surrogate).
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# The same rule for the published schema (JSON Schema regex; surrogates cannot travel in valid JSON text).
STORABLE_PATTERN = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"

FACT_YEARS_BACK = 30
FACT_YEARS_AHEAD = 5
EARLIEST_BIRTH = date(1900, 1, 1)


def storable(value: str) -> str:
    """The text, or a `text_not_storable` error naming the first character that cannot be stored."""
    if (found := _UNSTORABLE.search(value)) is not None:
        raise PydanticCustomError(
            "text_not_storable",
            "caractère non accepté (U+{codepoint}) en position {position}",
            {"codepoint": f"{ord(found.group()):04X}", "position": found.start() + 1},
        )
    return value


def _years_before(day: date, years: int) -> date:
    return day.replace(year=day.year - years, day=min(day.day, 28))


def _years_after(day: date, years: int) -> date:
    return day.replace(year=day.year + years, day=min(day.day, 28))


def fact_window(today: date | None = None) -> tuple[date, date]:
    """The dates a fact may carry: `FACT_YEARS_BACK` years before today to `FACT_YEARS_AHEAD` years after."""
    today = today or date.today()
    return _years_before(today, FACT_YEARS_BACK), _years_after(today, FACT_YEARS_AHEAD)


def _within(value: date, earliest: date, latest: date) -> date:
    if not earliest <= value <= latest:
        raise PydanticCustomError(
            "date_out_of_range",
            "la date doit être comprise entre le {earliest} et le {latest}",
            {"earliest": earliest.isoformat(), "latest": latest.isoformat()},
        )
    return value


def _birth_date(value: date) -> date:
    return _within(value, EARLIEST_BIRTH, date.today())


def _fact_date(value: date) -> date:
    return _within(value, *fact_window())


_BIRTH_DOC = "Between 1900-01-01 and today."
_FACT_DOC = f"Within {FACT_YEARS_BACK} years before today and {FACT_YEARS_AHEAD} years after."

Text = Annotated[str, AfterValidator(storable), Field(json_schema_extra={"pattern": STORABLE_PATTERN})]
Label = Annotated[Text, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Note = Annotated[Text, StringConstraints(strip_whitespace=True, max_length=2000)]
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$")]

BirthDate = Annotated[date, AfterValidator(_birth_date), Field(description=_BIRTH_DOC)]
FactDate = Annotated[date, AfterValidator(_fact_date), Field(description=_FACT_DOC)]
ReferenceDate = Annotated[date, AfterValidator(_fact_date), Field(description=_FACT_DOC)]

Count = Annotated[int, Field(ge=0, le=1000)]
Hours = Annotated[float, Field(ge=0, le=168, allow_inf_nan=False)]
Months = Annotated[float, Field(ge=0, le=120, allow_inf_nan=False)]


def _unstorable_path(value: Any, path: tuple[str | int, ...] = ()) -> tuple[tuple[str | int, ...], str] | None:
    """Where, in a request's raw data, the first string that cannot be stored is (keys included)."""
    if isinstance(value, str):
        return (path, value) if _UNSTORABLE.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and _UNSTORABLE.search(key):
                return (*path, key), key
            if (found := _unstorable_path(item, (*path, key))) is not None:
                return found
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            if (found := _unstorable_path(item, (*path, index))) is not None:
                return found
    return None


class Input(BaseModel):
    """Base of every request model: immutable, closed to unknown fields, trimmed strings, finite numbers.

    Any string in it, at any depth and typed or not, must be storable (see `storable`): a field typed `str` by
    mistake still refuses `\\u0000` and lone surrogates.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _only_storable_text(cls, data: Any) -> Any:
        found = _unstorable_path(data)
        if found is not None:
            try:
                storable(found[1])
            except PydanticCustomError as e:
                # The path may hold the very character (a key): it is shown replaced.
                where = _UNSTORABLE.sub("\ufffd", ".".join(str(part) for part in found[0])) or "la requête"
                raise PydanticCustomError("text_not_storable", f"{where} : {e.message()}") from None
        return data
