"""Query parameters several routes share, bounded: pages, reference dates, agencies."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from shared.inputs import STORABLE_PATTERN, ReferenceDate

# Beyond this, a page is a scan of the whole table; PostgreSQL's bigint ends at 2^63 anyway.
MAX_OFFSET = 1_000_000
MAX_LIMIT = 1000

Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description=f"Rows to skip (at most {MAX_OFFSET}).")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Rows to return (1 to {MAX_LIMIT}).")]
AsOf = Annotated[ReferenceDate | None, Query(description="Reference date (default: today).")]
AGENCY_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
AgencyId = Annotated[str | None, Query(pattern=AGENCY_PATTERN, description="An agency id (e.g. `ali-la-courneuve`).")]
StaffId = Annotated[
    str | None, Query(max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$", description="A staff member's id.")
]
CodeQuery = Annotated[str | None, Query(max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$", description="A code.")]
CommuneQuery = Annotated[str | None, Query(pattern=r"^\d{5}$", description="An INSEE commune code.")]
SearchText = Annotated[str | None, Query(max_length=200, pattern=STORABLE_PATTERN)]
