"""Every indicator definition on a known scenario, against values counted by hand from the scenario's description.

The people of the scenario, in two agencies X and Y, period 2025, as of 31 December 2025:
- A (X): oriented 2 Jan, starts 10 Jan. Appointments held on 25 Jan (entered first) and on 12 Jan (entered
  second): first appointment 12 Jan, delay 10. Contract signed 2 Feb (deadline 2 Feb: in time). Mobility
  identified 1 Feb, lifted 1 May, identified again 1 Jun (still open). Hired (CDI) from 1 May on need N1 (the
  filling of N1 is recorded on 15 Jun), the hire ends early on 1 Dec, still employed at the 6-month check-in.
- B (X): oriented 31 Jan, starts 3 Feb. Contract signed 28 Feb (deadline 28 Feb: in time). Suspended 1 Mar,
  resumed 1 Apr. Health barrier identified 5 Mar. Appointment held 10 Mar (delay 38). Introduced on N2 12 Apr,
  not hired. Immersion 1-14 Jun, then hired. Closed 31 Jul, unemployment (178 days).
- C (Y): started 1 Mar 2024, housing barrier since 1 Apr 2024, renewed 15 Feb 2025 (planned end 1 Mar 2026).
- D (Y): started 1 Jun 2024, closed 15 Jan 2025, qualifying training (228 days).
- E (X then Y): oriented 25 Mar, starts 1 Apr, suspended 1-10 May at X, appointment held 20 Apr (delay 26),
  French-language barrier identified 20 Jun (entered after the transfer), transferred to Y on 1 Jul, barrier
  lifted 1 Aug, contract signed 15 Jul (late), introduced on N2 10 Aug and hired 20 Aug (CDD 3 months), closed
  30 Nov, CDD under 6 months (243 days).
- F (X): oriented 20 Nov, starts 15 Dec, suspended 20 Dec: still waiting for a first appointment 41 days on.
- G (X): oriented 22 Dec, starts 23 Dec: waiting, but the targets are not due yet.
- H (X): started 10 Oct 2024, planned end 10 Oct 2025, neither renewed nor closed: overdue.
- I (Y then X): first accompaniment at Y from 5 Sep 2024, closed 31 Mar 2025 (no news, 207 days); comes back:
  oriented 10 May, a new accompaniment at X from 15 May (a return), appointment held 20 May (delay 10).
- J (X): oriented 10 Feb, starts 14 Feb, contract signed 20 Mar (deadline 10 Mar: late), closed on the as-of
  date 31 Dec, CDI (320 days).
Workshops: X's self-confidence session on 10 May (A, B, E registered; A, B present); Y's session in 2026.
Placement: one employer followed by X (contact 1 Mar); needs N1 (X, 1 position, 5 Mar), N2 (X, 2 positions,
1 Apr), N3 (Y, 1 Jun, closed 1 Sep).
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date

import pytest

from services.reporting.domain import definitions, indicators, projection
from services.reporting.domain.facts import Accompaniment
from services.reporting.domain.projection import Event
from shared.contracts import accompaniment as acc
from shared.contracts import placement
from shared.contracts.employment import ContractType
from shared.contracts.exits import ExitCategory
from shared.dates import add_months

X, Y = "ali-x", "ali-y"
AS_OF = date(2025, 12, 31)
YEAR = indicators.Query(start=date(2025, 1, 1), end=date(2025, 12, 31), as_of=AS_OF)


@dataclass
class Stream:
    """Numbers the events of one stream as the event store does; `key` is its partition key."""

    stream_id: str
    key: str
    events: list[Event] = field(default_factory=list)

    def add(self, event, at: str = "2025-01-01T09:00:00+00:00") -> Stream:
        self.events.append(
            Event(event.event_type(), self.stream_id, len(self.events) + 1, at, event.model_dump(mode="json"))
        )
        return self


class Person:
    """One accompaniment's stream, written event by event."""

    def __init__(self, agency: str, orientation: date, start: date, beneficiary: uuid.UUID | None = None) -> None:
        self.id, self.beneficiary = uuid.uuid4(), beneficiary or uuid.uuid4()
        self.agency = agency
        self.orientation = orientation
        self.stream = Stream(f"accompaniment-{self.id}", str(self.beneficiary))
        self.barrier_ids: dict[acc.BarrierCategory, uuid.UUID] = {}
        self.stream.add(
            acc.AccompanimentOpened(
                **self._base(),
                start_date=start,
                planned_end_date=add_months(start, 12),
                orientation_date=orientation,
            )
        )
        self.start = start

    def _base(self) -> dict:
        return {"accompaniment_id": self.id, "beneficiary_id": self.beneficiary, "agency_id": self.agency}

    def held(self, on: date) -> Person:
        self.stream.add(acc.AppointmentHeld(**self._base(), appointment_id=uuid.uuid4(), held_on=on, first=False))
        return self

    def contract(self, on: date) -> Person:
        deadline = add_months(self.orientation, 1)
        self.stream.add(
            acc.EngagementContractSigned(
                **self._base(),
                signed_on=on,
                deadline=deadline,
                late=on > deadline,
                days_after_orientation=(on - self.orientation).days,
            )
        )
        return self

    def barrier(self, category: acc.BarrierCategory, on: date) -> Person:
        barrier_id = self.barrier_ids[category] = uuid.uuid4()
        self.stream.add(
            acc.BarrierIdentified(**self._base(), barrier_id=barrier_id, category=category, identified_on=on)
        )
        return self

    def lift(self, category: acc.BarrierCategory, on: date) -> Person:
        barrier_id = self.barrier_ids[category]
        self.stream.add(
            acc.BarrierLifted(
                **self._base(), barrier_id=barrier_id, category=category, lifted_on=on, days_since_identified=0
            )
        )
        return self

    def suspend(self, on: date, until: date | None = None) -> Person:
        self.stream.add(
            acc.AccompanimentSuspended(**self._base(), reason=acc.SuspensionReason.SICK_LEAVE, suspended_on=on)
        )
        if until:
            self.stream.add(acc.AccompanimentResumed(**self._base(), resumed_on=until, suspended_days=0))
        return self

    def renew(self, on: date) -> Person:
        end = add_months(self.start, 12)
        self.stream.add(
            acc.AccompanimentRenewed(
                **self._base(),
                reason=acc.RenewalReason.OTHER,
                renewed_on=on,
                previous_planned_end_date=end,
                new_planned_end_date=add_months(end, 12),
                renewal_number=1,
            )
        )
        return self

    def transfer(self, on: date, to: str) -> Person:
        self.stream.add(
            acc.AccompanimentTransferred(
                **{**self._base(), "agency_id": to},
                from_agency_id=self.agency,
                to_agency_id=to,
                commune_code="93027",
                transferred_on=on,
            )
        )
        self.agency = to
        return self

    def close(self, on: date, category: ExitCategory) -> Person:
        self.stream.add(
            acc.AccompanimentClosed(**self._base(), closed_on=on, exit_category=category, exit_group=category.group)
        )
        return self


