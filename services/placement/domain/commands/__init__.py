"""What staff ask placement to do, as closed models: an unknown field (a diploma, a CV...) is refused."""

from __future__ import annotations

from services.placement.domain.commands.base import CHECK_IN_MONTHS, PERMANENT_CONTRACTS, Command
from services.placement.domain.commands.employers import (
    CloseNeed,
    FillNeed,
    PublishNeed,
    RecordEmployerContact,
    RegisterEmployer,
)
from services.placement.domain.commands.immersions import (
    MAX_PRESENCE_DAYS,
    AgreeImmersion,
    CompleteImmersion,
    PresencePeriod,
    RenewImmersion,
)
from services.placement.domain.commands.introductions import (
    EndHireEarly,
    MakeIntroduction,
    OutcomeKind,
    RecordCheckIn,
    RecordOutcome,
)

__all__ = [
    "CHECK_IN_MONTHS",
    "MAX_PRESENCE_DAYS",
    "PERMANENT_CONTRACTS",
    "AgreeImmersion",
    "CloseNeed",
    "Command",
    "CompleteImmersion",
    "EndHireEarly",
    "FillNeed",
    "MakeIntroduction",
    "OutcomeKind",
    "PresencePeriod",
    "PublishNeed",
    "RecordCheckIn",
    "RecordEmployerContact",
    "RecordOutcome",
    "RegisterEmployer",
    "RenewImmersion",
]
