"""Decisions on introductions at the workstation: the introduction, its single outcome, and the hire's follow-up.

One stream per introduction holds the introduction, its outcome (a hire or a reason), the check-ins at 1, 3 and 6
months and an early end, so "one outcome only" and "each check-in once" are checked on one consistent state.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from services.placement.domain.candidate import Candidate
from services.placement.domain.commands import (
    CHECK_IN_MONTHS,
    EndHireEarly,
    MakeIntroduction,
    OutcomeKind,
    RecordCheckIn,
    RecordOutcome,
)
from services.placement.domain.decisions.dates import since
from services.placement.domain.errors import (
    AlreadyIntroduced,
    CandidateInactive,
    CandidateNotFound,
    CheckInAlreadyRecorded,
    HireAlreadyEnded,
    IntroductionNotFound,
    NeedNotFound,
    NeedNotOpen,
    NoHireRecorded,
    OutcomeAlreadyRecorded,
)
from services.placement.domain.evolution import hire_id_for
from services.placement.domain.state import Hire, Introduction, Need
from shared.contracts.accompaniment import AccompanimentTransferred
from shared.contracts.placement import (
    HireCheckInRecorded,
    HireEndedEarly,
    HireRecorded,
    IntroductionMade,
    IntroductionNotHired,
    IntroductionTransferred,
)
from shared.errors import InvalidField


def introduce(
    introduction_id: UUID,
    command: MakeIntroduction,
    *,
    need: Need | None,
    candidate: Candidate | None,
    already_pending: bool,
    caseworker: UUID,
) -> list[IntroductionMade]:
    """Introduce an active candidate for an open need; the same person once at a time per need."""
    if need is None:
        raise NeedNotFound(f"aucun besoin {command.need_id}")
    if candidate is None:
        raise CandidateNotFound(f"aucun profil de candidat partagé par l'accompagnement pour {command.beneficiary_id}")
    if not need.is_open:
        raise NeedNotOpen(f"ce besoin est déjà {need.status} : plus personne ne peut y être présenté")
    if not candidate.active:
        raise CandidateInactive("l'accompagnement de cette personne est clos")
    if already_pending:
        raise AlreadyIntroduced("cette personne est déjà présentée pour ce besoin et l'issue n'est pas encore connue")
    if command.introduced_on < need.published_on:
        raise InvalidField("introduced_on", f"{command.introduced_on} précède la publication du besoin")
    return [
        IntroductionMade(
            introduction_id=introduction_id,
            need_id=need.id,
            employer_id=need.employer_id,
            beneficiary_id=candidate.beneficiary_id,
            agency_id=candidate.agency_id,
            introduced_on=command.introduced_on,
            caseworker=caseworker,
            sector=need.sector,
            contract_type=need.contract_type,
        )
    ]


def record_outcome(
    state: Introduction | None, command: RecordOutcome, today: date
) -> list[HireRecorded | IntroductionNotHired]:
    """The introduction's single outcome: a hire, or the reason there was none."""
    if state is None:
        raise IntroductionNotFound("aucune mise en relation ne porte cet identifiant")
    if state.outcome is not None:
        raise OutcomeAlreadyRecorded(
            f"l'issue de cette mise en relation est déjà enregistrée (already recorded : {state.outcome})"
        )
    decided_on = command.decided_on or today
    since("decided_on", decided_on, state.introduced_on, "la mise en relation", today)
    if command.outcome == OutcomeKind.NOT_HIRED:
        return [
            IntroductionNotHired(
                introduction_id=state.id,
                need_id=state.need_id,
                employer_id=state.employer_id,
                beneficiary_id=state.beneficiary_id,
                agency_id=state.agency_on(decided_on),
                decided_on=decided_on,
                reason=command.reason,
            )
        ]
    if command.start_date < state.introduced_on:
        raise InvalidField("start_date", f"{command.start_date} précède la mise en relation ({state.introduced_on})")
    return [
        HireRecorded(
            hire_id=hire_id_for(state.id),
            introduction_id=state.id,
            beneficiary_id=state.beneficiary_id,
            agency_id=state.agency_on(command.start_date),
            employer_id=state.employer_id,
            need_id=state.need_id,
            contract_type=command.contract_type,
            duration_months=command.duration_months,
            weekly_hours=command.weekly_hours,
            start_date=command.start_date,
            sector=state.sector,
        )
    ]


