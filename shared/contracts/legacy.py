"""Reading the events recorded before free text left the events: upcasters, and the texts they held.

Version 1 of fifteen events carried free text (labels, subjects, partners, names, notes, titles, tasks) and
free-form categories (aptitudes, health restrictions, sectors, barriers). Their upcasters never pass that text
on: a label becomes the reference of where accompaniment or placement keeps it (`shared.private_text.text_ref`,
the same reference new events carry), a free-form category becomes the code it names or is dropped, a staff
name becomes a staff uuid. So a consumer that reads an old event sees exactly what it would see in a new one,
and BI figures by category count codes only (v1 sectors with no NAF equivalent count as unknown, null).

The texts themselves are still in the old payloads, in the service's event store and on the topics:
`LEGACY_TEXTS` says, for each such event, which texts it holds and whose they are, so that
`shared.legacy_texts` can move them into the private text store (unless their owner was erased) and rewrite
the stored events; the topics are then rewritten by the procedure in the README ("Free text recorded before").
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Any
from uuid import UUID

from shared.contracts import accompaniment as a
from shared.contracts import placement as p
from shared.contracts.accompaniment import BarrierCategory
from shared.contracts.placement import ImmersionHost, WorkingCondition
from shared.contracts.referentials import Aptitude, Sector, WorkConstraint
from shared.events import EventRegistry
from shared.private_text import Owner, text_ref
from shared.staff import staff_id

Payload = dict[str, Any]


def _norm(value: str) -> str:
    return "_".join(value.strip().lower().replace("-", " ").split())


# Free-form values written before the referentials, and the code each one meant.
LEGACY_SECTORS: dict[str, Sector] = {
    **{s.value.lower(): s for s in Sector},
    **{
        _norm(k): v
        for k, v in {
            "logistics": Sector.H,
            "logistique": Sector.H,
            "transport": Sector.H,
            "transports": Sector.H,
            "warehousing": Sector.H,
            "cleaning": Sector.N,
            "nettoyage": Sector.N,
            "propreté": Sector.N,
            "security": Sector.N,
            "sécurité": Sector.N,
            "green spaces": Sector.N,
            "espaces verts": Sector.N,
            "catering": Sector.I,
            "restauration": Sector.I,
            "hospitality": Sector.I,
            "hôtellerie": Sector.I,
            "retail": Sector.G,
            "food retail": Sector.G,
            "commerce": Sector.G,
            "construction": Sector.F,
            "btp": Sector.F,
            "bâtiment": Sector.F,
            "personal services": Sector.Q,
            "services à la personne": Sector.Q,
            "care": Sector.Q,
            "health": Sector.Q,
            "santé": Sector.Q,
            "manufacturing": Sector.C,
            "industry": Sector.C,
            "industrie": Sector.C,
            "agriculture": Sector.A,
            "education": Sector.P,
            "public administration": Sector.O,
            "digital": Sector.J,
        }.items()
    },
}
LEGACY_APTITUDES: dict[str, Aptitude] = {a.value: a for a in Aptitude}
LEGACY_WORK_CONSTRAINTS: dict[str, WorkConstraint] = {
    **{c.value: c for c in WorkConstraint},
    **{
        f"no_{w.value}": c
        for w, c in {
            WorkingCondition.HEAVY_LIFTING: WorkConstraint.NO_HEAVY_LIFTING,
            WorkingCondition.STANDING: WorkConstraint.NO_PROLONGED_STANDING,
            WorkingCondition.OUTDOOR: WorkConstraint.NO_OUTDOOR_WORK,
            WorkingCondition.NIGHT_WORK: WorkConstraint.NO_NIGHT_WORK,
            WorkingCondition.DRIVING_REQUIRED: WorkConstraint.NO_DRIVING,
            WorkingCondition.WEEKEND_WORK: WorkConstraint.NO_WEEKEND_WORK,
            WorkingCondition.COLD_ENVIRONMENT: WorkConstraint.NO_COLD_ENVIRONMENT,
            WorkingCondition.REPETITIVE_MOVEMENTS: WorkConstraint.NO_REPETITIVE_MOVEMENTS,
            WorkingCondition.WORK_AT_HEIGHT: WorkConstraint.NO_WORK_AT_HEIGHT,
        }.items()
    },
    "no_carrying": WorkConstraint.NO_HEAVY_LIFTING,
    "no_load_carrying": WorkConstraint.NO_HEAVY_LIFTING,
    "no_lifting": WorkConstraint.NO_HEAVY_LIFTING,
    "no_standing": WorkConstraint.NO_PROLONGED_STANDING,
    "no_outdoor": WorkConstraint.NO_OUTDOOR_WORK,
    "no_night": WorkConstraint.NO_NIGHT_WORK,
    "no_night_shifts": WorkConstraint.NO_NIGHT_WORK,
    "no_weekend": WorkConstraint.NO_WEEKEND_WORK,
    "no_cold": WorkConstraint.NO_COLD_ENVIRONMENT,
    "no_repetitive_work": WorkConstraint.NO_REPETITIVE_MOVEMENTS,
    "no_heights": WorkConstraint.NO_WORK_AT_HEIGHT,
}
LEGACY_BARRIERS: dict[str, BarrierCategory] = {
    **{b.value: b for b in BarrierCategory},
    "childcare": BarrierCategory.FAMILY_CONSTRAINTS,
    "family": BarrierCategory.FAMILY_CONSTRAINTS,
    "language": BarrierCategory.FRENCH_LANGUAGE,
    "french": BarrierCategory.FRENCH_LANGUAGE,
    "digital": BarrierCategory.DIGITAL_SKILLS,
    "literacy": BarrierCategory.LITERACY_NUMERACY,
    "confidence": BarrierCategory.SELF_ESTEEM,
    "self_confidence": BarrierCategory.SELF_ESTEEM,
    "money": BarrierCategory.FINANCIAL,
    "debt": BarrierCategory.FINANCIAL,
    "administrative": BarrierCategory.ADMINISTRATIVE_LEGAL,
}


def _codes(values: Iterable[str] | None, known: dict[str, StrEnum]) -> list[str]:
    """The codes the values name, in order, without repeats; values naming none are dropped (never copied)."""
    found = (known.get(_norm(v)) for v in values or () if isinstance(v, str))
    return list(dict.fromkeys(c.value for c in found if c is not None))


def _sector(value: object) -> str | None:
    code = LEGACY_SECTORS.get(_norm(value)) if isinstance(value, str) else None
    return code.value if code is not None else None


def _staff(value: object) -> str:
    return str(staff_id(str(value)))


def _without(payload: Payload, *fields: str) -> Payload:
    return {k: v for k, v in payload.items() if k not in fields}


def _ref_if(payload: Payload, item: str, field: str) -> str | None:
    return str(text_ref(payload[item], field)) if payload.get(field) else None


def _check_in_field(payload: Payload) -> str:
    return f"check_in_{payload['month']}_notes"


UPCASTERS: dict[tuple[str, int], Callable[[Payload], Payload]] = {
    (a.CandidateProfileUpdated.event_type(), 1): lambda x: {
        **_without(x, "health_restrictions"),
        "aptitudes": _codes(x.get("aptitudes"), LEGACY_APTITUDES),
        "work_constraints": _codes(x.get("health_restrictions"), LEGACY_WORK_CONSTRAINTS),
        "wished_sectors": _codes(x.get("wished_sectors"), LEGACY_SECTORS),
    },
    (a.ReferentAssigned.event_type(), 1): lambda x: {**x, "referent_id": _staff(x["referent_id"])},
    (a.TrainingNeedRecorded.event_type(), 1): lambda x: {
        **_without(x, "subject"),
        "subject_ref": str(text_ref(x["training_need_id"], "subject")),
    },
    (a.ObjectiveSet.event_type(), 1): lambda x: {
        **_without(x, "label"),
        "label_ref": str(text_ref(x["objective_id"], "label")),
    },
    (a.ActionPlanned.event_type(), 1): lambda x: {
        **_without(x, "label"),
        "label_ref": str(text_ref(x["action_id"], "label")),
    },
    (a.SchemeReferralMade.event_type(), 1): lambda x: {
        **_without(x, "partner"),
        "partner_ref": str(text_ref(x["referral_id"], "partner")),
    },
    (a.WorkshopSessionScheduled.event_type(), 1): lambda x: {
        **_without(x, "title"),
        "title_ref": _ref_if(x, "session_id", "title"),
    },
    (p.EmployerRegistered.event_type(), 1): lambda x: {
        **_without(x, "name"),
        "name_ref": str(text_ref(x["employer_id"], "name")),
        "sector": _sector(x.get("sector")),
    },
    (p.EmployerContactRecorded.event_type(), 1): lambda x: {
        **_without(x, "notes"),
        "caseworker": _staff(x["caseworker"]),
        "contact_name_ref": None,
        "notes_ref": _ref_if(x, "contact_id", "notes"),
    },
    (p.NeedPublished.event_type(), 1): lambda x: {
        **_without(x, "title", "tasks"),
        "title_ref": str(text_ref(x["need_id"], "title")),
        "tasks_ref": str(text_ref(x["need_id"], "tasks")),
        "sector": _sector(x.get("sector")),
        "required_aptitudes": _codes(x.get("required_aptitudes"), LEGACY_APTITUDES),
    },
    (p.IntroductionMade.event_type(), 1): lambda x: {
        **x,
        "caseworker": _staff(x["caseworker"]),
        "sector": _sector(x.get("sector")),
    },
    (p.HireRecorded.event_type(), 1): lambda x: {**x, "sector": _sector(x.get("sector"))},
    (p.HireEndedEarly.event_type(), 1): lambda x: {**x, "sector": _sector(x.get("sector"))},
    (p.HireCheckInRecorded.event_type(), 1): lambda x: {
        **_without(x, "notes"),
        "barriers_worked_on": _codes(x.get("barriers_worked_on"), LEGACY_BARRIERS),
        "notes_ref": str(text_ref(x["hire_id"], _check_in_field(x))) if x.get("notes") else None,
    },
    (p.ImmersionAgreed.event_type(), 1): lambda x: {
        **_without(x, "host_name"),
        "host_name_ref": (
            str(text_ref(x["immersion_id"], "host_name"))
            if x.get("host_kind") == ImmersionHost.TRAINING_CENTRE and x.get("host_name")
            else None
        ),
        "sector": _sector(x.get("sector")),
    },
}


def register(registry: EventRegistry) -> None:
    """Register every upcaster above."""
    for (event_type, version), upcast in UPCASTERS.items():
        registry.upcaster(event_type, version)(upcast)


# --- the texts an old payload holds, and whose they are ------------------------------------------------

LegacyText = tuple[UUID, Owner, str]


def _person(x: Payload) -> Owner:
    return Owner.person(UUID(str(x["beneficiary_id"])))


def _one(x: Payload, item: str, field: str, owner: Owner, *, source: str | None = None) -> list[LegacyText]:
    text = x.get(source or field)
    return [(text_ref(x[item], field), owner, text)] if isinstance(text, str) and text else []


def _tasks(x: Payload) -> list[LegacyText]:
    tasks = [t for t in x.get("tasks") or [] if isinstance(t, str)]
    owner = Owner.employer(UUID(str(x["employer_id"])))
    return [(text_ref(x["need_id"], "tasks"), owner, json.dumps(tasks, ensure_ascii=False))] if tasks else []


LEGACY_TEXTS: dict[str, Callable[[Payload], list[LegacyText]]] = {
    a.TrainingNeedRecorded.event_type(): lambda x: _one(x, "training_need_id", "subject", _person(x)),
    a.ObjectiveSet.event_type(): lambda x: _one(x, "objective_id", "label", _person(x)),
    a.ActionPlanned.event_type(): lambda x: _one(x, "action_id", "label", _person(x)),
    a.SchemeReferralMade.event_type(): lambda x: _one(x, "referral_id", "partner", _person(x)),
    a.WorkshopSessionScheduled.event_type(): lambda x: _one(
        x, "session_id", "title", Owner.workshop(UUID(str(x["session_id"])))
    ),
    p.EmployerRegistered.event_type(): lambda x: _one(
        x, "employer_id", "name", Owner.employer(UUID(str(x["employer_id"])))
    ),
    p.EmployerContactRecorded.event_type(): lambda x: _one(
        x, "contact_id", "notes", Owner.contact(UUID(str(x["contact_id"])))
    ),
    p.NeedPublished.event_type(): lambda x: [
        *_one(x, "need_id", "title", Owner.employer(UUID(str(x["employer_id"])))),
        *_tasks(x),
    ],
    p.HireCheckInRecorded.event_type(): lambda x: _one(x, "hire_id", _check_in_field(x), _person(x), source="notes"),
    p.ImmersionAgreed.event_type(): lambda x: (
        _one(x, "immersion_id", "host_name", _person(x)) if x.get("host_kind") == ImmersionHost.TRAINING_CENTRE else []
    ),
}
