"""Every closed referential of the platform in one place: codes, French labels, versions.

The codes are the values of the enums of `shared.contracts` (what events and commands carry); this module gives
each list a name, a version and a French label per code, and is served by every service at `GET /referentials`
and `GET /referentials/{name}` so that clients build their forms from it. A code is never removed or renamed
(old events carry it): adding codes makes a new version of the referential, published in
`docs/referentials/<name>/v<N>.json` by `make schemas` and checked by `tests/unit/test_referentials.py`.
An unknown code in a request is refused (422) with the list of valid codes.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

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
from shared.contracts.exits import EXIT_GROUPS, ExitCategory, ExitGroup
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

PUBLISHED = Path(__file__).resolve().parent.parent / "docs" / "referentials"


@dataclass(frozen=True)
class Referential:
    """A closed list of codes with their French labels (and, for some, one more attribute per code)."""

    name: str
    version: int
    description: str
    codes: type[StrEnum]
    labels: Mapping[str, str]
    extra: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def entries(self) -> list[dict[str, Any]]:
        """The codes in their order, each with its label and attributes."""
        return [{"code": c.value, "label": self.labels[c.value], **self.extra.get(c.value, {})} for c in self.codes]

    def document(self) -> dict[str, Any]:
        """The published form of this version."""
        return {"name": self.name, "version": self.version, "description": self.description, "codes": self.entries()}

    def published_path(self, root: Path = PUBLISHED) -> Path:
        """File of this version's published form."""
        return root / self.name / f"v{self.version}.json"


_WORK_CONSTRAINT_RULES_OUT: dict[str, list[str]] = {
    WorkConstraint.NO_HEAVY_LIFTING: [WorkingCondition.HEAVY_LIFTING],
    WorkConstraint.NO_PROLONGED_STANDING: [WorkingCondition.STANDING],
    WorkConstraint.NO_OUTDOOR_WORK: [WorkingCondition.OUTDOOR],
    WorkConstraint.NO_NIGHT_WORK: [WorkingCondition.NIGHT_WORK],
    WorkConstraint.NO_DRIVING: [WorkingCondition.DRIVING_REQUIRED],
    WorkConstraint.NO_WEEKEND_WORK: [WorkingCondition.WEEKEND_WORK],
    WorkConstraint.NO_COLD_ENVIRONMENT: [WorkingCondition.COLD_ENVIRONMENT],
    WorkConstraint.NO_REPETITIVE_MOVEMENTS: [WorkingCondition.REPETITIVE_MOVEMENTS],
    WorkConstraint.NO_WORK_AT_HEIGHT: [WorkingCondition.WORK_AT_HEIGHT],
}
# Working conditions a work constraint rules out (matching in placement reads it from here).
RULES_OUT: dict[WorkConstraint, frozenset[WorkingCondition]] = {
    WorkConstraint(c): frozenset(WorkingCondition(w) for w in ws) for c, ws in _WORK_CONSTRAINT_RULES_OUT.items()
}
# A post of this many weekly hours or more is full time: `part_time_only` rules it out.
FULL_TIME_WEEKLY_HOURS = 35.0