def _hire(state: Introduction | None) -> tuple[Introduction, Hire]:
    if state is None:
        raise IntroductionNotFound("aucune embauche ne porte cet identifiant")
    if state.hire is None:
        raise NoHireRecorded("cette mise en relation n'a pas abouti à une embauche")
    return state, state.hire


def check_in(state: Introduction | None, command: RecordCheckIn, today: date) -> list[HireCheckInRecorded]:
    """Follow-up at 1, 3 or 6 months, each once, dated between the start and today."""
    intro, hire = _hire(state)
    if command.month not in CHECK_IN_MONTHS:
        raise InvalidField("month", f"les suivis ont lieu à {', '.join(map(str, CHECK_IN_MONTHS))} mois")
    if command.month in hire.check_ins:
        raise CheckInAlreadyRecorded(f"le suivi à {command.month} mois est déjà enregistré")
    since("checked_on", command.checked_on, hire.start_date, "le début du contrat", today)
    if command.still_employed and hire.ended_on is not None:
        raise InvalidField("still_employed", f"le contrat a été rompu avant terme le {hire.ended_on}")
    return [
        HireCheckInRecorded(
            hire_id=hire.id,
            introduction_id=intro.id,
            beneficiary_id=intro.beneficiary_id,
            agency_id=intro.agency_on(command.checked_on),
            employer_id=intro.employer_id,
            month=command.month,
            checked_on=command.checked_on,
            still_employed=command.still_employed,
            barriers_worked_on=list(dict.fromkeys(command.barriers_worked_on)),
            notes_ref=hire.notes_ref(command.month) if command.notes else None,
        )
    ]


def end_early(state: Introduction | None, command: EndHireEarly, today: date) -> list[HireEndedEarly]:
    """The contract ended before its term: not before its start, not in the future, once."""
    intro, hire = _hire(state)
    if hire.ended_on is not None:
        raise HireAlreadyEnded(f"ce contrat a déjà été rompu avant terme le {hire.ended_on}")
    since("ended_on", command.ended_on, hire.start_date, "le début du contrat", today)
    if hire.planned_end is not None and command.ended_on >= hire.planned_end:
        raise InvalidField(
            "ended_on",
            f"le contrat court jusqu'au {hire.planned_end} : s'arrêter à cette date n'est pas une rupture avant terme",
        )
    return [
        HireEndedEarly(
            hire_id=hire.id,
            introduction_id=intro.id,
            beneficiary_id=intro.beneficiary_id,
            agency_id=intro.agency_on(command.ended_on),
            employer_id=intro.employer_id,
            contract_type=hire.contract_type,
            sector=intro.sector,
            start_date=hire.start_date,
            ended_on=command.ended_on,
            days_in_post=(command.ended_on - hire.start_date).days,
            reason=command.reason,
        )
    ]


def transfer(state: Introduction, moved: AccompanimentTransferred) -> list[IntroductionTransferred]:
    """The person moved: the introduction (and its hire, its follow-up) goes to their new agency from that date.

    Nothing when it is already there (a transfer seen twice).
    """
    if state.agency_id == moved.to_agency_id:
        return []
    return [
        IntroductionTransferred(
            introduction_id=state.id,
            need_id=state.need_id,
            employer_id=state.employer_id,
            beneficiary_id=state.beneficiary_id,
            agency_id=moved.to_agency_id,
            from_agency_id=state.agency_id,
            to_agency_id=moved.to_agency_id,
            transferred_on=moved.transferred_on,
            hire_id=state.hire.id if state.hire else None,
        )
    ]