d = date
MOBILITY, HEALTH = acc.BarrierCategory.MOBILITY, acc.BarrierCategory.HEALTH
HOUSING, FRENCH = acc.BarrierCategory.HOUSING, acc.BarrierCategory.FRENCH_LANGUAGE

A = (
    Person(X, d(2025, 1, 2), d(2025, 1, 10))
    .held(d(2025, 1, 25))
    .held(d(2025, 1, 12))
    .contract(d(2025, 2, 2))
    .barrier(MOBILITY, d(2025, 2, 1))
    .lift(MOBILITY, d(2025, 5, 1))
    .barrier(MOBILITY, d(2025, 6, 1))
)
B = (
    Person(X, d(2025, 1, 31), d(2025, 2, 3))
    .contract(d(2025, 2, 28))
    .suspend(d(2025, 3, 1), d(2025, 4, 1))
    .barrier(HEALTH, d(2025, 3, 5))
    .held(d(2025, 3, 10))
    .close(d(2025, 7, 31), ExitCategory.UNEMPLOYMENT)
)
C = (
    Person(Y, d(2024, 2, 20), d(2024, 3, 1))
    .contract(d(2024, 3, 25))
    .barrier(HOUSING, d(2024, 4, 1))
    .renew(d(2025, 2, 15))
)
D = Person(Y, d(2024, 5, 20), d(2024, 6, 1)).close(d(2025, 1, 15), ExitCategory.QUALIFYING_TRAINING)
E = (
    Person(X, d(2025, 3, 25), d(2025, 4, 1))
    .suspend(d(2025, 5, 1), d(2025, 5, 10))
    .held(d(2025, 4, 20))
    .transfer(d(2025, 7, 1), Y)
    .barrier(FRENCH, d(2025, 6, 20))  # entered after the transfer, dated before it
    .lift(FRENCH, d(2025, 8, 1))
    .contract(d(2025, 7, 15))
    .close(d(2025, 11, 30), ExitCategory.CDD_OR_TEMP_UNDER_6_MONTHS)
)
F = Person(X, d(2025, 11, 20), d(2025, 12, 15)).suspend(d(2025, 12, 20))
G = Person(X, d(2025, 12, 22), d(2025, 12, 23))
H = Person(X, d(2024, 10, 1), d(2024, 10, 10))
I1 = Person(Y, d(2024, 9, 1), d(2024, 9, 5)).close(d(2025, 3, 31), ExitCategory.NO_NEWS)
I2 = Person(X, d(2025, 5, 10), d(2025, 5, 15), beneficiary=I1.beneficiary).held(d(2025, 5, 20))
J = Person(X, d(2025, 2, 10), d(2025, 2, 14)).contract(d(2025, 3, 20)).close(d(2025, 12, 31), ExitCategory.CDI)
PEOPLE = [A, B, C, D, E, F, G, H, I1, I2, J]


