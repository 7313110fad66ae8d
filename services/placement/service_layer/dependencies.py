"""What placement's handlers and reactions need, wired once by the bootstrap."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from services.placement.domain.rules import Rules
from services.placement.service_layer.ports import (
    CandidateViews,
    EmployerViews,
    ImmersionViews,
    IntroductionViews,
    NeedViews,
)
from shared.audit import AuditTrail
from shared.crypto import BlindIndexer, development_key
from shared.private_text import PrivateTexts
from shared.unit_of_work import AggregateStore


@dataclass(frozen=True)
class Dependencies:
    """The aggregate store, the read models, the free text kept encrypted, the audit trail, the department's settings
    and the fingerprint of training centres' names (the presence limit per host)."""

    store: AggregateStore
    employers: EmployerViews
    needs: NeedViews
    candidates: CandidateViews
    introductions: IntroductionViews
    immersions: ImmersionViews
    texts: PrivateTexts
    audit: AuditTrail
    rules: Rules = field(default_factory=Rules)
    centre_index: Callable[[str], str] = field(default_factory=lambda: centre_index(development_key("centre-index")))


def centre_index(key: bytes) -> Callable[[str], str]:
    """A training centre's name to a keyed fingerprint: the same centre, whatever the case or spacing, gives the same
    value, from which the name cannot be read back (events carry it instead of the name)."""
    indexer = BlindIndexer(key)
    return lambda name: indexer.digest("training_centre", " ".join(name.casefold().split())).hex()
