"""The department's Agences locales d'insertion and the communes each one covers (seed reference data)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.intake.domain.errors import AgencyNotFound, UnknownCommune


@dataclass(frozen=True)
class Commune:
    """A commune of Seine-Saint-Denis, by INSEE code."""

    code: str
    name: str


@dataclass(frozen=True)
class Agency:
    """An ALI: its operator (structure porteuse) and the communes it covers."""

    id: str
    name: str
    operator: str
    communes: tuple[str, ...]
    opened_on: date


COMMUNES: dict[str, Commune] = {
    c.code: c
    for c in (
        Commune("93001", "Aubervilliers"),
        Commune("93005", "Aulnay-sous-Bois"),
        Commune("93006", "Bagnolet"),
        Commune("93007", "Le Blanc-Mesnil"),
        Commune("93008", "Bobigny"),
        Commune("93010", "Bondy"),
        Commune("93013", "Le Bourget"),
        Commune("93014", "Clichy-sous-Bois"),
        Commune("93015", "Coubron"),
        Commune("93027", "La Courneuve"),
        Commune("93029", "Drancy"),
        Commune("93030", "Dugny"),
        Commune("93031", "Épinay-sur-Seine"),
        Commune("93032", "Gagny"),
        Commune("93033", "Gournay-sur-Marne"),
        Commune("93039", "L'Île-Saint-Denis"),
        Commune("93045", "Les Lilas"),
        Commune("93046", "Livry-Gargan"),
        Commune("93047", "Montfermeil"),
        Commune("93048", "Montreuil"),
        Commune("93049", "Neuilly-Plaisance"),
        Commune("93050", "Neuilly-sur-Marne"),
        Commune("93051", "Noisy-le-Grand"),
        Commune("93053", "Noisy-le-Sec"),
        Commune("93055", "Pantin"),
        Commune("93057", "Les Pavillons-sous-Bois"),
        Commune("93059", "Pierrefitte-sur-Seine"),
        Commune("93061", "Le Pré-Saint-Gervais"),
        Commune("93062", "Le Raincy"),
        Commune("93063", "Romainville"),
        Commune("93064", "Rosny-sous-Bois"),
        Commune("93066", "Saint-Denis"),
        Commune("93070", "Saint-Ouen-sur-Seine"),
        Commune("93071", "Sevran"),
        Commune("93072", "Stains"),
        Commune("93073", "Tremblay-en-France"),
        Commune("93074", "Vaujours"),
        Commune("93077", "Villemomble"),
        Commune("93078", "Villepinte"),
        Commune("93079", "Villetaneuse"),
    )
}

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
_AGENCY_BY_COMMUNE: dict[str, Agency] = {code: a for a in AGENCIES for code in a.communes}


def agency_for_commune(code: str) -> Agency:
    """The agency covering a commune; raises `UnknownCommune` outside the department."""
    try:
        return _AGENCY_BY_COMMUNE[code]
    except KeyError:
        raise UnknownCommune(f"commune {code!r} is not a commune of Seine-Saint-Denis covered by an ALI") from None


def agency_by_id(agency_id: str) -> Agency:
    """One agency; raises `AgencyNotFound` for an unknown id."""
    try:
        return AGENCIES_BY_ID[agency_id]
    except KeyError:
        raise AgencyNotFound(f"no agency {agency_id!r}; GET /agencies lists the department's agencies") from None
