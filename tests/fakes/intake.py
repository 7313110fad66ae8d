"""In-memory fake of intake's persons' store (the port is `services.intake.service_layer.ports.PersonsRepository`)."""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

from services.intake.domain.dedup import IndexEntry
from services.intake.service_layer.ports import PersonRecord, PersonsRepository


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
