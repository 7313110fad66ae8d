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
from functools import cached_property
from pathlib import Path
from typing import Any

from shared.contracts import labels
from shared.contracts.employment import ContractType
from shared.contracts.exits import EXIT_GROUPS, ExitCategory
from shared.contracts.placement import WorkingCondition
from shared.contracts.referentials import WorkConstraint

PUBLISHED = Path(__file__).resolve().parent.parent / "docs" / "referentials"


@dataclass(frozen=True)
class Referential:
    """A closed list of codes with their French labels (and, for some, one more attribute per code)."""

    name: str
    version: int
    description: str
    by_code: Mapping[Any, str]  # its labels in `shared.contracts.labels`, keyed by the members of the codes' enum
    extra: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def codes(self) -> type[StrEnum]:
        """The enum of the codes: the one whose members key the labels."""
        return type(next(iter(self.by_code)))

    @cached_property
    def labels(self) -> dict[str, str]:
        """The French label of each code (by its string value)."""
        return {str(code): label for code, label in self.by_code.items()}

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
            labels.APTITUDES,
        ),
        Referential(
            "work_constraints",
            1,
            "Contraintes fonctionnelles sur le poste (jamais un diagnostic ni une pathologie).",
            labels.WORK_CONSTRAINTS,
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
            labels.SECTORS,
        ),
        Referential(
            "scheme_kinds",
            1,
            "Types de dispositifs et de partenaires vers lesquels une personne est orientée.",
            labels.SCHEME_KINDS,
        ),
        Referential(
            "workshop_themes",
            1,
            "Thèmes des ateliers collectifs.",
            labels.WORKSHOP_THEMES,
        ),
        Referential(
            "barrier_categories",
            1,
            "Freins à l'emploi (référentiel commun du diagnostic France Travail).",
            labels.BARRIER_CATEGORIES,
        ),
        Referential(
            "contract_types",
            1,
            "Contrats de travail d'une embauche.",
            labels.CONTRACT_TYPES,
            {c.value: {"needs_duration": c.needs_duration} for c in ContractType},
        ),
        Referential(
            "exit_categories",
            1,
            "Catégories de sortie de l'accompagnement (reporting officiel de l'insertion, DARES / IAE).",
            labels.EXIT_CATEGORIES,
            {c.value: {"group": EXIT_GROUPS[c].value} for c in ExitCategory},
        ),
        Referential(
            "exit_groups",
            1,
            "Groupes de sorties ; les trois premiers forment les sorties dynamiques.",
            labels.EXIT_GROUPS,
        ),
        Referential(
            "time_slots",
            1,
            "Moments de la semaine où une personne peut travailler, ou qu'un poste demande.",
            labels.TIME_SLOTS,
        ),
        Referential(
            "working_conditions",
            1,
            "Conditions d'un poste que des contraintes de travail peuvent exclure.",
            labels.WORKING_CONDITIONS,
        ),
        Referential(
            "suspension_reasons",
            1,
            "Motifs de suspension de l'accompagnement.",
            labels.SUSPENSION_REASONS,
        ),
        Referential(
            "renewal_reasons",
            1,
            "Motifs de renouvellement de l'accompagnement.",
            labels.RENEWAL_REASONS,
        ),
        Referential(
            "action_statuses",
            1,
            "Avancement d'une action du plan.",
            labels.ACTION_STATUSES,
        ),
        Referential(
            "employer_sizes",
            1,
            "Taille d'entreprise par effectif.",
            labels.EMPLOYER_SIZES,
        ),
        Referential(
            "contact_kinds",
            1,
            "Nature d'un contact de prospection avec un employeur.",
            labels.CONTACT_KINDS,
        ),
        Referential(
            "need_closure_reasons",
            1,
            "Motifs de retrait d'un besoin.",
            labels.NEED_CLOSURE_REASONS,
        ),
        Referential(
            "not_hired_reasons",
            1,
            "Motifs d'une mise en relation sans embauche.",
            labels.NOT_HIRED_REASONS,
        ),
        Referential(
            "early_end_reasons",
            1,
            "Motifs de fin anticipée d'un contrat.",
            labels.EARLY_END_REASONS,
        ),
        Referential(
            "immersion_hosts",
            1,
            "Structure d'accueil d'une immersion (PMSMP).",
            labels.IMMERSION_HOSTS,
        ),
        Referential(
            "immersion_outcomes",
            1,
            "Suite donnée à une immersion.",
            labels.IMMERSION_OUTCOMES,
        ),
        Referential(
            "referral_sources",
            1,
            "Canal par lequel une personne est orientée vers une ALI.",
            labels.REFERRAL_SOURCES,
        ),
        Referential(
            "age_bands",
            1,
            "Tranches d'âge (les dates de naissance ne sortent pas d'intake).",
            labels.AGE_BANDS,
        ),
        Referential(
            "household_types",
            1,
            "Composition du foyer.",
            labels.HOUSEHOLD_TYPES,
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
