"""Accompaniment's domain errors."""

from __future__ import annotations

from shared.errors import DomainError, NotFound, RuleViolation


class AccompanimentNotFound(NotFound):
    """No accompaniment has this id."""


class AccompanimentClosedError(RuleViolation):
    """Nothing can be recorded on a closed accompaniment."""


class InvalidClosure(DomainError):
    """The closure's content is not acceptable (date before the start, in the future...)."""
