"""Referral handlers: enrol referred people, enrol again those who come back, recognise the ones already followed."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal
from uuid import UUID

from services.intake.domain import decisions
from services.intake.domain.agencies import agency_for_commune
from services.intake.domain.commands import ReferBeneficiary
from services.intake.domain.dedup import DedupIndex, dedup_keys
from services.intake.domain.errors import KnownToAnotherAgency
from services.intake.domain.evolution import BENEFICIARY
from services.intake.domain.identity import Identity
from services.intake.service_layer.dependencies import Dependencies
from services.intake.service_layer.ports import PersonRecord
from shared.auth import Principal, Role
from shared.errors import DomainError
from shared.eventstore import Tracing

OutcomeStatus = Literal["created", "duplicate", "return", "rejected"]


@dataclass(frozen=True)
class ReferralOutcome:
    """What became of one referral: created, a return, a duplicate of a person already followed, or rejected."""

    status: OutcomeStatus
    beneficiary_id: UUID | None = None
    agency_id: str | None = None
    error: DomainError | None = None
    reason: str | None = None
    possible_duplicates: tuple[UUID, ...] = field(default=())

    @property
    def created(self) -> bool:
        """True when the referral created a new beneficiary."""
        return self.status == "created"


async def refer_beneficiary(
    cmd: ReferBeneficiary, user: Principal, *, deps: Dependencies, today: date
) -> ReferralOutcome:
    """Enrol one referred person (or enrol again a person who comes back), or answer with the beneficiary their
    agency already follows; staff refer only into their agency, and learn nothing of other agencies' people."""
    user.require_role(Role.CASEWORKER, Role.AGENCY_MANAGER)
    user.scope(agency_for_commune(cmd.commune_code).id)
    [outcome] = await enrol_referrals([cmd], deps=deps, today=today, tracing=Tracing.new())
    if outcome.error is not None:
        raise outcome.error
    if outcome.status == "duplicate" and user.agency_scope not in (None, outcome.agency_id):
        raise KnownToAnotherAgency()
    if user.agency_scope is not None and outcome.possible_duplicates:
        # Agency staff are named only the people of their own agency.
        async with deps.store.connection() as conn:
            agencies = await deps.persons.agencies_of(conn, outcome.possible_duplicates)
        mine = tuple(b for b in outcome.possible_duplicates if agencies.get(b) == user.agency_scope)
        outcome = replace(outcome, possible_duplicates=mine)
    return outcome


async def enrol_referrals(
    commands: Sequence[ReferBeneficiary], *, deps: Dependencies, today: date, tracing: Tracing
) -> list[ReferralOutcome]:
    """Decide and record a batch of referrals in one transaction: one outcome per command, in order."""
    referrals = [decisions.Referral(cmd, uuid.uuid4(), deps.indexer.digests(dedup_keys(cmd))) for cmd in commands]
    async with deps.store.transaction(tracing) as uow:
        conn = uow.connection
        await deps.persons.lock_dedup(conn)
        await deps.persons.catch_up_index(conn, deps.vault, deps.indexer)
        entries = await deps.persons.entries_matching(conn, [key for r in referrals for key in r.keys.items()])
        holders = {e.beneficiary_id for e in entries}
        agencies = await deps.persons.agencies_of(conn, holders)
        versions = await deps.persons.versions_of(conn, holders)
        follow_ups = await deps.follow_ups.of(conn, holders)
        known = {
            b: decisions.KnownPerson(b, agencies[b], versions[b], follow_ups.get(b, decisions.FollowUp()))
            for b in holders
            if b in agencies
        }
        decided = decisions.decide_referrals(referrals, DedupIndex(entries), known, today)
        enrolled = [d for d in decided if isinstance(d, decisions.Enrolled)]
        returned = [d for d in decided if isinstance(d, decisions.Returned)]
        await deps.persons.add(conn, [_record(d, deps) for d in enrolled], [e for d in enrolled for e in d.entries])
        await deps.follow_ups.add_possible_duplicates(
            conn, [(d.beneficiary_id, other) for d in enrolled for other in d.possible_duplicates], today
        )
        changes = [(None, [d.event]) for d in enrolled]
        for decision in returned:
            await _record_return(conn, decision, deps)
            changes.append((await uow.load(BENEFICIARY, decision.beneficiary_id), [decision.event]))
        await uow.save_all(BENEFICIARY, changes)
    return [_outcome(d) for d in decided]


def _person(decision: decisions.Enrolled | decisions.Returned, **stored: Any) -> PersonRecord:
    """The person's file as the enrolment says, with what is `stored` of it (version, sealed identity)."""
    cmd, event = decision.referral.cmd, decision.event
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
        **stored,
    )


def _record(decision: decisions.Enrolled, deps: Dependencies) -> PersonRecord:
    sealed = deps.vault.seal(decision.beneficiary_id, Identity.of(decision.referral.cmd))
    return _person(decision, version=1, identity=sealed.identity, wrapped_key=sealed.wrapped_key)


async def _record_return(conn, decision: decisions.Returned, deps: Dependencies) -> None:
    """The person's file follows their return: agency, commune, dates; contact details the referral brings."""
    cmd = decision.referral.cmd
    record = await deps.persons.get(conn, decision.beneficiary_id)
    identity = deps.vault.open(record.beneficiary_id, record.wrapped_key, record.identity)
    contact = {k: v for k, v in (("address", cmd.address), ("phone", cmd.phone), ("email", cmd.email)) if v}
    resealed = deps.vault.reseal(record.beneficiary_id, record.wrapped_key, identity.model_copy(update=contact))
    await deps.persons.record_return(conn, _person(decision, version=decision.version + 1, identity=resealed))


_REASONS = {
    decisions.DuplicateReason.FOLLOWED: "déjà suivi : son accompagnement est en cours",
    decisions.DuplicateReason.EARLIER_EPISODE: (
        "orientation antérieure à la fin de son dernier accompagnement : déjà traitée"
    ),
}


def _outcome(decision: decisions.Decision) -> ReferralOutcome:
    match decision:
        case decisions.Enrolled():
            return ReferralOutcome(
                "created",
                decision.beneficiary_id,
                decision.event.agency_id,
                possible_duplicates=decision.possible_duplicates,
            )
        case decisions.Returned():
            return ReferralOutcome("return", decision.beneficiary_id, decision.event.agency_id)
        case decisions.Duplicate():
            return ReferralOutcome(
                "duplicate", decision.beneficiary_id, decision.agency_id, reason=_REASONS[decision.reason]
            )
        case decisions.Rejected():
            return ReferralOutcome("rejected", error=decision.error, reason=str(decision.error))
