"""Dependencies of placement's routes: the ports of the running service, and access scopes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from services.placement.adapters.postgres import PostgresPorts, postgres_ports
from shared.auth import Principal, Role
from shared.errors import Forbidden


def _ports(request: Request) -> PostgresPorts:
    runtime = request.app.state.runtime
    return postgres_ports(runtime.pool, runtime.store, request.app.state.schema)


PortsDep = Annotated[PostgresPorts, Depends(_ports)]
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0)]


def agency_scope(user: Principal, agency_id: str | None) -> str | None:
    """The agency a list is restricted to: the one asked, if the caller may see it, else the caller's scope."""
    if agency_id is not None:
        user.require_agency(agency_id)
        return agency_id
    return user.agency_scope


def personal_scope(user: Principal, agency_id: str | None) -> str | None:
    """Like `agency_scope`, for lists about people: department staff are refused."""
    if user.role == Role.DEPARTMENT_STAFF:
        raise Forbidden("department staff see indicators only, not personal data")
    return agency_scope(user, agency_id)
