"""Placement's domain errors: messages are meant for a caseworker (a refused value is `shared.errors.InvalidField`)."""

from __future__ import annotations

from shared.errors import NotFound, RuleViolation


class EmployerNotFound(NotFound):
    """No employer has this id."""


class ContactNotFound(NotFound):
    """No such prospecting contact with this employer."""


class NeedNotFound(NotFound):
    """No need has this id."""


class CandidateNotFound(NotFound):
    """Accompaniment has not shared a candidate profile for this person."""


class IntroductionNotFound(NotFound):
    """No introduction has this id."""


class HireNotFound(NotFound):
    """No hire has this id."""


class ImmersionNotFound(NotFound):
    """No immersion has this id."""


class EmployerAlreadyRegistered(RuleViolation):
    """An employer with this SIRET is already in the network."""


class NeedNotOpen(RuleViolation):
    """The need is filled or closed: nothing more can be done on it."""


class CandidateInactive(RuleViolation):
    """The person's accompaniment is closed."""


class AlreadyIntroduced(RuleViolation):
    """The person is already introduced for this need and waiting for the outcome."""


class OutcomeAlreadyRecorded(RuleViolation):
    """An introduction or an immersion has one outcome only."""


class NoHireRecorded(RuleViolation):
    """Follow-up needs a hire."""


class CheckInAlreadyRecorded(RuleViolation):
    """Each follow-up check-in (1, 3, 6 months) happens once."""


class HireAlreadyEnded(RuleViolation):
    """The contract already ended early."""


class ImmersionAlreadyRenewed(RuleViolation):
    """An immersion is renewable once."""


class ImmersionPresenceLimit(RuleViolation):
    """One person's days of presence with one host over 12 rolling months are capped (department setting)."""
