"""How placement's events become facts: employers, needs, introductions, hires, immersions."""

from __future__ import annotations

from datetime import date

from services.reporting.domain.facts import (
    CheckIn,
    Contact,
    Employer,
    Hire,
    Immersion,
    Introduction,
    Need,
    evolve,
    merged,
)
from services.reporting.domain.projection import Change, Event, Facts, folds, update

_d = date.fromisoformat


def _type(name: str) -> str:
    return f"ali.placement.{name}"


@folds(_type("EmployerRegistered"))
def employer_registered(event: Event, facts: Facts) -> list[Change]:
    d = event.data
    previous: Employer | None = facts.get(Employer, d["employer_id"])
    employer = Employer(
        employer_id=d["employer_id"],
        agency_id=previous.agency_id if previous else None,
        sector=d["sector"],
        size=d["size"],
        social_economy=bool(d["social_economy"]),
        siae=bool(d["siae"]),
        commune_code=d["commune_code"],
        # The event has no date of its own: the day it was recorded.
        registered_on=_d(event.time[:10]),
        contacts=previous.contacts if previous else (),
    )
    return [(Employer, employer.employer_id, employer)]


@folds(_type("EmployerAssignedToAgency"))
def employer_assigned(event: Event, facts: Facts) -> list[Change]:
    return update(facts, Employer, event.data["employer_id"], agency_id=event.data["agency_id"])


@folds(_type("EmployerContactRecorded"))
def employer_contacted(event: Event, facts: Facts) -> list[Change]:
    d = event.data
    employer: Employer | None = facts.get(Employer, d["employer_id"])
    if employer is None:
        return []
    contact = Contact(d["contact_id"], d["agency_id"], _d(d["contact_date"]))
    contacts = merged(employer.contacts, contact, lambda c: c.contact_id, lambda c: (c.contact_date, c.contact_id))
    return [(Employer, employer.employer_id, evolve(employer, contacts=contacts))]


@folds(_type("NeedPublished"))
def need_published(event: Event, facts: Facts) -> list[Change]:
    d = event.data
    need = Need(
        need_id=d["need_id"],
        employer_id=d["employer_id"],
        agency_id=d["agency_id"],
        sector=d["sector"],
        contract_type=d["contract_type"],
        positions=int(d["positions"]),
        published_on=_d(d["published_on"]),
    )
    return [(Need, need.need_id, need)]


@folds(_type("NeedFilled"))
def need_filled(event: Event, facts: Facts) -> list[Change]:
    d = event.data
    return update(facts, Need, d["need_id"], filled_on=_d(d["filled_on"]), positions_filled=int(d["positions_filled"]))


@folds(_type("NeedClosed"))
def need_closed(event: Event, facts: Facts) -> list[Change]:
    d = event.data
    return update(facts, Need, d["need_id"], closed_on=_d(d["closed_on"]), closure_reason=d["reason"])


@folds(_type("IntroductionMade"))
def introduction_made(event: Event, facts: Facts) -> list[Change]:
    d = event.data
    intro = Introduction(
        introduction_id=d["introduction_id"],
        beneficiary_id=d["beneficiary_id"],
        need_id=d["need_id"],
        employer_id=d["employer_id"],
        agency_id=d["agency_id"],
        sector=d["sector"],
        introduced_on=_d(d["introduced_on"]),
    )
    return [(Introduction, intro.introduction_id, intro)]


@folds(_type("IntroductionNotHired"))
def introduction_not_hired(event: Event, facts: Facts) -> list[Change]:
    d = event.data
    return update(facts, Introduction, d["introduction_id"], outcome="not_hired", decided_on=_d(d["decided_on"]))


@folds(_type("HireRecorded"))
def hire_recorded(event: Event, facts: Facts) -> list[Change]:
    d = event.data
    previous: Hire | None = facts.get(Hire, d["hire_id"])
    duration = d.get("duration_months")
    hire = Hire(
        hire_id=d["hire_id"],
        introduction_id=d["introduction_id"],
        beneficiary_id=d["beneficiary_id"],
        need_id=d.get("need_id"),
        employer_id=d["employer_id"],
        agency_id=d["agency_id"],
        contract_type=d["contract_type"],
        duration_months=None if duration is None else float(duration),
        weekly_hours=float(d["weekly_hours"]),
        sector=d["sector"],
        start_date=_d(d["start_date"]),
        ended_early_on=previous.ended_early_on if previous else None,
        check_ins=previous.check_ins if previous else (),
    )
    decided = d.get("decided_on")
    return [
        (Hire, hire.hire_id, hire),
        *update(
            facts, Introduction, hire.introduction_id, outcome="hired", decided_on=_d(decided) if decided else None
        ),
    ]


@folds(_type("HireCheckInRecorded"))
def hire_checked_in(event: Event, facts: Facts) -> list[Change]:
    d = event.data
    hire: Hire | None = facts.get(Hire, d["hire_id"])
    if hire is None:
        return []
    check_in = CheckIn(int(d["month"]), _d(d["checked_on"]), bool(d["still_employed"]))
    check_ins = merged(hire.check_ins, check_in, lambda c: c.month, lambda c: c.month)
    return [(Hire, hire.hire_id, evolve(hire, check_ins=check_ins))]


@folds(_type("HireEndedEarly"))
def hire_ended_early(event: Event, facts: Facts) -> list[Change]:
    return update(facts, Hire, event.data["hire_id"], ended_early_on=_d(event.data["ended_on"]))


@folds(_type("ImmersionAgreed"))
def immersion_agreed(event: Event, facts: Facts) -> list[Change]:
    d = event.data
    immersion = Immersion(
        immersion_id=d["immersion_id"],
        beneficiary_id=d["beneficiary_id"],
        agency_id=d["agency_id"],
        host_kind=d["host_kind"],
        sector=d.get("sector"),
        start_date=_d(d["start_date"]),
        end_date=_d(d["end_date"]),
        days_of_presence=int(d["days_of_presence"]),
    )
    return [(Immersion, immersion.immersion_id, immersion)]


@folds(_type("ImmersionRenewed"))
def immersion_renewed(event: Event, facts: Facts) -> list[Change]:
    d = event.data
    current: Immersion | None = facts.get(Immersion, d["immersion_id"])
    if current is None:
        return []
    renewed = evolve(
        current,
        renewed=True,
        end_date=_d(d["end_date"]),
        days_of_presence=current.days_of_presence + int(d["days_of_presence"]),
    )
    return [(Immersion, current.immersion_id, renewed)]


@folds(_type("ImmersionCompleted"))
def immersion_completed(event: Event, facts: Facts) -> list[Change]:
    d = event.data
    return update(
        facts,
        Immersion,
        d["immersion_id"],
        outcome=d["outcome"],
        completed_on=_d(d["completed_on"]),
        days_of_presence=int(d["total_days_of_presence"]),
    )
