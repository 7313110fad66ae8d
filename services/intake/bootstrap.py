"""Wires intake: settings, store, repositories, runtime and HTTP application."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.intake.adapters.people import PeopleRepository
from services.intake.entrypoints import api
from services.intake.settings import IntakeSettings
from shared.http import service_app
from shared.service import ServiceRuntime

SQL = Path(__file__).parent / "adapters" / "sql"


def build_runtime(settings: IntakeSettings) -> ServiceRuntime:
    """Intake's runtime: its store and outbox relay (intake consumes no other context)."""
    return ServiceRuntime(settings, context="intake", schema=settings.intake_db_schema, migrations=[SQL / "intake.sql"])


def build_app(settings: IntakeSettings | None = None, *, start_workers: bool | None = None) -> FastAPI:
    """Intake's HTTP application."""
    settings = settings or IntakeSettings()
    runtime = build_runtime(settings)
    app = service_app(
        title="ALI intake",
        description="Referral and enrolment of RSA beneficiaries into the Agences locales d'insertion.",
        runtime=runtime,
        routers=[api.router],
        start_workers=settings.run_workers if start_workers is None else start_workers,
    )
    app.state.people = PeopleRepository(settings.intake_db_schema)
    return app
