"""Every indicator on a known scenario: expected values are counted from the scenario's plain description,
independently of the projection, then compared with what the projection and the indicators compute."""

from __future__ import annotations

import random
import statistics
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pytest

from services.reporting.domain import indicators, projection
from shared.contracts import accompaniment as acc
from shared.contracts import intake, placement
from shared.contracts.employment import ContractType
from shared.contracts.exits import ExitCategory
from shared.envelope import Envelope

X, Y = "ali-x", "ali-y"
AS_OF = date(2025, 12, 31)
PERIOD = indicators.Query(start=date(2025, 1, 1), end=date(2025, 12, 31), as_of=AS_OF)


@dataclass
class Stream:
    """Numbers the events of one stream, as the event store does."""

    stream_id: str
    key: str
    events: list[Envelope] = field(default_factory=list)

    def add(self, event, at: datetime | None = None) -> Stream:
        self.events.append(
            Envelope(
                id=uuid.uuid4(),
                source="/ali/test",
                type=event.event_type(),
                time=at or datetime.now(UTC),
                dataschema=event.dataschema(),
                schema_version=event.schema_version,
                stream_id=self.stream_id,
                stream_version=len(self.events) + 1,
                partition_key=self.key,
                correlation_id=uuid.uuid4(),
                data=event.model_dump(mode="json"),
            )
        )
        return self


@dataclass
class Person:
    """One accompaniment of the scenario, described plainly."""

    name: str
    agency: str
    orientation: date
    start: date
    first_appointment_delay: int | None = None
    contract: tuple[date, bool] | None = None  # signed on, late
    suspension: tuple[date, date | None] | None = None
    renewal: date | None = None
    transfer: tuple[date, str] | None = None
    exit: tuple[date, ExitCategory] | None = None
    barriers: list[tuple[acc.BarrierCategory, date, date | None]] = field(default_factory=list)
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    beneficiary: uuid.UUID = field(default_factory=uuid.uuid4)

    def agency_on(self, day: date) -> str:
        return self.transfer[1] if self.transfer and day >= self.transfer[0] else self.agency


PEOPLE = [
    Person(
        "A",
        X,
        date(2025, 1, 2),
        date(2025, 1, 10),
        5,
        (date(2025, 1, 20), False),
        exit=(date(2025, 6, 30), ExitCategory.CDI),
        barriers=[(acc.BarrierCategory.MOBILITY, date(2025, 2, 1), date(2025, 5, 1))],
    ),
    Person(
        "B",
        X,
        date(2025, 1, 5),
        date(2025, 2, 1),
        20,
        (date(2025, 3, 10), True),
        suspension=(date(2025, 3, 1), date(2025, 4, 1)),
        exit=(date(2025, 9, 30), ExitCategory.UNEMPLOYMENT),
    ),
    Person(
        "C",
        Y,
        date(2025, 2, 20),
        date(2025, 3, 1),
        40,
        renewal=date(2025, 12, 1),
        barriers=[(acc.BarrierCategory.HOUSING, date(2025, 3, 15), None)],
    ),
    Person("D", Y, date(2024, 5, 20), date(2024, 6, 1), exit=(date(2025, 1, 15), ExitCategory.QUALIFYING_TRAINING)),
    Person(
        "E",
        X,
        date(2025, 3, 25),
        date(2025, 4, 1),
        transfer=(date(2025, 7, 1), Y),
        exit=(date(2025, 11, 30), ExitCategory.CDD_OR_TEMP_UNDER_6_MONTHS),
    ),
    Person("F", X, date(2025, 12, 1), date(2025, 12, 15), suspension=(date(2025, 12, 20), None)),
]


