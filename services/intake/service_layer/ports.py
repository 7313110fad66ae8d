"""What intake's handlers need besides the aggregate store: the beneficiaries' store (read model, keys, indexes),
what intake knows of their accompaniments (follow-ups, possible duplicates), mapping profiles and import reports.

The PostgreSQL adapters are in `adapters/` (`persons`, `follow_ups`, `profiles`, `import_reports`); unit tests use
the in-memory fakes of `tests/fakes/intake.py`.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from services.intake.domain.decisions import FollowUp
from services.intake.domain.dedup import DedupKind, IndexEntry
from services.intake.domain.mapping import MappingProfile
from services.intake.service_layer.reports import ImportReport


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
    async def versions_of(self, conn: Any, beneficiary_ids: Iterable[UUID]) -> dict[UUID, int]:
        """Stream version of each of these beneficiaries."""

    @abc.abstractmethod
    async def catch_up_index(self, conn: Any, vault: Any, indexer: Any) -> None:
        """Re-index anyone still on the first version's name key (dedup lock held; normally nobody)."""

    @abc.abstractmethod
    async def set_version(self, conn: Any, beneficiary_id: UUID, version: int) -> None:
        """The person's stream moved on by an event that changes nothing else here."""

    @abc.abstractmethod
    async def record_return(self, conn: Any, record: PersonRecord) -> None:
        """A known person is enrolled again: their agency, commune, dates, version and re-sealed identity."""

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


class FollowUps(abc.ABC):
    """The follow-up of known persons, and possible duplicates; methods work in the caller's transaction."""

    @abc.abstractmethod
    async def of(self, conn: Any, beneficiary_ids: Iterable[UUID]) -> dict[UUID, FollowUp]:
        """The follow-up of each person whose latest accompaniment is known closed (absent: followed)."""

    @abc.abstractmethod
    async def add_possible_duplicates(self, conn: Any, pairs: Sequence[tuple[UUID, UUID]], found_on: date) -> None:
        """Record (new person, known person) pairs whose names agree only once transliterated."""

    @abc.abstractmethod
    async def possible_duplicates(self, conn: Any, beneficiary_id: UUID) -> list[UUID]:
        """The people recorded as possible duplicates of this one (either way)."""


class ProfileStore(abc.ABC):
    """The mapping profiles an admin saved; methods work in the caller's transaction."""

    @abc.abstractmethod
    async def get(self, conn: Any, name: str) -> tuple[MappingProfile, int] | None:
        """A saved profile and its version."""

    @abc.abstractmethod
    async def list(self, conn: Any) -> list[MappingProfile]:
        """Every saved profile, by name."""

    @abc.abstractmethod
    async def put(self, conn: Any, profile: MappingProfile, expected_version: int) -> int:
        """Create (expected version 0) or replace a profile; returns the new version; raises on a conflict."""


class ImportReports(abc.ABC):
    """Import reports kept for download; methods work in the caller's transaction."""

    @abc.abstractmethod
    async def save(self, conn: Any, report: ImportReport) -> None:
        """Keep a report."""

    @abc.abstractmethod
    async def get(self, conn: Any, import_id: UUID) -> ImportReport | None:
        """A kept report."""
