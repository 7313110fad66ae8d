"""In-memory fakes of accompaniment's read models, and its dependencies on the in-memory aggregate store."""

from __future__ import annotations

from uuid import UUID

from services.accompaniment.domain.evolution import ACCOMPANIMENT, WORKSHOP_SESSION
from services.accompaniment.domain.rules import Rules
from services.accompaniment.domain.worklist import Thresholds
from services.accompaniment.service_layer.dependencies import Dependencies
from services.accompaniment.service_layer.ports import AccompanimentViews, WorkshopViews
from shared.unit_of_work import BatchProjection
from tests.fakes.aggregate_store import InMemoryAggregateStore
from tests.fakes.audit import InMemoryAuditTrail
from tests.fakes.private_texts import InMemoryPrivateTexts


class InMemoryAccompanimentViews(AccompanimentViews):
    """The `accompaniments` rows in a dict, with the columns the handlers and tests read."""

    def __init__(self) -> None:
        self.rows: dict[UUID, dict] = {}

    async def save(self, conn, state, events=()):
        previous = self.rows.get(state.id, {})
        self.rows[state.id] = {
            "accompaniment_id": state.id,
            "beneficiary_id": state.beneficiary_id,
            "agency_id": state.agency_id,
            "status": state.status,
            "referent_id": state.referent_id,
            "commune_code": state.commune_code or previous.get("commune_code"),
            "proposed_exit_category": state.proposed_exit.exit_category if state.proposed_exit else None,
            "is_return": state.is_return,
            "previous_accompaniment_id": state.previous_accompaniment_id,
            "version": state.version,
        }

    async def owner_of(self, conn, accompaniment_id):
        row = self.rows.get(accompaniment_id)
        return (row["beneficiary_id"], row["status"]) if row else None

    async def current_of(self, conn, beneficiary_id):
        return [
            r["accompaniment_id"]
            for r in self.rows.values()
            if r["beneficiary_id"] == beneficiary_id and r["status"] != "closed"
        ]

    async def enrolment_rows(self, conn, beneficiary_ids, accompaniment_ids):
        people, ids = set(beneficiary_ids), set(accompaniment_ids)
        return [
            (r["accompaniment_id"], r["beneficiary_id"], r["status"])
            for r in self.rows.values()
            if r["beneficiary_id"] in people or r["accompaniment_id"] in ids
        ]

    async def has_any(self, conn, beneficiary_id):
        return any(r["beneficiary_id"] == beneficiary_id for r in self.rows.values())

    async def commune_of(self, conn, accompaniment_id):
        return self.rows.get(accompaniment_id, {}).get("commune_code")


class InMemoryWorkshopViews(WorkshopViews):
    """The workshop sessions' rows in a dict."""

    def __init__(self) -> None:
        self.sessions: dict[UUID, dict] = {}

    async def save(self, conn, session, events=()):
        self.sessions[session.id] = {
            "session_id": session.id,
            "agency_id": session.agency_id,
            "registered": len(session.registrations),
            "attended": sum(1 for r in session.registrations.values() if r.attended),
            "version": session.version,
        }


def accompaniment_dependencies(rules: Rules | None = None) -> Dependencies:
    """Accompaniment's dependencies on the in-memory aggregate store, its read models kept by their projections."""
    accompaniments, sessions = InMemoryAccompanimentViews(), InMemoryWorkshopViews()
    store = InMemoryAggregateStore(
        projections={
            ACCOMPANIMENT: BatchProjection(accompaniments.save, accompaniments.save_many),
            WORKSHOP_SESSION: BatchProjection(sessions.save, sessions.save_many),
        },
        kept=[accompaniments, sessions],
    )
    return Dependencies(
        store, accompaniments, sessions, InMemoryPrivateTexts(), InMemoryAuditTrail(), rules or Rules(), Thresholds()
    )
