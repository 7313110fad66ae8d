"""Service layer on the in-memory event store, with a fake read model and a fake connection pool."""

from __future__ import annotations

import uuid
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from services.accompaniment.adapters.read_model import AccompanimentViews
from services.accompaniment.adapters.repository import AccompanimentRepository
from services.accompaniment.adapters.workshops import WorkshopRepository
from services.accompaniment.domain import commands as c
from services.accompaniment.domain import model
from services.accompaniment.domain.errors import InvalidHire, WorkshopFull
from services.accompaniment.domain.rules import Context, Rules
from services.accompaniment.domain.state import Accompaniment
from services.accompaniment.domain.workshops import WorkshopSession
from services.accompaniment.service_layer import handlers, reactions, workshops
from shared.contracts.accompaniment import WorkshopTheme
from shared.contracts.employment import ContractType
from shared.contracts.intake import AgeBand, BeneficiaryEnrolled, BeneficiaryTransferred, HouseholdType
from shared.contracts.placement import HireRecorded
from shared.envelope import Envelope
from shared.errors import ConcurrencyError, Forbidden
from shared.events import DomainEvent
from shared.eventstore import InMemoryEventStore, Tracing

TODAY = date(2025, 3, 1)


class FakeViews(AccompanimentViews):
    """The read model in a dict."""

    def __init__(self) -> None:
        super().__init__("test")
        self.rows: dict[UUID, dict] = {}

    async def save(self, conn, state: Accompaniment, *, commune_code: str | None = None) -> None:
        previous = self.rows.get(state.id, {})
        self.rows[state.id] = {
            "accompaniment_id": state.id,
            "beneficiary_id": state.beneficiary_id,
            "agency_id": state.agency_id,
            "status": state.status,
            "referent_id": state.referent_id,
            "commune_code": commune_code or previous.get("commune_code"),
            "proposed_exit_category": state.proposed_exit.exit_category if state.proposed_exit else None,
            "version": state.version,
        }

    async def row(self, conn, accompaniment_id: UUID) -> dict | None:
        return self.rows.get(accompaniment_id)

    async def current_of(self, conn, beneficiary_id: UUID) -> list[UUID]:
        return [
            r["accompaniment_id"]
            for r in self.rows.values()
            if r["beneficiary_id"] == beneficiary_id and r["status"] != "closed"
        ]


class FakeWorkshops(WorkshopRepository):
    """Sessions without their SQL read models."""

    async def _save_views(self, conn, session: WorkshopSession) -> None:
        return None


class FakeConnection:
    @asynccontextmanager
    async def transaction(self):
        yield self


class FakePool:
    @asynccontextmanager
    async def acquire(self):
        yield FakeConnection()


@pytest.fixture
def store() -> InMemoryEventStore:
    return InMemoryEventStore("/ali/accompaniment")


@pytest.fixture
def repo(store) -> AccompanimentRepository:
    return AccompanimentRepository(store, FakeViews())


def _envelope(event: DomainEvent, stream: str, version: int = 1) -> Envelope:
    return Envelope(
        id=uuid.uuid4(),
        source="/ali/test",
        type=event.event_type(),
        time=datetime(2025, 3, 2, 9, 30, tzinfo=UTC),
        dataschema=event.dataschema(),
        schema_version=event.schema_version,
        stream_id=stream,
        stream_version=version,
        partition_key=stream,
        correlation_id=uuid.uuid4(),
        data=event.model_dump(mode="json"),
    )


async def _enrol(repo, beneficiary_id: UUID | None = None) -> tuple[Accompaniment, Envelope]:
    enrolled = BeneficiaryEnrolled(
        beneficiary_id=beneficiary_id or uuid.uuid4(),
        agency_id="ali-la-courneuve",
        commune_code="93027",
        age_band=AgeBand.UNDER_26,
        household_type=HouseholdType.SINGLE,
        orientation_date=date(2025, 1, 10),
        enrolled_on=date(2025, 1, 20),
        referral_source="test",
    )
    envelope = _envelope(enrolled, f"beneficiary-{enrolled.beneficiary_id}")
    await reactions.on_beneficiary_enrolled(envelope, FakeConnection(), repo=repo, rules=Rules())
    return await repo.get(model.accompaniment_id_for(envelope.id)), envelope


async def _handle(repo, accompaniment_id, cmd, authorize=lambda agency: None, today=TODAY):
    return await handlers.handle(
        accompaniment_id, cmd, authorize=authorize, pool=FakePool(), repo=repo, ctx=Context(today=today)
    )


async def test_an_enrolment_opens_one_accompaniment_even_when_redelivered(repo, store):
    state, envelope = await _enrol(repo)
    await reactions.on_beneficiary_enrolled(envelope, FakeConnection(), repo=repo, rules=Rules())
    assert len(store.events) == 1 and store.events[0].partition_key == str(state.beneficiary_id)
    assert state.planned_end_date == date(2026, 1, 20)
    assert repo.views.rows[state.id]["commune_code"] == "93027"
    assert store.events[0].causation_id == envelope.id


async def test_a_command_is_authorised_against_the_accompaniments_agency_before_anything_is_written(repo, store):
    state, _ = await _enrol(repo)
    seen = []

    def refuse(agency: str) -> None:
        seen.append(agency)
        raise Forbidden("not your agency")

    with pytest.raises(Forbidden):
        await _handle(repo, state.id, c.AssignReferent(referent_id="bob"), authorize=refuse)
    assert seen == ["ali-la-courneuve"] and len(store.events) == 1