REFERENTIALS: dict[str, Referential] = {
    r.name: r
    for r in [
        Referential(
            "aptitudes",
            1,
            "Aptitudes observées (méthode IOD : ni diplôme ni CV).",
            Aptitude,
            {
                "handling": "Manutention",
                "order_picking": "Préparation de commandes",
                "sorting": "Tri et conditionnement",
                "stock_keeping": "Gestion de stocks",
                "cleaning": "Nettoyage et entretien des locaux",
                "gardening": "Entretien des espaces verts",
                "maintenance": "Petite maintenance et bricolage",
                "cooking": "Cuisine",
                "food_service": "Service en salle",
                "customer_contact": "Relation client",
                "reception": "Accueil du public",
                "phone_handling": "Accueil téléphonique",
                "cash_handling": "Tenue de caisse",
                "data_entry": "Saisie informatique",
                "driving": "Conduite de véhicule",
                "care": "Aide à la personne",
                "childcare": "Garde d'enfants",
                "teamwork": "Travail en équipe",
                "autonomy": "Autonomie",
                "punctuality": "Ponctualité et assiduité",
                "rigour": "Rigueur et respect des consignes",
                "manual_dexterity": "Dextérité manuelle",
                "physical_endurance": "Endurance physique",
                "oral_communication": "Communication orale",
            },
        ),
        Referential(
            "work_constraints",
            1,
            "Contraintes fonctionnelles sur le poste (jamais un diagnostic ni une pathologie).",
            WorkConstraint,
            {
                "no_heavy_lifting": "Pas de port de charges lourdes",
                "no_prolonged_standing": "Pas de station debout prolongée",
                "no_outdoor_work": "Pas de travail en extérieur",
                "no_night_work": "Pas de travail de nuit",
                "no_driving": "Pas de conduite de véhicule",
                "no_weekend_work": "Pas de travail le week-end",
                "no_cold_environment": "Pas de travail au froid",
                "no_repetitive_movements": "Pas de gestes répétitifs",
                "no_work_at_height": "Pas de travail en hauteur",
                "part_time_only": "Temps partiel uniquement",
                "adapted_workstation": "Poste de travail aménagé",
            },
            {
                **{c: {"rules_out": [str(w) for w in ws]} for c, ws in _WORK_CONSTRAINT_RULES_OUT.items()},
                WorkConstraint.PART_TIME_ONLY: {"rules_out": [], "max_weekly_hours_below": FULL_TIME_WEEKLY_HOURS},
                WorkConstraint.ADAPTED_WORKSTATION: {"rules_out": []},
            },
        ),
        Referential(
            "sectors",
            1,
            "Secteurs d'activité : les 21 sections de la nomenclature d'activités française (NAF rév. 2, INSEE).",
            Sector,
            {
                "A": "Agriculture, sylviculture et pêche",
                "B": "Industries extractives",
                "C": "Industrie manufacturière",
                "D": "Production et distribution d'électricité, de gaz, de vapeur et d'air conditionné",
                "E": "Production et distribution d'eau ; assainissement, gestion des déchets et dépollution",
                "F": "Construction",
                "G": "Commerce ; réparation d'automobiles et de motocycles",
                "H": "Transports et entreposage",
                "I": "Hébergement et restauration",
                "J": "Information et communication",
                "K": "Activités financières et d'assurance",
                "L": "Activités immobilières",
                "M": "Activités spécialisées, scientifiques et techniques",
                "N": "Activités de services administratifs et de soutien",
                "O": "Administration publique",
                "P": "Enseignement",
                "Q": "Santé humaine et action sociale",
                "R": "Arts, spectacles et activités récréatives",
                "S": "Autres activités de services",
                "T": "Activités des ménages en tant qu'employeurs ; activités indifférenciées des ménages en tant"
                " que producteurs de biens et services pour usage propre",
                "U": "Activités extra-territoriales",
            },
        ),
        Referential(
            "scheme_kinds",
            1,
            "Types de dispositifs et de partenaires vers lesquels une personne est orientée.",
            SchemeKind,
            {
                "training": "Formation",
                "iae": "Insertion par l'activité économique (IAE)",
                "town_hall": "Mairie",
                "social_services": "Services sociaux",
                "other": "Autre",
            },
        ),
        Referential(
            "workshop_themes",
            1,
            "Thèmes des ateliers collectifs.",
            WorkshopTheme,
            {
                "self_confidence": "Confiance en soi",
                "cover_letters": "Lettres de motivation",
                "labour_law_and_pay": "Droit du travail et paie",
                "digital_skills": "Numérique",
                "job_interviews": "Entretiens d'embauche",
                "mobility": "Mobilité",
                "budget": "Budget",
                "other": "Autre",
            },
        ),
        Referential(
            "barrier_categories",
            1,
            "Freins à l'emploi (référentiel commun du diagnostic France Travail).",
            BarrierCategory,
            {
                "mobility": "Mobilité",
                "family_constraints": "Contraintes familiales (dont garde d'enfants)",
                "health": "Santé",
                "literacy_numeracy": "Lire, écrire, compter",
                "french_language": "Langue française",
                "housing": "Logement",
                "financial": "Difficultés financières",
                "administrative_legal": "Difficultés administratives ou juridiques",
                "digital_skills": "Compétences numériques",
                "self_esteem": "Estime de soi, difficultés psychologiques",
            },
        ),
        Referential(
            "contract_types",
            1,
            "Contrats de travail d'une embauche.",
            ContractType,
            {
                "cdi": "CDI",
                "cdi_inclusion": "CDI inclusion",
                "cdi_interimaire": "CDI intérimaire",
                "cdd": "CDD",
                "cdd_usage": "CDD d'usage",
                "cddi": "CDD d'insertion (CDDI)",
                "cdd_tremplin": "CDD tremplin",
                "apprenticeship": "Contrat d'apprentissage",
                "professionalisation": "Contrat de professionnalisation",
                "temp_mission": "Mission d'intérim",
                "contrat_aide": "Contrat aidé (PEC)",
                "business_creation": "Création d'entreprise",
            },
            {c.value: {"needs_duration": c.needs_duration} for c in ContractType},
        ),
        Referential(
            "exit_categories",
            1,
            "Catégories de sortie de l'accompagnement (reporting officiel de l'insertion, DARES / IAE).",
            ExitCategory,
            {
                "cdi": "CDI (y compris CDI intérimaire, CDI inclusion)",
                "cdd_or_temp_6_months_or_more": "CDD ou intérim de 6 mois ou plus",
                "civil_service": "Stage ou titularisation dans la fonction publique",
                "business_creation": "Création d'entreprise",
                "cdd_or_temp_under_6_months": "CDD ou intérim de moins de 6 mois",
                "contrat_aide": "Contrat aidé chez un employeur classique",
                "qualifying_training": "Formation qualifiante ou pré-qualifiante",
                "other_siae_hire": "Embauche par une autre SIAE",
                "unemployment": "Chômage, sans solution",
                "inactivity": "Inactivité",
                "moved_away": "Déménagement",
                "no_news": "Sans nouvelles",
                "health": "Santé",
                "retirement": "Retraite",
                "death": "Décès",
                "end_of_rsa_rights": "Fin des droits au RSA pour un autre motif",
            },
            {c.value: {"group": EXIT_GROUPS[c].value} for c in ExitCategory},
        ),
        Referential(
            "exit_groups",
            1,
            "Groupes de sorties ; les trois premiers forment les sorties dynamiques.",
            ExitGroup,
            {
                "emploi_durable": "Emploi durable",
                "emploi_transition": "Emploi de transition",
                "sortie_positive": "Sortie positive",
                "autre_sortie": "Autre sortie",
            },
        ),
        Referential(
            "time_slots",
            1,
            "Moments de la semaine où une personne peut travailler, ou qu'un poste demande.",
            TimeSlot,
            {
                "morning": "Matin",
                "afternoon": "Après-midi",
                "evening": "Soirée",
                "night": "Nuit",
                "weekend": "Week-end",
            },
        ),
        Referential(
            "working_conditions",
            1,
            "Conditions d'un poste que des contraintes de travail peuvent exclure.",
            WorkingCondition,
            {
                "heavy_lifting": "Port de charges lourdes",
                "standing": "Station debout",
                "outdoor": "Travail en extérieur",
                "night_work": "Travail de nuit",
                "driving_required": "Conduite de véhicule exigée",
                "weekend_work": "Travail le week-end",
                "cold_environment": "Travail au froid",
                "repetitive_movements": "Gestes répétitifs",
                "work_at_height": "Travail en hauteur",
            },
        ),
        Referential(
            "suspension_reasons",
            1,
            "Motifs de suspension de l'accompagnement.",
            SuspensionReason,
            {
                "sick_leave": "Arrêt maladie",
                "maternity_leave": "Congé maternité",
                "hospitalisation": "Hospitalisation",
                "family_reasons": "Raisons familiales",
                "other": "Autre",
            },
        ),
        Referential(
            "renewal_reasons",
            1,
            "Motifs de renouvellement de l'accompagnement.",
            RenewalReason,
            {
                "barriers_still_being_lifted": "Freins en cours de levée",
                "training_in_progress": "Formation en cours",
                "job_search_in_progress": "Recherche d'emploi en cours",
                "health_recovery": "Rétablissement",
                "other": "Autre",
            },
        ),
        Referential(
            "action_statuses",
            1,
            "Avancement d'une action du plan.",
            ActionStatus,
            {"planned": "Prévue", "in_progress": "En cours", "done": "Réalisée", "abandoned": "Abandonnée"},
        ),
        Referential(
            "employer_sizes",
            1,
            "Taille d'entreprise par effectif.",
            EmployerSize,
            {
                "tpe": "Très petite entreprise (TPE)",
                "pme": "Petite ou moyenne entreprise (PME)",
                "eti": "Entreprise de taille intermédiaire (ETI)",
                "ge": "Grande entreprise",
            },
        ),
        Referential(
            "contact_kinds",
            1,
            "Nature d'un contact de prospection avec un employeur.",
            ContactKind,
            {"visit": "Visite", "phone": "Appel téléphonique", "event": "Événement"},
        ),
        Referential(
            "need_closure_reasons",
            1,
            "Motifs de retrait d'un besoin.",
            NeedClosureReason,
            {
                "cancelled_by_employer": "Annulé par l'employeur",
                "filled_elsewhere": "Pourvu par un autre canal",
                "expired": "Expiré",
                "other": "Autre",
            },
        ),
        Referential(
            "not_hired_reasons",
            1,
            "Motifs d'une mise en relation sans embauche.",
            NotHiredReason,
            {
                "employer_declined": "Refus de l'employeur",
                "candidate_declined": "Refus de la personne",
                "no_show": "Absence au rendez-vous",
                "position_filled": "Poste déjà pourvu",
                "constraints_incompatible": "Contraintes incompatibles",
                "health": "Santé",
                "other": "Autre",
            },
        ),
        Referential(
            "early_end_reasons",
            1,
            "Motifs de fin anticipée d'un contrat.",
            EarlyEndReason,
            {
                "trial_period_ended_by_employer": "Fin de période d'essai à l'initiative de l'employeur",
                "trial_period_ended_by_employee": "Fin de période d'essai à l'initiative du salarié",
                "resignation": "Démission",
                "dismissal": "Licenciement",
                "mutual_agreement": "Rupture conventionnelle",
                "employer_closed": "Fermeture de l'employeur",
                "health": "Santé",
                "other": "Autre",
            },
        ),
        Referential(
            "immersion_hosts",
            1,
            "Structure d'accueil d'une immersion (PMSMP).",
            ImmersionHost,
            {"employer": "Employeur", "training_centre": "Organisme de formation"},
        ),
        Referential(
            "immersion_outcomes",
            1,
            "Suite donnée à une immersion.",
            ImmersionOutcome,
            {
                "hired": "Embauche",
                "training": "Formation",
                "new_immersion": "Nouvelle immersion",
                "no_follow_up": "Sans suite",
                "interrupted": "Interrompue",
            },
        ),
        Referential(
            "referral_sources",
            1,
            "Canal par lequel une personne est orientée vers une ALI.",
            ReferralSource,
            {
                "department": "Orientation par le Département",
                "department_import": "Fichier d'orientation du Département",
                "caf_msa_flow": "Flux des bénéficiaires du RSA de la CAF et de la MSA",
                "agency_appointment_export": "Export des rendez-vous d'une agence",
                "caf_monthly_list": "Liste mensuelle de la CAF",
                "msa_monthly_list": "Liste mensuelle de la MSA",
                "france_travail": "France Travail",
                "social_services": "Services sociaux (CCAS, service social départemental)",
                "other": "Autre",
            },
        ),
        Referential(
            "age_bands",
            1,
            "Tranches d'âge (les dates de naissance ne sortent pas d'intake).",
            AgeBand,
            {
                "under_26": "Moins de 26 ans",
                "26_34": "26 à 34 ans",
                "35_44": "35 à 44 ans",
                "45_54": "45 à 54 ans",
                "55_plus": "55 ans et plus",
            },
        ),
        Referential(
            "household_types",
            1,
            "Composition du foyer.",
            HouseholdType,
            {
                "single": "Personne seule",
                "single_parent": "Famille monoparentale",
                "couple": "Couple sans enfant",
                "couple_with_children": "Couple avec enfants",
            },
        ),
    ]
}


