"""Decisions on immersions (PMSMP): at most 30 days of presence, renewable once, then an outcome."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from uuid import UUID

from services.placement.domain.candidate import Candidate
from services.placement.domain.commands import (
    AgreeImmersion,
    CompleteImmersion,
    RenewImmersion,
)
from services.placement.domain.decisions.dates import since
from services.placement.domain.errors import (
    CandidateInactive,
    CandidateNotFound,
    EmployerNotFound,
    ImmersionAlreadyRenewed,
    ImmersionNotFound,
    ImmersionPresenceLimit,
    OutcomeAlreadyRecorded,
)
from services.placement.domain.rules import Rules
from services.placement.domain.state import Employer, Immersion, Period, host_key
from shared.contracts.accompaniment import AccompanimentTransferred
from shared.contracts.placement import (
    ImmersionAgreed,
    ImmersionCompleted,
    ImmersionHost,
    ImmersionRenewed,
    ImmersionTransferred,
)
from shared.dates import add_months
from shared.errors import InvalidField
from shared.private_text import text_ref

DEFAULT_RULES = Rules()


def check_presence_with_host(
    host: str, new: Period, earlier: Sequence[Immersion], rules: Rules, *, renewing: UUID | None = None
) -> None:
    """Refuse a period that would take the person's presence with one host past the department's limit.

    The limit holds over every 12 rolling months: for each window of 12 months ending on the last day of a period
    with this host, the days of the periods it overlaps (their whole days, dates being approximate) are added up.
    Only the windows the new period falls in are checked; `earlier` are the person's immersions (any host), the
    one being renewed included.
    """
    periods = [p for i in earlier if i.host_key == host for p in i.periods] + [new]
    for last in sorted({p.end_date for p in periods}):
        since = add_months(last, -rules.immersion_window_months)
        if not (new.end_date > since and new.start_date <= last):
            continue
        total = sum(p.days_of_presence for p in periods if p.end_date > since and p.start_date <= last)
        if total > rules.immersion_days_per_host:
            already = total - new.days_of_presence
            what = "this renewal" if renewing else "this immersion"
            raise ImmersionPresenceLimit(
                f"the person already has {already} days of presence with this host in the "
                f"{rules.immersion_window_months} months from {since + timedelta(days=1)} to {last}; with the "
                f"{new.days_of_presence} days of {what} they would have {total}, above the department's limit of "
                f"{rules.immersion_days_per_host} days with one host over {rules.immersion_window_months} rolling "
                f"months (whatever the number of immersions)"
            )


def agree(
    immersion_id: UUID,
    command: AgreeImmersion,
    *,
    candidate: Candidate | None,
    employer: Employer | None,
    today: date,
    earlier: Sequence[Immersion] = (),
    rules: Rules = DEFAULT_RULES,
    host_index: str | None = None,
) -> list[ImmersionAgreed]:
    """Agree an immersion for an active candidate with an employer of the network or a training centre.

    `earlier` are the person's other immersions: presence with one host is capped over 12 rolling months. A
    training centre is known by `host_index`, the keyed fingerprint of its name (the name itself stays encrypted).
    """
    if candidate is None:
        raise CandidateNotFound(f"aucun profil de candidat partagé par l'accompagnement pour {command.beneficiary_id}")
    if not candidate.active:
        raise CandidateInactive("l'accompagnement de cette personne est clos")
    if command.host_kind == ImmersionHost.EMPLOYER and employer is None:
        raise EmployerNotFound(f"aucun employeur {command.employer_id}")
    period = Period(command.first_day, command.last_day, command.days_of_presence)
    check_presence_with_host(host_key(command.employer_id, host_index), period, earlier, rules)
    return [
        ImmersionAgreed(
            immersion_id=immersion_id,
            beneficiary_id=candidate.beneficiary_id,
            agency_id=candidate.agency_id,
            host_kind=command.host_kind,
            employer_id=command.employer_id,
            host_name_ref=text_ref(immersion_id, "host_name") if command.host_name else None,
            host_index=host_index if command.employer_id is None else None,
            sector=command.sector or (employer.sector if employer else None),
            start_date=command.first_day,
            end_date=command.last_day,
            days_of_presence=command.days_of_presence,
            agreed_on=today,
        )
    ]


def _ongoing(state: Immersion | None) -> Immersion:
    if state is None:
        raise ImmersionNotFound("aucune immersion ne porte cet identifiant")
    if state.outcome is not None:
        raise OutcomeAlreadyRecorded(f"cette immersion s'est terminée le {state.completed_on} ({state.outcome})")
    return state


def renew(
    state: Immersion | None,
    command: RenewImmersion,
    today: date,
    *,
    earlier: Sequence[Immersion] = (),
    rules: Rules = DEFAULT_RULES,
) -> list[ImmersionRenewed]:
    """Renew once, for at most 30 more days of presence, starting after the current period.

    `earlier` are the person's immersions (this one included): presence with one host is capped over 12 months.
    """
    immersion = _ongoing(state)
    if immersion.renewed:
        first, second = immersion.periods[0], immersion.periods[1]
        raise ImmersionAlreadyRenewed(
            f"cette immersion a déjà été renouvelée (du {second.start_date} au {second.end_date}, après la période"
            f" du {first.start_date} au {first.end_date}) : une immersion (PMSMP) ne se renouvelle qu'une fois"
        )
    if command.first_day <= immersion.end_date:
        raise InvalidField(
            "start_date", f"the renewal must start after the current period, which ends on {immersion.end_date}"
        )
    period = Period(command.first_day, command.last_day, command.days_of_presence)
    others = [i for i in earlier if i.id != immersion.id]
    check_presence_with_host(immersion.host_key, period, [*others, immersion], rules, renewing=immersion.id)
    return [
        ImmersionRenewed(
            immersion_id=immersion.id,
            beneficiary_id=immersion.beneficiary_id,
            agency_id=immersion.agency_on(command.first_day),
            start_date=command.first_day,
            end_date=command.last_day,
            days_of_presence=command.days_of_presence,
            renewed_on=today,
        )
    ]


def complete(state: Immersion | None, command: CompleteImmersion, today: date) -> list[ImmersionCompleted]:
    """Record what followed the immersion, once."""
    immersion = _ongoing(state)
    start = immersion.periods[0].start_date
    since("completed_on", command.completed_on, start, "le début de l'immersion", today)
    return [
        ImmersionCompleted(
            immersion_id=immersion.id,
            beneficiary_id=immersion.beneficiary_id,
            agency_id=immersion.agency_on(command.completed_on),
            host_kind=immersion.host_kind,
            employer_id=immersion.employer_id,
            completed_on=command.completed_on,
            outcome=command.outcome,
            total_days_of_presence=immersion.days_of_presence,
        )
    ]


def transfer(state: Immersion, moved: AccompanimentTransferred) -> list[ImmersionTransferred]:
    """The person moved: the immersion goes to their new agency from that date (nothing if already there)."""
    if state.agency_id == moved.to_agency_id:
        return []
    return [
        ImmersionTransferred(
            immersion_id=state.id,
            beneficiary_id=state.beneficiary_id,
            agency_id=moved.to_agency_id,
            from_agency_id=state.agency_id,
            to_agency_id=moved.to_agency_id,
            transferred_on=moved.transferred_on,
        )
    ]
