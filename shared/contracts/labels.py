"""French labels of the codes people read (dashboard, exports): one per value of each closed referential.

Codes stay the machine names in events and JSON; these labels are what a person in a French office reads. The
referentials served at `GET /referentials/{name}` (`shared.referentials`) take their labels from here.
"""

from __future__ import annotations

from enum import StrEnum

from shared.contracts.accompaniment import (
    ActionStatus,
    BarrierCategory,
    RenewalReason,
    SchemeKind,
    SuspensionReason,
    TimeSlot,
    WorkshopTheme,
)
from shared.contracts.employment import ContractType
from shared.contracts.exits import ExitCategory, ExitGroup
from shared.contracts.intake import AgeBand, HouseholdType
from shared.contracts.placement import (
    ContactKind,
    EarlyEndReason,
    EmployerSize,
    ImmersionHost,
    ImmersionOutcome,
    NeedClosureReason,
    NotHiredReason,
    WorkingCondition,
)
from shared.contracts.referentials import Aptitude, ReferralSource, Sector, WorkConstraint

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

APTITUDES: dict[Aptitude, str] = {
    Aptitude.HANDLING: "Manutention",
    Aptitude.ORDER_PICKING: "Préparation de commandes",
    Aptitude.SORTING: "Tri et conditionnement",
    Aptitude.STOCK_KEEPING: "Gestion de stocks",
    Aptitude.CLEANING: "Nettoyage et entretien des locaux",
    Aptitude.GARDENING: "Entretien des espaces verts",
    Aptitude.MAINTENANCE: "Petite maintenance et bricolage",
    Aptitude.COOKING: "Cuisine",
    Aptitude.FOOD_SERVICE: "Service en salle",
    Aptitude.CUSTOMER_CONTACT: "Relation client",
    Aptitude.RECEPTION: "Accueil du public",
    Aptitude.PHONE_HANDLING: "Accueil téléphonique",
    Aptitude.CASH_HANDLING: "Tenue de caisse",
    Aptitude.DATA_ENTRY: "Saisie informatique",
    Aptitude.DRIVING: "Conduite de véhicule",
    Aptitude.CARE: "Aide à la personne",
    Aptitude.CHILDCARE: "Garde d'enfants",
    Aptitude.TEAMWORK: "Travail en équipe",
    Aptitude.AUTONOMY: "Autonomie",
    Aptitude.PUNCTUALITY: "Ponctualité et assiduité",
    Aptitude.RIGOUR: "Rigueur et respect des consignes",
    Aptitude.MANUAL_DEXTERITY: "Dextérité manuelle",
    Aptitude.PHYSICAL_ENDURANCE: "Endurance physique",
    Aptitude.ORAL_COMMUNICATION: "Communication orale",
}

WORK_CONSTRAINTS: dict[WorkConstraint, str] = {
    WorkConstraint.NO_HEAVY_LIFTING: "Pas de port de charges lourdes",
    WorkConstraint.NO_PROLONGED_STANDING: "Pas de station debout prolongée",
    WorkConstraint.NO_OUTDOOR_WORK: "Pas de travail en extérieur",
    WorkConstraint.NO_NIGHT_WORK: "Pas de travail de nuit",
    WorkConstraint.NO_DRIVING: "Pas de conduite de véhicule",
    WorkConstraint.NO_WEEKEND_WORK: "Pas de travail le week-end",
    WorkConstraint.NO_COLD_ENVIRONMENT: "Pas de travail au froid",
    WorkConstraint.NO_REPETITIVE_MOVEMENTS: "Pas de gestes répétitifs",
    WorkConstraint.NO_WORK_AT_HEIGHT: "Pas de travail en hauteur",
    WorkConstraint.PART_TIME_ONLY: "Temps partiel uniquement",
    WorkConstraint.ADAPTED_WORKSTATION: "Poste de travail aménagé",
}