def _sessions() -> list[Stream]:
    streams = []
    for agency, theme, day, registered, present in (
        (X, acc.WorkshopTheme.SELF_CONFIDENCE, d(2025, 5, 10), [A, B, E], [A, B]),
        (Y, acc.WorkshopTheme.COVER_LETTERS, d(2026, 1, 10), [C], []),
    ):
        session = uuid.uuid4()
        s = Stream(f"workshop-{session}", str(session))
        s.add(
            acc.WorkshopSessionScheduled(
                session_id=session,
                agency_id=agency,
                theme=theme,
                session_date=day,
                capacity=10,
                scheduled_on=d(2025, 4, 1),
            )
        )
        seats = {
            p: {"session_id": session, "agency_id": agency, "accompaniment_id": p.id, "beneficiary_id": p.beneficiary}
            for p in registered
        }
        for p in registered:
            s.add(acc.ParticipantRegistered(**seats[p], registered_on=d(2025, 4, 2)))
        for p in registered:
            s.add(acc.AttendanceRecorded(**seats[p], theme=theme, session_date=day, attended=p in present))
        streams.append(s)
    return streams


EMPLOYER, N1, N2, N3 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def _need(need: uuid.UUID, agency: str, positions: int, published: date) -> placement.NeedPublished:
    return placement.NeedPublished(
        need_id=need,
        employer_id=EMPLOYER,
        agency_id=agency,
        title_ref=uuid.uuid4(),
        sector="H",
        tasks_ref=uuid.uuid4(),
        weekly_hours=35,
        time_slots=["morning"],
        commune_code="93027",
        required_aptitudes=["handling"],
        working_conditions=["standing"],
        contract_type=ContractType.CDI,
        positions=positions,
        published_on=published,
    )


