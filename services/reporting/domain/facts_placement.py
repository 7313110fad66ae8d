"""Fact rows from placement's events: employers, needs, introductions, hires, immersions."""

from __future__ import annotations

from services.reporting.domain.facts import Lookup, Row, on
from shared.contracts.placement import (
    EmployerAssignedToAgency,
    EmployerContactRecorded,
    EmployerRegistered,
    HireCheckInRecorded,
    HireEndedEarly,
    HireRecorded,
    ImmersionAgreed,
    ImmersionCompleted,
    ImmersionRenewed,
    IntroductionMade,
    IntroductionNotHired,
    NeedClosed,
    NeedFilled,
    NeedPublished,
)
from shared.envelope import Envelope

Changes = list[tuple[str, Row]]


def _update(lookup: Lookup, key: str, **changes) -> Changes:
    row = lookup(key)
    return [] if row is None else [(key, {**row, **changes})]


@on(EmployerRegistered)
def employer_registered(event: EmployerRegistered, envelope: Envelope, lookup: Lookup) -> Changes:
    key = f"employer:{event.employer_id}"
    previous = lookup(key) or {}
    return [
        (
            key,
            {
                "kind": "employer",
                "employer_id": str(event.employer_id),
                "agency_id": previous.get("agency_id"),
                "sector": event.sector,
                "size": event.size.value,
                "social_economy": event.social_economy,
                "siae": event.siae,
                "commune_code": event.commune_code,
                "registered_on": envelope.time.date().isoformat(),
                "contacts": previous.get("contacts", []),
            },
        )
    ]


@on(EmployerAssignedToAgency)
def employer_assigned(event: EmployerAssignedToAgency, envelope: Envelope, lookup: Lookup) -> Changes:
    return _update(lookup, f"employer:{event.employer_id}", agency_id=event.agency_id)


@on(EmployerContactRecorded)
def employer_contacted(event: EmployerContactRecorded, envelope: Envelope, lookup: Lookup) -> Changes:
    key = f"employer:{event.employer_id}"
    row = lookup(key)
    if row is None:
        return []
    return [(key, {**row, "contacts": [*row["contacts"], event.contact_date.isoformat()]})]


@on(NeedPublished)
def need_published(event: NeedPublished, envelope: Envelope, lookup: Lookup) -> Changes:
    return [
        (
            f"need:{event.need_id}",
            {
                "kind": "need",
                "need_id": str(event.need_id),
                "employer_id": str(event.employer_id),
                "agency_id": event.agency_id,
                "sector": event.sector,
                "contract_type": event.contract_type.value,
                "positions": event.positions,
                "published_on": event.published_on.isoformat(),
                "status": "open",
                "closed_on": None,
            },
        )
    ]


@on(NeedFilled)
def need_filled(event: NeedFilled, envelope: Envelope, lookup: Lookup) -> Changes:
    return _update(lookup, f"need:{event.need_id}", status="filled", closed_on=event.filled_on.isoformat())


@on(NeedClosed)
def need_closed(event: NeedClosed, envelope: Envelope, lookup: Lookup) -> Changes:
    return _update(
        lookup, f"need:{event.need_id}", status=f"closed_{event.reason.value}", closed_on=event.closed_on.isoformat()
    )


@on(IntroductionMade)
def introduction_made(event: IntroductionMade, envelope: Envelope, lookup: Lookup) -> Changes:
    key = f"introduction:{event.introduction_id}"
    previous = lookup(key) or {}
    return [
        (
            key,
            {
                "kind": "introduction",
                "introduction_id": str(event.introduction_id),
                "beneficiary_id": str(event.beneficiary_id),
                "agency_id": event.agency_id,
                "employer_id": str(event.employer_id),
                "need_id": str(event.need_id),
                "sector": event.sector,
                "date": event.introduced_on.isoformat(),
                "outcome": previous.get("outcome"),
                "reason": previous.get("reason"),
            },
        )
    ]


@on(IntroductionNotHired)
def introduction_not_hired(event: IntroductionNotHired, envelope: Envelope, lookup: Lookup) -> Changes:
    return _update(lookup, f"introduction:{event.introduction_id}", outcome="not_hired", reason=event.reason.value)


@on(HireRecorded)
def hire_recorded(event: HireRecorded, envelope: Envelope, lookup: Lookup) -> Changes:
    key = f"hire:{event.hire_id}"
    previous = lookup(key) or {}
    hire = {
        "kind": "hire",
        "hire_id": str(event.hire_id),
        "introduction_id": str(event.introduction_id),
        "beneficiary_id": str(event.beneficiary_id),
        "agency_id": event.agency_id,
        "employer_id": str(event.employer_id),
        "contract_type": event.contract_type.value,
        "duration_months": event.duration_months,
        "weekly_hours": event.weekly_hours,
        "start_date": event.start_date.isoformat(),
        "sector": event.sector,
        "check_ins": previous.get("check_ins", {}),
        "ended_early_on": previous.get("ended_early_on"),
    }
    return [(key, hire), *_update(lookup, f"introduction:{event.introduction_id}", outcome="hired")]


@on(HireCheckInRecorded)
def hire_checked_in(event: HireCheckInRecorded, envelope: Envelope, lookup: Lookup) -> Changes:
    key = f"hire:{event.hire_id}"
    row = lookup(key)
    if row is None:
        return []
    check_in = {"on": event.checked_on.isoformat(), "still_employed": event.still_employed}
    return [(key, {**row, "check_ins": {**row["check_ins"], str(event.month): check_in}})]


@on(HireEndedEarly)
def hire_ended_early(event: HireEndedEarly, envelope: Envelope, lookup: Lookup) -> Changes:
    return _update(lookup, f"hire:{event.hire_id}", ended_early_on=event.ended_on.isoformat())


@on(ImmersionAgreed)
def immersion_agreed(event: ImmersionAgreed, envelope: Envelope, lookup: Lookup) -> Changes:
    return [
        (
            f"immersion:{event.immersion_id}",
            {
                "kind": "immersion",
                "immersion_id": str(event.immersion_id),
                "beneficiary_id": str(event.beneficiary_id),
                "agency_id": event.agency_id,
                "host_kind": event.host_kind.value,
                "sector": event.sector,
                "start_date": event.start_date.isoformat(),
                "days_of_presence": event.days_of_presence,
                "renewed": False,
                "outcome": None,
            },
        )
    ]


@on(ImmersionRenewed)
def immersion_renewed(event: ImmersionRenewed, envelope: Envelope, lookup: Lookup) -> Changes:
    key = f"immersion:{event.immersion_id}"
    row = lookup(key)
    if row is None:
        return []
    return [(key, {**row, "renewed": True, "days_of_presence": row["days_of_presence"] + event.days_of_presence})]


@on(ImmersionCompleted)
def immersion_completed(event: ImmersionCompleted, envelope: Envelope, lookup: Lookup) -> Changes:
    return _update(
        lookup,
        f"immersion:{event.immersion_id}",
        outcome=event.outcome.value,
        days_of_presence=event.total_days_of_presence,
    )
