"""Read side: a beneficiary's file and the agency's list, decrypted for the staff allowed to see them."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from services.intake.adapters.crypto import PersonalDataVault
from services.intake.domain.agencies import agency_by_id
from services.intake.domain.decisions import FollowUp
from services.intake.domain.errors import BeneficiaryNotFound
from services.intake.domain.identity import Identity
from services.intake.service_layer.dependencies import Dependencies
from services.intake.service_layer.ports import PersonRecord
from shared.auth import Principal


@dataclass(frozen=True)
class BeneficiaryFile:
    """A beneficiary as stored, with their identity decrypted (None once erased)."""

    record: PersonRecord
    identity: Identity | None
    # The closed accompaniment of the latest enrolment (None: followed), and possible duplicates the caller may see.
    closed: FollowUp | None = None
    possible_duplicates: list[UUID] = field(default_factory=list)

    @property
    def erased(self) -> bool:
        """True once the personal data is erased."""
        return self.record.erased_on is not None


def _file(vault: PersonalDataVault, record: PersonRecord) -> BeneficiaryFile:
    if record.erased_on is not None:
        return BeneficiaryFile(record, None)
    return BeneficiaryFile(record, vault.open(record.beneficiary_id, record.wrapped_key, record.identity))


async def beneficiary_details(beneficiary_id: UUID, user: Principal, *, deps: Dependencies) -> BeneficiaryFile:
    """One beneficiary's file, for the staff of their agency (and admins)."""
    async with deps.store.connection() as conn:
        record = await deps.persons.get(conn, beneficiary_id)
        if record is None:
            raise BeneficiaryNotFound(f"no beneficiary {beneficiary_id}")
        user.scope(record.agency_id)
        closed = (await deps.follow_ups.of(conn, [beneficiary_id])).get(beneficiary_id)
        candidates = await deps.follow_ups.possible_duplicates(conn, beneficiary_id)
        agencies = await deps.persons.agencies_of(conn, candidates)
    visible = [c for c in candidates if user.agency_scope in (None, agencies.get(c))]
    file = _file(deps.vault, record)
    return BeneficiaryFile(file.record, file.identity, closed, visible)


async def list_beneficiaries(
    user: Principal, agency_id: str | None, *, deps: Dependencies, limit: int, offset: int
) -> list[BeneficiaryFile]:
    """A page of the agency's beneficiaries with their names, most recently enrolled first (every agency's for
    an admin who names none)."""
    if agency_id is not None:
        agency_by_id(agency_id)
    scope = user.scope(agency_id)
    async with deps.store.connection() as conn:
        records = await deps.persons.list(conn, scope, limit, offset)
    return [_file(deps.vault, record) for record in records]