def _about(intro: uuid.UUID, need: uuid.UUID, person: Person, agency: str) -> dict:
    """What every event of an introduction names: it, its need and employer, the person and the agency."""
    ids = {"introduction_id": intro, "need_id": need, "employer_id": EMPLOYER}
    return ids | {"beneficiary_id": person.beneficiary, "agency_id": agency}


def _introduction(person: Person, need: uuid.UUID, agency: str, on: date) -> tuple[Stream, uuid.UUID]:
    intro = uuid.uuid4()
    made = placement.IntroductionMade(
        **_about(intro, need, person, agency),
        introduced_on=on,
        caseworker=uuid.UUID(int=1),
        sector="H",
        contract_type=ContractType.CDI,
    )
    return Stream(f"introduction-{intro}", str(person.beneficiary)).add(made), intro


def _hire(s: Stream, person: Person, intro: uuid.UUID, need: uuid.UUID, contract, months, start: date) -> uuid.UUID:
    hire = uuid.uuid4()
    s.add(
        placement.HireRecorded(
            hire_id=hire,
            introduction_id=intro,
            beneficiary_id=person.beneficiary,
            agency_id=X,  # placement still names the first agency after a transfer; attribution is by day
            employer_id=EMPLOYER,
            need_id=need,
            contract_type=contract,
            duration_months=months,
            weekly_hours=35,
            start_date=start,
            sector="H",
        )
    )
    return hire


def _placement() -> list[Stream]:
    employer = Stream(f"employer-{EMPLOYER}", str(EMPLOYER))
    employer.add(
        placement.EmployerRegistered(
            employer_id=EMPLOYER,
            siret="73282932000074",
            name_ref=uuid.uuid4(),
            size="pme",
            sector="H",
            social_economy=False,
            siae=False,
            commune_code="93027",
        ),
        at="2025-02-01T10:00:00+00:00",
    )
    employer.add(placement.EmployerAssignedToAgency(employer_id=EMPLOYER, agency_id=X, assigned_on=d(2025, 2, 1)))
    employer.add(
        placement.EmployerContactRecorded(
            employer_id=EMPLOYER,
            contact_id=uuid.uuid4(),
            agency_id=X,
            contact_date=d(2025, 3, 1),
            kind="visit",
            caseworker=uuid.UUID(int=1),
        )
    )
    n1 = Stream(f"need-{N1}", str(EMPLOYER)).add(_need(N1, X, 1, d(2025, 3, 5)))
    n2 = Stream(f"need-{N2}", str(EMPLOYER)).add(_need(N2, X, 2, d(2025, 4, 1)))
    n3 = Stream(f"need-{N3}", str(EMPLOYER)).add(_need(N3, Y, 1, d(2025, 6, 1)))
    ia, intro_a = _introduction(A, N1, X, d(2025, 4, 10))
    hire_a = _hire(ia, A, intro_a, N1, ContractType.CDI, None, d(2025, 5, 1))
    # The filling of N1 was entered on 15 June, with the hire: the need is filled on the hire's own date.
    n1.add(
        placement.NeedFilled(
            need_id=N1, employer_id=EMPLOYER, agency_id=X, filled_on=d(2025, 6, 15), positions_filled=1
        )
    )
    n3.add(
        placement.NeedClosed(need_id=N3, employer_id=EMPLOYER, agency_id=Y, closed_on=d(2025, 9, 1), reason="expired")
    )
    hire_stream = Stream(f"hire-{hire_a}", str(A.beneficiary))
    common = {"hire_id": hire_a, "introduction_id": intro_a, "beneficiary_id": A.beneficiary, "agency_id": X}
    hire_stream.add(
        placement.HireCheckInRecorded(
            **common, employer_id=EMPLOYER, month=6, checked_on=d(2025, 11, 1), still_employed=True
        )
    )
    hire_stream.add(
        placement.HireEndedEarly(
            **common,
            employer_id=EMPLOYER,
            contract_type=ContractType.CDI,
            sector="H",
            start_date=d(2025, 5, 1),
            ended_on=d(2025, 12, 1),
            days_in_post=214,
            reason="resignation",
        )
    )
    ib, intro_b = _introduction(B, N2, X, d(2025, 4, 12))
    ib.add(
        placement.IntroductionNotHired(
            **_about(intro_b, N2, B, X), decided_on=d(2025, 4, 20), reason="employer_declined"
        )
    )
    ie, intro_e = _introduction(E, N2, X, d(2025, 8, 10))  # after E moved to Y
    _hire(ie, E, intro_e, N2, ContractType.CDD, 3, d(2025, 8, 20))
    immersion = uuid.uuid4()
    im = Stream(f"immersion-{immersion}", str(B.beneficiary))
    ids = {"immersion_id": immersion, "beneficiary_id": B.beneficiary, "agency_id": X}
    im.add(
        placement.ImmersionAgreed(
            **ids,
            host_kind="employer",
            employer_id=EMPLOYER,
            host_name_ref=uuid.uuid4(),
            sector="H",
            start_date=d(2025, 6, 1),
            end_date=d(2025, 6, 14),
            days_of_presence=10,
            agreed_on=d(2025, 5, 20),
        )
    )
    im.add(
        placement.ImmersionCompleted(
            **ids,
            host_kind="employer",
            employer_id=EMPLOYER,
            completed_on=d(2025, 6, 14),
            outcome="hired",
            total_days_of_presence=10,
        )
    )
    return [employer, n1, n2, n3, ia, hire_stream, ib, ie, im]


