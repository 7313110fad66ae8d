"""Handlers changing a known beneficiary: transfer to another agency, erasure of the personal data."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from services.intake.domain import decisions
from services.intake.domain.commands import TransferBeneficiary
from services.intake.domain.errors import BeneficiaryNotFound
from services.intake.domain.evolution import BENEFICIARY
from services.intake.domain.state import Beneficiary
from services.intake.service_layer.dependencies import Dependencies
from shared.auth import Principal, Role
from shared.contracts.intake import BeneficiaryPersonalDataErased, BeneficiaryTransferred
from shared.errors import ConcurrencyError
from shared.unit_of_work import UnitOfWork


async def _existing(uow: UnitOfWork, beneficiary_id: UUID) -> Beneficiary:
    state = await uow.load(BENEFICIARY, beneficiary_id)
    if state is None:
        raise BeneficiaryNotFound(f"no beneficiary {beneficiary_id}")
    return state


async def transfer_beneficiary(
    beneficiary_id: UUID, cmd: TransferBeneficiary, user: Principal, *, deps: Dependencies, today: date
) -> BeneficiaryTransferred:
    """Move the person's follow-up to the agency of their new commune; only their current agency's staff may."""
    async with deps.store.transaction() as uow:
        state = await _existing(uow, beneficiary_id)
        user.require_role(Role.CASEWORKER, Role.AGENCY_MANAGER)
        user.scope(state.agency_id)
        [event] = decisions.transfer(state, cmd, today)
        record = await deps.persons.get(uow.connection, beneficiary_id)
        if record is None:
            raise BeneficiaryNotFound(f"no beneficiary {beneficiary_id}")
        if record.version != state.version:
            # Changed (erased, transferred) since the stream was read: the caller reloads and decides again.
            raise ConcurrencyError(BENEFICIARY.stream_id(beneficiary_id), state.version, record.version)
        moved = deps.vault.open(beneficiary_id, record.wrapped_key, record.identity).model_copy(
            update={"address": cmd.address}
        )
        state = await uow.save(BENEFICIARY, state, [event])
        await deps.persons.record_transfer(
            uow.connection,
            beneficiary_id,
            event.to_agency_id,
            event.commune_code,
            deps.vault.reseal(beneficiary_id, record.wrapped_key, moved),
            state.version,
        )
    return event


async def erase_personal_data(
    beneficiary_id: UUID, user: Principal, *, deps: Dependencies, today: date
) -> BeneficiaryPersonalDataErased:
    """Destroy the person's data key (crypto-shredding) and blind indexes; statistics keep their history.

    With the indexes gone, a later referral of the same person creates a new beneficiary: nothing can link
    it to the erased one.
    """
    async with deps.store.transaction() as uow:
        # Not while a referral is being de-duplicated against this person's indexes.
        await deps.persons.lock_dedup(uow.connection)
        state = await _existing(uow, beneficiary_id)
        user.require_role(Role.AGENCY_MANAGER)
        user.scope(state.agency_id)
        [event] = decisions.erase(state, today)
        state = await uow.save(BENEFICIARY, state, [event])
        await deps.persons.erase(uow.connection, beneficiary_id, event.erased_on, state.version)
    return event
