"""Figures served from computations keyed by the mirror's generation, refreshed at a bounded rate.

A computation sums a frozen snapshot of the ledger's day sums in one worker thread, so the event loop keeps
answering and consuming meanwhile; its result serves every scope of its query. While the
facts keep changing, a query is computed again at most every `refresh_seconds` and the last result (whole,
consistent, a fraction of a second old) is served in between; a query whose last result is older than that
waits for the new one. Results are tagged with the generation they were computed at: never a partial value.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import structlog

from services.reporting.domain.indicators import Snapshot
from services.reporting.service_layer.mirror import Mirror

log = structlog.get_logger(__name__)


@dataclass
class _Entry:
    value: Any = None
    generation: tuple[int, int] | None = None
    taken_at: float = 0.0  # when the snapshot behind `value` was taken
    started_at: float = 0.0
    task: asyncio.Task | None = None
    rendered: dict[Any, Any] = field(default_factory=dict)


class FigureCache:
    """Computed figures by query, for the mirror's current generation (or a moment before while it changes)."""

    def __init__(self, mirror: Mirror, refresh_seconds: float, max_entries: int = 128) -> None:
        self.mirror = mirror
        self.refresh_seconds = refresh_seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[Any, _Entry] = OrderedDict()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="figures")
        self.computations = 0

    async def get(self, key: Any, compute: Callable[[Snapshot], Any]) -> tuple[Any, _Entry]:
        """The result of `compute` for `key`, current or at most one refresh behind."""
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry()
            if len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        else:
            self._entries.move_to_end(key)
        if entry.generation == self.mirror.key:
            return entry.value, entry
        if entry.task is None and (entry.generation is None or now - entry.started_at >= self.refresh_seconds):
            entry.started_at = now
            entry.task = asyncio.create_task(self._compute(entry, compute))
        if entry.generation is None or (entry.task is not None and now - entry.taken_at > self.refresh_seconds):
            await asyncio.shield(entry.task)
        return entry.value, entry

    async def _compute(self, entry: _Entry, compute: Callable[[Snapshot], Any]) -> None:
        try:
            snapshot = self.mirror.snapshot()
            taken_at = time.monotonic()
            value = await asyncio.get_running_loop().run_in_executor(self._executor, compute, snapshot)
            entry.value, entry.generation, entry.taken_at, entry.rendered = value, snapshot.generation, taken_at, {}
            self.computations += 1
        finally:
            entry.task = None

    def close(self) -> None:
        """Stop the computing thread."""
        self._executor.shutdown(wait=False, cancel_futures=True)
