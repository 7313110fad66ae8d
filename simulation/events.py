"""The simulated department written straight onto topics as the events the platform would publish.

For measuring reporting at full scale (rebuild, catch-up, restart, indicators under load) in seconds instead
of loading the department through the APIs: the same seeded plan (`population.py`), the same event contracts,
headers, keys and partitions as the outbox relay. It never touches a service's database, so it is only for
reporting's own measurements, on topics of their own (the platform's names with a suffix), published as the admin
principal (credentials from ALI_SECRETS_DIR, e.g. `source deploy/local/env.sh`):

    python -m simulation.events --suffix perf [--size full] [--seed 93]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from shared.contracts import accompaniment as acc
from shared.contracts import intake, placement
from shared.contracts.employment import exit_category_for
from shared.envelope import Envelope
from shared.events import DomainEvent
from shared.kafka import ensure_topics, make_producer
from shared.settings import PlatformSettings
from simulation import population
from simulation.population import SECTORS, WORKSHOP_THEMES, Plan

SIZES = {"full": population.DEPARTMENT_CASELOAD, "small": 300}
# The staff id the simulated caseworkers' events carry.
CASEWORKER = uuid.UUID("00000000-0000-4000-8000-00000000c0de")


class Streams:
    """Numbers each stream's events, as the event store does, and keeps them by topic."""

    def __init__(self) -> None:
        self.versions: dict[str, int] = {}
        self.by_topic: dict[str, list[Envelope]] = {"intake": [], "accompaniment": [], "placement": []}

    def add(self, stream_id: str, key: str, event: DomainEvent, on: date) -> None:
        version = self.versions.get(stream_id, 0) + 1
        self.versions[stream_id] = version
        self.by_topic[event.context].append(
            Envelope.of(
                event,
                source=f"/ali/{event.context}",
                stream_id=stream_id,
                stream_version=version,
                partition_key=key,
                correlation_id=uuid.uuid4(),
                time=datetime(on.year, on.month, on.day, 10, tzinfo=UTC),
            )
        )

    def count(self) -> int:
        """Events written."""
        return sum(len(v) for v in self.by_topic.values())