def _accompaniment_stream(p: Person) -> Stream:
    s = Stream(f"accompaniment-{p.id}", str(p.beneficiary))
    base = dict(accompaniment_id=p.id, beneficiary_id=p.beneficiary)
    s.add(
        acc.AccompanimentOpened(
            **base,
            agency_id=p.agency,
            start_date=p.start,
            planned_end_date=indicators.add_months(p.start, 12),
            orientation_date=p.orientation,
        )
    )
    if p.first_appointment_delay is not None:
        s.add(
            acc.AppointmentHeld(
                **base,
                agency_id=p.agency,
                appointment_id=uuid.uuid4(),
                held_on=p.start,
                first=True,
                days_since_orientation=p.first_appointment_delay,
            )
        )
    if p.contract:
        signed, late = p.contract
        s.add(
            acc.EngagementContractSigned(
                **base,
                agency_id=p.agency,
                signed_on=signed,
                deadline=indicators.add_months(p.orientation, 1),
                late=late,
                days_after_orientation=(signed - p.orientation).days,
            )
        )
    for category, identified, lifted in p.barriers:
        s.add(acc.BarrierIdentified(**base, agency_id=p.agency, category=category, identified_on=identified))
        s.add(acc.BarrierWorkedOn(**base, agency_id=p.agency, category=category, started_on=identified))
        if lifted:
            s.add(
                acc.BarrierLifted(
                    **base,
                    agency_id=p.agency,
                    category=category,
                    lifted_on=lifted,
                    days_since_identified=(lifted - identified).days,
                )
            )
    if p.suspension:
        since, until = p.suspension
        s.add(
            acc.AccompanimentSuspended(
                **base, agency_id=p.agency, reason=acc.SuspensionReason.SICK_LEAVE, suspended_on=since
            )
        )
        if until:
            s.add(
                acc.AccompanimentResumed(
                    **base, agency_id=p.agency, resumed_on=until, suspended_days=(until - since).days
                )
            )
    if p.renewal:
        end = indicators.add_months(p.start, 12)
        s.add(
            acc.AccompanimentRenewed(
                **base,
                agency_id=p.agency,
                reason=acc.RenewalReason.OTHER,
                renewed_on=p.renewal,
                previous_planned_end_date=end,
                new_planned_end_date=indicators.add_months(end, 12),
                renewal_number=1,
            )
        )
    if p.transfer:
        s.add(
            acc.AccompanimentTransferred(
                **base,
                agency_id=p.transfer[1],
                from_agency_id=p.agency,
                to_agency_id=p.transfer[1],
                commune_code="93027",
                transferred_on=p.transfer[0],
            )
        )
    if p.exit:
        closed, category = p.exit
        s.add(
            acc.AccompanimentClosed(
                **base,
                agency_id=p.agency_on(closed),
                closed_on=closed,
                exit_category=category,
                exit_group=category.group,
            )
        )
    return s


SESSIONS = [  # theme, agency, date, capacity, registered, present
    (acc.WorkshopTheme.SELF_CONFIDENCE, X, date(2025, 5, 10), 10, ["A", "B", "C"], ["A", "B"]),
    (acc.WorkshopTheme.COVER_LETTERS, Y, date(2026, 1, 10), 8, ["C"], []),
]


def _session_streams() -> list[Stream]:
    people = {p.name: p for p in PEOPLE}
    streams = []
    for theme, agency, day, capacity, registered, present in SESSIONS:
        session = uuid.uuid4()
        s = Stream(f"workshop-{session}", str(session))
        s.add(
            acc.WorkshopSessionScheduled(
                session_id=session,
                agency_id=agency,
                theme=theme,
                session_date=day,
                capacity=capacity,
                scheduled_on=date(2025, 4, 1),
            )
        )
        for name in registered:
            p = people[name]
            s.add(
                acc.ParticipantRegistered(
                    session_id=session,
                    agency_id=agency,
                    accompaniment_id=p.id,
                    beneficiary_id=p.beneficiary,
                    registered_on=date(2025, 4, 2),
                )
            )
        for name in registered:
            p = people[name]
            s.add(
                acc.AttendanceRecorded(
                    session_id=session,
                    agency_id=agency,
                    accompaniment_id=p.id,
                    beneficiary_id=p.beneficiary,
                    theme=theme,
                    session_date=day,
                    attended=name in present,
                )
            )
        streams.append(s)
    return streams