async def test_a_stale_state_cannot_overwrite_a_concurrent_change(repo):
    state, _ = await _enrol(repo)
    await _handle(repo, state.id, c.AssignReferent(referent_id="alice"))
    with pytest.raises(ConcurrencyError):
        await repo.save(
            FakeConnection(),
            state,
            handlers.DECIDERS[c.AssignReferent](state, c.AssignReferent(referent_id="bob"), Context(TODAY)),
            Tracing.new(),
        )
    assert (await repo.get(state.id)).referent_id == "alice"


async def test_a_transfer_moves_the_accompaniment_with_its_history_and_republishes_the_profile(repo, store):
    state, _ = await _enrol(repo)
    await _handle(repo, state.id, c.AssignReferent(referent_id="alice"))
    await _handle(repo, state.id, c.SignEngagementContract())
    profile = c.UpdateCandidateProfile(aptitudes=["handling"], max_weekly_hours=35, max_commute_km=10)
    await handlers.update_candidate_profile(
        state.id, profile, authorize=lambda a: None, pool=FakePool(), repo=repo, ctx=Context(TODAY)
    )
    moved = BeneficiaryTransferred(
        beneficiary_id=state.beneficiary_id,
        from_agency_id="ali-la-courneuve",
        to_agency_id="ali-clichy-sous-bois",
        commune_code="93014",
        transferred_on=date(2025, 3, 5),
    )
    await reactions.on_beneficiary_transferred(_envelope(moved, "b", 2), FakeConnection(), repo=repo)
    await reactions.on_beneficiary_transferred(_envelope(moved, "b", 2), FakeConnection(), repo=repo)

    types = [e.type.rsplit(".", 1)[1] for e in await repo.history(state.id)]
    assert types == [
        "AccompanimentOpened",
        "ReferentAssigned",
        "EngagementContractSigned",
        "CandidateProfileUpdated",
        "AccompanimentTransferred",
        "CandidateProfileUpdated",
    ]
    after = await repo.get(state.id)
    assert after.agency_id == "ali-clichy-sous-bois" and after.referent_id is None and after.contract is not None
    assert (
        store.events[-1].data["agency_id"] == "ali-clichy-sous-bois"
        and store.events[-1].data["commune_code"] == "93014"
    )
    row = repo.views.rows[state.id]
    assert (row["agency_id"], row["commune_code"], row["referent_id"]) == ("ali-clichy-sous-bois", "93014", None)


def _hire(beneficiary_id: UUID, contract: ContractType, months: float | None = None) -> HireRecorded:
    return HireRecorded(
        hire_id=uuid.uuid4(),
        introduction_id=uuid.uuid4(),
        beneficiary_id=beneficiary_id,
        agency_id="ali-la-courneuve",
        employer_id=uuid.uuid4(),
        contract_type=contract,
        duration_months=months,
        weekly_hours=24,
        start_date=date(2025, 3, 3),
        sector="cleaning",
    )


async def test_a_recorded_hire_proposes_its_exit_once(repo, store):
    state, _ = await _enrol(repo)
    hire = _hire(state.beneficiary_id, ContractType.CDD, 3)
    for _ in range(2):
        await reactions.on_hire_recorded(_envelope(hire, f"hire-{hire.hire_id}"), FakeConnection(), repo=repo)
    proposed = [e for e in store.events if e.type.endswith("ExitProposed")]
    assert len(proposed) == 1
    assert proposed[0].data["exit_category"] == "cdd_or_temp_under_6_months"
    assert proposed[0].data["proposed_on"] == "2025-03-02"
    assert repo.views.rows[state.id]["proposed_exit_category"] == "cdd_or_temp_under_6_months"


async def test_a_hire_of_an_unknown_person_changes_nothing_and_an_unreadable_one_is_rejected(repo, store):
    state, _ = await _enrol(repo)
    await reactions.on_hire_recorded(
        _envelope(_hire(uuid.uuid4(), ContractType.CDI), "hire-x"), FakeConnection(), repo=repo
    )
    assert len(store.events) == 1
    with pytest.raises(InvalidHire):
        await reactions.on_hire_recorded(
            _envelope(_hire(state.beneficiary_id, ContractType.TEMP_MISSION), "hire-y"), FakeConnection(), repo=repo
        )


async def test_the_last_seat_goes_to_one_person_only(repo, store):
    sessions = FakeWorkshops(store, "test")
    first, _ = await _enrol(repo)
    second, _ = await _enrol(repo)
    cmd = c.ScheduleWorkshopSession(
        agency_id="ali-la-courneuve", theme=WorkshopTheme.COVER_LETTERS, session_date=date(2025, 3, 10), capacity=1
    )
    args = dict(authorize=lambda a: None, pool=FakePool(), ctx=Context(TODAY))
    session = await workshops.schedule_session(cmd, sessions=sessions, **args)
    await workshops.register_participant(
        session.id, c.RegisterParticipant(accompaniment_id=first.id), sessions=sessions, accompaniments=repo, **args
    )
    with pytest.raises(WorkshopFull):
        await workshops.register_participant(
            session.id,
            c.RegisterParticipant(accompaniment_id=second.id),
            sessions=sessions,
            accompaniments=repo,
            **args,
        )
    assert list((await sessions.get(session.id)).registrations) == [first.id]
    assert session.id in (await repo.get(first.id)).workshops and not (await repo.get(second.id)).workshops
    assert [e.partition_key for e in store.events if "ParticipantRegistered" in e.type] == [str(session.id)]
