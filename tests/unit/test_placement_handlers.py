"""Placement's handlers on the in-memory event store and fakes of the read models: appends, access, reactions."""

from __future__ import annotations

import copy
import uuid
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta

import pytest

from services.placement.domain.candidate import Candidate
from services.placement.domain.commands import (
    MakeIntroduction,
    PublishNeed,
    RecordCheckIn,
    RecordEmployerContact,
    RecordOutcome,
    RegisterEmployer,
)
from services.placement.domain.errors import CandidateNotFound, EmployerAlreadyRegistered, HireNotFound
from services.placement.service_layer import candidates as reactions
from services.placement.service_layer import employers, hires, introductions, needs
from services.placement.service_layer.ports import (
    CandidateViews,
    Database,
    EmployerViews,
    ImmersionViews,
    IntroductionViews,
    NeedViews,
    Ports,
)
from shared.auth import Principal, Role
from shared.contracts.accompaniment import AccompanimentClosed, CandidateProfileUpdated
from shared.contracts.exits import ExitCategory, ExitGroup
from shared.envelope import Envelope
from shared.errors import Forbidden
from shared.eventstore import InMemoryEventStore

TODAY = date(2026, 6, 30)
AGENCY = "ali-la-courneuve"
CASEWORKER = Principal("cw-1", Role.CASEWORKER, AGENCY)
OTHER_AGENCY = Principal("cw-2", Role.CASEWORKER, "ali-stains")
DEPARTMENT = Principal("bdat-1", Role.DEPARTMENT_STAFF)


class FakeEmployers(EmployerViews):
    def __init__(self) -> None:
        self.rows: dict = {}
        self.contacts: list = []

    async def add(self, conn, employer):
        if any(e.siret == employer.siret for e in self.rows.values()):
            raise EmployerAlreadyRegistered(f"an employer with SIRET {employer.siret} is already registered")
        self.rows[employer.id] = employer

    async def save(self, conn, employer):
        self.rows[employer.id] = employer

    async def add_contact(self, conn, contact):
        self.contacts.append(contact)


class FakeNeeds(NeedViews):
    def __init__(self) -> None:
        self.rows: dict = {}

    async def save(self, conn, need):
        self.rows[need.id] = need


class FakeCandidates(CandidateViews):
    def __init__(self) -> None:
        self.rows: dict = {}

    async def get(self, conn, beneficiary_id):
        row = self.rows.get(beneficiary_id)
        return row["candidate"] if row else None

    async def save_profile(self, conn, candidate, *, accompaniment_id, version, recorded_at):
        current = self.rows.get(candidate.beneficiary_id)
        newer = current is None or (
            current["version"] < version
            if current["accompaniment_id"] == accompaniment_id
            else current["recorded_at"] <= recorded_at
        )
        if newer:
            self.rows[candidate.beneficiary_id] = dict(
                candidate=candidate, accompaniment_id=accompaniment_id, version=version, recorded_at=recorded_at
            )

    async def deactivate(self, conn, beneficiary_id, *, accompaniment_id, version):
        row = self.rows.get(beneficiary_id)
        if row and row["accompaniment_id"] == accompaniment_id and row["version"] < version:
            candidate = row["candidate"]
            inactive = Candidate(**{**{f: getattr(candidate, f) for f in candidate.__slots__}, "active": False})
            row.update(candidate=inactive, version=version)


class FakeIntroductions(IntroductionViews):
    def __init__(self) -> None:
        self.rows: dict = {}

    async def save(self, conn, introduction):
        self.rows[introduction.id] = introduction

    async def pending_exists(self, conn, need_id, beneficiary_id):
        return any(
            i.need_id == need_id and i.beneficiary_id == beneficiary_id and i.outcome is None
            for i in self.rows.values()
        )

    async def introduction_of_hire(self, conn, hire_id):
        return next((i.id for i in self.rows.values() if i.hire and i.hire.id == hire_id), None)

    async def hires_for_need(self, conn, need_id):
        return sum(1 for i in self.rows.values() if i.need_id == need_id and i.hire)


