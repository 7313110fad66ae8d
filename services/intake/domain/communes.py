"""The commune of a referral, from what a file gives: an INSEE code, a postcode, a town name, or several of them.

Town names are compared without accents, case, hyphens or apostrophes, with `St`/`Ste` read as `Saint`/`Sainte`
and the leading article optional (`Blanc-Mesnil` is Le Blanc-Mesnil); a name that starts a single commune's
name is enough (`Tremblay`). A name or postcode that fits no commune of the department, or several, is an error
that lists the candidates: a person is never routed to an agency on a guess.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable

from shared.territory import COMMUNES, OTHER_NAMES, Commune, UnknownCommune, communes_with_postcode

_POSTCODE = re.compile(r"\b(\d{5})\b")
_INSEE = re.compile(r"^(\d{2}|2[AB])\d{3}$")
_SAINTS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
_ARTICLES = ("l", "le", "la", "les")
_NOISE = re.compile(r"\bcedex\b.*$")


def town_key(name: str) -> str:
    """`L'Île-St-Denis` -> `l ile saint denis`: lower case, no accents, words separated by one space."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = re.sub(r"[^a-z0-9]+", " ", _NOISE.sub("", bare)).split()
    return " ".join(_SAINTS.get(w, w) for w in words)


def _without_article(key: str) -> str:
    first, _, rest = key.partition(" ")
    return rest if first in _ARTICLES and rest else key


def _names(commune: Commune) -> list[str]:
    keys = [town_key(commune.name)]
    keys += [town_key(other) for other, code in OTHER_NAMES.items() if code == commune.code]
    return keys


def _listing(communes: Iterable[Commune]) -> str:
    return ", ".join(f"{c.name} ({c.code})" for c in sorted(communes, key=lambda c: c.name))


def _by_name(name: str, candidates: list[Commune]) -> list[Commune]:
    key = town_key(name)
    if not key:
        return []
    tiers = (
        lambda names: key in names,
        lambda names: _without_article(key) in {_without_article(n) for n in names},
        lambda names: any(
            n.startswith(f"{k} ") for n in names for k in (key, _without_article(key)) for n in (n, _without_article(n))
        ),
    )
    for fits in tiers:
        found = [c for c in candidates if fits(_names(c))]
        if found:
            return found
    return []


def resolve_commune(*, insee: str | None = None, postcode: str | None = None, town: str | None = None) -> str:
    """The INSEE code of the commune designated by these cells; raises `UnknownCommune` listing the candidates."""
    insee, postcode, town = (v.strip() if isinstance(v, str) and v.strip() else None for v in (insee, postcode, town))
    if insee is not None:
        if not _INSEE.match(insee):
            raise UnknownCommune(f"code INSEE « {insee} » : un code INSEE a 5 caractères (par exemple 93066)")
        if insee not in COMMUNES:
            raise UnknownCommune(f"code INSEE {insee} : ce n'est pas une commune de Seine-Saint-Denis")
        return insee
    if town is not None and postcode is None and (found := _POSTCODE.search(town)):
        postcode, town = found.group(1), (town[: found.start()] + town[found.end() :]).strip(" ,-") or None
    candidates = list(COMMUNES.values())
    if postcode is not None:
        if not re.fullmatch(r"\d{5}", postcode):
            raise UnknownCommune(f"code postal « {postcode} » : un code postal a 5 chiffres")
        candidates = communes_with_postcode(postcode)
        if not candidates:
            raise UnknownCommune(f"code postal {postcode} : aucune commune de Seine-Saint-Denis")
    if town is None:
        if postcode is None:
            raise UnknownCommune("commune absente : il faut un code INSEE, un code postal ou un nom de ville")
        if len(candidates) > 1:
            raise UnknownCommune(f"code postal {postcode} partagé par {_listing(candidates)} : précisez la ville")
        return candidates[0].code
    found = _by_name(town, candidates)
    if len(found) == 1:
        return found[0].code
    if found:
        raise UnknownCommune(f"ville « {town} » ambiguë : {_listing(found)}")
    if postcode is not None:
        raise UnknownCommune(
            f"la ville « {town} » ne correspond pas au code postal {postcode} ({_listing(candidates)})"
        )
    close = difflib.get_close_matches(town_key(town), {town_key(c.name): c for c in COMMUNES.values()}, n=3)
    hint = (
        f" ; communes proches : {_listing(c for c in COMMUNES.values() if town_key(c.name) in close)}" if close else ""
    )
    raise UnknownCommune(f"ville « {town} » inconnue en Seine-Saint-Denis{hint}")
