"""In-memory fakes of placement's read models, and its dependencies on the in-memory aggregate store."""

from __future__ import annotations

from services.placement.domain.candidate import Candidate
from services.placement.domain.errors import EmployerAlreadyRegistered
from services.placement.domain.evolution import EMPLOYER, IMMERSION, INTRODUCTION, NEED
from services.placement.domain.rules import Rules
from services.placement.service_layer.dependencies import Dependencies
from services.placement.service_layer.ports import (
    CandidateViews,
    EmployerViews,
    ImmersionViews,
    IntroductionViews,
    NeedViews,
)
from tests.fakes.aggregate_store import InMemoryAggregateStore
from tests.fakes.audit import InMemoryAuditTrail
from tests.fakes.private_texts import InMemoryPrivateTexts


class InMemoryEmployers(EmployerViews):
    def __init__(self) -> None:
        self.rows: dict = {}
        self.contacts: list = []

    async def add(self, conn, employer):
        if any(e.siret == employer.siret for e in self.rows.values()):
            raise EmployerAlreadyRegistered(f"an employer with SIRET {employer.siret} is already registered")
        self.rows[employer.id] = employer

    async def save(self, conn, employer):
        self.rows[employer.id] = employer

    async def add_contact(self, conn, contact):
        self.contacts.append(contact)

    async def contact(self, conn, contact_id):
        found = next((c for c in self.contacts if c.contact_id == contact_id), None)
        return {"employer_id": found.employer_id, "agency_id": found.agency_id} if found else None


class InMemoryNeeds(NeedViews):
    def __init__(self) -> None:
        self.rows: dict = {}

    async def save(self, conn, need, events=()):
        self.rows[need.id] = need


class InMemoryCandidates(CandidateViews):
    def __init__(self) -> None:
        self.rows: dict = {}

    async def get(self, conn, beneficiary_id):
        row = self.rows.get(beneficiary_id)
        return row["candidate"] if row else None

    async def save_profile(self, conn, candidate, *, accompaniment_id, version, recorded_at):
        current = self.rows.get(candidate.beneficiary_id)
        newer = current is None or (
            current["version"] < version
            if current["accompaniment_id"] == accompaniment_id
            else current["recorded_at"] <= recorded_at
        )
        if newer:
            self.rows[candidate.beneficiary_id] = dict(
                candidate=candidate, accompaniment_id=accompaniment_id, version=version, recorded_at=recorded_at
            )

    async def deactivate(self, conn, beneficiary_id, *, accompaniment_id, version):
        row = self.rows.get(beneficiary_id)
        if row and row["accompaniment_id"] == accompaniment_id and row["version"] < version:
            candidate = row["candidate"]
            inactive = Candidate(**{**{f: getattr(candidate, f) for f in candidate.__slots__}, "active": False})
            row.update(candidate=inactive, version=version)


class InMemoryIntroductions(IntroductionViews):
    def __init__(self) -> None:
        self.rows: dict = {}

    async def save(self, conn, introduction, events=()):
        self.rows[introduction.id] = introduction

    async def pending_exists(self, conn, need_id, beneficiary_id):
        return any(
            i.need_id == need_id and i.beneficiary_id == beneficiary_id and i.outcome is None
            for i in self.rows.values()
        )

    async def introduction_of_hire(self, conn, hire_id):
        return next((i.id for i in self.rows.values() if i.hire and i.hire.id == hire_id), None)

    async def hires_for_need(self, conn, need_id):
        return sum(1 for i in self.rows.values() if i.need_id == need_id and i.hire)

    async def of_person(self, conn, beneficiary_id):
        return [
            i.id
            for i in sorted(self.rows.values(), key=lambda i: (i.introduced_on, i.id))
            if i.beneficiary_id == beneficiary_id
        ]


class InMemoryImmersions(ImmersionViews):
    def __init__(self) -> None:
        self.rows: dict = {}

    async def save(self, conn, immersion, events=()):
        self.rows[immersion.id] = immersion

    async def of_person(self, conn, beneficiary_id):
        return sorted(i.id for i in self.rows.values() if i.beneficiary_id == beneficiary_id)

    async def lock_person(self, conn, beneficiary_id):
        """One process, one event loop: nothing runs between the awaits of a unit of work here."""


def placement_dependencies(rules: Rules | None = None) -> Dependencies:
    """Placement's dependencies on the in-memory aggregate store, its read models kept by their projections."""
    employers, needs, candidates = InMemoryEmployers(), InMemoryNeeds(), InMemoryCandidates()
    introductions, immersions = InMemoryIntroductions(), InMemoryImmersions()
    store = InMemoryAggregateStore(
        projections={
            EMPLOYER: employers.project,
            NEED: needs.save,
            INTRODUCTION: introductions.save,
            IMMERSION: immersions.save,
        },
        kept=[employers, needs, introductions, immersions],
    )
    return Dependencies(
        store,
        employers,
        needs,
        candidates,
        introductions,
        immersions,
        InMemoryPrivateTexts(),
        InMemoryAuditTrail(),
        rules or Rules(),
    )
