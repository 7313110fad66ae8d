"""In-memory fake of the audit trail."""

from __future__ import annotations

from shared.audit import AuditTrail


class InMemoryAuditTrail(AuditTrail):
    """Entries in a list, in order."""

    def __init__(self) -> None:
        self.entries: list = []

    async def record(self, entries):
        self.entries.extend(entries)

    async def search(self, *, agency_id, beneficiary_id, since, until, limit, offset):
        found = [
            e
            for e in reversed(self.entries)
            if (agency_id is None or e.agency_id == agency_id)
            and (beneficiary_id is None or e.beneficiary_id == beneficiary_id)
        ]
        return [vars(e) for e in found[offset : offset + limit]]
