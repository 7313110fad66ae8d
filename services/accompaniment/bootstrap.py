"""Wires accompaniment: aggregate store and read models, consumers of intake's and placement's events, HTTP app."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI

from services.accompaniment.adapters.migrations import MIGRATIONS
from services.accompaniment.adapters.read_model import PostgresAccompanimentViews
from services.accompaniment.adapters.workshops import PostgresWorkshopViews
from services.accompaniment.domain.evolution import ACCOMPANIMENT, WORKSHOP_SESSION
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
from services.accompaniment.service_layer.dependencies import Dependencies
from services.accompaniment.settings import AccompanimentSettings
from shared.adapters import private_texts
from shared.adapters.aggregate_store import PostgresAggregateStore
from shared.consumer import BatchedHandler
from shared.contracts.intake import (
    BeneficiaryEnrolled,
    BeneficiaryPersonalDataErased,
    BeneficiaryTransferred,
    RsaRightsEnded,
)
from shared.contracts.placement import HireEndedEarly, HireRecorded
from shared.http import service_app
from shared.migrations import PRIVATE_TEXTS, pool_connector
from shared.read_cache import ReadCache, ReadModelChanges
from shared.service import ConsumerSpec, ServiceRuntime, bind
from shared.unit_of_work import BatchProjection, States

ROUTERS = [accompaniments, lifecycle, appointments, diagnosis, action_plan, candidate_profile, worklists, workshops]


def dependencies(settings: AccompanimentSettings, runtime: ServiceRuntime) -> Dependencies:
    """The handlers' dependencies on a started runtime: each aggregate's read model kept in its unit of work."""
    accompaniments = PostgresAccompanimentViews(settings.accompaniment_db_schema)
    sessions = PostgresWorkshopViews(settings.accompaniment_db_schema)
    projections = {
        ACCOMPANIMENT: BatchProjection(accompaniments.save, accompaniments.save_many),
        WORKSHOP_SESSION: BatchProjection(sessions.save, sessions.save_many),
    }
    store = PostgresAggregateStore(runtime.store, projections, States(settings.aggregate_states_kept))
    texts = private_texts.PostgresPrivateTexts(settings.accompaniment_db_schema, settings.master_key())
    changes = ReadModelChanges(
        pool_connector(runtime.store.pool),
        runtime.store.notify_channel,
        lambda follow: runtime.supervisor.start("read-model-changes", follow),
    )
    return Dependencies(
        store,
        accompaniments,
        sessions,
        texts,
        runtime.audit,
        settings.rules(),
        settings.thresholds(),
        worklist_pages=ReadCache(changes, pages) if (pages := settings.accompaniment_worklist_pages_kept) else None,
    )


def build_runtime(settings: AccompanimentSettings) -> ServiceRuntime:
    """Accompaniment's runtime: store, relay, and the consumers of intake's and placement's events."""

    def intake_reactions(runtime: ServiceRuntime):
        return bind(
            dependencies(settings, runtime),
            {
                BeneficiaryEnrolled: BatchedHandler(
                    reactions.on_beneficiary_enrolled, reactions.on_beneficiaries_enrolled
                ),
                BeneficiaryTransferred: reactions.on_beneficiary_transferred,
                BeneficiaryPersonalDataErased: reactions.on_personal_data_erased,
                RsaRightsEnded: reactions.on_rsa_rights_ended,
            },
        )

    def placement_reactions(runtime: ServiceRuntime):
        by_event = {HireRecorded: reactions.on_hire_recorded, HireEndedEarly: reactions.on_hire_ended_early}
        return bind(dependencies(settings, runtime), by_event)

    return ServiceRuntime(
        settings,
        context="accompaniment",
        schema=settings.accompaniment_db_schema,
        migrations=[MIGRATIONS, PRIVATE_TEXTS],
        consumers=[
            ConsumerSpec(
                "intake-events",
                ["intake"],
                intake_reactions,
                satisfies={BeneficiaryEnrolled.event_type(): reactions.satisfied_keys},
            ),
            ConsumerSpec("placement-events", ["placement"], placement_reactions),
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
    app.state.dependencies = partial(dependencies, settings)
    return app
