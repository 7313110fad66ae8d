"""Reactions to other contexts' events: the candidates placement can propose (accompaniment's), erasures (intake's).

The consumer runtime calls each one as `reaction(envelope, conn)` inside its transaction; the reaction joins it
with a unit of work and writes the candidates' read model there.
"""

from __future__ import annotations

from typing import Any

from services.placement.domain.candidate import Candidate
from services.placement.service_layer.dependencies import Dependencies
from shared.contracts.accompaniment import AccompanimentClosed, CandidateProfileUpdated
from shared.contracts.intake import BeneficiaryPersonalDataErased
from shared.envelope import Envelope
from shared.eventstore import Tracing
from shared.private_text import Owner


async def on_candidate_profile_updated(envelope: Envelope, conn: Any, *, deps: Dependencies) -> None:
    """Accompaniment shared (or changed) a person's profile: keep the latest one."""
    uow = deps.store.join(conn, Tracing.caused_by(envelope))
    event = uow.decode(envelope)
    assert isinstance(event, CandidateProfileUpdated)
    await deps.candidates.save_profile(
        uow.connection,
        Candidate.from_profile(event),
        accompaniment_id=event.accompaniment_id,
        version=envelope.stream_version,
        recorded_at=envelope.time,
    )


async def on_accompaniment_closed(envelope: Envelope, conn: Any, *, deps: Dependencies) -> None:
    """The accompaniment closed: the person is no longer proposed for needs."""
    uow = deps.store.join(conn, Tracing.caused_by(envelope))
    event = uow.decode(envelope)
    assert isinstance(event, AccompanimentClosed)
    await deps.candidates.deactivate(
        uow.connection, event.beneficiary_id, accompaniment_id=event.accompaniment_id, version=envelope.stream_version
    )


async def on_personal_data_erased(envelope: Envelope, conn: Any, *, deps: Dependencies) -> None:
    """Intake erased the person: destroy their key here too (check-in notes, their immersions' training centres)."""
    uow = deps.store.join(conn, Tracing.caused_by(envelope))
    event = uow.decode(envelope)
    assert isinstance(event, BeneficiaryPersonalDataErased)
    await deps.texts.erase(uow.connection, Owner.person(event.beneficiary_id), event.erased_on)
