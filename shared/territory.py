"""The 40 communes of Seine-Saint-Denis with the approximate position of their town hall, distances, and the
22 Agences locales d'insertion with the communes each one covers (reference data of every service).

Positions are rounded to about 0.01 degree (about 1 km): enough to compare a commute with what a person
can travel, not to route anyone. Codes and names are the INSEE ones also used by intake.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from math import asin, cos, radians, sin, sqrt
from typing import Annotated

from pydantic import AfterValidator, Field

from shared.errors import DomainError

EARTH_RADIUS_KM = 6371.0


class UnknownCommune(DomainError):
    """The INSEE code is not one of the communes of Seine-Saint-Denis."""


@dataclass(frozen=True)
class Commune:
    """A commune of the department, located by its town hall."""

    code: str
    name: str
    latitude: float
    longitude: float


COMMUNES: dict[str, Commune] = {
    c.code: c
    for c in (
        Commune("93001", "Aubervilliers", 48.914, 2.382),
        Commune("93005", "Aulnay-sous-Bois", 48.938, 2.497),
        Commune("93006", "Bagnolet", 48.869, 2.418),
        Commune("93007", "Le Blanc-Mesnil", 48.939, 2.461),
        Commune("93008", "Bobigny", 48.908, 2.440),
        Commune("93010", "Bondy", 48.902, 2.483),
        Commune("93013", "Le Bourget", 48.935, 2.426),
        Commune("93014", "Clichy-sous-Bois", 48.910, 2.547),
        Commune("93015", "Coubron", 48.916, 2.577),
        Commune("93027", "La Courneuve", 48.928, 2.396),
        Commune("93029", "Drancy", 48.923, 2.445),
        Commune("93030", "Dugny", 48.954, 2.417),
        Commune("93031", "Épinay-sur-Seine", 48.955, 2.309),
        Commune("93032", "Gagny", 48.883, 2.534),
        Commune("93033", "Gournay-sur-Marne", 48.861, 2.577),
        Commune("93039", "L'Île-Saint-Denis", 48.937, 2.338),
        Commune("93045", "Les Lilas", 48.880, 2.419),
        Commune("93046", "Livry-Gargan", 48.920, 2.536),
        Commune("93047", "Montfermeil", 48.898, 2.566),
        Commune("93048", "Montreuil", 48.864, 2.449),
        Commune("93049", "Neuilly-Plaisance", 48.863, 2.509),
        Commune("93050", "Neuilly-sur-Marne", 48.854, 2.530),
        Commune("93051", "Noisy-le-Grand", 48.849, 2.553),
        Commune("93053", "Noisy-le-Sec", 48.891, 2.460),
        Commune("93055", "Pantin", 48.894, 2.409),
        Commune("93057", "Les Pavillons-sous-Bois", 48.907, 2.506),
        Commune("93059", "Pierrefitte-sur-Seine", 48.965, 2.361),
        Commune("93061", "Le Pré-Saint-Gervais", 48.885, 2.405),
        Commune("93062", "Le Raincy", 48.899, 2.517),
        Commune("93063", "Romainville", 48.885, 2.435),
        Commune("93064", "Rosny-sous-Bois", 48.875, 2.486),
        Commune("93066", "Saint-Denis", 48.936, 2.357),
        Commune("93070", "Saint-Ouen-sur-Seine", 48.912, 2.334),
        Commune("93071", "Sevran", 48.939, 2.528),
        Commune("93072", "Stains", 48.957, 2.385),
        Commune("93073", "Tremblay-en-France", 48.950, 2.568),
        Commune("93074", "Vaujours", 48.930, 2.570),
        Commune("93077", "Villemomble", 48.883, 2.508),
        Commune("93078", "Villepinte", 48.962, 2.533),
        Commune("93079", "Villetaneuse", 48.957, 2.345),
    )
}


# Postcodes of each commune (La Poste). Saint-Denis has two (93210 is La Plaine Saint-Denis); no two communes of
# the department share one, but a postcode is looked up as possibly shared, as it is elsewhere in France.
POSTCODES: dict[str, tuple[str, ...]] = {
    "93001": ("93300",),
    "93005": ("93600",),
    "93006": ("93170",),
    "93007": ("93150",),
    "93008": ("93000",),
    "93010": ("93140",),
    "93013": ("93350",),
    "93014": ("93390",),
    "93015": ("93470",),
    "93027": ("93120",),
    "93029": ("93700",),
    "93030": ("93440",),
    "93031": ("93800",),
    "93032": ("93220",),
    "93033": ("93460",),
    "93039": ("93450",),
    "93045": ("93260",),
    "93046": ("93190",),
    "93047": ("93370",),
    "93048": ("93100",),
    "93049": ("93360",),
    "93050": ("93330",),
    "93051": ("93160",),
    "93053": ("93130",),
    "93055": ("93500",),
    "93057": ("93320",),
    "93059": ("93380",),
    "93061": ("93310",),
    "93062": ("93340",),
    "93063": ("93230",),
    "93064": ("93110",),
    "93066": ("93200", "93210"),
    "93070": ("93400",),
    "93071": ("93270",),
    "93072": ("93240",),
    "93073": ("93290",),
    "93074": ("93410",),
    "93077": ("93250",),
    "93078": ("93420",),
    "93079": ("93430",),
}
# Other names people write for a commune: former names, and localities of its postcodes.
OTHER_NAMES: dict[str, str] = {
    "Saint-Ouen": "93070",
    "Montreuil-sous-Bois": "93048",
    "La Plaine-Saint-Denis": "93066",
}


def communes_with_postcode(postcode: str) -> list[Commune]:
    """The communes of the department served by a postcode (empty outside it)."""
    return [COMMUNES[code] for code, codes in POSTCODES.items() if postcode in codes]


def commune(code: str) -> Commune:
    """The commune with this INSEE code; raises `UnknownCommune` outside the department."""
    try:
        return COMMUNES[code]
    except KeyError:
        raise UnknownCommune(f"{code!r} n'est pas une commune de Seine-Saint-Denis") from None


def is_known(code: str) -> bool:
    """True for the INSEE code of a commune of the department."""
    return code in COMMUNES


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres between two points given in degrees."""
    phi1, phi2 = radians(lat1), radians(lat2)
    d_phi, d_lambda = phi2 - phi1, radians(lon2 - lon1)
    h = sin(d_phi / 2) ** 2 + cos(phi1) * cos(phi2) * sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * asin(sqrt(h))


