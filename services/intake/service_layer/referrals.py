"""Referral handlers: enrol referred people, or recognise the ones already known."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal
from uuid import UUID

from services.intake.domain import decisions
from services.intake.domain.agencies import agency_for_commune
from services.intake.domain.commands import ReferBeneficiary
from services.intake.domain.dedup import DedupIndex, dedup_keys
from services.intake.domain.evolution import BENEFICIARY
from services.intake.domain.identity import Identity
from services.intake.service_layer.dependencies import Dependencies
from services.intake.service_layer.ports import PersonRecord
from shared.auth import Principal, Role
from shared.errors import DomainError
from shared.eventstore import Tracing

OutcomeStatus = Literal["created", "duplicate", "rejected"]


@dataclass(frozen=True)
class ReferralOutcome:
    """What became of one referral: created, a duplicate of a known beneficiary, or rejected."""

    status: OutcomeStatus
    beneficiary_id: UUID | None = None
    agency_id: str | None = None
    error: DomainError | None = None

    @property
    def created(self) -> bool:
        """True when the referral enrolled a new beneficiary."""
        return self.status == "created"


async def refer_beneficiary(
    cmd: ReferBeneficiary, user: Principal, *, deps: Dependencies, today: date
) -> ReferralOutcome:
    """Enrol one referred person, or answer with the existing beneficiary; staff refer only into their agency."""
    user.require_role(Role.CASEWORKER, Role.AGENCY_MANAGER)
    user.scope(agency_for_commune(cmd.commune_code).id)
    [outcome] = await enrol_referrals([cmd], deps=deps, today=today, tracing=Tracing.new())
    if outcome.error is not None:
        raise outcome.error
    return outcome


async def enrol_referrals(
    commands: Sequence[ReferBeneficiary], *, deps: Dependencies, today: date, tracing: Tracing
) -> list[ReferralOutcome]:
    """Decide and record a batch of referrals in one transaction: one outcome per command, in order."""
    referrals = [decisions.Referral(cmd, uuid.uuid4(), deps.indexer.digests(dedup_keys(cmd))) for cmd in commands]
    async with deps.store.transaction(tracing) as uow:
        await deps.persons.lock_dedup(uow.connection)
        known = await deps.persons.entries_matching(uow.connection, [key for r in referrals for key in r.keys.items()])
        decided = decisions.decide_referrals(referrals, DedupIndex(known), today)
        enrolled = [d for d in decided if isinstance(d, decisions.Enrolled)]
        agencies = {d.beneficiary_id: d.event.agency_id for d in enrolled}
        duplicates = {d.beneficiary_id for d in decided if isinstance(d, decisions.Duplicate)}
        agencies |= await deps.persons.agencies_of(uow.connection, duplicates - agencies.keys())
        await deps.persons.add(
            uow.connection, [_record(d, deps) for d in enrolled], [entry for d in enrolled for entry in d.entries]
        )
        await uow.save_all(BENEFICIARY, [(None, [d.event]) for d in enrolled])
    return [_outcome(d, agencies) for d in decided]


def _record(decision: decisions.Enrolled, deps: Dependencies) -> PersonRecord:
    cmd, event = decision.referral.cmd, decision.event
    sealed = deps.vault.seal(decision.beneficiary_id, Identity.of(cmd))
    return PersonRecord(
        beneficiary_id=decision.beneficiary_id,
        agency_id=event.agency_id,
        commune_code=event.commune_code,
        age_band=str(event.age_band),
        household_type=str(event.household_type),
        children=cmd.children,
        orientation_date=event.orientation_date,
        enrolled_on=event.enrolled_on,
        referral_source=event.referral_source,
        version=1,
        identity=sealed.identity,
        wrapped_key=sealed.wrapped_key,
    )


def _outcome(decision: decisions.Decision, agencies: dict[UUID, str]) -> ReferralOutcome:
    match decision:
        case decisions.Enrolled():
            return ReferralOutcome("created", decision.beneficiary_id, agencies[decision.beneficiary_id])
        case decisions.Duplicate():
            return ReferralOutcome("duplicate", decision.beneficiary_id, agencies[decision.beneficiary_id])
        case decisions.Rejected():
            return ReferralOutcome("rejected", error=decision.error)