STREAMS = [*(p.stream for p in PEOPLE), *_sessions(), *_placement()]


def interleave(streams: list[Stream], seed: int) -> list[Event]:
    """All events, partition keys interleaved at random; one key's events keep their order (one partition)."""
    rng = random.Random(seed)
    by_key: dict[str, list[Event]] = {}
    for stream in streams:
        by_key.setdefault(stream.key, []).extend(stream.events)
    queues = [list(q) for q in by_key.values()]
    out = []
    while any(queues):
        queue = rng.choice([q for q in queues if q])
        out.append(queue.pop(0))
    return out


def compute(q: indicators.Query = YEAR, seed: int = 1) -> indicators.AllScopes:
    facts = projection.fold_all(interleave(STREAMS, seed))
    return indicators.compute(indicators.Snapshot.of(facts), q)


@pytest.fixture(scope="module")
def year() -> indicators.AllScopes:
    return compute()


def _pick(figures: dict, keys) -> dict:
    return {k: figures[k] for k in keys}


def test_caseload_with_suspended_and_overdue_people_and_a_closure_on_the_as_of_date(year):
    # X: A, F (suspended), G, H (overdue), I's return; J closed that day is gone. Y: C (renewed, not overdue).
    keys = ("caseload", "suspended", "overdue")
    assert _pick(year.of(None)["accompaniments"], keys) == {"caseload": 6, "suspended": 1, "overdue": 1}
    assert _pick(year.of(X)["accompaniments"], keys) == {"caseload": 5, "suspended": 1, "overdue": 1}
    assert _pick(year.of(Y)["accompaniments"], keys) == {"caseload": 1, "suspended": 0, "overdue": 0}


def test_entries_returns_renewals_suspensions_and_transfers_attributed_on_the_day(year):
    keys = ("entries", "returns", "renewals", "suspensions", "transfers_in", "transfers_out")
    # Entries A, B, E, F, G, I's return, J, all opened at X; E's suspension is dated before its transfer.
    assert _pick(year.of(None)["accompaniments"], keys) == dict(
        entries=7, returns=1, renewals=1, suspensions=3, transfers_in=1, transfers_out=1
    )
    assert _pick(year.of(X)["accompaniments"], keys) == dict(
        entries=7, returns=1, renewals=0, suspensions=3, transfers_in=0, transfers_out=1
    )
    assert _pick(year.of(Y)["accompaniments"], keys) == dict(
        entries=0, returns=0, renewals=1, suspensions=0, transfers_in=1, transfers_out=0
    )