def distance_km(code_a: str, code_b: str) -> float:
    """Distance in kilometres between the town halls of two communes of the department."""
    a, b = commune(code_a), commune(code_b)
    return haversine_km(a.latitude, a.longitude, b.latitude, b.longitude)


def distances_from(code: str) -> dict[str, float]:
    """Distance from one commune to every commune of the department (itself included, at 0 km)."""
    return {other: distance_km(code, other) for other in COMMUNES}


@dataclass(frozen=True)
class Agency:
    """An ALI: its operator (structure porteuse) and the communes it covers."""

    id: str
    name: str
    operator: str
    communes: tuple[str, ...]
    opened_on: date


# 22 agencies. La Courneuve (C2DI 93, 13th to open, 9 October 2023) and Clichy-sous-Bois (Grand Paris Grand
# Est, for Clichy-Montfermeil-Coubron) are documented; the other groupings follow neighbouring communes.
AGENCIES: tuple[Agency, ...] = (
    Agency("ali-aubervilliers", "ALI Aubervilliers", "Plaine Commune", ("93001",), date(2023, 3, 1)),
    Agency("ali-aulnay-sous-bois", "ALI Aulnay-sous-Bois", "Paris Terres d'Envol", ("93005",), date(2023, 4, 3)),
    Agency("ali-bagnolet-les-lilas", "ALI Bagnolet - Les Lilas", "Est Ensemble", ("93006", "93045"), date(2023, 5, 2)),
    Agency(
        "ali-blanc-mesnil-dugny",
        "ALI Le Blanc-Mesnil - Dugny - Le Bourget",
        "Paris Terres d'Envol",
        ("93007", "93030", "93013"),
        date(2023, 5, 15),
    ),
    Agency("ali-bobigny", "ALI Bobigny", "Est Ensemble", ("93008",), date(2023, 2, 1)),
    Agency("ali-bondy", "ALI Bondy", "Est Ensemble", ("93010",), date(2023, 6, 1)),
    Agency(
        "ali-clichy-sous-bois",
        "ALI Clichy-sous-Bois - Montfermeil - Coubron",
        "Grand Paris Grand Est",
        ("93014", "93047", "93015"),
        date(2023, 9, 4),
    ),
    Agency("ali-la-courneuve", "ALI La Courneuve", "C2DI 93", ("93027",), date(2023, 10, 9)),
    Agency("ali-drancy", "ALI Drancy", "Paris Terres d'Envol", ("93029",), date(2023, 6, 12)),
    Agency(
        "ali-epinay-villetaneuse",
        "ALI Épinay-sur-Seine - Villetaneuse - L'Île-Saint-Denis",
        "Plaine Commune",
        ("93031", "93079", "93039"),
        date(2023, 7, 3),
    ),
    Agency(
        "ali-gagny-villemomble",
        "ALI Gagny - Villemomble",
        "Grand Paris Grand Est",
        ("93032", "93077"),
        date(2023, 9, 18),
    ),
    Agency(
        "ali-livry-gargan",
        "ALI Livry-Gargan - Les Pavillons-sous-Bois - Vaujours",
        "Grand Paris Grand Est",
        ("93046", "93057", "93074"),
        date(2023, 11, 6),
    ),
    Agency("ali-montreuil", "ALI Montreuil", "Est Ensemble", ("93048",), date(2023, 1, 16)),
    Agency(
        "ali-neuilly",
        "ALI Neuilly-sur-Marne - Neuilly-Plaisance",
        "Grand Paris Grand Est",
        ("93050", "93049"),
        date(2023, 11, 20),
    ),
    Agency(
        "ali-noisy-le-grand",
        "ALI Noisy-le-Grand - Gournay-sur-Marne",
        "Grand Paris Grand Est",
        ("93051", "93033"),
        date(2023, 12, 4),
    ),
    Agency(
        "ali-noisy-le-sec-romainville",
        "ALI Noisy-le-Sec - Romainville",
        "Est Ensemble",
        ("93053", "93063"),
        date(2023, 8, 28),
    ),
    Agency(
        "ali-pantin-pre-saint-gervais",
        "ALI Pantin - Le Pré-Saint-Gervais",
        "Est Ensemble",
        ("93055", "93061"),
        date(2023, 4, 17),
    ),
    Agency(
        "ali-rosny-le-raincy",
        "ALI Rosny-sous-Bois - Le Raincy",
        "Grand Paris Grand Est",
        ("93064", "93062"),
        date(2023, 12, 11),
    ),
    Agency(
        "ali-saint-denis-pierrefitte",
        "ALI Saint-Denis - Pierrefitte-sur-Seine",
        "Plaine Commune",
        ("93066", "93059"),
        date(2023, 3, 20),
    ),
    Agency("ali-saint-ouen", "ALI Saint-Ouen-sur-Seine", "Plaine Commune", ("93070",), date(2023, 10, 2)),
    Agency(
        "ali-sevran-tremblay-villepinte",
        "ALI Sevran - Tremblay-en-France - Villepinte",
        "Paris Terres d'Envol",
        ("93071", "93073", "93078"),
        date(2024, 1, 8),
    ),
    Agency("ali-stains", "ALI Stains", "Plaine Commune", ("93072",), date(2023, 7, 17)),
)

AGENCIES_BY_ID: dict[str, Agency] = {a.id: a for a in AGENCIES}


def known_agency(agency_id: str) -> str:
    """The id, if it names an agency of the department (a closed list: an id is never free text)."""
    if agency_id not in AGENCIES_BY_ID:
        raise ValueError(f"not an agency of the department; the agencies are {', '.join(AGENCIES_BY_ID)}")
    return agency_id


# An agency named in a request: one of the department's, by its id (`GET /agencies` of intake lists them).
AgencyId = Annotated[
    str, Field(pattern=r"^ali-[a-z0-9-]{1,60}$", examples=["ali-la-courneuve"]), AfterValidator(known_agency)
]
