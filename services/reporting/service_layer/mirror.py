"""Every fact in memory, as of one generation of the shared store: what a replica computes its figures from.

Each replica loads the facts once at start (seconds, not a replay of the topics), then follows the store: on
each notification of a batch (and at least every second) it reads the facts stamped after the generation it
holds. A worker writing a batch brings its mirror up to date inside the batch's transaction, folds the batch
over it and merges what it wrote after the commit. The cache key `(epoch, generation)` moves with every
applied batch and with every (re)load, so nothing computed before is served as current after either.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections import defaultdict

import asyncpg
import structlog

from services.reporting.adapters.store import Changes, FactStore, Rows, State, build
from services.reporting.domain.facts import Fact, FactSet
from services.reporting.domain.ledger import Ledger, Snapshot

log = structlog.get_logger(__name__)


class Overlay:
    """A batch's changes over the mirror's facts, merged only once the batch is committed."""

    def __init__(self, base: FactSet) -> None:
        self.base = base
        self.facts: dict[type, dict[str, Fact]] = defaultdict(dict)
        self.versions: dict[str, int] = {}

    def get(self, kind: type, key: str):
        """The batch's state of a fact, else the mirror's."""
        changed = self.facts.get(kind)
        if changed is not None and key in changed:
            return changed[key]
        return self.base.get(kind, key)

    def put(self, kind: type, key: str, fact: Fact) -> None:
        """Record a new state of a fact."""
        self.facts[kind][key] = fact

    def version(self, stream_id: str) -> int:
        """Last version of a stream folded in."""
        return self.versions.get(stream_id) or self.base.version(stream_id)

    def set_version(self, stream_id: str, version: int) -> None:
        """Record that a stream was folded up to `version`."""
        self.versions[stream_id] = version

    def __bool__(self) -> bool:
        return bool(self.versions)


class Mirror:
    """The facts of the store in memory, with the generation they are at."""

    def __init__(self, store: FactStore) -> None:
        self.store = store
        self.facts = FactSet()
        self.ledger = Ledger()
        self.generation = -1
        self.store_id: str | None = None
        self.epoch = 0
        self.loaded = False
        self.caught_up = False
        self.lock = asyncio.Lock()
        self._snapshot: Snapshot | None = None
        self.loaded_in: float | None = None

    @property
    def key(self) -> tuple[int, int]:
        """Moves with every applied batch and every (re)load: the key of anything computed from the facts."""
        return self.epoch, self.generation

    async def load(self, conn: asyncpg.Connection) -> None:
        """Read every fact, in one snapshot of the store."""
        async with self.lock:
            async with conn.transaction(isolation="repeatable_read", readonly=True):
                await self._load(conn, await self.store.state(conn))

    async def _load(self, conn: asyncpg.Connection, state: State) -> None:
        started = time.monotonic()
        rows = await self.store.fetch(conn)
        # Seconds of CPU on a whole department: in a thread, so the API answers `recovering` meanwhile.
        facts, ledger = await asyncio.to_thread(_whole, rows)
        self.facts, self.ledger = facts, ledger
        _settle()
        self._snapshot = None
        self.store_id, self.generation, self.caught_up = state.store_id, state.generation, state.caught_up
        self.epoch += 1
        self.loaded = True
        self.loaded_in = time.monotonic() - started
        log.info("reporting.facts_loaded", facts=facts.count(), generation=state.generation, seconds=self.loaded_in)

    async def sync(self, conn: asyncpg.Connection, *, wait: bool = False) -> bool:
        """Catch up with the store; True when something changed. Skipped while a batch holds the mirror, unless
        `wait`: then done once the batch is over."""
        if self.lock.locked() and not wait:
            return False
        async with self.lock:
            async with conn.transaction(isolation="repeatable_read", readonly=True):
                return await self._sync(conn, await self.store.state(conn))

    async def _sync(self, conn: asyncpg.Connection, state: State) -> bool:
        if state.store_id != self.store_id:
            await self._load(conn, state)
            return True
        self.caught_up = state.caught_up
        if state.generation <= self.generation:
            return False
        changes = await self.store.load(conn, after=self.generation)
        _merge(self.facts, changes)
        self.ledger.update(self.facts, _keys(changes.facts))
        self.generation = state.generation
        _settle()
        return True

    async def sync_in_batch(self, conn: asyncpg.Connection, batch: State) -> None:
        """Inside a batch's transaction (holding the generation): bring the facts up to the previous generation."""
        previous = State(batch.store_id, batch.projection_version, batch.generation - 1, batch.caught_up)
        await self._sync(conn, previous)

    def merge(self, overlay: Overlay, generation: int) -> None:
        """Take in a committed batch."""
        for kind, by_id in overlay.facts.items():
            self.facts.by_kind[kind].update(by_id)
        self.facts.versions.update(overlay.versions)
        self.ledger.update(self.facts, _keys(overlay.facts))
        self.generation = generation
        _settle()

    def snapshot(self) -> Snapshot:
        """The figures' day sums at the current generation (one per generation, shared by every query)."""
        if self._snapshot is None or self._snapshot.generation != self.key:
            self._snapshot = self.ledger.snapshot(self.key)
        return self._snapshot


def _merge(facts: FactSet, changes: Changes) -> None:
    for kind, by_id in changes.facts.items():
        facts.by_kind[kind].update(by_id)
    facts.versions.update(changes.versions)


def _settle() -> None:
    """Keep the facts and day sums out of the cyclic garbage collector's passes.

    A whole department is millions of long-lived objects without cycles (immutable facts, counters): left to
    the collector, each full pass walks them all and stalls the event loop for hundreds of milliseconds. Frozen,
    they are still freed by reference counting when replaced.
    """
    gc.freeze()


def _whole(rows: Rows) -> tuple[FactSet, Ledger]:
    changes = build(rows)
    facts = FactSet()
    _merge(facts, changes)
    ledger = Ledger()
    ledger.update(facts, _keys(changes.facts))
    return facts, ledger


def _keys(facts: dict[type, dict[str, Fact]]) -> list[tuple[type, str]]:
    return [(kind, key) for kind, by_id in facts.items() for key in by_id]
