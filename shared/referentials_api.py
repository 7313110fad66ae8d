"""`GET /referentials` and `GET /referentials/{name}`: the closed lists of codes, served by every service."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from shared.auth import CurrentUser
from shared.errors import NotFound
from shared.problems import errors
from shared.referentials import REFERENTIALS


class UnknownReferential(NotFound):
    """No referential has this name."""


class ReferentialSummary(BaseModel):
    """A referential: its name (the path of its codes), version and number of codes."""

    name: str = Field(examples=["aptitudes"])
    version: int = Field(examples=[1])
    description: str
    count: int


class Code(BaseModel):
    """One code, its French label and, for some referentials, one attribute more."""

    code: str = Field(examples=["handling"])
    label: str = Field(examples=["Manutention"])
    group: str | None = Field(None, description="exit_categories: the official group of the exit.")
    needs_duration: bool | None = Field(None, description="contract_types: fixed-term, the duration is required.")
    rules_out: list[str] | None = Field(None, description="work_constraints: the working conditions it excludes.")
    max_weekly_hours_below: float | None = Field(
        None, description="work_constraints: posts of this many weekly hours or more are excluded."
    )


class ReferentialOut(BaseModel):
    """A referential with every code, in its order."""

    name: str
    version: int
    description: str
    codes: list[Code]


router = APIRouter(prefix="/referentials", tags=["referentials"])


@router.get("", response_model=list[ReferentialSummary], responses=errors(401))
async def list_referentials(_user: CurrentUser) -> list[ReferentialSummary]:
    """Every closed referential: the codes requests and events use instead of free text."""
    return [
        ReferentialSummary(name=r.name, version=r.version, description=r.description, count=len(r.codes))
        for r in REFERENTIALS.values()
    ]


@router.get("/{name}", response_model=ReferentialOut, response_model_exclude_none=True, responses=errors(401, 404))
async def get_referential(name: str, _user: CurrentUser) -> ReferentialOut:
    """The codes of one referential with their French labels."""
    referential = REFERENTIALS.get(name)
    if referential is None:
        raise UnknownReferential(f"no referential of this name; known: {', '.join(REFERENTIALS)}")
    return ReferentialOut.model_validate(referential.document())
