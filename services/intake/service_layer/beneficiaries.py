"""Handlers changing a known beneficiary: transfer to another agency, erasure of the personal data."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from services.intake.domain import beneficiary
from services.intake.domain.beneficiary import Beneficiary
from services.intake.domain.commands import TransferBeneficiary
from services.intake.domain.errors import BeneficiaryNotFound
from services.intake.service_layer.dependencies import Dependencies
from shared.auth import Principal, Role
from shared.contracts import REGISTRY
from shared.contracts.intake import BeneficiaryPersonalDataErased, BeneficiaryTransferred
from shared.errors import ConcurrencyError
from shared.eventstore import EventStore, Tracing


async def load(store: EventStore, conn: Any, beneficiary_id: UUID) -> Beneficiary:
    """The current state of a beneficiary's stream; raises `BeneficiaryNotFound` for an unknown id."""
    envelopes = await store.load(beneficiary.stream_id(beneficiary_id), conn=conn)
    state = beneficiary.fold(REGISTRY.decode(e.type, e.schema_version, e.data) for e in envelopes)
    if state is None:
        raise BeneficiaryNotFound(f"no beneficiary {beneficiary_id}")
    return state


async def transfer_beneficiary(
    beneficiary_id: UUID, cmd: TransferBeneficiary, principal: Principal, *, deps: Dependencies, today: date
) -> BeneficiaryTransferred:
    """Move the person's follow-up to the agency of their new commune; only their current agency's staff may."""
    async with deps.transactions.begin() as conn:
        state = await load(deps.store, conn, beneficiary_id)
        principal.require_role(Role.CASEWORKER, Role.AGENCY_MANAGER)
        principal.require_agency(state.agency_id)
        [event] = beneficiary.transfer(state, cmd, today)
        record = await deps.persons.get(conn, beneficiary_id)
        if record is None:
            raise BeneficiaryNotFound(f"no beneficiary {beneficiary_id}")
        if record.version != state.version:
            # Changed (erased, transferred) since the stream was read: the caller reloads and decides again.
            raise ConcurrencyError(beneficiary.stream_id(beneficiary_id), state.version, record.version)
        moved = deps.vault.open(beneficiary_id, record.wrapped_key, record.identity).model_copy(
            update={"address": cmd.address}
        )
        await deps.store.append(
            beneficiary.stream_id(beneficiary_id),
            state.version,
            [event],
            partition_key=str(beneficiary_id),
            subject=str(beneficiary_id),
            tracing=Tracing.new(),
            conn=conn,
        )
        await deps.persons.record_transfer(
            conn,
            beneficiary_id,
            event.to_agency_id,
            event.commune_code,
            deps.vault.reseal(beneficiary_id, record.wrapped_key, moved),
            state.version + 1,
        )
    return event


async def erase_personal_data(
    beneficiary_id: UUID, principal: Principal, *, deps: Dependencies, today: date
) -> BeneficiaryPersonalDataErased:
    """Destroy the person's data key (crypto-shredding) and blind indexes; statistics keep their history.

    With the indexes gone, a later referral of the same person creates a new beneficiary: nothing can link
    it to the erased one.
    """
    async with deps.transactions.begin() as conn:
        # Not while a referral is being de-duplicated against this person's indexes.
        await deps.persons.lock_dedup(conn)
        state = await load(deps.store, conn, beneficiary_id)
        principal.require_role(Role.AGENCY_MANAGER)
        principal.require_agency(state.agency_id)
        [event] = beneficiary.erase(state, today)
        await deps.store.append(
            beneficiary.stream_id(beneficiary_id),
            state.version,
            [event],
            partition_key=str(beneficiary_id),
            subject=str(beneficiary_id),
            tracing=Tracing.new(),
            conn=conn,
        )
        await deps.persons.erase(conn, beneficiary_id, event.erased_on, state.version + 1)
    return event
