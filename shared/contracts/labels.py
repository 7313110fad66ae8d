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


# Accompaniment statuses and why an accompaniment is on a worklist (accompaniment's worklist exports).
ACCOMPANIMENT_STATUSES: dict[str, str] = {"open": "En cours", "suspended": "Suspendu", "closed": "Clos"}
WORKLIST_REASONS: dict[str, str] = {
    "ending_soon": "Fin d'accompagnement proche",
    "no_recent_contact": "Sans contact récent",
    "contract_not_signed_in_time": "Contrat d'engagement non signé dans le délai",
}

# The indicators' sections and names (reporting's exports; JSON keeps the machine names).
INDICATOR_SECTIONS: dict[str, str] = {
    "accompaniments": "Accompagnements",
    "follow_up": "Suivi des entrées",
    "barriers": "Freins périphériques",
    "workshops": "Ateliers collectifs",
    "placement": "Placement",
    "cohorts": "Cohortes",
}

INDICATORS: dict[str, str] = {
    "caseload": "File active",
    "suspended": "Accompagnements suspendus",
    "entries": "Entrées",
    "renewals": "Renouvellements",
    "suspensions": "Suspensions",
    "exits": "Sorties",
    "exits_by_group": "Sorties par groupe",
    "exits_by_category": "Sorties par motif",
    "positive_exits": "Sorties positives",
    "positive_exit_rate": "Taux de sorties positives",
    "emploi_durable_rate": "Taux d'emploi durable",
    "sorties_dynamiques_rate": "Taux de sorties dynamiques",
    "average_duration_days": "Durée moyenne (jours)",
    "median_duration_days": "Durée médiane (jours)",
    "entries_with_first_appointment": "Entrées avec un premier rendez-vous",
    "entries_without_first_appointment": "Entrées sans premier rendez-vous",
    "first_appointment_under_15_days": "Premier rendez-vous sous 15 jours",
    "first_appointment_under_15_days_share": "Part des premiers rendez-vous sous 15 jours",
    "first_appointment_under_30_days": "Premier rendez-vous sous 30 jours",
    "first_appointment_under_30_days_share": "Part des premiers rendez-vous sous 30 jours",
    "contracts_signed": "Contrats d'engagement signés",
    "contracts_signed_in_time": "Contrats signés dans le délai",
    "contracts_signed_in_time_share": "Part des contrats signés dans le délai",
    "identified": "Identifiés",
    "lifted": "Levés",
    "by_category.identified": "Identifiés par catégorie",
    "by_category.lifted": "Levés par catégorie",
    "sessions": "Séances",
    "capacity": "Places",
    "registrations": "Inscriptions",
    "attendance": "Présences",
    "attendance_rate": "Taux de présence",
    "by_theme.sessions": "Séances par thème",
    "by_theme.capacity": "Places par thème",
    "by_theme.registrations": "Inscriptions par thème",
    "by_theme.attendance": "Présences par thème",
    "by_theme.attendance_rate": "Taux de présence par thème",
    "employers_registered": "Employeurs enregistrés",
    "employers_active": "Employeurs actifs",
    "needs_published": "Besoins publiés",
    "needs_open": "Besoins ouverts",
    "introductions": "Mises en relation",
    "introductions_by_outcome": "Mises en relation par issue",
    "hires": "Embauches",
    "hires_by_contract": "Embauches par contrat",
    "hires_by_sector": "Embauches par secteur",
    "hires_ended_early": "Embauches rompues avant terme",
    "six_month_check_ins": "Suivis à 6 mois",
    "still_employed_at_6_months": "Toujours en emploi à 6 mois",
    "still_employed_at_6_months_share": "Part toujours en emploi à 6 mois",
    "immersions": "Immersions (PMSMP)",
    "immersions_by_outcome": "Immersions par issue",
    "entered": "Entrés dans le mois",
    "exited_within_6_months": "Sortis sous 6 mois",
    "exited_within_12_months": "Sortis sous 12 mois",
}


# Which referential labels the breakdown of an indicator (a key of its dict) is a code of.
BREAKDOWNS: dict[str, dict] = {
    "exits_by_group": EXIT_GROUPS,
    "exits_by_category": EXIT_CATEGORIES,
    "by_category": BARRIER_CATEGORIES,
    "by_theme": WORKSHOP_THEMES,
    "hires_by_contract": CONTRACT_TYPES,
    "hires_by_sector": SECTORS,
    "immersions_by_outcome": IMMERSION_OUTCOMES,
    "introductions_by_outcome": INTRODUCTION_OUTCOMES,
}


def label(labels: dict, code: str) -> str:
    """The French label of a code in one referential (the code itself when it has none)."""
    return _plain(labels).get(code, code)


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
        "accompaniment_status": _plain(ACCOMPANIMENT_STATUSES),
        "worklist_reason": _plain(WORKLIST_REASONS),
    }
