"""Accompaniment's domain errors; their messages are read by caseworkers."""

from __future__ import annotations

from shared.errors import DomainError, NotFound, RuleViolation


class AccompanimentNotFound(NotFound):
    """No accompaniment has this id."""


class AccompanimentClosedError(RuleViolation):
    """Nothing can be recorded on a closed accompaniment."""


class AccompanimentSuspendedError(RuleViolation):
    """Activities with the person wait until a suspended accompaniment resumes."""


class InvalidClosure(DomainError):
    """The closure's content is not acceptable (date before the start, in the future...)."""


class InvalidDate(DomainError):
    """A date is before the start of the accompaniment, in the future, or out of order."""


class MissingInformation(DomainError):
    """A required piece of information is missing (a renewal's reason, a closure's exit...)."""


class LifecycleConflict(RuleViolation):
    """The accompaniment is not in a state that allows this (suspending twice, renewing too early...)."""


class AlreadyRecorded(RuleViolation):
    """This was already recorded (contract signed, id reused, same referent...)."""


class ItemNotFound(NotFound):
    """No appointment, objective or action with this id in the accompaniment."""


class TransitionRefused(RuleViolation):
    """An appointment, barrier or action cannot move to the requested status from where it is."""


class WorkshopNotFound(NotFound):
    """No workshop session has this id."""


class WorkshopFull(RuleViolation):
    """Every seat of the session is taken."""


class RegistrationRefused(RuleViolation):
    """The person cannot be registered for this session (other agency, already registered, session over)."""


class InvalidHire(DomainError):
    """A hire recorded by placement lacks what its exit needs (a fixed-term contract without duration)."""


class UnknownEarlierAccompaniment(RuleViolation):
    """A return names an earlier accompaniment that is not the person's, or not closed."""


class AlreadyFollowed(RuleViolation):
    """A person has one accompaniment open at a time: a new one opens (a return) only after the earlier closed."""
