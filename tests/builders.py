"""Events, envelopes and commands as the tests build them: plausible values, each test naming only what it is about."""

from __future__ import annotations

import io
import random
import string
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import openpyxl

from services.intake.domain.commands import ReferBeneficiary
from services.placement.domain.candidate import Candidate
from services.placement.domain.commands import PublishNeed
from services.placement.domain.state import Need
from services.reporting.domain.projection import Event
from shared.contracts import REGISTRY
from shared.contracts.accompaniment import CandidateProfileUpdated, TimeSlot
from shared.contracts.employment import ContractType
from shared.contracts.intake import AgeBand, BeneficiaryEnrolled, BeneficiaryTransferred, HouseholdType
from shared.contracts.placement import EmployerRegistered, EmployerSize, HireRecorded
from shared.envelope import Envelope
from shared.events import DomainEvent


def a_name() -> str:
    """A random name, so that each test refers someone the platform does not know."""
    return "".join(random.choices(string.ascii_lowercase, k=10)).capitalize()


def newcomer(commune_code: str = "93027", oriented_days_ago: int = 20, **extra: Any) -> dict[str, Any]:
    """The body of a referral of someone new (random names and birth date) oriented `oriented_days_ago` days ago."""
    return {
        "first_name": a_name(),
        "last_name": a_name(),
        "birth_date": (date(1975, 1, 1) + timedelta(days=random.randint(0, 9000))).isoformat(),
        "commune_code": commune_code,
        "orientation_date": (date.today() - timedelta(days=oriented_days_ago)).isoformat(),
        **extra,
    }


def referral(**changes: Any) -> ReferBeneficiary:
    """Aminata Diallo, born on 4 May 1990, living in La Courneuve, oriented on 10 January 2025."""
    values: dict[str, Any] = dict(
        first_name="Aminata",
        last_name="Diallo",
        birth_date=date(1990, 5, 4),
        commune_code="93027",
        orientation_date=date(2025, 1, 10),
    )
    return ReferBeneficiary(**(values | changes))


def enrolment(**changes: Any) -> BeneficiaryEnrolled:
    """A person enrolled at La Courneuve (in its commune), under 26, single, oriented on 10 January 2025."""
    values: dict[str, Any] = dict(
        beneficiary_id=uuid.uuid4(),
        agency_id="ali-la-courneuve",
        commune_code="93027",
        age_band=AgeBand.UNDER_26,
        household_type=HouseholdType.SINGLE,
        orientation_date=date(2025, 1, 10),
        enrolled_on=date(2025, 1, 20),
        referral_source="test",
    )
    return BeneficiaryEnrolled(**(values | changes))


def moved(
    beneficiary_id: uuid.UUID,
    on: date,
    to_agency_id: str = "ali-clichy-sous-bois",
    commune_code: str = "93014",
    from_agency_id: str = "ali-la-courneuve",
) -> BeneficiaryTransferred:
    """A person followed at La Courneuve moved on `on` to Clichy-sous-Bois (or to the agency and commune given)."""
    return BeneficiaryTransferred(
        beneficiary_id=beneficiary_id,
        from_agency_id=from_agency_id,
        to_agency_id=to_agency_id,
        commune_code=commune_code,
        transferred_on=on,
    )


def employer_body(**changes: Any) -> dict[str, Any]:
    """The body registering an employer: a logistics platform of La Courneuve, a PME of section H."""
    values = {"siret": "73282932000074", "name": "Plateforme logistique Nord", "size": "pme", "sector": "H"}
    values["commune_code"] = "93027"
    return values | changes


def hire_recorded(
    beneficiary_id: uuid.UUID, contract: ContractType, months: float | None = None, **changes: Any
) -> HireRecorded:
    """A hire of a person followed at La Courneuve, 35 hours a week in section H from 1 May 2025."""
    values: dict[str, Any] = dict(
        hire_id=uuid.uuid4(),
        introduction_id=uuid.uuid4(),
        agency_id="ali-la-courneuve",
        employer_id=uuid.uuid4(),
        weekly_hours=35,
        start_date=date(2025, 5, 1),
        sector="H",
    )
    return HireRecorded(
        beneficiary_id=beneficiary_id, contract_type=contract, duration_months=months, **(values | changes)
    )


