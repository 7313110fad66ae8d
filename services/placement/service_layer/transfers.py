"""Reaction to a transfer in accompaniment: the person's placement records follow them to the new agency."""

from __future__ import annotations

from typing import Any

from services.placement.domain.decisions import immersions, introductions
from services.placement.domain.evolution import IMMERSION, INTRODUCTION
from services.placement.service_layer.dependencies import Dependencies
from shared.contracts.accompaniment import AccompanimentTransferred
from shared.envelope import Envelope
from shared.eventstore import Tracing


async def on_accompaniment_transferred(envelope: Envelope, conn: Any, *, deps: Dependencies) -> None:
    """Move the person's introductions (with hires and check-ins) and immersions to their new agency.

    Idempotent: a record already in the new agency is left alone. The candidate follows by the profile that
    accompaniment publishes again after the transfer.
    """
    uow = deps.store.join(conn, Tracing.caused_by(envelope))
    moved = uow.decode(envelope)
    assert isinstance(moved, AccompanimentTransferred)
    for introduction_id in await deps.introductions.of_person(uow.connection, moved.beneficiary_id):
        state = await uow.load(INTRODUCTION, introduction_id)
        await uow.save(INTRODUCTION, state, introductions.transfer(state, moved))
    for immersion_id in await deps.immersions.of_person(uow.connection, moved.beneficiary_id):
        state = await uow.load(IMMERSION, immersion_id)
        await uow.save(IMMERSION, state, immersions.transfer(state, moved))
