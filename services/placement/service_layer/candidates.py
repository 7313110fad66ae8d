"""Reactions to accompaniment's events: the candidates placement can propose."""

from __future__ import annotations

from typing import Any

from services.placement.domain.candidate import Candidate
from services.placement.service_layer.ports import CandidateViews
from shared.contracts import REGISTRY
from shared.contracts.accompaniment import AccompanimentClosed, CandidateProfileUpdated
from shared.envelope import Envelope


async def on_candidate_profile_updated(envelope: Envelope, conn: Any, *, candidates: CandidateViews) -> None:
    """Accompaniment shared (or changed) a person's profile: keep the latest one."""
    event = REGISTRY.decode(envelope.type, envelope.schema_version, envelope.data)
    assert isinstance(event, CandidateProfileUpdated)
    await candidates.save_profile(
        conn,
        Candidate.from_profile(event),
        accompaniment_id=event.accompaniment_id,
        version=envelope.stream_version,
        recorded_at=envelope.time,
    )


async def on_accompaniment_closed(envelope: Envelope, conn: Any, *, candidates: CandidateViews) -> None:
    """The accompaniment closed: the person is no longer proposed for needs."""
    event = REGISTRY.decode(envelope.type, envelope.schema_version, envelope.data)
    assert isinstance(event, AccompanimentClosed)
    await candidates.deactivate(
        conn, event.beneficiary_id, accompaniment_id=event.accompaniment_id, version=envelope.stream_version
    )
