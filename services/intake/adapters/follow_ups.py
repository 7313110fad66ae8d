"""Where each person's latest enrolment stands, and the people to check as possible duplicates (intake's tables)."""

from __future__ import annotations

import abc
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from services.intake.domain.enrolment import FollowUp
from shared.contracts.intake import BeneficiaryEnrolled


class FollowUps(abc.ABC):
    """Port: the follow-up of known persons, and possible duplicates; methods work in the caller's transaction."""

    @abc.abstractmethod
    async def of(self, conn: Any, beneficiary_ids: Iterable[UUID]) -> dict[UUID, FollowUp]:
        """The follow-up of each person (absent: followed, nothing closed is known)."""

    @abc.abstractmethod
    async def add_possible_duplicates(self, conn: Any, pairs: Sequence[tuple[UUID, UUID]], found_on: date) -> None:
        """Record (new person, known person) pairs whose names agree only once transliterated."""

    @abc.abstractmethod
    async def possible_duplicates(self, conn: Any, beneficiary_id: UUID) -> list[UUID]:
        """The people recorded as possible duplicates of this one (either way)."""


class PostgresFollowUps(FollowUps):
    """In intake's schema: the event store's enrolments and the accompaniments learnt from accompaniment."""

    def __init__(self, schema: str) -> None:
        self.schema = schema

    async def of(self, conn, beneficiary_ids):
        streams = {f"beneficiary-{b}": b for b in beneficiary_ids}
        if not streams:
            return {}
        rows = await conn.fetch(
            f"""WITH latest AS (
                    SELECT DISTINCT ON (stream_id) stream_id, event_id FROM {self.schema}.events
                    WHERE stream_id = ANY($1::text[]) AND type = $2 ORDER BY stream_id, version DESC)
                SELECT l.stream_id, a.accompaniment_id, a.closed_on FROM latest l
                JOIN {self.schema}.accompaniments a ON a.enrolment_event_id = l.event_id
                WHERE a.closed_on IS NOT NULL""",
            list(streams),
            BeneficiaryEnrolled.event_type(),
        )
        return {streams[r["stream_id"]]: FollowUp(r["accompaniment_id"], r["closed_on"]) for r in rows}

    async def add_possible_duplicates(self, conn, pairs, found_on):
        if pairs:
            await conn.execute(
                f"""INSERT INTO {self.schema}.possible_duplicates (beneficiary_id, candidate_id, found_on)
                    SELECT a, b, $3 FROM unnest($1::uuid[], $2::uuid[]) AS p(a, b) ON CONFLICT DO NOTHING""",
                [a for a, _ in pairs],
                [b for _, b in pairs],
                found_on,
            )

    async def possible_duplicates(self, conn, beneficiary_id):
        rows = await conn.fetch(
            f"""SELECT candidate_id AS other FROM {self.schema}.possible_duplicates WHERE beneficiary_id = $1
                UNION SELECT beneficiary_id FROM {self.schema}.possible_duplicates WHERE candidate_id = $1""",
            beneficiary_id,
        )
        return sorted(r["other"] for r in rows)


class InMemoryFollowUps(FollowUps):
    """The same over an in-memory event store (unit tests): `close_latest` plays accompaniment's closure."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.closed: dict[UUID, tuple[UUID, date]] = {}  # enrolment event id -> (accompaniment, closed on)
        self.pairs: set[tuple[UUID, UUID]] = set()

    def _latest_enrolment(self, beneficiary_id: UUID) -> UUID | None:
        ids = [
            e.id
            for e in self.store.events
            if e.stream_id == f"beneficiary-{beneficiary_id}" and e.type == BeneficiaryEnrolled.event_type()
        ]
        return ids[-1] if ids else None

    def close_latest(self, beneficiary_id: UUID, accompaniment_id: UUID, closed_on: date) -> None:
        """The accompaniment opened by the person's latest enrolment closed."""
        enrolment = self._latest_enrolment(beneficiary_id)
        assert enrolment is not None, "close an enrolled person"
        self.closed[enrolment] = (accompaniment_id, closed_on)

    async def of(self, conn, beneficiary_ids):
        found = {}
        for b in beneficiary_ids:
            if (closed := self.closed.get(self._latest_enrolment(b))) is not None:
                found[b] = FollowUp(*closed)
        return found

    async def add_possible_duplicates(self, conn, pairs, found_on):
        self.pairs |= set(pairs)

    async def possible_duplicates(self, conn, beneficiary_id):
        mine = {b for a, b in self.pairs if a == beneficiary_id} | {a for a, b in self.pairs if b == beneficiary_id}
        return sorted(mine)
