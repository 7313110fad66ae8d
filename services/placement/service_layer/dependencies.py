"""What placement's handlers and reactions need, wired once by the bootstrap."""

from __future__ import annotations

from dataclasses import dataclass

from services.placement.service_layer.ports import (
    CandidateViews,
    EmployerViews,
    ImmersionViews,
    IntroductionViews,
    NeedViews,
)
from shared.audit import AuditTrail
from shared.private_text import PrivateTexts
from shared.unit_of_work import AggregateStore


@dataclass(frozen=True)
class Dependencies:
    """The aggregate store, the read models, the free text kept encrypted and the audit trail."""

    store: AggregateStore
    employers: EmployerViews
    needs: NeedViews
    candidates: CandidateViews
    introductions: IntroductionViews
    immersions: ImmersionViews
    texts: PrivateTexts
    audit: AuditTrail
