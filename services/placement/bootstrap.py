"""Wires placement: store, read models, consumer of accompaniment's events, HTTP application."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI

from services.placement.adapters.candidates import PostgresCandidates
from services.placement.adapters.employers import PostgresEmployers
from services.placement.adapters.immersions import PostgresImmersions
from services.placement.adapters.introductions import PostgresIntroductions
from services.placement.adapters.migrations import MIGRATIONS
from services.placement.adapters.needs import PostgresNeeds
from services.placement.domain.evolution import EMPLOYER, IMMERSION, INTRODUCTION, NEED
from services.placement.entrypoints import candidates, employers, hires, immersions, introductions, matches, needs
from services.placement.service_layer import candidates as reactions
from services.placement.service_layer import transfers
from services.placement.service_layer.dependencies import Dependencies, centre_index
from services.placement.settings import PlacementSettings
from shared.adapters import private_texts
from shared.adapters.aggregate_store import PostgresAggregateStore
from shared.contracts.accompaniment import AccompanimentClosed, AccompanimentTransferred, CandidateProfileUpdated
from shared.contracts.intake import BeneficiaryPersonalDataErased
from shared.http import service_app
from shared.migrations import PRIVATE_TEXTS
from shared.service import ConsumerSpec, ServiceRuntime, bind
from shared.unit_of_work import States

ROUTERS = [
    employers.router,
    needs.router,
    matches.router,
    candidates.router,
    introductions.router,
    hires.router,
    immersions.router,
]


def dependencies(settings: PlacementSettings, runtime: ServiceRuntime) -> Dependencies:
    """The handlers' dependencies on a started runtime: each aggregate's read model kept in its unit of work."""
    schema = settings.placement_db_schema
    employers, needs = PostgresEmployers(schema), PostgresNeeds(schema)
    introductions, immersions = PostgresIntroductions(schema), PostgresImmersions(schema)
    store = PostgresAggregateStore(
        runtime.store,
        {
            EMPLOYER: employers.project,
            NEED: needs.save,
            INTRODUCTION: introductions.save,
            IMMERSION: immersions.save,
        },
        States(settings.aggregate_states_kept),
    )
    texts = private_texts.PostgresPrivateTexts(schema, settings.master_key())
    return Dependencies(
        store,
        employers,
        needs,
        PostgresCandidates(schema),
        introductions,
        immersions,
        texts,
        runtime.audit,
        settings.rules(),
        centre_index(settings.centre_index_key()),
    )


def build_runtime(settings: PlacementSettings) -> ServiceRuntime:
    """Placement's runtime: store, outbox relay, the consumers of accompaniment's events and of intake's erasures."""

    def accompaniment_reactions(runtime: ServiceRuntime):
        by_event = {
            CandidateProfileUpdated: reactions.on_candidate_profile_updated,
            AccompanimentClosed: reactions.on_accompaniment_closed,
            AccompanimentTransferred: transfers.on_accompaniment_transferred,
        }
        return bind(dependencies(settings, runtime), by_event)

    def intake_reactions(runtime: ServiceRuntime):
        return bind(dependencies(settings, runtime), {BeneficiaryPersonalDataErased: reactions.on_personal_data_erased})

    return ServiceRuntime(
        settings,
        context="placement",
        schema=settings.placement_db_schema,
        migrations=[MIGRATIONS, PRIVATE_TEXTS],
        consumers=[
            ConsumerSpec("accompaniment-events", ["accompaniment"], accompaniment_reactions),
            ConsumerSpec("intake-events", ["intake"], intake_reactions),
        ],
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
    app.state.dependencies = partial(dependencies, settings)
    return app