SECTORS: dict[Sector, str] = {
    Sector.A: "Agriculture, sylviculture et pêche",
    Sector.B: "Industries extractives",
    Sector.C: "Industrie manufacturière",
    Sector.D: "Production et distribution d'électricité, de gaz, de vapeur et d'air conditionné",
    Sector.E: "Production et distribution d'eau ; assainissement, gestion des déchets et dépollution",
    Sector.F: "Construction",
    Sector.G: "Commerce ; réparation d'automobiles et de motocycles",
    Sector.H: "Transports et entreposage",
    Sector.I: "Hébergement et restauration",
    Sector.J: "Information et communication",
    Sector.K: "Activités financières et d'assurance",
    Sector.L: "Activités immobilières",
    Sector.M: "Activités spécialisées, scientifiques et techniques",
    Sector.N: "Activités de services administratifs et de soutien",
    Sector.O: "Administration publique",
    Sector.P: "Enseignement",
    Sector.Q: "Santé humaine et action sociale",
    Sector.R: "Arts, spectacles et activités récréatives",
    Sector.S: "Autres activités de services",
    Sector.T: "Activités des ménages en tant qu'employeurs ; activités indifférenciées des ménages en tant que"
    " producteurs de biens et services pour usage propre",
    Sector.U: "Activités extra-territoriales",
}

SCHEME_KINDS: dict[SchemeKind, str] = {
    SchemeKind.TRAINING: "Formation",
    SchemeKind.IAE: "Insertion par l'activité économique (IAE)",
    SchemeKind.TOWN_HALL: "Mairie",
    SchemeKind.SOCIAL_SERVICES: "Services sociaux",
    SchemeKind.OTHER: "Autre",
}

TIME_SLOTS: dict[TimeSlot, str] = {
    TimeSlot.MORNING: "Matin",
    TimeSlot.AFTERNOON: "Après-midi",
    TimeSlot.EVENING: "Soirée",
    TimeSlot.NIGHT: "Nuit",
    TimeSlot.WEEKEND: "Week-end",
}

WORKING_CONDITIONS: dict[WorkingCondition, str] = {
    WorkingCondition.HEAVY_LIFTING: "Port de charges lourdes",
    WorkingCondition.STANDING: "Station debout",
    WorkingCondition.OUTDOOR: "Travail en extérieur",
    WorkingCondition.NIGHT_WORK: "Travail de nuit",
    WorkingCondition.DRIVING_REQUIRED: "Conduite de véhicule exigée",
    WorkingCondition.WEEKEND_WORK: "Travail le week-end",
    WorkingCondition.COLD_ENVIRONMENT: "Travail au froid",
    WorkingCondition.REPETITIVE_MOVEMENTS: "Gestes répétitifs",
    WorkingCondition.WORK_AT_HEIGHT: "Travail en hauteur",
}

SUSPENSION_REASONS: dict[SuspensionReason, str] = {
    SuspensionReason.SICK_LEAVE: "Arrêt maladie",
    SuspensionReason.MATERNITY_LEAVE: "Congé maternité",
    SuspensionReason.HOSPITALISATION: "Hospitalisation",
    SuspensionReason.FAMILY_REASONS: "Raisons familiales",
    SuspensionReason.OTHER: "Autre",
}

RENEWAL_REASONS: dict[RenewalReason, str] = {
    RenewalReason.BARRIERS_STILL_BEING_LIFTED: "Freins en cours de levée",
    RenewalReason.TRAINING_IN_PROGRESS: "Formation en cours",
    RenewalReason.JOB_SEARCH_IN_PROGRESS: "Recherche d'emploi en cours",
    RenewalReason.HEALTH_RECOVERY: "Rétablissement",
    RenewalReason.OTHER: "Autre",
}

ACTION_STATUSES: dict[ActionStatus, str] = {
    ActionStatus.PLANNED: "Prévue",
    ActionStatus.IN_PROGRESS: "En cours",
    ActionStatus.DONE: "Réalisée",
    ActionStatus.ABANDONED: "Abandonnée",
}

EMPLOYER_SIZES: dict[EmployerSize, str] = {
    EmployerSize.TPE: "Très petite entreprise (TPE)",
    EmployerSize.PME: "Petite ou moyenne entreprise (PME)",
    EmployerSize.ETI: "Entreprise de taille intermédiaire (ETI)",
    EmployerSize.GE: "Grande entreprise",
}

