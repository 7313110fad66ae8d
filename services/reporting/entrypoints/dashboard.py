"""The dashboard page for department staff and agency managers (it calls the indicator API with their token)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

STATIC = Path(__file__).resolve().parent.parent / "static"
router = APIRouter(tags=["dashboard"])


@router.get("/dashboard", response_class=FileResponse, include_in_schema=True)
async def dashboard() -> FileResponse:
    """The dashboard (HTML); the page asks for a bearer token and reads `/indicators*` with it."""
    return FileResponse(STATIC / "dashboard.html", media_type="text/html")


@router.get("/dashboard/{asset}", response_class=FileResponse, include_in_schema=False)
async def dashboard_asset(asset: str) -> FileResponse:
    """Script and style sheet of the dashboard."""
    allowed = {"dashboard.js": "text/javascript", "dashboard.css": "text/css"}
    if asset not in allowed:
        from shared.errors import NotFound

        raise NotFound(f"aucun fichier {asset!r} dans le tableau de bord")
    return FileResponse(STATIC / asset, media_type=allowed[asset])