def _placement_streams() -> list[Stream]:
    a, b = PEOPLE[0], PEOPLE[1]
    employer, need = uuid.uuid4(), uuid.uuid4()
    streams = [
        Stream(f"employer-{employer}", str(employer))
        .add(
            placement.EmployerRegistered(
                employer_id=employer,
                siret="73282932000074",
                name_ref=uuid.uuid4(),
                size="pme",
                sector="H",
                social_economy=False,
                siae=False,
                commune_code="93027",
            ),
            at=datetime(2025, 2, 1, tzinfo=UTC),
        )
        .add(placement.EmployerAssignedToAgency(employer_id=employer, agency_id=X, assigned_on=date(2025, 2, 1)))
        .add(
            placement.EmployerContactRecorded(
                employer_id=employer,
                contact_id=uuid.uuid4(),
                agency_id=X,
                contact_date=date(2025, 3, 1),
                kind="visit",
                caseworker=uuid.UUID(int=1),
            )
        ),
        Stream(f"need-{need}", str(employer)).add(
            placement.NeedPublished(
                need_id=need,
                employer_id=employer,
                agency_id=X,
                title_ref=uuid.uuid4(),
                sector="H",
                tasks_ref=uuid.uuid4(),
                weekly_hours=35,
                time_slots=["morning"],
                commune_code="93027",
                required_aptitudes=["handling"],
                working_conditions=["standing"],
                contract_type=ContractType.CDI,
                positions=2,
                published_on=date(2025, 3, 5),
            )
        ),
    ]
    hired_intro, other_intro, hire, immersion = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    common = dict(need_id=need, employer_id=employer, agency_id=X)
    streams.append(
        Stream(f"introduction-{hired_intro}", str(a.beneficiary))
        .add(
            placement.IntroductionMade(
                **common,
                introduction_id=hired_intro,
                beneficiary_id=a.beneficiary,
                introduced_on=date(2025, 4, 10),
                caseworker=uuid.UUID(int=1),
                sector="H",
                contract_type=ContractType.CDI,
            )
        )
        .add(
            placement.HireRecorded(
                hire_id=hire,
                introduction_id=hired_intro,
                beneficiary_id=a.beneficiary,
                agency_id=X,
                employer_id=employer,
                need_id=need,
                contract_type=ContractType.CDI,
                weekly_hours=35,
                start_date=date(2025, 5, 1),
                sector="H",
            )
        )
    )
    streams.append(
        Stream(f"hire-{hire}", str(a.beneficiary))
        .add(
            placement.HireCheckInRecorded(
                hire_id=hire,
                introduction_id=hired_intro,
                beneficiary_id=a.beneficiary,
                agency_id=X,
                employer_id=employer,
                month=6,
                checked_on=date(2025, 11, 1),
                still_employed=True,
            )
        )
        .add(
            placement.HireEndedEarly(
                hire_id=hire,
                introduction_id=hired_intro,
                beneficiary_id=a.beneficiary,
                agency_id=X,
                employer_id=employer,
                contract_type=ContractType.CDI,
                sector="H",
                start_date=date(2025, 5, 1),
                ended_on=date(2025, 12, 1),
                days_in_post=214,
                reason="resignation",
            )
        )
    )
    streams.append(
        Stream(f"introduction-{other_intro}", str(b.beneficiary))
        .add(
            placement.IntroductionMade(
                **common,
                introduction_id=other_intro,
                beneficiary_id=b.beneficiary,
                introduced_on=date(2025, 4, 12),
                caseworker=uuid.UUID(int=1),
                sector="H",
                contract_type=ContractType.CDI,
            )
        )
        .add(
            placement.IntroductionNotHired(
                **common,
                introduction_id=other_intro,
                beneficiary_id=b.beneficiary,
                decided_on=date(2025, 4, 20),
                reason="employer_declined",
            )
        )
    )
    streams.append(
        Stream(f"immersion-{immersion}", str(b.beneficiary))
        .add(
            placement.ImmersionAgreed(
                immersion_id=immersion,
                beneficiary_id=b.beneficiary,
                agency_id=X,
                host_kind="employer",
                employer_id=employer,
                sector="H",
                start_date=date(2025, 8, 1),
                end_date=date(2025, 8, 14),
                days_of_presence=10,
                agreed_on=date(2025, 7, 20),
            )
        )
        .add(
            placement.ImmersionCompleted(
                immersion_id=immersion,
                beneficiary_id=b.beneficiary,
                agency_id=X,
                host_kind="employer",
                employer_id=employer,
                completed_on=date(2025, 8, 14),
                outcome="hired",
                total_days_of_presence=10,
            )
        )
    )
    return streams


def _intake_streams() -> list[Stream]:
    return [
        Stream(f"beneficiary-{p.beneficiary}", str(p.beneficiary)).add(
            intake.BeneficiaryEnrolled(
                beneficiary_id=p.beneficiary,
                agency_id=p.agency,
                commune_code="93027",
                age_band="26_34",
                household_type="single",
                orientation_date=p.orientation,
                enrolled_on=p.start,
                referral_source="test",
            )
        )
        for p in PEOPLE
    ]


def _streams() -> list[Stream]:
    return [*_intake_streams(), *(_accompaniment_stream(p) for p in PEOPLE), *_session_streams(), *_placement_streams()]


