"""Errors shared by every service; each service adds its own domain errors beneath `DomainError`."""

from __future__ import annotations


class PlatformError(Exception):
    """Root of every error raised on purpose by the platform."""


class DomainError(PlatformError):
    """A business rule was broken; the message is meant for a caseworker."""


class NotFound(DomainError):
    """The requested aggregate or resource does not exist."""


class RuleViolation(DomainError):
    """The command is well-formed but breaks a rule of the domain (closing twice, full workshop...)."""


class InvalidField(DomainError):
    """One field's value is not acceptable given what is already known (a date before the start, in the future...).

    Answered 422 with the field named (`field` in the body), like a value refused by the request's schema.
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class Forbidden(DomainError):
    """The caller may not see or change this resource."""


class ConcurrencyError(PlatformError):
    """An append found the stream at another version than the one expected."""

    def __init__(self, stream_id: str, expected: int, actual: int) -> None:
        super().__init__(f"stream {stream_id!r} is at version {actual}, expected {expected}")
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


class EnvelopeError(PlatformError):
    """A message cannot be read as an event of the platform (poison message)."""


class UnknownEventType(EnvelopeError):
    """No event class is registered for this type and schema version."""
