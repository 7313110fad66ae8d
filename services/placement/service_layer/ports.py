"""What placement's handlers need besides the aggregate store: its read models.

Each `save` (for employers, `project`) is the projection the aggregate store runs in the unit of work that
appends the events. The PostgreSQL adapters implement these and add the queries of the routes; unit tests use
the in-memory fakes of `tests/fakes`.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from services.placement.domain.candidate import Candidate
from services.placement.domain.state import Employer, Immersion, Introduction, Need
from shared.contracts.placement import EmployerContactRecorded, EmployerRegistered
from shared.events import DomainEvent


class EmployerViews(abc.ABC):
    """Read model of employers and of their contacts."""

    @abc.abstractmethod
    async def add(self, conn: Any, employer: Employer) -> None:
        """Store a new employer; raises `EmployerAlreadyRegistered` for a SIRET already in the network."""

    @abc.abstractmethod
    async def save(self, conn: Any, employer: Employer) -> None:
        """Update an employer's row."""

    @abc.abstractmethod
    async def add_contact(self, conn: Any, contact: EmployerContactRecorded) -> None:
        """Store a prospecting contact."""

    @abc.abstractmethod
    async def contact(self, conn: Any, contact_id: UUID) -> dict | None:
        """One prospecting contact's row (`employer_id`, `agency_id`...)."""

    async def project(self, conn: Any, employer: Employer, events: Sequence[DomainEvent]) -> None:
        """The projection of an employer's new events: a registration adds it, each contact is stored."""
        if any(isinstance(e, EmployerRegistered) for e in events):
            await self.add(conn, employer)
        else:
            await self.save(conn, employer)
        for event in events:
            if isinstance(event, EmployerContactRecorded):
                await self.add_contact(conn, event)


class NeedViews(abc.ABC):
    """Read model of needs."""

    @abc.abstractmethod
    async def save(self, conn: Any, need: Need, events: Sequence[DomainEvent] = ()) -> None:
        """Write a need's row."""


class CandidateViews(abc.ABC):
    """Read model of candidates, fed by accompaniment's events."""

    @abc.abstractmethod
    async def get(self, conn: Any, beneficiary_id: UUID) -> Candidate | None:
        """The candidate, active or not."""

    @abc.abstractmethod
    async def save_profile(
        self, conn: Any, candidate: Candidate, *, accompaniment_id: UUID, version: int, recorded_at: datetime
    ) -> None:
        """Keep the latest profile: ignore one older than what is stored (redelivery, replay)."""

    @abc.abstractmethod
    async def deactivate(self, conn: Any, beneficiary_id: UUID, *, accompaniment_id: UUID, version: int) -> None:
        """The accompaniment behind the profile closed: the person is no longer proposed."""


class IntroductionViews(abc.ABC):
    """Read model of introductions and hires."""

    @abc.abstractmethod
    async def save(self, conn: Any, introduction: Introduction, events: Sequence[DomainEvent] = ()) -> None:
        """Write an introduction's row, and its hire's if any."""

    @abc.abstractmethod
    async def pending_exists(self, conn: Any, need_id: UUID, beneficiary_id: UUID) -> bool:
        """True when the person is introduced for the need and the outcome is not known yet."""

    @abc.abstractmethod
    async def introduction_of_hire(self, conn: Any, hire_id: UUID) -> UUID | None:
        """The introduction a hire came from."""

    @abc.abstractmethod
    async def hires_for_need(self, conn: Any, need_id: UUID) -> int:
        """Hires recorded for a need."""

    @abc.abstractmethod
    async def of_person(self, conn: Any, beneficiary_id: UUID) -> list[UUID]:
        """Every introduction of the person, whatever its agency."""


class ImmersionViews(abc.ABC):
    """Read model of immersions."""

    @abc.abstractmethod
    async def save(self, conn: Any, immersion: Immersion, events: Sequence[DomainEvent] = ()) -> None:
        """Write an immersion's row."""

    @abc.abstractmethod
    async def of_person(self, conn: Any, beneficiary_id: UUID) -> list[UUID]:
        """Every immersion of the person, whatever its agency."""

    @abc.abstractmethod
    async def lock_person(self, conn: Any, beneficiary_id: UUID) -> None:
        """Hold, until the transaction ends, the right to decide on the person's immersions (their rules span them)."""