def _interleave(streams: list[Stream], seed: int) -> list[Envelope]:
    """All events, partition keys interleaved at random; one key's events keep their order, as one partition
    delivers them (the relay publishes in commit order, keyed by the person or the employer)."""
    rng = random.Random(seed)
    by_key: dict[str, list[Envelope]] = {}
    for stream in streams:
        by_key.setdefault(stream.key, []).extend(stream.events)
    queues = list(by_key.values())
    out = []
    while any(queues):
        queue = rng.choice([q for q in queues if q])
        out.append(queue.pop(0))
    return out


@pytest.fixture(scope="module")
def figures():
    rows = projection.fold(_interleave(_streams(), seed=1))
    return {
        "department": indicators.compute(rows.values(), PERIOD),
        X: indicators.compute(rows.values(), indicators.Query(**{**PERIOD.__dict__, "agency_id": X})),
        Y: indicators.compute(rows.values(), indicators.Query(**{**PERIOD.__dict__, "agency_id": Y})),
    }


def _in(day: date | None) -> bool:
    return day is not None and PERIOD.start <= day <= PERIOD.end


def _expected_accompaniments(agency: str | None) -> dict:
    def mine(p: Person, day: date) -> bool:
        return agency is None or p.agency_on(day) == agency

    active = [p for p in PEOPLE if p.start <= AS_OF and (p.exit is None or p.exit[0] > AS_OF) and mine(p, AS_OF)]
    exits = [p for p in PEOPLE if p.exit and _in(p.exit[0]) and mine(p, p.exit[0])]
    groups = [p.exit[1].group.value for p in exits]
    durations = [(p.exit[0] - p.start).days for p in exits]
    positive = sum(g in PERIOD.positive_groups for g in groups)
    return {
        "caseload": len(active),
        "suspended": sum(
            1
            for p in active
            if p.suspension and p.suspension[0] <= AS_OF and (p.suspension[1] is None or p.suspension[1] > AS_OF)
        ),
        "entries": sum(1 for p in PEOPLE if _in(p.start) and mine(p, p.start)),
        "renewals": sum(1 for p in PEOPLE if _in(p.renewal) and mine(p, p.renewal)),
        "suspensions": sum(1 for p in PEOPLE if p.suspension and _in(p.suspension[0]) and mine(p, p.suspension[0])),
        "exits": len(exits),
        "positive_exits": positive,
        "positive_exit_rate": round(positive / len(exits), 4) if exits else None,
        "emploi_durable_rate": round(groups.count("emploi_durable") / len(exits), 4) if exits else None,
        "average_duration_days": round(statistics.fmean(durations), 1) if durations else None,
        "median_duration_days": statistics.median(durations) if durations else None,
    }


@pytest.mark.parametrize("scope", ["department", X, Y])
def test_caseload_entries_renewals_suspensions_exits_rates_and_durations(figures, scope):
    expected = _expected_accompaniments(None if scope == "department" else scope)
    got = figures[scope]["accompaniments"]
    assert {k: got[k] for k in expected} == expected


def test_the_scenario_exercises_every_accompaniment_figure(figures):
    # Guards the scenario itself: a figure stuck at zero would prove nothing.
    got = figures["department"]["accompaniments"]
    assert got["caseload"] == 2 and got["suspended"] == 1 and got["entries"] == 5 and got["renewals"] == 1
    assert got["suspensions"] == 2 and got["exits"] == 4 and got["positive_exit_rate"] == 0.75
    assert figures[X]["accompaniments"]["exits"] == 2 and figures[Y]["accompaniments"]["exits"] == 2


def test_exits_by_group_and_category(figures):
    got = figures["department"]["accompaniments"]
    exits = [p.exit for p in PEOPLE if p.exit and _in(p.exit[0])]
    assert got["exits_by_category"] == {c.value: sum(1 for _, k in exits if k == c) for _, c in exits}
    assert got["exits_by_group"] == {
        g: sum(1 for _, c in exits if c.group.value == g)
        for g in ("emploi_durable", "emploi_transition", "sortie_positive", "autre_sortie")
    }
    assert got["sorties_dynamiques_rate"] == 0.75


def test_the_headline_rate_follows_its_setting(figures):
    rows = projection.fold(_interleave(_streams(), seed=2))
    narrow = indicators.compute(
        rows.values(), indicators.Query(**{**PERIOD.__dict__, "positive_groups": ("emploi_durable",)})
    )
    assert narrow["accompaniments"]["positive_exit_rate"] == 0.25


