"""Wires accompaniment: store, repositories, consumers of intake's and placement's events, HTTP application."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI

from services.accompaniment.adapters.migrations import MIGRATIONS
from services.accompaniment.adapters.read_model import AccompanimentViews
from services.accompaniment.adapters.repository import AccompanimentRepository
from services.accompaniment.entrypoints import (
    accompaniments,
    action_plan,
    appointments,
    candidate_profile,
    diagnosis,
    lifecycle,
    worklists,
    workshops,
)
from services.accompaniment.service_layer import reactions
from services.accompaniment.settings import AccompanimentSettings
from shared.contracts.intake import BeneficiaryEnrolled, BeneficiaryTransferred
from shared.contracts.placement import HireRecorded
from shared.http import service_app
from shared.service import ConsumerSpec, ServiceRuntime

ROUTERS = [accompaniments, lifecycle, appointments, diagnosis, action_plan, candidate_profile, worklists, workshops]


def build_runtime(settings: AccompanimentSettings) -> ServiceRuntime:
    """Accompaniment's runtime: store, relay, and the consumers of intake's and placement's events."""

    def repository(runtime: ServiceRuntime) -> AccompanimentRepository:
        return AccompanimentRepository(runtime.store, AccompanimentViews(settings.accompaniment_db_schema))

    def intake_handlers(runtime: ServiceRuntime):
        repo = repository(runtime)
        return {
            BeneficiaryEnrolled.event_type(): partial(
                reactions.on_beneficiary_enrolled, repo=repo, rules=settings.rules()
            ),
            BeneficiaryTransferred.event_type(): partial(reactions.on_beneficiary_transferred, repo=repo),
        }

    def placement_handlers(runtime: ServiceRuntime):
        return {HireRecorded.event_type(): partial(reactions.on_hire_recorded, repo=repository(runtime))}

    return ServiceRuntime(
        settings,
        context="accompaniment",
        schema=settings.accompaniment_db_schema,
        migrations=[MIGRATIONS],
        consumers=[
            ConsumerSpec(
                "intake-events",
                ["intake"],
                intake_handlers,
                satisfies={BeneficiaryEnrolled.event_type(): reactions.satisfied_keys},
            ),
            ConsumerSpec("placement-events", ["placement"], placement_handlers),
        ],
    )


def build_app(settings: AccompanimentSettings | None = None, *, start_workers: bool | None = None) -> FastAPI:
    """Accompaniment's HTTP application."""
    settings = settings or AccompanimentSettings()
    app = service_app(
        title="ALI accompaniment",
        description="The one-year renewable follow-up of beneficiaries, from opening to exit.",
        runtime=build_runtime(settings),
        routers=[module.router for module in ROUTERS],
        start_workers=settings.run_workers if start_workers is None else start_workers,
    )
    app.state.schema = settings.accompaniment_db_schema
    app.state.rules = settings.rules()
    app.state.thresholds = settings.thresholds()
    return app
