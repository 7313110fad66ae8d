"""Wires accompaniment: store, repository, consumer of intake's events, HTTP application."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from fastapi import FastAPI

from services.accompaniment.adapters.repository import AccompanimentRepository
from services.accompaniment.entrypoints import api
from services.accompaniment.service_layer import handlers
from services.accompaniment.settings import AccompanimentSettings
from shared.contracts.intake import BeneficiaryEnrolled
from shared.http import service_app
from shared.service import ConsumerSpec, ServiceRuntime

SQL = Path(__file__).parent / "adapters" / "sql"


def build_runtime(settings: AccompanimentSettings) -> ServiceRuntime:
    """Accompaniment's runtime: store, relay and the consumer of intake's events."""

    def intake_handlers(runtime: ServiceRuntime):
        repo = AccompanimentRepository(runtime.store, settings.accompaniment_db_schema)
        return {
            BeneficiaryEnrolled.event_type(): partial(
                handlers.on_beneficiary_enrolled,
                store=runtime.store,
                repo=repo,
                duration_months=settings.accompaniment_duration_months,
            )
        }

    return ServiceRuntime(
        settings,
        context="accompaniment",
        schema=settings.accompaniment_db_schema,
        migrations=[SQL / "accompaniment.sql"],
        consumers=[ConsumerSpec("intake-events", ["intake"], intake_handlers)],
    )


def build_app(settings: AccompanimentSettings | None = None, *, start_workers: bool | None = None) -> FastAPI:
    """Accompaniment's HTTP application."""
    settings = settings or AccompanimentSettings()
    app = service_app(
        title="ALI accompaniment",
        description="The one-year renewable follow-up of beneficiaries, from opening to exit.",
        runtime=build_runtime(settings),
        routers=[api.router],
        start_workers=settings.run_workers if start_workers is None else start_workers,
    )
    app.state.schema = settings.accompaniment_db_schema
    return app
