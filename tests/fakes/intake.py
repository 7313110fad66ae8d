"""In-memory fakes of intake's ports (`services.intake.service_layer.ports`): persons, follow-ups, profiles, reports."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID

from services.intake.domain.decisions import FollowUp
from services.intake.domain.dedup import IndexEntry
from services.intake.service_layer.ports import (
    FollowUps,
    ImportReports,
    PersonRecord,
    PersonsRepository,
    ProfileStore,
)
from shared.contracts.intake import BeneficiaryEnrolled
from shared.errors import ConcurrencyError


class InMemoryPersons(PersonsRepository):
    """The beneficiaries' store in dictionaries."""

    def __init__(self) -> None:
        self.records: dict[UUID, PersonRecord] = {}
        self.keys: dict[UUID, bytes | None] = {}
        self.entries: list[IndexEntry] = []
        self.dedup_locks = 0

    async def lock_dedup(self, conn):
        self.dedup_locks += 1

    async def entries_matching(self, conn, keys):
        wanted = set(keys)
        holders = {e.beneficiary_id for e in self.entries if (e.kind, e.digest) in wanted}
        return [e for e in self.entries if e.beneficiary_id in holders]

    async def agencies_of(self, conn, beneficiary_ids):
        return {i: self.records[i].agency_id for i in beneficiary_ids if i in self.records}

    async def versions_of(self, conn, beneficiary_ids):
        return {i: self.records[i].version for i in beneficiary_ids if i in self.records}

    async def catch_up_index(self, conn, vault, indexer):
        return None

    async def set_version(self, conn, beneficiary_id, version):
        self.records[beneficiary_id] = replace(self.records[beneficiary_id], version=version)

    async def record_return(self, conn, record):
        self.records[record.beneficiary_id] = replace(record, wrapped_key=None)

    async def add(self, conn, records, entries):
        for record in records:
            if record.beneficiary_id in self.records:
                raise ValueError(f"duplicate beneficiary {record.beneficiary_id}")
            self.records[record.beneficiary_id] = replace(record, wrapped_key=None)
            self.keys[record.beneficiary_id] = record.wrapped_key
        self.entries.extend(entries)

    async def get(self, conn, beneficiary_id):
        record = self.records.get(beneficiary_id)
        return replace(record, wrapped_key=self.keys.get(beneficiary_id)) if record else None

    async def list(self, conn, agency_id, limit, offset):
        chosen = [r for r in self.records.values() if agency_id is None or r.agency_id == agency_id]
        chosen.sort(key=lambda r: (-r.enrolled_on.toordinal(), str(r.beneficiary_id)))
        return [await self.get(conn, r.beneficiary_id) for r in chosen[offset : offset + limit]]

    async def record_transfer(self, conn, beneficiary_id, agency_id, commune_code, identity, version):
        self.records[beneficiary_id] = replace(
            self.records[beneficiary_id],
            agency_id=agency_id,
            commune_code=commune_code,
            identity=identity,
            version=version,
        )

    async def erase(self, conn, beneficiary_id, erased_on, version):
        self.keys.pop(beneficiary_id, None)
        self.entries = [e for e in self.entries if e.beneficiary_id != beneficiary_id]
        self.records[beneficiary_id] = replace(
            self.records[beneficiary_id], identity=None, erased_on=erased_on, version=version
        )


class InMemoryFollowUps(FollowUps):
    """Follow-ups over an in-memory event store: `close_latest` plays accompaniment's closure."""

    def __init__(self, events: Any) -> None:
        self.events = events
        self.closed: dict[UUID, tuple[UUID, date]] = {}  # enrolment event id -> (accompaniment, closed on)
        self.pairs: set[tuple[UUID, UUID]] = set()

    def _latest_enrolment(self, beneficiary_id: UUID) -> UUID | None:
        ids = [
            e.id
            for e in self.events.events
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


class InMemoryProfiles(ProfileStore):
    """Saved profiles in a dictionary."""

    def __init__(self) -> None:
        self.saved: dict[str, tuple[Any, int]] = {}

    async def get(self, conn, name):
        return self.saved.get(name)

    async def list(self, conn):
        return [p for p, _ in sorted(self.saved.values(), key=lambda s: s[0].name)]

    async def put(self, conn, profile, expected_version):
        current = self.saved.get(profile.name, (None, 0))[1]
        if current != expected_version:
            raise ConcurrencyError(f"profile-{profile.name}", expected_version, current)
        self.saved[profile.name] = (profile, current + 1)
        return current + 1


class InMemoryImportReports(ImportReports):
    """Reports in a dictionary."""

    def __init__(self) -> None:
        self.saved: dict[UUID, Any] = {}

    async def save(self, conn, report):
        self.saved[report.import_id] = report

    async def get(self, conn, import_id):
        return self.saved.get(import_id)
