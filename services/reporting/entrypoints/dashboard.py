"""The dashboard page, its sign-in settings and the French labels of the codes it shows.

The page signs people in with the identity provider (authorization code flow with PKCE, in the browser) and reads
`/indicators*` with their access token. Its assets and these two small JSON documents need no token.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel

from shared.contracts.exits import ExitCategory
from shared.contracts.labels import all_labels
from shared.errors import NotFound
from shared.territory import AGENCIES

STATIC = Path(__file__).resolve().parent.parent / "static"
ASSETS = {
    "dashboard.js": "text/javascript",
    "dashboard.css": "text/css",
    "vendor/oidc-client-ts.min.js": "text/javascript",
}
router = APIRouter(tags=["dashboard"])


def _content_security_policy(issuer: str | None) -> str:
    """Scripts and styles of this service only; the browser may call the identity provider, nothing else."""
    provider = ""
    if issuer:
        parts = urlsplit(issuer)
        provider = f" {parts.scheme}://{parts.netloc}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self'{provider}; form-action 'self'{provider}; frame-src 'self'{provider}; "
        "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    )


@router.get("/dashboard", response_class=FileResponse, include_in_schema=True)
async def dashboard(request: Request) -> FileResponse:
    """The dashboard (HTML): signs the person in, then reads `/indicators*` with their token."""
    headers = {
        "Content-Security-Policy": _content_security_policy(request.app.state.settings.auth_issuer),
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }
    return FileResponse(STATIC / "dashboard.html", media_type="text/html", headers=headers)


class DashboardConfig(BaseModel):
    """Where the dashboard signs people in, and how often it refreshes."""

    issuer: str | None
    client_id: str
    refresh_seconds: int | float


@router.get("/dashboard/config", response_model=DashboardConfig)
async def dashboard_config(request: Request) -> DashboardConfig:
    """Where the dashboard signs people in: the identity provider's issuer and the dashboard's client id."""
    settings = request.app.state.settings
    return DashboardConfig(
        issuer=settings.auth_issuer,
        client_id=settings.dashboard_client_id,
        refresh_seconds=settings.dashboard_refresh_seconds,
    )


@router.get("/dashboard/labels", response_model=dict[str, dict[str, str]])
async def dashboard_labels() -> dict:
    """French labels of every code the dashboard shows (exit groups and categories, barriers, themes...)."""
    return {
        **all_labels(),
        "agency": {a.id: a.name for a in AGENCIES},
        "exit_category_group": {c.value: c.group.value for c in ExitCategory},
    }


@router.get("/dashboard/{asset:path}", response_class=FileResponse, include_in_schema=False)
async def dashboard_asset(asset: str) -> FileResponse:
    """Script, style sheet and vendored library of the dashboard."""
    if asset not in ASSETS:
        raise NotFound(f"aucun fichier {asset!r} dans le tableau de bord")
    return FileResponse(STATIC / asset, media_type=ASSETS[asset])
