"""What accompaniment's handlers and reactions need, wired once by the bootstrap."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.accompaniment.domain.rules import Context, Rules
from services.accompaniment.domain.worklist import Thresholds
from services.accompaniment.service_layer.ports import AccompanimentViews, WorkshopViews
from shared.audit import AuditTrail
from shared.private_text import PrivateTexts
from shared.read_cache import ReadCache
from shared.unit_of_work import AggregateStore


@dataclass(frozen=True)
class Dependencies:
    """The aggregate store, the read models, the free text kept encrypted, and the department settings."""

    store: AggregateStore
    accompaniments: AccompanimentViews
    sessions: WorkshopViews
    texts: PrivateTexts
    audit: AuditTrail
    rules: Rules
    thresholds: Thresholds
    # Worklist pages as answered (JSON, and whether a page follows), kept until the read model changes; None: each
    # request computes its page.
    worklist_pages: ReadCache[tuple[bytes, bool]] | None = None

    def context(self, today: date | None = None) -> Context:
        """What a decision needs besides state and command: the day (today by default) and the rules."""
        return Context(today=today or date.today(), rules=self.rules)
