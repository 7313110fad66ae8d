"""What accompaniment's handlers need besides the aggregate store: its read models.

Each port's `save` is the projection the aggregate store runs in the unit of work that appends the events.
The PostgreSQL adapters (`adapters/read_model.py`, `adapters/workshops.py`) implement them and add the queries
of the routes; unit tests use the in-memory fakes of `tests/fakes`.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from services.accompaniment.domain.state import Accompaniment, WorkshopSession
from shared.events import DomainEvent


class AccompanimentViews(abc.ABC):
    """The `accompaniments` read model: one row per accompaniment."""

    @abc.abstractmethod
    async def save(self, conn: Any, state: Accompaniment, events: Sequence[DomainEvent] = ()) -> None:
        """Write the row of `state`; a commune unknown to the state keeps the row's."""

    async def save_many(self, conn: Any, saved: Sequence[tuple[Accompaniment, Sequence[DomainEvent]]]) -> None:
        """Write the rows of several states (a batch of openings); by default one after the other."""
        for state, events in saved:
            await self.save(conn, state, events)

    @abc.abstractmethod
    async def enrolment_rows(
        self, conn: Any, beneficiary_ids: Sequence[UUID], accompaniment_ids: Sequence[UUID]
    ) -> list[tuple[UUID, UUID, str]]:
        """(accompaniment, person, status) of the rows of these people or these accompaniments, in one read."""

    @abc.abstractmethod
    async def owner_of(self, conn: Any, accompaniment_id: UUID) -> tuple[UUID, str] | None:
        """The person an accompaniment follows and its status (`open`, `suspended`, `closed`), if it exists."""

    @abc.abstractmethod
    async def current_of(self, conn: Any, beneficiary_id: UUID) -> list[UUID]:
        """Accompaniments of a person that are not closed (normally one)."""

    @abc.abstractmethod
    async def has_any(self, conn: Any, beneficiary_id: UUID) -> bool:
        """Whether an accompaniment of the person was ever opened here (their enrolment arrived)."""

    @abc.abstractmethod
    async def commune_of(self, conn: Any, accompaniment_id: UUID) -> str | None:
        """The commune in the row, written from the enrolment event when the accompaniment was opened."""


class WorkshopViews(abc.ABC):
    """The `workshop_sessions` and `workshop_registrations` read models."""

    @abc.abstractmethod
    async def save(self, conn: Any, session: WorkshopSession, events: Sequence[DomainEvent] = ()) -> None:
        """Write the row of the session and those of the registrations `events` name (every one without events)."""

    async def save_many(self, conn: Any, saved: Sequence[tuple[WorkshopSession, Sequence[DomainEvent]]]) -> None:
        """`save` of several sessions, each named once; by default one after the other."""
        for session, events in saved:
            await self.save(conn, session, events)