class FakeImmersions(ImmersionViews):
    def __init__(self) -> None:
        self.rows: dict = {}

    async def save(self, conn, immersion):
        self.rows[immersion.id] = immersion


class FakeDatabase(Database):
    """A transaction over the fakes: everything written in it is undone when it fails."""

    def __init__(self) -> None:
        self.ports: Ports | None = None

    @asynccontextmanager
    async def transaction(self):
        ports = self.ports
        views = (ports.employers, ports.needs, ports.introductions, ports.immersions)
        events, saved = list(ports.store.events), [copy.deepcopy(vars(v)) for v in views]
        try:
            yield None
        except BaseException:
            ports.store.events[:] = events
            for view, state in zip(views, saved, strict=True):
                vars(view).update(state)
            raise


@pytest.fixture
def ports() -> Ports:
    db = FakeDatabase()
    ports = Ports(
        db=db,
        store=InMemoryEventStore("/ali/placement"),
        employers=FakeEmployers(),
        needs=FakeNeeds(),
        candidates=FakeCandidates(),
        introductions=FakeIntroductions(),
        immersions=FakeImmersions(),
    )
    db.ports = ports
    return ports


def _registration(siret: str = "73282932000074") -> RegisterEmployer:
    return RegisterEmployer(siret=siret, name="Cantine Solidaire", size="tpe", sector="catering", commune_code="93027")


def _envelope(event, version: int, at: datetime | None = None) -> Envelope:
    return Envelope(
        id=uuid.uuid4(),
        source="/ali/accompaniment",
        type=event.event_type(),
        time=at or datetime.now(UTC),
        dataschema=event.dataschema(),
        schema_version=1,
        stream_id=f"accompaniment-{event.accompaniment_id}",
        stream_version=version,
        partition_key=str(event.beneficiary_id),
        correlation_id=uuid.uuid4(),
        data=event.model_dump(mode="json"),
    )


def _profile(beneficiary_id, accompaniment_id, *, agency: str = AGENCY, hours: int = 35) -> CandidateProfileUpdated:
    return CandidateProfileUpdated(
        accompaniment_id=accompaniment_id,
        beneficiary_id=beneficiary_id,
        agency_id=agency,
        commune_code="93027",
        aptitudes=["cleaning"],
        available_slots=["morning", "afternoon"],
        max_weekly_hours=hours,
        max_commute_km=5,
    )


async def _need(ports: Ports, positions: int = 1):
    employer = await employers.register_employer(_registration(), user=CASEWORKER, ports=ports, today=TODAY)
    command = PublishNeed(
        employer_id=employer.id,
        title="kitchen porter",
        tasks=["washing up"],
        weekly_hours=24,
        time_slots=["morning"],
        contract_type="cdi",
        positions=positions,
        published_on=date(2026, 6, 1),
    )
    return await needs.publish_need(command, user=CASEWORKER, ports=ports, today=TODAY)


async def _candidate(ports: Ports, agency: str = AGENCY):
    beneficiary_id = uuid.uuid4()
    await reactions.on_candidate_profile_updated(
        _envelope(_profile(beneficiary_id, uuid.uuid4(), agency=agency), 2), None, candidates=ports.candidates
    )
    return beneficiary_id


async def test_registering_an_employer_appends_to_its_stream_keyed_by_the_employer(ports):
    employer = await employers.register_employer(_registration(), user=CASEWORKER, ports=ports, today=TODAY)
    assert [e.type.rsplit(".", 1)[1] for e in ports.store.events] == ["EmployerRegistered", "EmployerAssignedToAgency"]
    assert {(e.stream_id, e.partition_key) for e in ports.store.events} == {
        (f"employer-{employer.id}", str(employer.id))
    }
    assert ports.employers.rows[employer.id].agency_id == AGENCY