def _person(s: Streams, p: Plan, rng: random.Random, employers: dict[str, list[uuid.UUID]], today: date) -> None:
    b, a = uuid.uuid4(), uuid.uuid4()
    key = str(b)
    s.add(
        f"beneficiary-{b}",
        key,
        intake.BeneficiaryEnrolled(
            beneficiary_id=b,
            agency_id=p.agency_id,
            commune_code=p.commune_code,
            age_band="26_34",
            household_type=p.household_type,
            orientation_date=p.orientation,
            enrolled_on=p.enrolment,
            referral_source="caf_monthly_list",
        ),
        p.enrolment,
    )
    stream = f"accompaniment-{a}"
    head = {"accompaniment_id": a, "beneficiary_id": b, "agency_id": p.agency_id}

    def add(event: DomainEvent, on: date) -> None:
        s.add(stream, key, event, on)

    planned_end = (
        p.enrolment.replace(year=p.enrolment.year + 1) if p.enrolment.month != 2 else p.enrolment + timedelta(365)
    )
    add(
        acc.AccompanimentOpened(
            **head, start_date=p.enrolment, planned_end_date=planned_end, orientation_date=p.orientation
        ),
        p.enrolment,
    )
    if p.contract_signed:
        deadline = p.orientation + timedelta(days=30)
        add(
            acc.EngagementContractSigned(
                **head,
                signed_on=p.contract_signed,
                deadline=deadline,
                late=p.contract_signed > deadline,
                days_after_orientation=(p.contract_signed - p.orientation).days,
            ),
            p.contract_signed,
        )
    if p.first_appointment:
        appointment = uuid.uuid4()
        add(
            acc.AppointmentScheduled(
                **head, appointment_id=appointment, appointment_date=p.first_appointment, scheduled_on=p.enrolment
            ),
            p.enrolment,
        )
        add(
            acc.AppointmentHeld(
                **head,
                appointment_id=appointment,
                held_on=p.first_appointment,
                first=True,
                days_since_orientation=(p.first_appointment - p.orientation).days,
            ),
            p.first_appointment,
        )
    for category, identified, lifted in p.barriers:
        barrier = uuid.uuid4()
        add(acc.BarrierIdentified(**head, barrier_id=barrier, category=category, identified_on=identified), identified)
        if lifted:
            add(
                acc.BarrierLifted(
                    **head,
                    barrier_id=barrier,
                    category=category,
                    lifted_on=lifted,
                    days_since_identified=(lifted - identified).days,
                ),
                lifted,
            )
    if p.wants_work:
        add(
            acc.CandidateProfileUpdated(
                **head,
                commune_code=p.commune_code,
                aptitudes=["handling"],
                available_slots=["morning"],
                max_weekly_hours=35,
                max_commute_km=10,
            ),
            p.enrolment,
        )
    if p.suspension:
        since, until = p.suspension
        add(acc.AccompanimentSuspended(**head, reason="sick_leave", suspended_on=since), since)
        if until:
            add(acc.AccompanimentResumed(**head, resumed_on=until, suspended_days=(until - since).days), until)
    if p.renewal:
        add(
            acc.AccompanimentRenewed(
                **head,
                reason="job_search_in_progress",
                renewed_on=p.renewal,
                previous_planned_end_date=planned_end,
                new_planned_end_date=planned_end + timedelta(days=365),
                renewal_number=1,
            ),
            p.renewal,
        )
    employer = rng.choice(employers[p.agency_id])
    if p.hire or p.failed_introduction:
        day = p.hire[0] if p.hire else p.failed_introduction
        need, intro = uuid.uuid4(), uuid.uuid4()
        contract, months = (p.hire[1], p.hire[2]) if p.hire else ("cdi", None)
        s.add(
            f"need-{need}",
            str(employer),
            placement.NeedPublished(
                need_id=need,
                employer_id=employer,
                agency_id=p.agency_id,
                title_ref=uuid.uuid4(),
                sector=rng.choice(SECTORS),
                tasks_ref=uuid.uuid4(),
                weekly_hours=30,
                time_slots=["morning"],
                commune_code=p.commune_code,
                required_aptitudes=[],
                working_conditions=[],
                contract_type=contract,
                duration_months=months,
                positions=1,
                published_on=day - timedelta(days=3),
            ),
            day,
        )
        ids = {
            "introduction_id": intro,
            "need_id": need,
            "employer_id": employer,
            "beneficiary_id": b,
            "agency_id": p.agency_id,
        }
        s.add(
            f"introduction-{intro}",
            key,
            placement.IntroductionMade(
                **ids, introduced_on=day, caseworker=CASEWORKER, sector="H", contract_type=contract
            ),
            day,
        )
        if p.hire:
            hire = uuid.uuid4()
            s.add(
                f"introduction-{intro}",
                key,
                placement.HireRecorded(
                    hire_id=hire,
                    introduction_id=intro,
                    beneficiary_id=b,
                    agency_id=p.agency_id,
                    employer_id=employer,
                    need_id=need,
                    contract_type=contract,
                    duration_months=months,
                    weekly_hours=30,
                    start_date=day,
                    sector="H",
                ),
                day,
            )
            s.add(
                f"need-{need}",
                str(employer),
                placement.NeedFilled(
                    need_id=need, employer_id=employer, agency_id=p.agency_id, filled_on=day, positions_filled=1
                ),
                day,
            )
            category = exit_category_for(contract, months)
            add(
                acc.ExitProposed(
                    **head, hire_id=hire, exit_category=category, exit_group=category.group, proposed_on=day
                ),
                day,
            )
            for month in (1, 3, 6):
                checked = day + timedelta(days=30 * month + 2)
                if checked <= today:
                    s.add(
                        f"introduction-{intro}",
                        key,
                        placement.HireCheckInRecorded(
                            hire_id=hire,
                            introduction_id=intro,
                            beneficiary_id=b,
                            agency_id=p.agency_id,
                            employer_id=employer,
                            month=month,
                            checked_on=checked,
                            still_employed=rng.random() < 0.85,
                        ),
                        checked,
                    )
        else:
            s.add(
                f"introduction-{intro}",
                key,
                placement.IntroductionNotHired(**ids, decided_on=day, reason="employer_declined"),
                day,
            )
    if p.immersion:
        start, days = p.immersion
        immersion = uuid.uuid4()
        ids = {"immersion_id": immersion, "beneficiary_id": b, "agency_id": p.agency_id}
        end = start + timedelta(days=days + days // 5 * 2)
        s.add(
            f"immersion-{immersion}",
            key,
            placement.ImmersionAgreed(
                **ids,
                host_kind="employer",
                employer_id=employer,
                sector="G",
                start_date=start,
                end_date=end,
                days_of_presence=days,
                agreed_on=start,
            ),
            start,
        )
        if end < today:
            s.add(
                f"immersion-{immersion}",
                key,
                placement.ImmersionCompleted(
                    **ids,
                    host_kind="employer",
                    employer_id=employer,
                    completed_on=end,
                    outcome="no_follow_up",
                    total_days_of_presence=days,
                ),
                end,
            )
    if p.exit:
        closed, category = p.exit
        add(
            acc.AccompanimentClosed(**head, closed_on=closed, exit_category=category, exit_group=category.group), closed
        )
    p.ids = (b, a)  # type: ignore[attr-defined]


def department_events(size: int, seed: int, today: date) -> Streams:
    """Every event of the seeded plan of the department."""
    rng = random.Random(seed)
    plans = population.department(seed=seed, caseload=size, today=today)
    s = Streams()
    employers: dict[str, list[uuid.UUID]] = {}
    for agency in sorted({p.agency_id for p in plans}):
        people = sum(1 for p in plans if p.agency_id == agency)
        for _ in range(max(3, people // 60)):
            e = uuid.uuid4()
            employers.setdefault(agency, []).append(e)
            s.add(
                f"employer-{e}",
                str(e),
                placement.EmployerRegistered(
                    employer_id=e,
                    siret="73282932000074",
                    name_ref=uuid.uuid4(),
                    size="pme",
                    sector=rng.choice(SECTORS),
                    social_economy=False,
                    siae=False,
                    commune_code="93027",
                ),
                today - timedelta(days=400),
            )
            s.add(
                f"employer-{e}",
                str(e),
                placement.EmployerAssignedToAgency(
                    employer_id=e, agency_id=agency, assigned_on=today - timedelta(days=400)
                ),
                today - timedelta(days=400),
            )
            contact = today - timedelta(days=rng.randint(1, 300))
            s.add(
                f"employer-{e}",
                str(e),
                placement.EmployerContactRecorded(
                    employer_id=e,
                    contact_id=uuid.uuid4(),
                    agency_id=agency,
                    contact_date=contact,
                    kind="visit",
                    caseworker=CASEWORKER,
                ),
                contact,
            )
    for p in plans:
        _person(s, p, rng, employers, today)
    sessions: dict[tuple[str, date], list[Plan]] = {}
    for p in plans:
        for month in p.workshop_months:
            sessions.setdefault((p.agency_id, month), []).append(p)
    for (agency, month), people in sorted(sessions.items()):
        for n in range(0, len(people), 12):
            session, day = uuid.uuid4(), min(today, month + timedelta(days=7))
            theme = WORKSHOP_THEMES[month.month % len(WORKSHOP_THEMES)]
            sid = f"workshop-{session}"
            s.add(
                sid,
                str(session),
                acc.WorkshopSessionScheduled(
                    session_id=session, agency_id=agency, theme=theme, session_date=day, capacity=12, scheduled_on=month
                ),
                month,
            )
            for p in people[n : n + 12]:
                b, a = p.ids  # type: ignore[attr-defined]
                ids = {"session_id": session, "agency_id": agency, "accompaniment_id": a, "beneficiary_id": b}
                s.add(sid, str(session), acc.ParticipantRegistered(**ids, registered_on=month), month)
                s.add(
                    sid,
                    str(session),
                    acc.AttendanceRecorded(**ids, theme=theme, session_date=day, attended=rng.random() < 0.8),
                    day,
                )
    return s


def _records(envelopes: list[Envelope]) -> Iterator[tuple[bytes, bytes, list]]:
    for e in envelopes:
        yield e.kafka_key(), e.kafka_value(), e.kafka_headers()


async def publish(settings: PlatformSettings, streams: Streams) -> int:
    """Send every event to its context's topic, keyed like the relay; returns the number sent."""
    topics = {c: settings.topic(f"{c}.events") for c in streams.by_topic}
    await ensure_topics(settings, topics.values())
    producer = make_producer(settings, linger_ms=20)
    await producer.start()
    sent = 0
    try:
        for context, envelopes in streams.by_topic.items():
            pending = []
            for key, value, headers in _records(envelopes):
                pending.append(await producer.send(topics[context], value=value, key=key, headers=headers))
                if len(pending) >= 5000:
                    await asyncio.gather(*pending)
                    sent += len(pending)
                    pending = []
            await asyncio.gather(*pending)
            sent += len(pending)
    finally:
        await producer.stop()
    return sent


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(prog="python -m simulation.events", description=__doc__.splitlines()[0])
    parser.add_argument("--suffix", required=True, help="topic suffix of the measurement, e.g. perf")
    parser.add_argument("--size", default="full", help="full (about 17,000 active), small (300), or a caseload")
    parser.add_argument("--seed", type=int, default=93)
    args = parser.parse_args()
    settings = PlatformSettings.of("admin", topic_suffix=args.suffix)
    started = time.monotonic()
    streams = department_events(SIZES.get(args.size) or int(args.size), args.seed, date.today())
    print(f"{streams.count()} events planned in {time.monotonic() - started:.0f} s", file=sys.stderr)
    sent = asyncio.run(publish(settings, streams))
    print(
        f"{sent} events published on ali.*.events.{args.suffix} in {time.monotonic() - started:.0f} s", file=sys.stderr
    )


if __name__ == "__main__":
    main()
