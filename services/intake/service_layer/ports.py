"""What intake's handlers need besides the aggregate store: the beneficiaries' store (read model, keys, indexes).

The PostgreSQL adapter is `adapters.persons.PostgresPersons`; unit tests use the in-memory fake of `tests/fakes`.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from services.intake.domain.dedup import DedupKind, IndexEntry


@dataclass(frozen=True)
class PersonRecord:
    """One beneficiary as stored: non-identifying attributes in clear, the identity encrypted."""

    beneficiary_id: UUID
    agency_id: str
    commune_code: str
    age_band: str
    household_type: str
    children: int
    orientation_date: date
    enrolled_on: date
    referral_source: str
    version: int
    identity: bytes | None = None
    wrapped_key: bytes | None = None
    erased_on: date | None = None


class PersonsRepository(abc.ABC):
    """Port of the beneficiaries' store; every method works in the caller's transaction (`conn`)."""

    @abc.abstractmethod
    async def lock_dedup(self, conn: Any) -> None:
        """Serialise de-duplication until the end of the transaction, so two referrals cannot both create one person."""

    @abc.abstractmethod
    async def entries_matching(self, conn: Any, keys: Iterable[tuple[DedupKind, bytes]]) -> list[IndexEntry]:
        """Every entry of every person holding one of `keys` (their other keys too, to check contradictions)."""

    @abc.abstractmethod
    async def agencies_of(self, conn: Any, beneficiary_ids: Iterable[UUID]) -> dict[UUID, str]:
        """Agency currently following each of these beneficiaries."""

    @abc.abstractmethod
    async def add(self, conn: Any, records: Sequence[PersonRecord], entries: Sequence[IndexEntry]) -> None:
        """Store new persons (with their wrapped keys) and their index entries."""

    @abc.abstractmethod
    async def get(self, conn: Any, beneficiary_id: UUID) -> PersonRecord | None:
        """One person, with their wrapped key (None once erased)."""

    @abc.abstractmethod
    async def list(self, conn: Any, agency_id: str | None, limit: int, offset: int) -> list[PersonRecord]:
        """A page of persons, most recently enrolled first; every agency when `agency_id` is None."""

    @abc.abstractmethod
    async def record_transfer(
        self, conn: Any, beneficiary_id: UUID, agency_id: str, commune_code: str, identity: bytes, version: int
    ) -> None:
        """The person now lives in `commune_code`, followed by `agency_id`."""

    @abc.abstractmethod
    async def erase(self, conn: Any, beneficiary_id: UUID, erased_on: date, version: int) -> None:
        """Destroy the person's data key, identity and index entries; keep the non-identifying attributes."""
