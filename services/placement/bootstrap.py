"""Wires placement: store, read models, consumer of accompaniment's events, HTTP application."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI

from services.placement.adapters.candidates import PostgresCandidates
from services.placement.adapters.migrations import MIGRATIONS
from services.placement.entrypoints import candidates, employers, hires, immersions, introductions, matches, needs
from services.placement.service_layer import candidates as reactions
from services.placement.settings import PlacementSettings
from shared.contracts.accompaniment import AccompanimentClosed, CandidateProfileUpdated
from shared.http import service_app
from shared.service import ConsumerSpec, ServiceRuntime

ROUTERS = [
    employers.router,
    needs.router,
    matches.router,
    candidates.router,
    introductions.router,
    hires.router,
    immersions.router,
]


def build_runtime(settings: PlacementSettings) -> ServiceRuntime:
    """Placement's runtime: store, outbox relay and the consumer of accompaniment's events."""

    def accompaniment_handlers(_runtime: ServiceRuntime):
        views = PostgresCandidates(settings.placement_db_schema)
        return {
            CandidateProfileUpdated.event_type(): partial(reactions.on_candidate_profile_updated, candidates=views),
            AccompanimentClosed.event_type(): partial(reactions.on_accompaniment_closed, candidates=views),
        }

    return ServiceRuntime(
        settings,
        context="placement",
        schema=settings.placement_db_schema,
        migrations=[MIGRATIONS],
        consumers=[ConsumerSpec("accompaniment-events", ["accompaniment"], accompaniment_handlers)],
    )


def build_app(settings: PlacementSettings | None = None, *, start_workers: bool | None = None) -> FastAPI:
    """Placement's HTTP application."""
    settings = settings or PlacementSettings()
    app = service_app(
        title="ALI placement",
        description=(
            "The employer network and placement without CV (IOD method): employers and prospecting contacts, "
            "field needs, matching by aptitudes and constraints, introductions at the workstation, hires and "
            "their follow-up in work, immersions (PMSMP)."
        ),
        runtime=build_runtime(settings),
        routers=ROUTERS,
        start_workers=settings.run_workers if start_workers is None else start_workers,
    )
    app.state.schema = settings.placement_db_schema
    return app
