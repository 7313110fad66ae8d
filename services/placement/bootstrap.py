"""Wires placement: store, relay and HTTP application."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.placement.entrypoints import api
from services.placement.settings import PlacementSettings
from shared.http import service_app
from shared.service import ServiceRuntime

SQL = Path(__file__).parent / "adapters" / "sql"


def build_runtime(settings: PlacementSettings) -> ServiceRuntime:
    """Placement's runtime: its store and outbox relay."""
    return ServiceRuntime(
        settings, context="placement", schema=settings.placement_db_schema, migrations=[SQL / "placement.sql"]
    )


def build_app(settings: PlacementSettings | None = None, *, start_workers: bool | None = None) -> FastAPI:
    """Placement's HTTP application."""
    settings = settings or PlacementSettings()
    return service_app(
        title="ALI placement",
        description="Employers, their field needs, matching without CV, introductions and hires.",
        runtime=build_runtime(settings),
        routers=[api.router],
        start_workers=settings.run_workers if start_workers is None else start_workers,
    )
