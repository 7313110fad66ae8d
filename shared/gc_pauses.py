"""Keeping a service process's long-lived objects out of the cyclic garbage collector's full passes.

A service process keeps objects as long as it lives: up to `aggregate_states_kept` folded aggregates (`States`),
its wiring, its caches. They make no reference cycles, yet each full pass of the collector (generation 2) walks them
all with the event loop stopped: 110-260 ms in an accompaniment API process of the benchmark platform during
`POST .../appointments` at 200 requests/s, every request arriving meanwhile waiting for it (p99 160-350 ms against
a p50 of 4-11 ms).

Every `gc_freeze_seconds`, the young generations are collected (a short pass over the recent objects) and what
survives is frozen (`gc.freeze`): left out of every later pass, still freed by reference counting when dropped (an
evicted state, a replaced cache entry). The price: a reference cycle frozen while still alive is reclaimed only at
the next full pass, every `gc_full_collection_seconds` (the frozen objects unfrozen, one full collection, frozen
again): one long pause an hour instead of several a minute under load. Measured on the benchmark platform
(`POST .../appointments`, 30 s at 200 then 500 requests/s, the accompaniment processes restarted before each run,
2026-12-02): without it p99 160-350 ms at 200/s and 337-1,364 ms at 500/s with 143-2,465 answers 503, full passes of
110-260 ms; settling every 60 s, 33.8 and 65.3 ms, 0 failed, passes up to 103 ms; every 10 s (the default), 13.4
and 21.5 ms, 0 failed, passes up to 24 ms.
"""

from __future__ import annotations

import asyncio
import gc
import time


def settle(full: bool) -> None:
    """Freeze what survives a collection of the young generations (`full`: of every object, frozen ones too)."""
    if full:
        gc.unfreeze()
        gc.collect()
    else:
        gc.collect(1)
    gc.freeze()


async def keep_out_of_full_passes(every: float, full_every: float) -> None:
    """Settle the process's objects every `every` seconds, with a full collection every `full_every` seconds."""
    last_full = time.monotonic()
    while True:
        await asyncio.sleep(every)
        full = time.monotonic() - last_full >= full_every
        settle(full)
        if full:
            last_full = time.monotonic()