CONTACT_KINDS: dict[ContactKind, str] = {
    ContactKind.VISIT: "Visite",
    ContactKind.PHONE: "Appel téléphonique",
    ContactKind.EVENT: "Événement",
}

NEED_CLOSURE_REASONS: dict[NeedClosureReason, str] = {
    NeedClosureReason.CANCELLED_BY_EMPLOYER: "Annulé par l'employeur",
    NeedClosureReason.FILLED_ELSEWHERE: "Pourvu par un autre canal",
    NeedClosureReason.EXPIRED: "Expiré",
    NeedClosureReason.OTHER: "Autre",
}

NOT_HIRED_REASONS: dict[NotHiredReason, str] = {
    NotHiredReason.EMPLOYER_DECLINED: "Refus de l'employeur",
    NotHiredReason.CANDIDATE_DECLINED: "Refus de la personne",
    NotHiredReason.NO_SHOW: "Absence au rendez-vous",
    NotHiredReason.POSITION_FILLED: "Poste déjà pourvu",
    NotHiredReason.CONSTRAINTS_INCOMPATIBLE: "Contraintes incompatibles",
    NotHiredReason.HEALTH: "Santé",
    NotHiredReason.OTHER: "Autre",
}

EARLY_END_REASONS: dict[EarlyEndReason, str] = {
    EarlyEndReason.TRIAL_PERIOD_ENDED_BY_EMPLOYER: "Fin de période d'essai à l'initiative de l'employeur",
    EarlyEndReason.TRIAL_PERIOD_ENDED_BY_EMPLOYEE: "Fin de période d'essai à l'initiative du salarié",
    EarlyEndReason.RESIGNATION: "Démission",
    EarlyEndReason.DISMISSAL: "Licenciement",
    EarlyEndReason.MUTUAL_AGREEMENT: "Rupture conventionnelle",
    EarlyEndReason.EMPLOYER_CLOSED: "Fermeture de l'employeur",
    EarlyEndReason.HEALTH: "Santé",
    EarlyEndReason.OTHER: "Autre",
}

IMMERSION_HOSTS: dict[ImmersionHost, str] = {
    ImmersionHost.EMPLOYER: "Employeur",
    ImmersionHost.TRAINING_CENTRE: "Organisme de formation",
}

REFERRAL_SOURCES: dict[ReferralSource, str] = {
    ReferralSource.DEPARTMENT: "Orientation par le Département",
    ReferralSource.DEPARTMENT_IMPORT: "Fichier d'orientation du Département",
    ReferralSource.CAF_MSA_FLOW: "Flux des bénéficiaires du RSA de la CAF et de la MSA",
    ReferralSource.AGENCY_APPOINTMENT_EXPORT: "Export des rendez-vous d'une agence",
    ReferralSource.CAF_MONTHLY_LIST: "Liste mensuelle de la CAF",
    ReferralSource.MSA_MONTHLY_LIST: "Liste mensuelle de la MSA",
    ReferralSource.FRANCE_TRAVAIL: "France Travail",
    ReferralSource.SOCIAL_SERVICES: "Services sociaux (CCAS, service social départemental)",
    ReferralSource.OTHER: "Autre",
}

AGE_BANDS: dict[AgeBand, str] = {
    AgeBand.UNDER_26: "Moins de 26 ans",
    AgeBand.FROM_26_TO_34: "26 à 34 ans",
    AgeBand.FROM_35_TO_44: "35 à 44 ans",
    AgeBand.FROM_45_TO_54: "45 à 54 ans",
    AgeBand.FROM_55: "55 ans et plus",
}

HOUSEHOLD_TYPES: dict[HouseholdType, str] = {
    HouseholdType.SINGLE: "Personne seule",
    HouseholdType.SINGLE_PARENT: "Famille monoparentale",
    HouseholdType.COUPLE: "Couple sans enfant",
    HouseholdType.COUPLE_WITH_CHILDREN: "Couple avec enfants",
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