async def test_a_second_employer_with_the_same_siret_is_refused_without_writing_anything(ports):
    await employers.register_employer(_registration(), user=CASEWORKER, ports=ports, today=TODAY)
    before = list(ports.store.events)
    with pytest.raises(EmployerAlreadyRegistered):
        await employers.register_employer(_registration(), user=CASEWORKER, ports=ports, today=TODAY)
    assert ports.store.events == before and len(ports.employers.rows) == 1


async def test_department_staff_do_not_register_employers(ports):
    with pytest.raises(Forbidden):
        await employers.register_employer(_registration(), user=DEPARTMENT, ports=ports, today=TODAY)


async def test_a_caseworker_records_contacts_for_their_own_agency_only(ports):
    employer = await employers.register_employer(_registration(), user=CASEWORKER, ports=ports, today=TODAY)
    contact = RecordEmployerContact(contact_date=TODAY, kind="visit")
    await employers.record_contact(employer.id, contact, user=OTHER_AGENCY, ports=ports, today=TODAY)
    assert [(c.agency_id, c.caseworker) for c in ports.employers.contacts] == [("ali-stains", "cw-2")]
    foreign = RecordEmployerContact(contact_date=TODAY, kind="visit", agency_id=AGENCY)
    with pytest.raises(Forbidden):
        await employers.record_contact(employer.id, foreign, user=OTHER_AGENCY, ports=ports, today=TODAY)


async def test_a_need_is_keyed_by_its_employer_and_cannot_be_published_for_another_agency(ports):
    need = await _need(ports)
    [published] = [e for e in ports.store.events if e.stream_id == f"need-{need.id}"]
    assert published.partition_key == str(need.employer_id) and ports.needs.rows[need.id].agency_id == AGENCY
    command = PublishNeed(
        employer_id=need.employer_id,
        agency_id=AGENCY,
        title="t",
        tasks=["x"],
        weekly_hours=10,
        time_slots=["morning"],
        contract_type="cdi",
    )
    with pytest.raises(Forbidden):
        await needs.publish_need(command, user=OTHER_AGENCY, ports=ports, today=TODAY)


async def test_a_hire_is_keyed_by_the_person_and_fills_the_need_s_last_position(ports):
    need = await _need(ports, positions=1)
    beneficiary_id = await _candidate(ports)
    made = await introductions.make_introduction(
        MakeIntroduction(need_id=need.id, beneficiary_id=beneficiary_id, introduced_on=date(2026, 6, 10)),
        user=CASEWORKER,
        ports=ports,
    )
    outcome = RecordOutcome(outcome="hired", contract_type="cdi", weekly_hours=24, start_date=date(2026, 6, 15))
    hired = await introductions.record_outcome(made.id, outcome, user=CASEWORKER, ports=ports, today=TODAY)

    [hire] = [e for e in ports.store.events if e.type == "ali.placement.HireRecorded"]
    assert hire.stream_id == f"introduction-{made.id}" and hire.partition_key == str(beneficiary_id)
    assert hire.data["hire_id"] == str(hired.hire.id) and hire.data["agency_id"] == AGENCY
    [filled] = [e for e in ports.store.events if e.type == "ali.placement.NeedFilled"]
    assert filled.partition_key == str(need.employer_id) and filled.correlation_id == hire.correlation_id
    assert ports.needs.rows[need.id].status == "filled" and filled.data["positions_filled"] == 1


async def test_a_need_with_positions_left_stays_open_after_a_hire(ports):
    need = await _need(ports, positions=2)
    beneficiary_id = await _candidate(ports)
    made = await introductions.make_introduction(
        MakeIntroduction(need_id=need.id, beneficiary_id=beneficiary_id, introduced_on=date(2026, 6, 10)),
        user=CASEWORKER,
        ports=ports,
    )
    outcome = RecordOutcome(outcome="hired", contract_type="cdi", weekly_hours=24, start_date=date(2026, 6, 15))
    await introductions.record_outcome(made.id, outcome, user=CASEWORKER, ports=ports, today=TODAY)
    assert ports.needs.rows[need.id].status == "open"


