"""Errors shared by every service; each service adds its own domain errors beneath `DomainError`.

Each error class has a stable machine `code` (snake_case), answered by the HTTP APIs beside its message: the one
it declares (`code = "known_to_department"`), else its class name in snake_case (`BeneficiaryNotFound` ->
`beneficiary_not_found`). Renaming a class changes its code: declare the old one to keep it. Messages of domain
errors are read by caseworkers: write them in French.
"""

from __future__ import annotations

import re
from typing import ClassVar

_WORD = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake_case(name: str) -> str:
    """`BeneficiaryNotFound` -> `beneficiary_not_found`."""
    return _WORD.sub("_", name).lower()


class PlatformError(Exception):
    """Root of every error raised on purpose by the platform."""

    code: ClassVar[str] = "platform_error"

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "code" not in cls.__dict__:
            cls.code = snake_case(cls.__name__)


class DomainError(PlatformError):
    """A business rule was broken; the message is meant for a caseworker."""

    code = "invalid_request"


class NotFound(DomainError):
    """The requested aggregate or resource does not exist."""

    code = "not_found"


class RuleViolation(DomainError):
    """The command is well-formed but breaks a rule of the domain (closing twice, full workshop...)."""

    code = "rule_violated"


class InvalidField(DomainError):
    """One field's value is not acceptable given what is already known (a date before the start, in the future...).

    Answered 422 with the field named in `errors`, like a value refused by the request's schema.
    """

    code = "invalid_field"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class Forbidden(DomainError):
    """The caller may not see or change this resource."""

    code = "access_denied"


class ConcurrencyError(PlatformError):
    """An append found the stream at another version than the one expected."""

    code = "concurrent_change"

    def __init__(self, stream_id: str, expected: int, actual: int) -> None:
        super().__init__(
            f"le dossier {stream_id!r} a été modifié entre-temps (version {actual}, {expected} attendue) :"
            " rechargez-le et recommencez"
        )
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


class TransactionsCrossed(ConcurrencyError):
    """PostgreSQL rolled back a transaction crossing a concurrent one (a deadlock, a serialization failure): nothing
    of it was written, and the same commands decided again on what is now committed go through."""

    code = "concurrent_change"

    def __init__(self, cause: BaseException) -> None:
        PlatformError.__init__(
            self,
            "l'enregistrement croisait une modification concurrente et a été annulé, rien n'a été écrit :"
            f" rechargez le dossier et recommencez ({str(cause).splitlines()[0]})",
        )
        self.stream_id = ""
        self.expected = self.actual = -1


class EnvelopeError(PlatformError):
    """A message cannot be read as an event of the platform (poison message)."""


class UnknownEventType(EnvelopeError):
    """No event class is registered for this type and schema version."""


class EventTooLarge(DomainError):
    """An event's serialized data is above the platform's limit: refused before it is stored."""

    def __init__(self, event_type: str, size: int, limit: int) -> None:
        super().__init__(
            f"l'événement {event_type.rsplit('.', 1)[-1]} ferait {size:,} octets une fois sérialisé, au-delà de la"
            f" limite de {limit:,} octets : envoyez moins de données (moins de valeurs ou plus courtes)"
        )
        self.event_type = event_type
        self.size = size
        self.limit = limit


class NewerSchemaVersion(UnknownEventType):
    """The event's schema version is newer than this consumer knows: the consumer needs an upgrade, not a DLQ."""

    def __init__(self, event_type: str, version: int, known: int) -> None:
        super().__init__(
            f"{event_type} v{version} is newer than the known v{known}: upgrade this service to a release that "
            f"knows {event_type} v{version}"
        )
        self.event_type = event_type
        self.version = version
        self.known = known


class Parked(PlatformError):
    """Raised by a consumer's handler when a prerequisite of the event is missing (e.g. the enrolment is late).

    The runtime keeps the event, with `key` and `reason`, in the service's schema in the same transaction, counts it
    as processed, and applies it again when a later event declares `key` satisfied.
    """

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"parked on {key}: {reason}")
        self.key = key
        self.reason = reason