def employer_registered(n: int = 0) -> EmployerRegistered:
    """A small event of any stream: an employer registered, `n` telling one from another (its name's reference)."""
    return EmployerRegistered(
        employer_id=uuid.uuid4(),
        siret="73282932000074",
        name_ref=uuid.UUID(int=n),
        size=EmployerSize.TPE,
        sector="S",
        social_economy=False,
        siae=False,
        commune_code="93027",
    )


def need(**changes: Any) -> Need:
    """An open need of La Courneuve for 24 hours a week of mornings, a six-month CDD, published on 5 January 2026."""
    values: dict[str, Any] = dict(
        id=uuid.uuid4(),
        employer_id=uuid.uuid4(),
        agency_id="ali-la-courneuve",
        title_ref=uuid.uuid4(),
        sector="I",
        tasks_ref=uuid.uuid4(),
        weekly_hours=24,
        time_slots=(TimeSlot.MORNING,),
        commune_code="93027",
        required_aptitudes=(),
        working_conditions=(),
        contract_type=ContractType.CDD,
        duration_months=6,
        positions=1,
        published_on=date(2026, 1, 5),
    )
    return Need(**(values | changes))


def need_publication(employer_id: uuid.UUID, **changes: Any) -> PublishNeed:
    """A need of `employer_id` to publish: a kitchen porter washing up, 24 hours a week of mornings, a CDI."""
    values: dict[str, Any] = dict(
        title="kitchen porter", tasks=["washing up"], weekly_hours=24, time_slots=["morning"], contract_type="cdi"
    )
    return PublishNeed(employer_id=employer_id, **(values | changes))


def candidate(**changes: Any) -> Candidate:
    """An active candidate of La Courneuve, free in the mornings, 35 hours at most, within 5 km, without licence."""
    values: dict[str, Any] = dict(
        beneficiary_id=uuid.uuid4(),
        agency_id="ali-la-courneuve",
        commune_code="93027",
        aptitudes=frozenset(),
        available_slots=frozenset({TimeSlot.MORNING}),
        max_weekly_hours=35,
        max_commute_km=5,
        driving_licence=False,
    )
    return Candidate(**(values | changes))


def candidate_profile(
    beneficiary_id: uuid.UUID, accompaniment_id: uuid.UUID, **changes: Any
) -> CandidateProfileUpdated:
    """The profile accompaniment shares of a person of La Courneuve: cleaning, mornings and afternoons, 35 h, 5 km."""
    values: dict[str, Any] = dict(
        accompaniment_id=accompaniment_id,
        beneficiary_id=beneficiary_id,
        agency_id="ali-la-courneuve",
        commune_code="93027",
        aptitudes=["cleaning"],
        available_slots=["morning", "afternoon"],
        max_weekly_hours=35,
        max_commute_km=5,
    )
    return CandidateProfileUpdated(**(values | changes))


def xlsx_of(rows: list[list]) -> bytes:
    """A workbook whose first sheet holds these rows."""
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def as_recorded(event: Event, key: str | None = None) -> Envelope:
    """An event of reporting's test scenarios as its context recorded it (keyed by its stream unless `key`)."""
    cls = next(c for c in REGISTRY.classes() if c.event_type() == event.type)
    return Envelope(
        id=uuid.uuid4(),
        source=f"/ali/{cls.context}",
        type=event.type,
        time=datetime.fromisoformat(event.time),
        dataschema=cls.dataschema(),
        schema_version=cls.schema_version,
        stream_id=event.stream_id,
        stream_version=event.stream_version,
        partition_key=key or event.stream_id,
        correlation_id=uuid.uuid4(),
        data=event.data,
    )


def envelope_of(
    event: DomainEvent,
    stream_id: str,
    version: int = 1,
    *,
    key: str | None = None,
    source: str | None = None,
    time: datetime | None = None,
    subject: str | None = None,
) -> Envelope:
    """`event` as its context's relay would publish it (keyed by its stream unless `key`, now unless `time`)."""
    return Envelope.of(
        event,
        source=source or f"/ali/{event.context}",
        stream_id=stream_id,
        stream_version=version,
        partition_key=key or stream_id,
        correlation_id=uuid.uuid4(),
        subject=subject,
        time=time,
    )