def test_exits_groups_rates_and_durations(year):
    dept, x, y = (year.of(s)["accompaniments"] for s in (None, X, Y))
    # B (unemployment, 178 d) and J (CDI, 320 d) at X; D (training, 228 d), E after its transfer (CDD < 6 months,
    # 243 d) and I's first accompaniment (no news, 207 d) at Y.
    assert dept["exits"] == 5 and x["exits"] == 2 and y["exits"] == 3
    assert dept["exits_by_group"] == {
        "emploi_durable": 1,
        "emploi_transition": 1,
        "sortie_positive": 1,
        "autre_sortie": 2,
    }
    assert x["exits_by_category"] == {"cdi": 1, "unemployment": 1}
    assert y["exits_by_category"] == {"cdd_or_temp_under_6_months": 1, "no_news": 1, "qualifying_training": 1}
    assert (dept["positive_exits"], dept["positive_exit_rate"], dept["emploi_durable_rate"]) == (3, 0.6, 0.2)
    assert dept["sorties_dynamiques_rate"] == 0.6
    assert (x["positive_exit_rate"], x["emploi_durable_rate"]) == (0.5, 0.5)
    assert (y["positive_exit_rate"], y["emploi_durable_rate"]) == (0.6667, 0.0)
    assert (dept["average_duration_days"], dept["median_duration_days"]) == (235.2, 228)
    assert (x["average_duration_days"], x["median_duration_days"]) == (249.0, 249.0)
    assert (y["average_duration_days"], y["median_duration_days"]) == (226.0, 228)


def test_the_headline_rate_follows_its_setting():
    narrow = compute(indicators.Query(YEAR.start, YEAR.end, AS_OF, positive_groups=("emploi_durable",)))
    assert narrow.of(None)["accompaniments"]["positive_exit_rate"] == 0.2
    assert narrow.of(None)["accompaniments"]["sorties_dynamiques_rate"] == 0.6


def test_first_appointment_is_the_earliest_held_and_waiting_people_count_as_late(year):
    f = year.of(None)["follow_up"]
    # A's first is 12 Jan (delay 10) though entered after 25 Jan; B 38 days; E 26; I's return 10.
    # F and J are still waiting past both targets (not within); G, oriented 9 days ago, is not yet due.
    assert f["entries_with_first_appointment"] == 4 and f["entries_without_first_appointment"] == 3
    assert (f["first_appointment_under_15_days"], f["first_appointment_under_15_days_due"]) == (2, 6)
    assert f["first_appointment_under_15_days_share"] == 0.3333
    assert (f["first_appointment_under_30_days"], f["first_appointment_under_30_days_due"]) == (3, 6)
    assert f["first_appointment_under_30_days_share"] == 0.5
    assert year.of(Y)["follow_up"]["first_appointment_under_15_days_share"] is None


def test_contracts_in_time_within_one_calendar_month(year):
    # A on its deadline (2 Feb), B on 28 Feb (oriented 31 Jan), J late; E late and signed at Y after its transfer.
    keys = ("contracts_signed", "contracts_signed_in_time", "contracts_signed_in_time_share")
    assert _pick(year.of(None)["follow_up"], keys) == dict(
        contracts_signed=4, contracts_signed_in_time=2, contracts_signed_in_time_share=0.5
    )
    assert _pick(year.of(X)["follow_up"], keys) == dict(
        contracts_signed=3, contracts_signed_in_time=2, contracts_signed_in_time_share=0.6667
    )
    assert _pick(year.of(Y)["follow_up"], keys) == dict(
        contracts_signed=1, contracts_signed_in_time=0, contracts_signed_in_time_share=0.0
    )


