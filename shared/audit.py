"""The audit trail: who read whose personal data, who exported or erased what, kept by the service that answered.

Every read of personal data (a person's identity, a follow-up with its free text, a candidate's profile, the
notes of a hire or of an employer's contact...) and every export is recorded with who asked (subject, role,
agency), what (resource, id, person), for which agency, and when. A route asks for it with `audit: AuditDep`
and `await audit.read(...)` once the access check passed; the entry is written before the answer leaves.
Agency managers read their agency's entries, admins every entry, at `GET /audit` of each service.
"""

from __future__ import annotations

import abc
import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from shared.auth import CurrentUser, Principal, Role
from shared.problems import errors


class AuditAction(StrEnum):
    """What was done with the data."""

    READ = "read"
    EXPORT = "export"
    ERASE = "erase"


@dataclass(frozen=True)
class AuditEntry:
    """One read or export."""

    subject: str
    role: str
    caller_agency_id: str | None
    action: AuditAction
    resource: str
    resource_id: str | None = None
    beneficiary_id: UUID | None = None
    agency_id: str | None = None
    detail: str | None = None


class AuditTrail(abc.ABC):
    """Where a service keeps its audit entries."""

    @abc.abstractmethod
    async def record(self, entries: Sequence[AuditEntry]) -> None:
        """Keep these entries (now)."""

    @abc.abstractmethod
    async def search(
        self,
        *,
        agency_id: str | None,
        beneficiary_id: UUID | None,
        since: date | None,
        until: date | None,
        limit: int,
        offset: int,
    ) -> list[dict[str, Any]]:
        """Entries, latest first."""


class PostgresAuditTrail(AuditTrail):
    """The `audit_log` table of a service's schema.

    Entries recorded while an insert is running wait for it, then go together in the next one: one statement and
    one commit for all the reads of a busy moment instead of one each. Every caller still returns only once its
    entries are committed (an insert that fails fails each of its callers)."""

    def __init__(self, pool: asyncpg.Pool, schema: str) -> None:
        self.pool = pool
        self.schema = schema
        self._waiting: list[tuple[Sequence[AuditEntry], asyncio.Future[None]]] = []
        self._writer: asyncio.Task | None = None

    async def record(self, entries: Sequence[AuditEntry]) -> None:
        if not entries:
            return
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        self._waiting.append((entries, done))
        if self._writer is None or self._writer.done() or self._writer.get_loop() is not loop:
            self._writer = loop.create_task(self._write_waiting())
        # Shielded: a caller that goes away leaves the others' insert alone.
        await asyncio.shield(done)

    async def _write_waiting(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                await self._insert([entry for entries, _ in batch for entry in entries])
            except BaseException as e:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(e if isinstance(e, Exception) else asyncio.CancelledError())
                if not isinstance(e, Exception):
                    raise
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)

    async def _insert(self, entries: Sequence[AuditEntry]) -> None:
        columns = ("subject", "role", "caller_agency_id", "action", "resource", "resource_id", "beneficiary_id")
        columns += ("agency_id", "detail")
        await self.pool.execute(
            f"""INSERT INTO {self.schema}.audit_log ({", ".join(columns)})
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                                     $7::uuid[], $8::text[], $9::text[])""",
            *([str(getattr(e, c)) if c == "action" else getattr(e, c) for e in entries] for c in columns),
        )

    async def search(self, *, agency_id, beneficiary_id, since, until, limit, offset):
        start = datetime.combine(since, time.min, tzinfo=UTC) if since else None
        end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=UTC) if until else None
        rows = await self.pool.fetch(
            f"""SELECT * FROM {self.schema}.audit_log
                WHERE ($1::text IS NULL OR agency_id = $1) AND ($2::uuid IS NULL OR beneficiary_id = $2)
                  AND ($3::timestamptz IS NULL OR at >= $3) AND ($4::timestamptz IS NULL OR at < $4)
                ORDER BY at DESC, id DESC LIMIT $5 OFFSET $6""",
            agency_id,
            beneficiary_id,
            start,
            end,
            limit,
            offset,
        )
        return [dict(r) for r in rows]


class Audit:
    """What a route uses to record its reads and exports for the caller."""

    def __init__(self, trail: AuditTrail, user: Principal) -> None:
        self.trail = trail
        self.user = user

    def _entry(self, action: AuditAction, resource: str, **what: Any) -> AuditEntry:
        u = self.user
        return AuditEntry(u.subject, str(u.role), u.agency_id, action, resource, **what)

    async def read(
        self,
        resource: str,
        *,
        agency_id: str | None,
        resource_id: object | None = None,
        beneficiary_id: UUID | None = None,
    ) -> None:
        """Record a read of one resource holding personal data."""
        rid = None if resource_id is None else str(resource_id)
        await self.trail.record(
            [
                self._entry(
                    AuditAction.READ, resource, resource_id=rid, beneficiary_id=beneficiary_id, agency_id=agency_id
                )
            ]
        )

    async def read_people(self, resource: str, people: Sequence[tuple[UUID, str]]) -> None:
        """Record the read of a list: one entry per person shown (beneficiary id, their agency)."""
        await self.trail.record(
            [self._entry(AuditAction.READ, resource, beneficiary_id=b, agency_id=a) for b, a in people]
        )

    async def export(self, resource: str, *, agency_id: str | None, detail: str) -> None:
        """Record an export (a file of figures or rows)."""
        await self.trail.record([self._entry(AuditAction.EXPORT, resource, agency_id=agency_id, detail=detail)])

    async def erase(self, resource: str, *, resource_id: object, agency_id: str | None) -> None:
        """Record an erasure of personal data (a key destroyed)."""
        entry = self._entry(AuditAction.ERASE, resource, resource_id=str(resource_id), agency_id=agency_id)
        await self.trail.record([entry])


async def _audit(request: Request, user: CurrentUser) -> Audit:
    return Audit(request.app.state.runtime.audit, user)


AuditDep = Annotated[Audit, Depends(_audit)]


class AuditEntryOut(BaseModel):
    """One read of personal data or export: who, what, for which agency, when."""

    id: int
    at: datetime
    subject: str = Field(description="Who (the token's subject).")
    role: Role
    caller_agency_id: str | None
    action: AuditAction
    resource: str = Field(examples=["accompaniment"])
    resource_id: str | None
    beneficiary_id: UUID | None
    agency_id: str | None = Field(description="Agency the data belongs to.")
    detail: str | None


router = APIRouter(tags=["audit"])


@router.get("/audit", response_model=list[AuditEntryOut], responses=errors(401, 403))
async def audit_trail(
    request: Request,
    user: CurrentUser,
    agency_id: str | None = None,
    beneficiary_id: UUID | None = None,
    since: Annotated[date | None, Query(description="First day (UTC).")] = None,
    until: Annotated[date | None, Query(description="Last day (UTC).")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[dict[str, Any]]:
    """Reads of personal data and exports made through this service, latest first (agency managers: their
    agency's; admins: all)."""
    user.require_role(Role.AGENCY_MANAGER)
    trail: AuditTrail = request.app.state.runtime.audit
    return await trail.search(
        agency_id=user.scope(agency_id),
        beneficiary_id=beneficiary_id,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
