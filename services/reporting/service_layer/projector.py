"""Applies consumed batches to the shared facts: one transaction per batch, idempotent, generation by generation.

For a batch: read each record's event (records the projection does not fold only move the offsets); take the
next generation (which waits for any other worker's batch to commit); bring the mirror up to the previous
generation; fold the batch over it; dead-letter unreadable records; write the changed facts, the stream
versions and the next offsets; commit; merge. A failure rolls everything back and the caller reads the batch
again; a redelivered record is skipped by its stream's version. A batch the database refuses for what a record
holds is applied record by record, and a record it refuses is dead-lettered (`apply_or_isolate`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

import asyncpg
import structlog
from aiokafka import ConsumerRecord, TopicPartition

from services.reporting.adapters.records import to_event
from services.reporting.adapters.store import FactStore, ProjectionSuperseded
from services.reporting.domain import projection
from services.reporting.domain.projection import Event
from services.reporting.service_layer.mirror import Mirror, Overlay
from shared.errors import EnvelopeError

log = structlog.get_logger(__name__)

DeadLetter = Callable[[Sequence[tuple[ConsumerRecord, BaseException]]], Awaitable[None]]
Batch = Mapping[TopicPartition, Sequence[ConsumerRecord]]
# A fold that cannot read a payload it was given fails with one of these: the record is dead-lettered.
UNREADABLE = (EnvelopeError, KeyError, ValueError, TypeError, AttributeError)
# SQLSTATE classes of the database refusing what a record holds: cardinality violation, data exception, integrity
# constraint violation.
RECORD_FAULTS = ("21", "22", "23")


def _record_fault(error: asyncpg.PostgresError) -> bool:
    return (error.sqlstate or "")[:2] in RECORD_FAULTS


@dataclass
class Projector:
    """Folds batches of records into the store and the mirror."""

    store: FactStore
    mirror: Mirror
    pool: asyncpg.Pool
    projection_version: int
    dead_letter: DeadLetter
    applied: int = 0
    skipped: int = 0
    dead_lettered: int = 0
    batches: int = 0
    last_batch_size: int = 0

    async def apply(self, batch: Batch) -> int:
        """Apply one batch (raises to have it read again); returns the number of events folded."""
        events: list[tuple[ConsumerRecord, Event]] = []
        poison: list[tuple[ConsumerRecord, BaseException]] = []
        offsets: dict[tuple[str, int], int] = {}
        for tp, records in batch.items():
            if not records:
                continue
            offsets[(tp.topic, tp.partition)] = records[-1].offset + 1
            for record in records:
                try:
                    event = to_event(record.value, record.headers)
                except EnvelopeError as e:
                    poison.append((record, e))
                    continue
                if event is not None:
                    events.append((record, event))
        async with self.mirror.lock, self.pool.acquire() as conn, conn.transaction():
            if not events:
                # Nothing to fold: move the offsets without a new generation (no figure changes).
                if poison:
                    await self._dead_letter(poison)
                await self.store.write(conn, {}, {}, offsets, generation=self.mirror.generation, notify=False)
                return 0
            state = await self.store.next_generation(conn)
            if state.projection_version != self.projection_version:
                raise ProjectionSuperseded(
                    f"the facts are of projection version {state.projection_version}, this worker folds version "
                    f"{self.projection_version}"
                )
            await self.mirror.sync_in_batch(conn, state)
            overlay = Overlay(self.mirror.facts)
            folded = 0
            for record, event in events:
                try:
                    folded += projection.apply(event, overlay)
                except UNREADABLE as e:
                    poison.append((record, e))
            if poison:
                await self._dead_letter(poison)
            await self.store.write(conn, overlay.facts, overlay.versions, offsets, state.generation)
        self.mirror.merge(overlay, state.generation)
        self.applied += folded
        self.skipped += len(events) - folded
        self.batches += 1
        self.last_batch_size = sum(len(r) for r in batch.values())
        return folded

    async def apply_or_isolate(self, batch: Batch) -> int:
        """`apply`, and when the database refuses the batch for what a record holds (a data or integrity error:
        `RECORD_FAULTS`), its records one by one: a record the database refuses on its own goes to the dead letters
        with the error and its offset is stored past it, so that one record never stops the projection. Any other
        error (connection, privileges, a missing table: the platform's, not a record's) is raised as from `apply`,
        for the caller to wait out. A rebuild meets the same refusal at the same record: the same figures."""
        try:
            return await self.apply(batch)
        except asyncpg.PostgresError as e:
            if not _record_fault(e):
                raise
            size = sum(len(records) for records in batch.values())
            log.error("reporting.batch_refused", error=str(e), error_type=type(e).__name__, records=size)
        folded = 0
        for tp, records in batch.items():
            for record in records:
                try:
                    folded += await self.apply({tp: [record]})
                except asyncpg.PostgresError as e:
                    if not _record_fault(e):
                        raise  # read again from the batch's start: the records applied are skipped by version
                    await self._dead_letter([(record, e)])
                    await self.store_offsets({(tp.topic, tp.partition): record.offset + 1})
        return folded

    async def store_offsets(self, offsets: dict[tuple[str, int], int]) -> None:
        """Move stored offsets past records that carried no event (commit markers): no new generation."""
        async with self.pool.acquire() as conn, conn.transaction():
            await self.store.write(conn, {}, {}, offsets, generation=self.mirror.generation, notify=False)

    async def _dead_letter(self, poison: list[tuple[ConsumerRecord, BaseException]]) -> None:
        await self.dead_letter(poison)
        self.dead_lettered += len(poison)
        for record, error in poison:
            log.error(
                "reporting.dead_lettered",
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
                error=str(error),
                error_type=type(error).__name__,
            )