@pytest.mark.parametrize(
    ("orientation", "deadline"),
    [
        (d(2025, 3, 15), d(2025, 4, 15)),
        (d(2025, 1, 31), d(2025, 2, 28)),
        (d(2024, 1, 31), d(2024, 2, 29)),
        (d(2025, 12, 31), d(2026, 1, 31)),
    ],
)
def test_the_contract_deadline_is_one_calendar_month(orientation, deadline):
    assert definitions.contract_deadline(orientation) == deadline


def test_barriers_each_identification_counts_and_attribution_is_by_day(year):
    dept = year.of(None)["barriers"]
    # A's mobility twice (lifted once, then open), B's health (B closed: not open), E's French language
    # (identified at X before the transfer, lifted at Y), C's housing (identified in 2024, still open at Y).
    assert (dept["identified"], dept["lifted"], dept["open"]) == (4, 2, 2)
    assert dept["by_category"] == {
        "french_language": {"identified": 1, "lifted": 1, "open": 0},
        "health": {"identified": 1, "lifted": 0, "open": 0},
        "housing": {"identified": 0, "lifted": 0, "open": 1},
        "mobility": {"identified": 2, "lifted": 1, "open": 1},
    }
    assert year.of(X)["barriers"]["by_category"] == {
        "french_language": {"identified": 1, "lifted": 0, "open": 0},
        "health": {"identified": 1, "lifted": 0, "open": 0},
        "mobility": {"identified": 2, "lifted": 1, "open": 1},
    }
    assert year.of(Y)["barriers"]["by_category"] == {
        "french_language": {"identified": 0, "lifted": 1, "open": 0},
        "housing": {"identified": 0, "lifted": 0, "open": 1},
    }


def test_a_barrier_met_twice_is_two_barriers_with_stable_identities():
    facts = projection.fold_all(A.stream.events)
    barriers = facts.get(Accompaniment, str(A.id)).barriers
    assert [(b.category, b.identified_on, b.lifted_on) for b in barriers] == [
        ("mobility", d(2025, 2, 1), d(2025, 5, 1)),
        ("mobility", d(2025, 6, 1), None),
    ]
    again = projection.fold_all(A.stream.events)
    assert [b.barrier_id for b in again.get(Accompaniment, str(A.id)).barriers] == [b.barrier_id for b in barriers]
    assert len({b.barrier_id for b in barriers}) == 2


def test_workshops_by_theme(year):
    w = year.of(None)["workshops"]
    assert (w["sessions"], w["registrations"], w["attendance"], w["attendance_rate"]) == (1, 3, 2, 0.6667)
    assert list(w["by_theme"]) == ["self_confidence"], "the 2026 session is outside the period"
    assert year.of(Y)["workshops"]["sessions"] == 0


def test_placement_figures_follow_the_person_and_needs_are_filled_on_the_hire_date(year):
    dept, x, y = (year.of(s)["placement"] for s in (None, X, Y))
    assert (dept["employers_registered"], x["employers_registered"], y["employers_registered"]) == (1, 1, 0)
    assert (dept["employers_active"], x["employers_active"], y["employers_active"]) == (1, 1, 1)
    assert (dept["needs_published"], x["needs_published"], y["needs_published"]) == (3, 2, 1)
    assert (dept["needs_open"], x["needs_open"], y["needs_open"]) == (1, 1, 0), "N2 only: one hire of two"
    assert dept["introductions_by_outcome"] == {"hired": 2, "not_hired": 1}
    assert x["introductions_by_outcome"] == {"hired": 1, "not_hired": 1}
    assert y["introductions_by_outcome"] == {"hired": 1}, "E was introduced after moving to Y"
    assert (x["hires_by_contract"], y["hires_by_contract"]) == ({"cdi": 1}, {"cdd": 1})
    assert dept["hires"] == 2 and dept["hires_by_sector"] == {"H": 2}
    assert (x["hires_ended_early"], x["six_month_check_ins"], x["still_employed_at_6_months_share"]) == (1, 1, 1.0)
    assert dept["immersions_by_outcome"] == {"hired": 1} and x["immersions"] == 1 and y["immersions"] == 0


