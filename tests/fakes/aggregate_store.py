"""The aggregate store in memory: units of work over the in-memory event store and fakes of the read models.

A failed transaction is undone: the events appended in it are removed and the fakes listed in `kept` get
back the attributes they had when it began (as a rolled-back PostgreSQL transaction would leave them).
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from shared.eventstore import Tracing
from shared.unit_of_work import AggregateStore, Projections, UnitOfWork
from tests.fakes.eventstore import InMemoryEventStore


class InMemoryAggregateStore(AggregateStore):
    """Units of work without a database; `committed` counts the transactions that ended well."""

    def __init__(
        self,
        events: InMemoryEventStore | None = None,
        projections: Projections | None = None,
        *,
        kept: Sequence[object] = (),
    ) -> None:
        super().__init__(events or InMemoryEventStore(), projections)
        self.kept = list(kept)
        self.committed = 0

    @property
    def recorded(self) -> list:
        """Every envelope appended so far, in position order."""
        return self.events.events

    @asynccontextmanager
    async def transaction(self, tracing: Tracing | None = None) -> AsyncIterator[UnitOfWork]:
        appended = len(self.events.events)
        saved = [copy.deepcopy(vars(fake)) for fake in self.kept]
        try:
            yield self.join(None, tracing or Tracing.new())
        except BaseException:
            del self.events.events[appended:]
            for fake, attributes in zip(self.kept, saved, strict=True):
                vars(fake).clear()
                vars(fake).update(attributes)
            raise
        self.committed += 1

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[None]:
        yield None
