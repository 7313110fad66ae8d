"""What placement's handlers and reactions need, wired once by the bootstrap."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.placement.domain.rules import Rules
from services.placement.service_layer.ports import (
    CandidateViews,
    EmployerViews,
    ImmersionViews,
    IntroductionViews,
    NeedViews,
)
from shared.unit_of_work import AggregateStore


@dataclass(frozen=True)
class Dependencies:
    """The aggregate store, the read models and the department's settings."""

    store: AggregateStore
    employers: EmployerViews
    needs: NeedViews
    candidates: CandidateViews
    introductions: IntroductionViews
    immersions: ImmersionViews
    rules: Rules = field(default_factory=Rules)