def test_a_need_is_open_until_the_hire_that_fills_it_not_until_the_hire_is_entered():
    spring = compute(indicators.Query(d(2025, 1, 1), d(2025, 5, 31), d(2025, 5, 31)))
    # On 31 May N1 is filled (hired from 1 May, entered on 15 June), N2 is open, N3 not yet published.
    assert spring.of(None)["placement"]["needs_open"] == 1
    june = compute(indicators.Query(d(2025, 6, 1), d(2025, 6, 30), d(2025, 6, 30)))
    assert june.of(None)["placement"]["needs_open"] == 2, "N2 and N3"


def test_cohorts_of_entrants(year):
    cohorts = {c["month"]: c for c in year.of(None)["cohorts"]}
    assert {m: c["entered"] for m, c in cohorts.items()} == {
        "2025-01": 1,
        "2025-02": 2,
        "2025-04": 1,
        "2025-05": 1,
        "2025-12": 2,
    }
    # February: B left within 6 months (unemployment), J within 12 (CDI, on the as-of date); April: E (CDD).
    assert cohorts["2025-02"]["exited_within_6_months"] == 1
    assert cohorts["2025-02"]["exits_by_group_within_12_months"] == {
        "emploi_durable": 1,
        "emploi_transition": 0,
        "sortie_positive": 0,
        "autre_sortie": 1,
    }
    assert cohorts["2025-04"]["exited_within_6_months"] == 0 and cohorts["2025-04"]["exited_within_12_months"] == 1


def test_as_of_a_past_date():
    mid_year = compute(indicators.Query(d(2025, 1, 1), d(2025, 6, 30), d(2025, 6, 30))).of(None)["accompaniments"]
    # On 30 June: A, B, E (not yet transferred), H (not yet overdue), I's return, J at X; C at Y.
    assert (mid_year["caseload"], mid_year["overdue"], mid_year["exits"]) == (7, 0, 2)


def test_agencies_add_up_to_the_department(year):
    for section, name in (
        ("accompaniments", "caseload"),
        ("accompaniments", "entries"),
        ("accompaniments", "exits"),
        ("follow_up", "contracts_signed"),
        ("barriers", "identified"),
        ("placement", "hires"),
    ):
        assert sum(year.of(a)[section][name] for a in year.agencies) == year.of(None)[section][name], name


def test_replays_redeliveries_and_other_interleavings_give_identical_figures(year):
    events = interleave(STREAMS, seed=3)
    once = projection.fold_all(events)
    twice = projection.fold_all(events + events)
    redelivered = projection.fold_all([e for e in events for _ in range(2)])
    for facts in (twice, redelivered):
        assert facts.by_kind == once.by_kind
    for scope in (None, X, Y):
        assert indicators.compute(indicators.Snapshot.of(once), YEAR).of(scope) == year.of(scope)


def test_every_figure_has_a_definition_and_every_definition_a_figure(year):
    figures = year.of(None)
    produced = {
        (s, k) for s in ("accompaniments", "follow_up", "barriers", "workshops", "placement") for k in figures[s]
    }
    produced |= {("cohorts", k) for c in figures["cohorts"] for k in c if k != "month" and "by_group" not in k}
    assert produced == set(definitions.DEFINITIONS_BY_NAME)
    assert all(d.text and d.text_fr and d.label for d in definitions.DEFINITIONS)


def test_exit_groups_are_named_once():
    assert set(definitions.SORTIES_DYNAMIQUES) < set(definitions.EXIT_GROUP_NAMES)
    assert definitions.DEFAULT_HEADLINE_GROUPS == definitions.SORTIES_DYNAMIQUES
    assert {definitions.exit_group(c.value) for c in ExitCategory} == set(definitions.EXIT_GROUP_NAMES)