async def test_another_agency_and_department_staff_cannot_introduce_or_record_outcomes(ports):
    need = await _need(ports)
    beneficiary_id = await _candidate(ports)
    command = MakeIntroduction(need_id=need.id, beneficiary_id=beneficiary_id, introduced_on=date(2026, 6, 10))
    for user in (OTHER_AGENCY, DEPARTMENT):
        with pytest.raises(Forbidden):
            await introductions.make_introduction(command, user=user, ports=ports)
    made = await introductions.make_introduction(command, user=CASEWORKER, ports=ports)
    outcome = RecordOutcome(outcome="not_hired", reason="no_show")
    with pytest.raises(Forbidden):
        await introductions.record_outcome(made.id, outcome, user=OTHER_AGENCY, ports=ports, today=TODAY)


async def test_a_person_unknown_to_placement_cannot_be_introduced(ports):
    need = await _need(ports)
    command = MakeIntroduction(need_id=need.id, beneficiary_id=uuid.uuid4(), introduced_on=date(2026, 6, 10))
    with pytest.raises(CandidateNotFound):
        await introductions.make_introduction(command, user=CASEWORKER, ports=ports)


async def test_a_check_in_on_an_unknown_hire_is_not_found(ports):
    command = RecordCheckIn(month=1, checked_on=TODAY, still_employed=True)
    with pytest.raises(HireNotFound):
        await hires.record_check_in(uuid.uuid4(), command, user=CASEWORKER, ports=ports, today=TODAY)


async def test_the_latest_profile_wins_and_an_older_redelivery_is_ignored(ports):
    beneficiary_id, accompaniment_id = uuid.uuid4(), uuid.uuid4()
    newer = _envelope(_profile(beneficiary_id, accompaniment_id, hours=20), version=5)
    older = _envelope(_profile(beneficiary_id, accompaniment_id, hours=35), version=3)
    for envelope in (newer, older):
        await reactions.on_candidate_profile_updated(envelope, None, candidates=ports.candidates)
    assert (await ports.candidates.get(None, beneficiary_id)).max_weekly_hours == 20


async def test_a_closed_accompaniment_makes_the_candidate_inactive_until_a_new_one_shares_a_profile(ports):
    beneficiary_id, accompaniment_id = uuid.uuid4(), uuid.uuid4()
    opened_at = datetime(2026, 1, 5, tzinfo=UTC)
    await reactions.on_candidate_profile_updated(
        _envelope(_profile(beneficiary_id, accompaniment_id), 2, opened_at), None, candidates=ports.candidates
    )
    closed = AccompanimentClosed(
        accompaniment_id=accompaniment_id,
        beneficiary_id=beneficiary_id,
        agency_id=AGENCY,
        closed_on=date(2026, 5, 1),
        exit_category=ExitCategory.CDI,
        exit_group=ExitGroup.EMPLOI_DURABLE,
    )
    await reactions.on_accompaniment_closed(_envelope(closed, 3), None, candidates=ports.candidates)
    assert not (await ports.candidates.get(None, beneficiary_id)).active

    await reactions.on_candidate_profile_updated(
        _envelope(_profile(beneficiary_id, accompaniment_id), 2, opened_at), None, candidates=ports.candidates
    )
    assert not (await ports.candidates.get(None, beneficiary_id)).active, "a replayed older profile is ignored"

    later = opened_at + timedelta(days=200)
    await reactions.on_candidate_profile_updated(
        _envelope(_profile(beneficiary_id, uuid.uuid4()), 2, later), None, candidates=ports.candidates
    )
    assert (await ports.candidates.get(None, beneficiary_id)).active
