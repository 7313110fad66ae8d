"""French labels of the codes people read (dashboard, exports): one per value of each closed referential.

Codes stay the machine names in events and JSON; these labels are what a person in a French office reads.
"""

from __future__ import annotations

from enum import StrEnum

from shared.contracts.accompaniment import BarrierCategory, WorkshopTheme
from shared.contracts.employment import ContractType
from shared.contracts.exits import ExitCategory, ExitGroup
from shared.contracts.placement import ImmersionOutcome

EXIT_GROUPS: dict[ExitGroup, str] = {
    ExitGroup.EMPLOI_DURABLE: "Emploi durable",
    ExitGroup.EMPLOI_TRANSITION: "Emploi de transition",
    ExitGroup.SORTIE_POSITIVE: "Sortie positive",
    ExitGroup.AUTRE_SORTIE: "Autres sorties",
}

EXIT_CATEGORIES: dict[ExitCategory, str] = {
    ExitCategory.CDI: "CDI",
    ExitCategory.CDD_OR_TEMP_6_MONTHS_OR_MORE: "CDD ou intérim de 6 mois ou plus",
    ExitCategory.CIVIL_SERVICE: "Fonction publique",
    ExitCategory.BUSINESS_CREATION: "Création d'entreprise",
    ExitCategory.CDD_OR_TEMP_UNDER_6_MONTHS: "CDD ou intérim de moins de 6 mois",
    ExitCategory.CONTRAT_AIDE: "Contrat aidé",
    ExitCategory.QUALIFYING_TRAINING: "Formation qualifiante",
    ExitCategory.OTHER_SIAE_HIRE: "Embauche dans une autre SIAE",
    ExitCategory.UNEMPLOYMENT: "Chômage",
    ExitCategory.INACTIVITY: "Inactivité",
    ExitCategory.MOVED_AWAY: "Déménagement",
    ExitCategory.NO_NEWS: "Sans nouvelles",
    ExitCategory.HEALTH: "Raisons de santé",
    ExitCategory.RETIREMENT: "Retraite",
    ExitCategory.DEATH: "Décès",
    ExitCategory.END_OF_RSA_RIGHTS: "Fin des droits au RSA",
}

BARRIER_CATEGORIES: dict[BarrierCategory, str] = {
    BarrierCategory.MOBILITY: "Mobilité",
    BarrierCategory.FAMILY_CONSTRAINTS: "Contraintes familiales",
    BarrierCategory.HEALTH: "Santé",
    BarrierCategory.LITERACY_NUMERACY: "Savoirs de base",
    BarrierCategory.FRENCH_LANGUAGE: "Langue française",
    BarrierCategory.HOUSING: "Logement",
    BarrierCategory.FINANCIAL: "Difficultés financières",
    BarrierCategory.ADMINISTRATIVE_LEGAL: "Administratif et juridique",
    BarrierCategory.DIGITAL_SKILLS: "Numérique",
    BarrierCategory.SELF_ESTEEM: "Estime de soi",
}

WORKSHOP_THEMES: dict[WorkshopTheme, str] = {
    WorkshopTheme.SELF_CONFIDENCE: "Confiance en soi",
    WorkshopTheme.COVER_LETTERS: "Lettres de motivation",
    WorkshopTheme.LABOUR_LAW_AND_PAY: "Droit du travail et paie",
    WorkshopTheme.DIGITAL_SKILLS: "Numérique",
    WorkshopTheme.JOB_INTERVIEWS: "Entretiens d'embauche",
    WorkshopTheme.MOBILITY: "Mobilité",
    WorkshopTheme.BUDGET: "Budget",
    WorkshopTheme.OTHER: "Autre thème",
}

CONTRACT_TYPES: dict[ContractType, str] = {
    ContractType.CDI: "CDI",
    ContractType.CDI_INCLUSION: "CDI inclusion",
    ContractType.CDI_INTERIMAIRE: "CDI intérimaire",
    ContractType.CDD: "CDD",
    ContractType.CDD_USAGE: "CDD d'usage",
    ContractType.CDDI: "CDDI (insertion)",
    ContractType.CDD_TREMPLIN: "CDD tremplin",
    ContractType.APPRENTICESHIP: "Contrat d'apprentissage",
    ContractType.PROFESSIONALISATION: "Contrat de professionnalisation",
    ContractType.TEMP_MISSION: "Mission d'intérim",
    ContractType.CONTRAT_AIDE: "Contrat aidé",
    ContractType.BUSINESS_CREATION: "Création d'entreprise",
}

IMMERSION_OUTCOMES: dict[str, str] = {
    ImmersionOutcome.HIRED: "Embauche",
    ImmersionOutcome.TRAINING: "Entrée en formation",
    ImmersionOutcome.NEW_IMMERSION: "Nouvelle immersion",
    ImmersionOutcome.NO_FOLLOW_UP: "Sans suite",
    ImmersionOutcome.INTERRUPTED: "Interrompue",
    "in_progress": "En cours",
}

# Outcomes of an introduction at the workstation (placement's OutcomeKind), and not yet known.
INTRODUCTION_OUTCOMES: dict[str, str] = {"hired": "Embauche", "not_hired": "Sans embauche", "pending": "En attente"}

# Sectors are not a closed referential yet: the ones the platform uses most; others are shown as they are.
SECTORS: dict[str, str] = {
    "logistics": "Logistique",
    "cleaning": "Propreté",
    "catering": "Restauration",
    "retail": "Commerce",
    "construction": "BTP",
    "personal services": "Services à la personne",
    "security": "Sécurité",
    "transport": "Transport",
    "food retail": "Commerce alimentaire",
}

ROLES: dict[str, str] = {
    "caseworker": "Conseiller·ère",
    "agency_manager": "Responsable d'agence",
    "department_staff": "Agent du Département",
    "admin": "Administrateur·rice",
}

SCOPES: dict[str, str] = {"department": "Département de la Seine-Saint-Denis"}


def _plain(labels: dict) -> dict[str, str]:
    return {str(k.value if isinstance(k, StrEnum) else k): v for k, v in labels.items()}


def all_labels() -> dict[str, dict[str, str]]:
    """Every referential's labels keyed by code, as the dashboard reads them."""
    return {
        "exit_group": _plain(EXIT_GROUPS),
        "exit_category": _plain(EXIT_CATEGORIES),
        "barrier_category": _plain(BARRIER_CATEGORIES),
        "workshop_theme": _plain(WORKSHOP_THEMES),
        "contract_type": _plain(CONTRACT_TYPES),
        "immersion_outcome": _plain(IMMERSION_OUTCOMES),
        "introduction_outcome": _plain(INTRODUCTION_OUTCOMES),
        "sector": _plain(SECTORS),
        "role": _plain(ROLES),
        "scope": _plain(SCOPES),
    }