def label(referential: str, code: str) -> str:
    """The French label of a code (the code itself when unknown)."""
    return REFERENTIALS[referential].labels.get(code, code)


def write_published(root: Path = PUBLISHED) -> list[Path]:
    """Write the published form of every referential's current version that is not written yet."""
    written = []
    for referential in REFERENTIALS.values():
        path = referential.published_path(root)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(referential.document(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            written.append(path)
    return written


def check_published(root: Path = PUBLISHED) -> list[str]:
    """Problems between the referentials and their published versions (a removed code, a changed version)."""
    problems = []
    for referential in REFERENTIALS.values():
        path = referential.published_path(root)
        if not path.exists():
            problems.append(f"{referential.name} v{referential.version} is not published; run `make schemas`")
            continue
        if json.loads(path.read_text(encoding="utf-8")) != referential.document():
            problems.append(
                f"{referential.name} v{referential.version} differs from {path}: a published version never changes;"
                " add codes in a new version"
            )
        current = {c.value for c in referential.codes}
        for older in sorted(path.parent.glob("v*.json")):
            codes = {c["code"] for c in json.loads(older.read_text(encoding="utf-8"))["codes"]}
            if missing := sorted(codes - current):
                problems.append(
                    f"{referential.name}: codes {missing} of {older.name} were removed; codes are never removed"
                )
    return problems


def main() -> int:
    """`python -m shared.referentials`: publish the referentials' new versions, then check them all."""
    for path in write_published():
        print(f"wrote {path}")
    problems = check_published()
    print("\n".join(problems) or "referentials are published", file=sys.stderr if problems else sys.stdout)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