def test_first_appointment_delays_and_contracts_in_time(figures):
    entries = [p for p in PEOPLE if _in(p.start)]
    delays = [p.first_appointment_delay for p in entries if p.first_appointment_delay is not None]
    contracts = [p.contract for p in PEOPLE if p.contract and _in(p.contract[0])]
    got = figures["department"]["follow_up"]
    assert got["entries_with_first_appointment"] == len(delays) == 3
    assert got["entries_without_first_appointment"] == len(entries) - len(delays)
    assert got["first_appointment_under_15_days"] == sum(d < 15 for d in delays) == 1
    assert got["first_appointment_under_30_days_share"] == round(sum(d < 30 for d in delays) / len(delays), 4)
    assert got["contracts_signed"] == len(contracts) == 2
    assert got["contracts_signed_in_time_share"] == round(sum(not late for _, late in contracts) / len(contracts), 4)


def test_barriers_identified_and_lifted_by_category(figures):
    got = figures["department"]["barriers"]
    barriers = [b for p in PEOPLE for b in p.barriers]
    assert got["identified"] == sum(_in(i) for _, i, _ in barriers) == 2
    assert got["lifted"] == sum(_in(lifted) for _, _, lifted in barriers) == 1
    assert got["by_category"] == {"housing": {"identified": 1, "lifted": 0}, "mobility": {"identified": 1, "lifted": 1}}
    assert figures[Y]["barriers"]["by_category"] == {"housing": {"identified": 1, "lifted": 0}}


def test_workshops_by_theme(figures):
    held = [s for s in SESSIONS if _in(s[2])]
    got = figures["department"]["workshops"]
    assert got["sessions"] == len(held) == 1
    assert got["registrations"] == sum(len(s[4]) for s in held) == 3
    assert got["attendance"] == sum(len(s[5]) for s in held) == 2
    assert got["by_theme"]["self_confidence"]["attendance_rate"] == round(2 / 3, 4)
    assert "cover_letters" not in got["by_theme"], "a session after the period is not counted"


def test_placement_figures(figures):
    got = figures["department"]["placement"]
    assert got["employers_registered"] == 1 and got["employers_active"] == 1
    assert got["needs_published"] == 1 and got["needs_open"] == 1
    assert got["introductions"] == 2 and got["introductions_by_outcome"] == {"hired": 1, "not_hired": 1}
    assert got["hires"] == 1 and got["hires_by_contract"] == {"cdi": 1} and got["hires_by_sector"] == {"H": 1}
    assert got["six_month_check_ins"] == 1 and got["still_employed_at_6_months_share"] == 1.0
    assert got["hires_ended_early"] == 1, "the early end after the 6-month check-in keeps the check-in"
    assert got["immersions"] == 1 and got["immersions_by_outcome"] == {"hired": 1}
    assert figures[Y]["placement"]["hires"] == 0


def test_cohorts_of_entrants(figures):
    cohorts = {c["month"]: c for c in figures["department"]["cohorts"]}
    for p in PEOPLE:
        if not _in(p.start):
            continue
        month = cohorts[p.start.strftime("%Y-%m")]
        for n in (6, 12):
            expected = p.exit is not None and p.exit[0] <= min(indicators.add_months(p.start, n), AS_OF)
            assert month[f"exited_within_{n}_months"] == int(expected), (p.name, n)
    assert cohorts["2025-02"]["exits_by_group_within_12_months"]["autre_sortie"] == 1
    assert sum(c["entered"] for c in cohorts.values()) == 5


def test_replays_and_other_interleavings_give_identical_figures(figures):
    events = _interleave(_streams(), seed=3)
    once = projection.fold(events)
    again = projection.fold(events + events)
    assert indicators.compute(again.values(), PERIOD) == indicators.compute(once.values(), PERIOD)
    redelivered = projection.fold([e for e in events for _ in range(2)])
    assert indicators.compute(redelivered.values(), PERIOD) == indicators.compute(once.values(), PERIOD)


def test_as_of_a_past_date(figures):
    rows = projection.fold(_interleave(_streams(), seed=4))
    mid_year = indicators.Query(start=date(2025, 1, 1), end=date(2025, 6, 30), as_of=date(2025, 6, 30))
    got = indicators.compute(rows.values(), mid_year)["accompaniments"]
    # On 30 June: A closes that day (not active), B suspended until April then active, C active, E active at X.
    assert got["caseload"] == 3 and got["exits"] == 2
