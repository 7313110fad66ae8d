"""Free-text notes must not carry direct identifiers: emails, phone numbers, social security numbers."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\d)(?:\+33[\s.]?|0)[1-9](?:[\s.-]?\d{2}){4}(?!\d)")
# NIR: sex, year, month, department (2A/2B in Corsica), commune, order number, optional key.
_NIR = re.compile(r"(?<!\d)[12][\s.]?\d{2}[\s.]?\d{2}[\s.]?(?:\d{2}|2[AB])[\s.]?\d{3}[\s.]?\d{3}(?:[\s.]?\d{2})?(?!\d)")

_FOUND = (("an email address", _EMAIL), ("a phone number", _PHONE), ("a social security number", _NIR))


def identifiers_in(text: str) -> list[str]:
    """Kinds of direct identifiers found in `text`."""
    return [kind for kind, pattern in _FOUND if pattern.search(text)]


def check_free_text(text: str) -> str:
    """The text, if it holds no direct identifier; raises `ValueError` naming what was found."""
    found = identifiers_in(text)
    if found:
        raise ValueError(f"les notes ne doivent pas contenir de données personnelles : retirez {' et '.join(found)}")
    return text
